//! Blocks in the page form. Each block type lists its fields in the admin's
//! field language ([`crate::admin::fields`]); a block travels through the
//! form as a row of flat text inputs named `b{n}.{field}` (see
//! [`crate::admin::rows`]) and is read back into a checked [`Block`].

use serde::Serialize;
use serde_json::{Value, json};

use crate::admin::fields::{self, Control, Errors, Field, Library, Typed, field};
use crate::content::blocks::Block;

#[derive(Debug, Serialize)]
pub struct BlockType {
    pub tag: &'static str,
    pub label: &'static str,
    /// What the block shows on the site, for the palette.
    pub description: &'static str,
    pub fields: &'static [Field],
}

const TITLE: Field = field("title", "Title", Control::Line).required();
const HEADING: Field = field("title", "Heading (optional)", Control::Line);
const TEXT: Field = field("text", "Text", Control::Markdown);
const LIMIT: Field = field("limit", "How many to show", Control::Count);
const IMAGE: Field = field("image", "Image", Control::Image);
const POST_KINDS: &[(&str, &str)] = &[("", "News and articles"), ("news", "News"), ("article", "Articles")];

/// Every block type, in the palette's order.
pub const TYPES: &[BlockType] = &[
    BlockType {
        tag: "rich_text",
        label: "Text",
        description: "Paragraphs, headings, lists and pictures.",
        fields: &[field("body", "Text", Control::Markdown).required()],
    },
    BlockType {
        tag: "hero",
        label: "Opening with a large title",
        description: "A big title with a picture and one button: the page's opening.",
        fields: &[TITLE, TEXT, IMAGE, field("link", "Button", Control::Link)],
    },
    BlockType {
        tag: "feature",
        label: "Feature card",
        description: "A card with a title, a few words, a picture and a link.",
        fields: &[TITLE, TEXT, IMAGE, field("link", "Link", Control::Link).required()],
    },
    BlockType {
        tag: "latest_news",
        label: "Latest news",
        description: "The newest posts, updated by itself.",
        fields: &[HEADING, field("kind", "Which posts", Control::Choice(POST_KINDS)), LIMIT],
    },
    BlockType { tag: "book_list", label: "Books", description: "Every book, with covers.", fields: &[HEADING] },
    BlockType { tag: "media_list", label: "TV and video", description: "TV reports and videos, newest first.", fields: &[HEADING, LIMIT] },
    BlockType { tag: "press_list", label: "Press reports", description: "Press reports, newest first.", fields: &[HEADING, LIMIT] },
    BlockType {
        tag: "quote",
        label: "Quote",
        description: "Someone's words, set large, with who said them.",
        fields: &[field("text", "Quote", Control::Markdown).required(), field("attribution", "Who said it", Control::Line)],
    },
    BlockType {
        tag: "image",
        label: "Image",
        description: "One picture with a caption.",
        fields: &[IMAGE.required(), field("caption", "Caption", Control::Line)],
    },
    BlockType {
        tag: "video",
        label: "Video",
        description: "A video that loads when the visitor clicks it.",
        fields: &[
            TITLE,
            field("media", "One of the site's videos", Control::MediaItem),
            field("url", "…or a video page's address", Control::Address),
        ],
    },
    BlockType {
        tag: "links",
        label: "Links",
        description: "A short list of links.",
        fields: &[HEADING, field("items", "Links", Control::Links).required().hint("One a line: Label | address")],
    },
    BlockType {
        tag: "newsletter_signup",
        label: "Newsletter signup",
        description: "A form to subscribe to the newsletter.",
        fields: &[TITLE, TEXT],
    },
    BlockType {
        tag: "petition",
        label: "Petition",
        description: "A petition's text, count and signing form.",
        fields: &[TITLE, TEXT, field("petition", "Which petition", Control::Petition)],
    },
    BlockType { tag: "contact", label: "Contact", description: "A form to write to the team.", fields: &[TITLE, TEXT] },
];

/// A line that tells one block from another when its card is folded: its
/// title or the start of its text, without Markdown's marks.
pub fn summary(values: &Typed) -> String {
    let text = ["title", "text", "body", "caption", "attribution", "items", "url", "image.alt"]
        .iter()
        .filter_map(|key| values.get(*key))
        .map(|v| v.split_whitespace().collect::<Vec<_>>().join(" "))
        .find(|v| !v.is_empty())
        .unwrap_or_default();
    let plain: String = text.chars().filter(|c| !matches!(c, '*' | '_' | '#' | '>' | '`' | '[' | ']')).collect();
    let plain = plain.trim();
    match plain.char_indices().nth(80) {
        Some((cut, _)) => format!("{}…", plain[..cut].trim_end()),
        None => plain.to_owned(),
    }
}

