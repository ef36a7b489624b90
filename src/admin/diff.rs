//! Differences between two saved versions of an item, field by field and
//! line by line, for the revision and conflict pages.

use serde::Serialize;
use serde_json::Value;
use similar::{ChangeTag, TextDiff};

#[derive(Debug, Serialize)]
pub struct FieldDiff {
    /// The field's name in plain words, as its form labels it.
    pub field: String,
    pub lines: Vec<Line>,
}

#[derive(Debug, Serialize)]
pub struct Line {
    /// "same", "added" or "removed".
    pub tag: &'static str,
    pub text: String,
}

/// The fields of two JSON objects that differ, each as a line diff from
/// `old` to `new`; `skip` names fields that are not content.
pub fn fields(old: &Value, new: &Value, skip: &[&str]) -> Vec<FieldDiff> {
    let (Some(old), Some(new)) = (old.as_object(), new.as_object()) else { return Vec::new() };
    let mut names: Vec<&String> = old.keys().chain(new.keys()).filter(|k| !skip.contains(&k.as_str())).collect();
    names.sort();
    names.dedup();
    names
        .into_iter()
        .filter_map(|name| {
            let (a, b) = (text(old.get(name)), text(new.get(name)));
            (a != b).then(|| FieldDiff { field: label(name), lines: lines(&a, &b) })
        })
        .collect()
}

/// A stored field's name as the forms say it: `slug` is "Address", `body`
/// "Text", and any other `some_name` (or a part, `cover.asset`) "Some name".
fn label(name: &str) -> String {
    const WORDS: &[(&str, &str)] = &[
        ("slug", "Address"),
        ("body", "Text"),
        ("cover", "Cover image"),
        ("owner", "Footer line"),
        ("contact_email", "Contact address"),
        ("mail_from", "Sender address"),
        ("mail_from_name", "Sender name"),
        ("blocked_domains", "Refused email domains"),
        ("accent", "Accent colour"),
        ("social", "Social links"),
        ("send_at", "Send at"),
        ("ends_at", "Takes signatures until"),
    ];
    if let Some((_, words)) = WORDS.iter().find(|(key, _)| *key == name) {
        return (*words).to_owned();
    }
    let spaced = name.replace(['_', '.'], " ");
    let mut chars = spaced.chars();
    chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

/// A field's value as text: strings as they are, lists one item a line.
fn text(value: Option<&Value>) -> String {
    match value {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(Value::Array(items)) => items.iter().map(|i| text(Some(i))).collect::<Vec<_>>().join("\n"),
        Some(other) => other.to_string(),
    }
}

pub fn lines(old: &str, new: &str) -> Vec<Line> {
    // Huge texts get a coarser diff rather than a stuck request.
    TextDiff::configure()
        .timeout(std::time::Duration::from_millis(300))
        .diff_lines(old, new)
        .iter_all_changes()
        .map(|change| Line {
            tag: match change.tag() {
                ChangeTag::Equal => "same",
                ChangeTag::Insert => "added",
                ChangeTag::Delete => "removed",
            },
            text: change.value().trim_end_matches('\n').to_owned(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_changed_fields_are_listed_with_their_lines() {
        let old = serde_json::json!({ "title": "Petition", "body": "one\ntwo\nthree", "version": 1, "tags": ["a"] });
        let new = serde_json::json!({ "title": "Petition", "body": "one\n2\nthree", "version": 2, "tags": ["a", "b"] });
        let diff = fields(&old, &new, &["version"]);
        let names: Vec<&str> = diff.iter().map(|d| d.field.as_str()).collect();
        assert_eq!(names, ["Text", "Tags"]);
        let body: Vec<(&str, &str)> = diff[0].lines.iter().map(|l| (l.tag, l.text.as_str())).collect();
        assert_eq!(body, [("same", "one"), ("removed", "two"), ("added", "2"), ("same", "three")]);
    }
}
