//! The field language of the admin's generated forms. A page block's
//! fields and a record's fields are each a list of [`Field`]s: shown as
//! typed text keyed `field` or `field.part` (`image.alt`, `link.href`),
//! read back into JSON in the shape the stored type deserialises, with a
//! message at each input that needs one. One template macro renders every
//! control (`forms.control` in `templates/forms.html`).

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::{Map, Value, json};

use crate::content::slug::{Slug, slugify};
use crate::content::{Href, assets, media};
use crate::store::Store;

/// Input name → the text typed in it.
pub type Typed = BTreeMap<String, String>;
/// Input name → what is wrong with it.
pub type Errors = BTreeMap<String, String>;
/// The media library: each image's name and its alt text.
pub type Library = BTreeMap<String, String>;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Control {
    /// One line of text.
    Line,
    /// The last part of an address; made from the `title` field when empty.
    Slug,
    /// Markdown over several lines.
    Markdown,
    /// A path on the site or a web address.
    Address,
    /// A video player's https address, framed in the page.
    Player,
    /// `YYYY-MM-DD`.
    Date,
    /// A whole number.
    Number,
    /// How many items a list shows: 1 to 50.
    Count,
    /// One item a line.
    Lines,
    /// `Label | address`, one a line.
    Links,
    /// `Quote | source`, one a line.
    Quotes,
    /// A label and an address (`.label`, `.href`).
    Link,
    /// An image from the library with alt text typed here (`.asset`, `.alt`).
    Image,
    /// An image from the library; its alt text is the library's, or else "Cover of" the title.
    LibraryImage,
    /// One of the site's videos, by slug.
    MediaItem,
    /// One of the site's petitions, by slug.
    Petition,
    /// One of the listed `(value, label)` pairs; a `""` value means none.
    Choice(&'static [(&'static str, &'static str)]),
}

impl Control {
    /// Stored as a JSON list.
    pub fn is_list(self) -> bool {
        matches!(self, Control::Lines | Control::Links | Control::Quotes)
    }
}

#[derive(Debug, Clone, Copy, Serialize)]
pub struct Field {
    pub name: &'static str,
    pub label: &'static str,
    pub control: Control,
    pub required: bool,
    pub hint: &'static str,
}

/// A field that may stay empty and has no hint; see [`Field::required`] and [`Field::hint`].
pub const fn field(name: &'static str, label: &'static str, control: Control) -> Field {
    Field { name, label, control, required: false, hint: "" }
}

impl Field {
    pub const fn required(self) -> Field {
        Field { required: true, ..self }
    }

    pub const fn hint(self, hint: &'static str) -> Field {
        Field { hint, ..self }
    }
}

/// The form's view of a stored value (a JSON object holding the fields).
pub fn show(fields: &[Field], stored: &Value) -> Typed {
    let mut typed = Typed::new();
    let pairs = |v: &Value, a: &str, b: &str| {
        let items = v.as_array().into_iter().flatten();
        items.map(|item| format!("{} | {}", text(&item[a]), text(&item[b]))).collect::<Vec<_>>().join("\n")
    };
    for field in fields {
        let (name, value) = (field.name, &stored[field.name]);
        let shown = match field.control {
            Control::Image | Control::Link => {
                let parts = if field.control == Control::Image { ["asset", "alt"] } else { ["label", "href"] };
                for part in parts {
                    typed.insert(format!("{name}.{part}"), text(&value[part]));
                }
                continue;
            }
            Control::Lines => value.as_array().into_iter().flatten().map(text).collect::<Vec<_>>().join("\n"),
            Control::Links => pairs(value, "label", "href"),
            Control::Quotes => pairs(value, "text", "source"),
            Control::LibraryImage if value.is_object() => text(&value["asset"]),
            _ => text(value),
        };
        typed.insert(name.to_owned(), shown);
    }
    typed
}

fn text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// The library's images and their descriptions, for reading image fields.
pub async fn library(store: &crate::store::Store) -> anyhow::Result<Library> {
    let images = crate::content::assets::library(store).await?.into_iter().filter(|a| a.content_type.starts_with("image/"));
    Ok(images.map(|a| (a.name, a.alt)).collect())
}

/// Reads the typed fields into a JSON object in the stored type's shape.
/// Empty fields are left out, so the type's defaults apply.
pub fn read(fields: &[Field], typed: &Typed, library: &Library) -> Result<Map<String, Value>, Errors> {
    let mut reader = Reader { typed, library, errors: Errors::new() };
    let mut out = Map::new();
    for field in fields {
        if let Some(value) = reader.field(field) {
            out.insert(field.name.to_owned(), value);
        }
    }
    if reader.errors.is_empty() { Ok(out) } else { Err(reader.errors) }
}

struct Reader<'a> {
    typed: &'a Typed,
    library: &'a Library,
    errors: Errors,
}