/// A page's stored blocks as lines an editor reads, for comparing two
/// versions: each block's type on a line of its own, then each filled field
/// with its label, so a change shows as "Title: …" rather than as JSON.
pub fn readable(blocks: &Value) -> String {
    let mut lines = Vec::new();
    for block in blocks.as_array().into_iter().flatten() {
        let tag = block["type"].as_str().unwrap_or_default();
        let Some(kind) = block_type(tag) else {
            lines.push(format!("▪ {tag}"));
            continue;
        };
        lines.push(format!("▪ {}", kind.label));
        let typed = fields::show(kind.fields, block);
        for field in kind.fields {
            let got = |part: &str| typed.get(&format!("{}.{part}", field.name)).cloned().unwrap_or_default();
            let value = match field.control {
                Control::Image if !got("asset").is_empty() => format!("{} (alt text: {})", got("asset"), got("alt")),
                Control::Link if !got("href").is_empty() => format!("{} → {}", got("label"), got("href")),
                Control::Image | Control::Link => String::new(),
                Control::Choice(options) => {
                    let value = typed.get(field.name).cloned().unwrap_or_default();
                    options.iter().find(|(v, _)| *v == value).map_or(value, |(_, label)| (*label).to_owned())
                }
                _ => typed.get(field.name).cloned().unwrap_or_default(),
            };
            if value.trim().is_empty() {
                continue;
            }
            let label = field.label.trim_end_matches(" (optional)");
            let mut value_lines = value.lines();
            lines.push(format!("  {label}: {}", value_lines.next().unwrap_or_default()));
            lines.extend(value_lines.map(|line| format!("    {line}")));
        }
    }
    lines.join("\n")
}

pub fn block_type(tag: &str) -> Option<&'static BlockType> {
    TYPES.iter().find(|t| t.tag == tag)
}

/// A block as the form holds it: its type and the text of each input
/// (see [`fields`]).
#[derive(Debug, Clone, Default, Serialize)]
pub struct TypedBlock {
    pub tag: String,
    pub values: Typed,
}

impl TypedBlock {
    pub fn empty(tag: &str) -> Self {
        let mut values = Typed::new();
        if block_type(tag).is_some_and(|t| t.fields.iter().any(|f| f.control == Control::Count)) {
            values.insert("limit".to_owned(), "5".to_owned());
        }
        TypedBlock { tag: tag.to_owned(), values }
    }

    /// The form's view of a saved block.
    pub fn from_block(block: &Block) -> Self {
        let json = serde_json::to_value(block).unwrap_or(Value::Null);
        let tag = json["type"].as_str().unwrap_or_default().to_owned();
        let values = fields::show(block_type(&tag).map_or(&[][..], |t| t.fields), &json);
        TypedBlock { tag, values }
    }

    /// Reads the typed block into a checked block, or messages keyed by
    /// input; an image's description left empty is the library's.
    pub fn read(&self, library: &Library) -> Result<Block, Errors> {
        let Some(kind) = block_type(&self.tag) else {
            return Err(Errors::from([("type".to_owned(), format!("{:?} is not a block type Pamphlet knows.", self.tag))]));
        };
        let mut json = fields::read(kind.fields, &self.values, library)?;
        json.insert("type".into(), json!(kind.tag));
        let block: Block = serde_json::from_value(Value::Object(json)).map_err(|e| Errors::from([("type".to_owned(), e.to_string())]))?;
        block.validate().map_err(|e| Errors::from([("type".to_owned(), capitalised(&e))]))?;
        Ok(block)
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
        assert!(matches!(blocks[0].read(&Library::new()).unwrap(), Block::Quote { .. }));
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
        let library = Library::from([("a.svg".to_owned(), String::new())]);
        for block in demo {
            assert_eq!(TypedBlock::from_block(&block).read(&library).unwrap(), block);
        }
    }

    #[test]
    fn mistakes_are_named_at_their_input() {
        let mut hero = TypedBlock::empty("hero");
        hero.values.insert("image.asset".into(), "a.svg".into());
        hero.values.insert("link.href".into(), "javascript:alert(1)".into());
        let errors = hero.read(&Library::from([("a.svg".to_owned(), String::new())])).unwrap_err();
        for key in ["title", "image.alt", "link.label", "link.href"] {
            assert!(errors.contains_key(key), "{key}: {errors:?}");
        }
        let mut links = TypedBlock::empty("links");
        links.values.insert("items".into(), "Case | /case\njust a line".into());
        assert!(links.read(&Library::new()).unwrap_err()["items"].contains("Line 2"));
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
