//! Blocks in the page form. Each block type lists its fields and the kind
//! of control each needs; a block travels through the form as a row of
//! flat text inputs named `b{n}.{field}` (see [`crate::admin::rows`]) and
//! is read back into a checked [`Block`].

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::{Map, Value, json};

use crate::content::blocks::Block;
use crate::content::{Href, slug::Slug};

#[derive(Debug, Clone, Copy, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Control {
    /// One line of text.
    Line,
    /// A web address or a path on the site.
    Address,
    /// Markdown, several lines.
    Markdown,
    Number,
    /// An image from the library and its alt text.
    Image,
    /// A label and an address.
    Link,
    /// One link a line: `Label | address`.
    Links,
    /// News, articles or both.
    PostKind,
    /// One of the site's media items.
    MediaItem,
    /// One of the site's petitions.
    Petition,
}

#[derive(Debug, Serialize)]
pub struct Field {
    pub name: &'static str,
    pub label: &'static str,
    pub control: Control,
    pub required: bool,
}

#[derive(Debug, Serialize)]
pub struct BlockType {
    pub tag: &'static str,
    pub label: &'static str,
    pub fields: &'static [Field],
}

const fn field(name: &'static str, label: &'static str, control: Control, required: bool) -> Field {
    Field { name, label, control, required }
}

const TITLE: Field = field("title", "Title", Control::Line, true);
const HEADING: Field = field("title", "Heading (optional)", Control::Line, false);
const TEXT: Field = field("text", "Text", Control::Markdown, false);
const LIMIT: Field = field("limit", "How many to show", Control::Number, false);

/// Every block type, in the palette's order.
pub const TYPES: &[BlockType] = &[
    BlockType { tag: "rich_text", label: "Text", fields: &[field("body", "Text", Control::Markdown, true)] },
    BlockType {
        tag: "hero",
        label: "Opening with a large title",
        fields: &[TITLE, TEXT, field("image", "Image", Control::Image, false), field("link", "Button", Control::Link, false)],
    },
    BlockType {
        tag: "feature",
        label: "Feature card",
        fields: &[TITLE, TEXT, field("image", "Image", Control::Image, false), field("link", "Link", Control::Link, true)],
    },
    BlockType {
        tag: "latest_news",
        label: "Latest news",
        fields: &[HEADING, field("kind", "Which posts", Control::PostKind, false), LIMIT],
    },
    BlockType { tag: "book_list", label: "Books", fields: &[HEADING] },
    BlockType { tag: "media_list", label: "TV and video", fields: &[HEADING, LIMIT] },
    BlockType { tag: "press_list", label: "Press reports", fields: &[HEADING, LIMIT] },
    BlockType {
        tag: "quote",
        label: "Quote",
        fields: &[field("text", "Quote", Control::Markdown, true), field("attribution", "Who said it", Control::Line, false)],
    },
    BlockType {
        tag: "image",
        label: "Image",
        fields: &[field("image", "Image", Control::Image, true), field("caption", "Caption", Control::Line, false)],
    },
    BlockType {
        tag: "video",
        label: "Video",
        fields: &[
            TITLE,
            field("media", "One of the site's videos", Control::MediaItem, false),
            field("url", "…or a video page's address", Control::Address, false),
        ],
    },
    BlockType {
        tag: "links",
        label: "Links",
        fields: &[HEADING, field("items", "Links, one a line: Label | address", Control::Links, true)],
    },
    BlockType { tag: "newsletter_signup", label: "Newsletter signup", fields: &[TITLE, TEXT] },
    BlockType { tag: "petition", label: "Petition", fields: &[TITLE, TEXT, field("petition", "Which petition", Control::Petition, false)] },
    BlockType { tag: "contact", label: "Contact", fields: &[TITLE, TEXT] },
];

pub fn block_type(tag: &str) -> Option<&'static BlockType> {
    TYPES.iter().find(|t| t.tag == tag)
}

/// A block as the form holds it: its type and the text of each input,
/// keyed `field` or `field.part` (`image.asset`, `link.href`).
#[derive(Debug, Clone, Default, Serialize)]
pub struct TypedBlock {
    pub tag: String,
    pub values: BTreeMap<String, String>,
}

impl TypedBlock {
    pub fn empty(tag: &str) -> Self {
        let mut values = BTreeMap::new();
        if tag == "latest_news" || tag == "media_list" || tag == "press_list" {
            values.insert("limit".to_owned(), "5".to_owned());
        }
        TypedBlock { tag: tag.to_owned(), values }
    }

