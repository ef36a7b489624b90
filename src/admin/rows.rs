//! Repeated rows in a form (a page's blocks, a menu's links): each row's
//! inputs are named `{prefix}{n}.{field}`, where `n` only groups one row's
//! inputs. Rows keep the order the form sends them in, so a script that
//! moves a row in the page needs no renumbering, and the row buttons
//! (`up:N`, `down:N`, `remove:N`, `duplicate:N`, N counting from 0) work
//! the same without script, through the server.

use std::collections::BTreeMap;

/// The rows of a submitted form, each as its fields, in the order sent.
pub fn read(pairs: &[(String, String)], prefix: char) -> Vec<BTreeMap<String, String>> {
    let mut order: Vec<&str> = Vec::new();
    let mut rows: BTreeMap<&str, BTreeMap<String, String>> = BTreeMap::new();
    for (name, value) in pairs {
        let Some((group, key)) = name.strip_prefix(prefix).and_then(|rest| rest.split_once('.')) else { continue };
        if group.is_empty() || !group.bytes().all(|b| b.is_ascii_digit()) {
            continue;
        }
        rows.entry(group)
            .or_insert_with(|| {
                order.push(group);
                BTreeMap::new()
            })
            .insert(key.to_owned(), value.clone());
    }
    order.into_iter().filter_map(|g| rows.remove(g)).collect()
}

/// Applies a row button to `rows`; `add:…` is the caller's to handle.
/// `keep` changes nothing: the browser sends it to bring back a form it
/// kept unsaved, so the server shows it again as typed.
pub fn apply<T: Clone>(rows: &mut Vec<T>, op: &str) -> Result<(), String> {
    if op == "keep" {
        return Ok(());
    }
    let (verb, arg) = op.split_once(':').ok_or_else(|| format!("{op:?} is not a row action"))?;
    let n: usize = arg.parse().ok().filter(|n| *n < rows.len()).ok_or_else(|| format!("there is no row {arg}"))?;
    match verb {
        "up" if n > 0 => rows.swap(n, n - 1),
        "down" if n + 1 < rows.len() => rows.swap(n, n + 1),
        "up" | "down" => {}
        "remove" => {
            rows.remove(n);
        }
        "duplicate" => {
            let copy = rows[n].clone();
            rows.insert(n + 1, copy);
        }
        _ => return Err(format!("{verb:?} is not a row action")),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_keep_the_order_sent_and_buttons_move_them() {
        let pairs: Vec<(String, String)> = [("title", "x"), ("m9.label", "B"), ("m2.label", "A"), ("m9.href", "/b")]
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let mut rows = read(&pairs, 'm');
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0]["href"], "/b");
        apply(&mut rows, "down:0").unwrap();
        assert_eq!(rows[1]["label"], "B");
        apply(&mut rows, "duplicate:0").unwrap();
        apply(&mut rows, "remove:2").unwrap();
        assert_eq!(rows.iter().map(|r| r["label"].as_str()).collect::<Vec<_>>(), ["A", "A"]);
        assert!(apply(&mut rows, "up:5").is_err());
        assert!(apply(&mut rows, "spin:0").is_err());
    }
}
