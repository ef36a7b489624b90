//! CSV as spreadsheets write and read it: the import of subscribers and
//! the exports of subscribers and signatures.

/// The cells of one CSV line: commas separate, double quotes enclose, `""` is a quote.
pub fn cells(line: &str) -> Vec<String> {
    let (mut cells, mut cell, mut quoted) = (Vec::new(), String::new(), false);
    let mut chars = line.trim_end_matches('\r').chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                cell.push('"');
                chars.next();
            }
            ('"', _) => quoted = !quoted,
            (',' | ';', false) => cells.push(std::mem::take(&mut cell)),
            (c, _) => cell.push(c),
        }
    }
    cells.push(cell);
    cells
}

/// A cell for a spreadsheet: quoted, and never read as a formula.
pub fn cell(text: &str) -> String {
    let text = if text.starts_with(['=', '+', '-', '@']) { format!("'{text}") } else { text.to_owned() };
    format!("\"{}\"", text.replace('"', "\"\""))
}

/// One line of cells, ended as spreadsheets expect (CRLF).
pub fn line<S: AsRef<str>>(cells: &[S]) -> String {
    let mut line = cells.iter().map(|c| cell(c.as_ref())).collect::<Vec<_>>().join(",");
    line.push_str("\r\n");
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_lines_are_split_like_spreadsheets_write_them() {
        assert_eq!(cells("ann@example.org,Ann"), ["ann@example.org", "Ann"]);
        assert_eq!(cells("\"bob@example.org\",\"Smith, Bob \"\"B\"\"\"\r"), ["bob@example.org", "Smith, Bob \"B\""]);
        assert_eq!(cells("carl@example.org;Carl"), ["carl@example.org", "Carl"]);
        assert_eq!(cell("=HYPERLINK(1)"), "\"'=HYPERLINK(1)\"");
    }
}