    /// The form's view of a saved block.
    pub fn from_block(block: &Block) -> Self {
        let json = serde_json::to_value(block).unwrap_or(Value::Null);
        let tag = json["type"].as_str().unwrap_or_default().to_owned();
        let mut values = BTreeMap::new();
        let text = |v: &Value| match v {
            Value::String(s) => s.clone(),
            Value::Null => String::new(),
            other => other.to_string(),
        };
        for field in block_type(&tag).map_or(&[][..], |t| t.fields) {
            let value = &json[field.name];
            match field.control {
                Control::Image => {
                    values.insert(format!("{}.asset", field.name), text(&value["asset"]));
                    values.insert(format!("{}.alt", field.name), text(&value["alt"]));
                }
                Control::Link => {
                    values.insert(format!("{}.label", field.name), text(&value["label"]));
                    values.insert(format!("{}.href", field.name), text(&value["href"]));
                }
                Control::Links => {
                    let lines: Vec<String> =
                        value.as_array().into_iter().flatten().map(|l| format!("{} | {}", text(&l["label"]), text(&l["href"]))).collect();
                    values.insert(field.name.to_owned(), lines.join("\n"));
                }
                _ => {
                    values.insert(field.name.to_owned(), text(value));
                }
            }
        }
        TypedBlock { tag, values }
    }

    fn get(&self, key: &str) -> &str {
        self.values.get(key).map_or("", |v| v.trim())
    }

