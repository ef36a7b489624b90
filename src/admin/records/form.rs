//! A record's form: its fields as typed text, from the stored row and back
//! into the shape the record's input type reads, with a message at each
//! field that needs one.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use super::kinds::{Control, Kind};
use crate::content::Href;
use crate::content::slug::{Slug, slugify};

/// Field name → typed text.
pub type Typed = BTreeMap<String, String>;
pub type Errors = BTreeMap<String, String>;

/// The form's view of a stored record (a JSON object with the fields' columns).
pub fn typed(kind: &Kind, row: &Value) -> Typed {
    let text = |v: &Value| match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    };
    kind.fields
        .iter()
        .map(|f| {
            let value = &row[f.name];
            let items = || value.as_array().cloned().unwrap_or_default();
            let shown = match f.control {
                Control::Lines => items().iter().map(text).collect::<Vec<_>>().join("\n"),
                Control::Links => {
                    items().iter().map(|l| format!("{} | {}", text(&l["label"]), text(&l["href"]))).collect::<Vec<_>>().join("\n")
                }
                Control::Quotes => {
                    items().iter().map(|q| format!("{} | {}", text(&q["text"]), text(&q["source"]))).collect::<Vec<_>>().join("\n")
                }
                _ => text(value),
            };
            (f.name.to_owned(), shown)
        })
        .collect()
}

/// Reads the typed fields into the record's input shape with `status`;
/// `images` maps each library image to its alt text.
pub fn read(kind: &Kind, typed: &Typed, status: &str, images: &BTreeMap<String, String>) -> Result<Value, Errors> {
    let mut errors = Errors::new();
    let mut out = Map::new();
    let get = |name: &str| typed.get(name).map(|v| v.replace("\r\n", "\n")).unwrap_or_default();
    for field in kind.fields {
        let raw = get(field.name);
        let trimmed = raw.trim();
        if field.required && trimmed.is_empty() {
            errors.insert(field.name.to_owned(), format!("{} is needed.", field.label));
            continue;
        }
        let mut fail = |message: String| {
            errors.insert(field.name.to_owned(), message);
        };
        let value = match field.control {
            Control::Line if field.name == "slug" => {
                let wanted = if trimmed.is_empty() { slugify(get("title").trim()) } else { trimmed.to_owned() };
                match Slug::parse(&wanted) {
                    Ok(slug) => json!(slug),
                    Err(e) => {
                        fail(e);
                        continue;
                    }
                }
            }
            // Empty fields are left out: the input's defaults (an empty text, no ISBN) apply.
            Control::Line | Control::Text if trimmed.is_empty() => continue,
            Control::Line => json!(trimmed),
            Control::Text => json!(raw.trim_end()),
            Control::Address if trimmed.is_empty() => continue,
            Control::Address => match Href::parse(trimmed) {
                Ok(href) => json!(href.as_str()),
                Err(e) => {
                    fail(e);
                    continue;
                }
            },
            Control::Date => match time::Date::parse(trimmed, time::macros::format_description!("[year]-[month]-[day]")) {
                Ok(_) => json!(trimmed),
                Err(_) => {
                    fail("Write the date as YYYY-MM-DD, e.g. 2016-08-22.".into());
                    continue;
                }
            },
            Control::Number if trimmed.is_empty() => continue,
            Control::Number => match trimmed.parse::<i32>() {
                Ok(n) => json!(n),
                Err(_) => {
                    fail("Write a whole number.".into());
                    continue;
                }
            },
            Control::Lines => json!(trimmed.lines().map(str::trim).filter(|l| !l.is_empty()).collect::<Vec<_>>()),
            Control::Links | Control::Quotes => {
                let mut items = Vec::new();
                for (n, line) in trimmed.lines().map(str::trim).filter(|l| !l.is_empty()).enumerate() {
                    match line.rsplit_once('|').map(|(a, b)| (a.trim(), b.trim())) {
                        Some((a, b)) if !a.is_empty() && !b.is_empty() => {
                            if field.control == Control::Quotes {
                                items.push(json!({ "text": a, "source": b }));
                            } else {
                                match Href::parse(b) {
                                    Ok(href) => items.push(json!({ "label": a, "href": href.as_str() })),
                                    Err(e) => fail(format!("Line {}: {e}", n + 1)),
                                }
                            }
                        }
                        _ => fail(format!(
                            "Line {}: write it as {}.",
                            n + 1,
                            if field.control == Control::Quotes { "Quote | source" } else { "Label | address" }
                        )),
                    }
                }
                json!(items)
            }
            Control::LibraryImage if trimmed.is_empty() => continue,
            Control::LibraryImage => match images.get(trimmed) {
                Some(alt) if !alt.trim().is_empty() => json!({ "asset": trimmed, "alt": alt }),
                // Without a description in the library, the record's title describes it (as the site does).
                Some(_) => json!({ "asset": trimmed, "alt": format!("Cover of {}", get("title").trim()) }),
                None => {
                    fail("Choose an image from the media library.".into());
                    continue;
                }
            },
            Control::Choice(options) => {
                if options.iter().any(|(value, _)| *value == trimmed) {
                    json!(trimmed)
                } else {
                    fail("Choose one of the options.".into());
                    continue;
                }
            }
        };
        out.insert(field.name.to_owned(), value);
    }
    out.insert("status".into(), json!(status));
    if errors.is_empty() { Ok(Value::Object(out)) } else { Err(errors) }
}

#[cfg(test)]
mod tests {
    use super::super::kinds::{BOOKS, PRESS};
    use super::*;

    #[test]
    fn a_stored_book_reads_back_into_the_same_input() {
        let row = json!({
            "title": "One Day in the Life of 179212", "slug": "one-day", "subtitle": "", "author": "Jens Söring",
            "co_authors": ["A. Person"], "foreword_by": "", "publisher": "Lantern", "year": 2003, "language": "en",
            "isbn13": "9781590560556", "cover": "book.svg", "description": "Text", "sample": "",
            "reviews": [{ "text": "Moving.", "source": "A paper" }], "awards": [], "buy_links": [{ "label": "Shop", "href": "https://example.org" }],
            "position": 1,
        });
        let typed = typed(&BOOKS, &row);
        assert_eq!(typed["reviews"], "Moving. | A paper");
        let images = BTreeMap::from([("book.svg".to_owned(), "The cover".to_owned())]);
        let read = read(&BOOKS, &typed, "published", &images).unwrap();
        assert_eq!(read["cover"], json!({ "asset": "book.svg", "alt": "The cover" }));
        assert_eq!(read["year"], 2003);
        let input: crate::content::books::BookInput = serde_json::from_value(read).unwrap();
        assert_eq!(input.isbn13.unwrap().digits(), "9781590560556");
    }

    #[test]
    fn mistakes_are_named_at_their_field() {
        let typed = Typed::from([
            ("title".to_owned(), "Report".to_owned()),
            ("outlet".to_owned(), String::new()),
            ("date".to_owned(), "22.8.2016".to_owned()),
            ("source_url".to_owned(), "javascript:alert(1)".to_owned()),
            ("language".to_owned(), "en".to_owned()),
        ]);
        let errors = read(&PRESS, &typed, "draft", &BTreeMap::new()).unwrap_err();
        for field in ["outlet", "date", "source_url"] {
            assert!(errors.contains_key(field), "{field}: {errors:?}");
        }
    }
}