impl Reader<'_> {
    fn get(&self, key: &str) -> String {
        self.typed.get(key).map(|v| v.replace("\r\n", "\n")).unwrap_or_default()
    }

    fn fail(&mut self, key: &str, message: impl Into<String>) -> Option<Value> {
        self.errors.insert(key.to_owned(), message.into());
        None
    }

    fn field(&mut self, field: &Field) -> Option<Value> {
        let name = field.name;
        match field.control {
            Control::Image => return self.image(field),
            Control::Link => return self.link(field),
            _ => {}
        }
        let raw = self.get(name);
        let trimmed = raw.trim();
        if trimmed.is_empty() && field.required {
            return self.fail(name, format!("{} is needed.", field.label));
        }
        if trimmed.is_empty() && field.control != Control::Slug {
            return None;
        }
        match field.control {
            Control::Line => Some(json!(trimmed)),
            Control::Markdown => match crate::render::markdown::check(&raw) {
                Ok(()) => Some(json!(raw.trim_end())),
                Err(e) => self.fail(name, e),
            },
            Control::Slug => {
                let wanted = if trimmed.is_empty() { slugify(self.get("title").trim()) } else { trimmed.to_owned() };
                match Slug::parse(&wanted) {
                    Ok(slug) => Some(json!(slug)),
                    Err(e) => self.fail(name, e),
                }
            }
            Control::Address => self.href(name, trimmed),
            Control::Player => match crate::content::media::PlayerUrl::parse(trimmed) {
                Ok(player) => Some(json!(player.as_str())),
                Err(e) => self.fail(name, e),
            },
            Control::Date => match time::Date::parse(trimmed, time::macros::format_description!("[year]-[month]-[day]")) {
                Ok(_) => Some(json!(trimmed)),
                Err(_) => self.fail(name, "Write the date as YYYY-MM-DD, e.g. 2016-08-22."),
            },
            Control::Number => match trimmed.parse::<i32>() {
                Ok(n) => Some(json!(n)),
                Err(_) => self.fail(name, "Write a whole number."),
            },
            Control::Count => match trimmed.parse::<u32>() {
                Ok(n) if (1..=50).contains(&n) => Some(json!(n)),
                _ => self.fail(name, "Write a number from 1 to 50."),
            },
            Control::Lines => Some(json!(trimmed.lines().map(str::trim).filter(|l| !l.is_empty()).collect::<Vec<_>>())),
            Control::Links | Control::Quotes => Some(self.pairs(field, trimmed)),
            Control::LibraryImage => match self.library.get(trimmed) {
                Some(alt) if !alt.trim().is_empty() => Some(json!({ "asset": trimmed, "alt": alt })),
                // Without a description in the library, the title describes it (as the site does).
                Some(_) => Some(json!({ "asset": trimmed, "alt": format!("Cover of {}", self.get("title").trim()) })),
                None => self.fail(name, "Choose an image from the media library."),
            },
            Control::MediaItem | Control::Petition => match Slug::parse(trimmed) {
                Ok(slug) => Some(json!(slug)),
                Err(e) => self.fail(name, e),
            },
            Control::Choice(options) if options.iter().any(|(value, _)| *value == trimmed) => Some(json!(trimmed)),
            Control::Choice(_) => self.fail(name, "Choose one of the options."),
            Control::Image | Control::Link => unreachable!("read as two inputs above"),
        }
    }

    fn href(&mut self, key: &str, text: &str) -> Option<Value> {
        match Href::parse(text) {
            Ok(href) => Some(json!(href.as_str())),
            Err(e) => self.fail(key, e),
        }
    }

    /// `a | b` a line; the last `|` splits, so a label may hold one.
    fn pairs(&mut self, field: &Field, text: &str) -> Value {
        let quotes = field.control == Control::Quotes;
        let mut items = Vec::new();
        for (n, line) in text.lines().map(str::trim).filter(|l| !l.is_empty()).enumerate() {
            match line.rsplit_once('|').map(|(a, b)| (a.trim(), b.trim())) {
                Some((a, b)) if !a.is_empty() && !b.is_empty() => {
                    if quotes {
                        items.push(json!({ "text": a, "source": b }));
                    } else {
                        match Href::parse(b) {
                            Ok(href) => items.push(json!({ "label": a, "href": href.as_str() })),
                            Err(e) => _ = self.fail(field.name, format!("Line {}: {e}", n + 1)),
                        }
                    }
                }
                _ => {
                    let shape = if quotes { "Quote | source" } else { "Label | address" };
                    self.fail(field.name, format!("Line {}: write it as {shape}.", n + 1));
                }
            }
        }
        json!(items)
    }

    fn image(&mut self, field: &Field) -> Option<Value> {
        let name = field.name;
        let (asset, alt) = (self.get(&format!("{name}.asset")), self.get(&format!("{name}.alt")));
        let (asset, alt) = (asset.trim(), alt.trim());
        if asset.is_empty() {
            return if field.required { self.fail(&format!("{name}.asset"), "Choose an image from the library.") } else { None };
        }
        // Only the library's own images: a typed `../x` would become another address.
        let Some(described) = self.library.get(asset) else {
            return self.fail(&format!("{name}.asset"), format!("“{asset}” is not an image in the library; choose one from the list."));
        };
        // Left empty, the description is the library's, typed once at upload.
        let alt = if alt.is_empty() { described.trim() } else { alt };
        if alt.is_empty() {
            return self.fail(&format!("{name}.alt"), "Describe the image for people who cannot see it.");
        }
        Some(json!({ "asset": asset, "alt": alt }))
    }

    fn link(&mut self, field: &Field) -> Option<Value> {
        let name = field.name;
        let (label, address) = (self.get(&format!("{name}.label")), self.get(&format!("{name}.href")));
        let (label, address) = (label.trim(), address.trim());
        if label.is_empty() && address.is_empty() {
            return if field.required { self.fail(&format!("{name}.href"), format!("{} is needed.", field.label)) } else { None };
        }
        if label.is_empty() {
            self.fail(&format!("{name}.label"), "Give the link a label.");
        }
        let href = self.href(&format!("{name}.href"), address)?;
        Some(json!({ "label": label, "href": href }))
    }
}