    /// Reads the typed block into a checked block, or messages keyed by input.
    pub fn read(&self) -> Result<Block, BTreeMap<String, String>> {
        let mut errors = BTreeMap::new();
        let Some(kind) = block_type(&self.tag) else {
            errors.insert("type".to_owned(), format!("{:?} is not a block type Pamphlet knows.", self.tag));
            return Err(errors);
        };
        let mut json = Map::new();
        json.insert("type".into(), json!(kind.tag));
        for field in kind.fields {
            let name = field.name;
            let value = match field.control {
                Control::Line | Control::Markdown => {
                    let text = self.values.get(name).map(|v| v.replace("\r\n", "\n")).unwrap_or_default();
                    let text = if matches!(field.control, Control::Line) { text.trim().to_owned() } else { text.trim_end().to_owned() };
                    if text.is_empty() && field.required {
                        errors.insert(name.to_owned(), format!("{} is needed.", field.label));
                    }
                    json!(text)
                }
                Control::Address => match self.get(name) {
                    "" => Value::Null,
                    address => href(address, name, &mut errors),
                },
                Control::Number => match self.get(name).parse::<u32>() {
                    Ok(n) if (1..=50).contains(&n) => json!(n),
                    _ => {
                        errors.insert(name.to_owned(), "Write a number from 1 to 50.".into());
                        Value::Null
                    }
                },
                Control::Image => {
                    let (asset, alt) = (self.get(&format!("{name}.asset")), self.get(&format!("{name}.alt")));
                    if asset.is_empty() {
                        if field.required {
                            errors.insert(format!("{name}.asset"), "Choose an image from the library.".into());
                        }
                        Value::Null
                    } else {
                        if alt.is_empty() {
                            errors.insert(format!("{name}.alt"), "Describe the image for people who cannot see it.".into());
                        }
                        json!({ "asset": asset, "alt": alt })
                    }
                }
                Control::Link => {
                    let (label, address) = (self.get(&format!("{name}.label")), self.get(&format!("{name}.href")));
                    if label.is_empty() && address.is_empty() {
                        if field.required {
                            errors.insert(format!("{name}.href"), "This block needs a link.".into());
                        }
                        Value::Null
                    } else {
                        if label.is_empty() {
                            errors.insert(format!("{name}.label"), "Give the link a label.".into());
                        }
                        json!({ "label": label, "href": href(address, &format!("{name}.href"), &mut errors) })
                    }
                }
                Control::Links => {
                    let mut items = Vec::new();
                    for (n, line) in self.get(name).lines().map(str::trim).filter(|l| !l.is_empty()).enumerate() {
                        match line.split_once('|') {
                            Some((label, address)) if !label.trim().is_empty() => {
                                items.push(json!({ "label": label.trim(), "href": href(address.trim(), name, &mut errors) }))
                            }
                            _ => {
                                errors.insert(name.to_owned(), format!("Line {}: write it as Label | address.", n + 1));
                            }
                        }
                    }
                    if items.is_empty() && field.required {
                        errors.entry(name.to_owned()).or_insert_with(|| "Add at least one link.".into());
                    }
                    json!(items)
                }
                Control::PostKind => match self.get(name) {
                    "" => Value::Null,
                    kind @ ("news" | "article") => json!(kind),
                    _ => {
                        errors.insert(name.to_owned(), "Choose news, articles or both.".into());
                        Value::Null
                    }
                },
                Control::MediaItem | Control::Petition => match self.get(name) {
                    "" => Value::Null,
                    slug => match Slug::parse(slug) {
                        Ok(slug) => json!(slug),
                        Err(e) => {
                            errors.insert(name.to_owned(), e);
                            Value::Null
                        }
                    },
                },
            };
            if !value.is_null() {
                json.insert(name.to_owned(), value);
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        let block: Block = serde_json::from_value(Value::Object(json)).map_err(|e| BTreeMap::from([("type".to_owned(), e.to_string())]))?;
        block.validate().map_err(|e| BTreeMap::from([("type".to_owned(), capitalised(&e))]))?;
        Ok(block)
    }
}

fn href(text: &str, key: &str, errors: &mut BTreeMap<String, String>) -> Value {
    match Href::parse(text) {
        Ok(href) => json!(href.as_str()),
        Err(e) => {
            errors.insert(key.to_owned(), e);
            Value::Null
        }
    }
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

/// The blocks of a submitted form, in the order the form sent them.
pub fn from_pairs(pairs: &[(String, String)]) -> Vec<TypedBlock> {
    crate::admin::rows::read(pairs, 'b')
        .into_iter()
        .map(|mut values| TypedBlock { tag: values.remove("type").unwrap_or_default(), values })
        .collect()
}

/// Applies a block button: a row button (see [`crate::admin::rows`]) or `add:TYPE`.
pub fn apply(blocks: &mut Vec<TypedBlock>, op: &str) -> Result<(), String> {
    if let Some(tag) = op.strip_prefix("add:") {
        block_type(tag).ok_or_else(|| format!("{tag:?} is not a block type"))?;
        blocks.push(TypedBlock::empty(tag));
        return Ok(());
    }
    crate::admin::rows::apply(blocks, op)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn blocks_keep_the_order_the_form_sends_them_in() {
        let blocks = from_pairs(&pairs(&[
            ("title", "Page"),
            ("b7.type", "quote"),
            ("b7.text", "Innocent."),
            ("b2.type", "rich_text"),
            ("b2.body", "Hello"),
        ]));
        assert_eq!(blocks.iter().map(|b| b.tag.as_str()).collect::<Vec<_>>(), ["quote", "rich_text"]);
        assert!(matches!(blocks[0].read().unwrap(), Block::Quote { .. }));
    }

    #[test]
    fn every_saved_block_reads_back_the_same() {
        let demo: Vec<Block> = serde_json::from_value(json!([
            { "type": "hero", "title": "Free Jens", "text": "Text", "image": { "asset": "a.svg", "alt": "A" }, "link": { "label": "Sign", "href": "/pardon" } },
            { "type": "links", "title": "More", "items": [{ "label": "Case", "href": "/case" }, { "label": "Site", "href": "https://example.org" }] },
            { "type": "latest_news", "title": "", "kind": "news", "limit": 3 },
            { "type": "video", "title": "Trailer", "media": "the-promise-trailer" },
        ]))
        .unwrap();
        for block in demo {
            assert_eq!(TypedBlock::from_block(&block).read().unwrap(), block);
        }
    }

    #[test]
    fn mistakes_are_named_at_their_input() {
        let mut hero = TypedBlock::empty("hero");
        hero.values.insert("image.asset".into(), "a.svg".into());
        hero.values.insert("link.href".into(), "javascript:alert(1)".into());
        let errors = hero.read().unwrap_err();
        for key in ["title", "image.alt", "link.label", "link.href"] {
            assert!(errors.contains_key(key), "{key}: {errors:?}");
        }
        let mut links = TypedBlock::empty("links");
        links.values.insert("items".into(), "Case | /case\njust a line".into());
        assert!(links.read().unwrap_err()["items"].contains("Line 2"));
    }

    #[test]
    fn block_buttons_move_copy_and_remove() {
        let mut blocks = vec![TypedBlock::empty("quote"), TypedBlock::empty("rich_text")];
        apply(&mut blocks, "down:0").unwrap();
        assert_eq!(blocks[1].tag, "quote");
        apply(&mut blocks, "duplicate:1").unwrap();
        apply(&mut blocks, "add:image").unwrap();
        apply(&mut blocks, "remove:0").unwrap();
        assert_eq!(blocks.iter().map(|b| b.tag.as_str()).collect::<Vec<_>>(), ["quote", "quote", "image"]);
        assert!(apply(&mut blocks, "add:marquee").is_err());
        assert!(apply(&mut blocks, "up:9").is_err());
    }
}