/// What the generated selects offer, as `(value, label)` pairs.
#[derive(Debug, Serialize)]
pub struct Choices {
    pub images: Vec<(String, String)>,
    pub videos: Vec<(String, String)>,
    pub petitions: Vec<(String, String)>,
}

impl Choices {
    pub async fn load(store: &Store) -> anyhow::Result<Self> {
        let images = assets::image_names(store).await?.into_iter().map(|name| (name.clone(), name)).collect();
        let videos = media::published(store, None).await?.into_iter().map(|m| (m.slug, m.title)).collect();
        let petitions = crate::petitions::list(store).await?.into_iter().map(|p| (p.slug, p.title)).collect();
        Ok(Choices { images, videos, petitions })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FIELDS: &[Field] = &[
        field("title", "Title", Control::Line).required(),
        field("slug", "Address", Control::Slug),
        field("limit", "How many", Control::Count),
        field("items", "Links", Control::Links),
        field("image", "Image", Control::Image),
        field("link", "Button", Control::Link),
    ];

    fn typed(pairs: &[(&str, &str)]) -> Typed {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn what_is_shown_reads_back_the_same() {
        let stored = json!({
            "title": "Free Jens", "slug": "free-jens", "limit": 3,
            "items": [{ "label": "Case | files", "href": "/case/" }, { "label": "Site", "href": "https://example.org" }],
            "image": { "asset": "a.svg", "alt": "A" }, "link": { "label": "Sign", "href": "/pardon/" },
        });
        let shown = show(FIELDS, &stored);
        assert_eq!(shown["image.alt"], "A");
        let library = Library::from([("a.svg".to_owned(), String::new())]);
        assert_eq!(Value::Object(read(FIELDS, &shown, &library).unwrap()), stored);
    }

    #[test]
    fn empty_fields_are_left_out_and_a_slug_comes_from_the_title() {
        let read = read(FIELDS, &typed(&[("title", "Free Jens Söring")]), &Library::new()).unwrap();
        assert_eq!(Value::Object(read), json!({ "title": "Free Jens Söring", "slug": "free-jens-soering" }));
    }

    #[test]
    fn mistakes_are_named_at_their_input() {
        let typed = typed(&[
            ("limit", "0"),
            ("items", "Case | /case\njust a line"),
            ("image.asset", "a.svg"),
            ("link.href", "javascript:alert(1)"),
        ]);
        let errors = read(FIELDS, &typed, &Library::new()).unwrap_err();
        assert_eq!(errors["title"], "Title is needed.");
        assert!(errors["items"].contains("Line 2"), "{errors:?}");
        for key in ["limit", "image.asset", "link.label", "link.href"] {
            assert!(errors.contains_key(key), "{key}: {errors:?}");
        }
        let library = Library::from([("a.svg".to_owned(), String::new())]);
        let errors = read(FIELDS, &typed_alone("a.svg"), &library).unwrap_err();
        assert!(errors.contains_key("image.alt"), "an image needs a description: {errors:?}");
    }

    fn typed_alone(asset: &str) -> Typed {
        typed(&[("title", "T"), ("image.asset", asset)])
    }

    /// The review's `../../x`: only the library's images may be named.
    #[test]
    fn an_image_must_be_one_of_the_librarys() {
        let library = Library::from([("a.svg".to_owned(), "A".to_owned())]);
        for stranger in ["../../x", "/uploads/../admin", "b.png"] {
            let errors = read(FIELDS, &typed_alone(stranger), &library).unwrap_err();
            assert!(errors["image.asset"].contains("not an image in the library"), "{stranger}: {errors:?}");
        }
        assert!(read(FIELDS, &typed_alone("a.svg"), &library).is_ok());
    }
}
