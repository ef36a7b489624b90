//! Page blocks: typed records stored as a JSON array on the page row.
//! The array's schema version is kept in `pages.blocks_schema` so a later
//! change of a block's fields can migrate old pages instead of failing them.

use serde::{Deserialize, Serialize};

use super::slug::Slug;
use super::{Href, Link};

/// The version of the block schema this binary writes.
pub const SCHEMA: i64 = 1;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum Block {
    /// Free text in Markdown.
    RichText { body: String },
    /// The opening of a page: a large title and a short Markdown text.
    Hero {
        title: String,
        #[serde(default)]
        text: String,
        #[serde(default)]
        image: Option<Image>,
        #[serde(default)]
        link: Option<Link>,
    },
    /// A card that leads somewhere: title, text, optional image, one link.
    Feature {
        title: String,
        #[serde(default)]
        text: String,
        #[serde(default)]
        image: Option<Image>,
        link: Link,
    },
    /// The newest posts, optionally only news or only articles.
    LatestNews {
        #[serde(default)]
        title: String,
        #[serde(default)]
        kind: Option<super::posts::PostKind>,
        #[serde(default = "default_limit")]
        limit: u32,
    },
    BookList {
        #[serde(default)]
        title: String,
    },
    MediaList {
        #[serde(default)]
        title: String,
        #[serde(default = "default_limit")]
        limit: u32,
    },
    PressList {
        #[serde(default)]
        title: String,
        #[serde(default = "default_limit")]
        limit: u32,
    },
    Quote {
        text: String,
        #[serde(default)]
        attribution: String,
    },
    Image {
        image: Image,
        #[serde(default)]
        caption: String,
    },
    /// A video that loads nothing from its host until the visitor asks:
    /// either one of the site's media items or an external page.
    Video {
        title: String,
        #[serde(default)]
        media: Option<super::slug::Slug>,
        #[serde(default)]
        url: Option<Href>,
    },
    Links {
        #[serde(default)]
        title: String,
        items: Vec<Link>,
    },
    /// Invites readers to the newsletter.
    NewsletterSignup {
        title: String,
        #[serde(default)]
        text: String,
    },
    /// Calls readers to sign a petition, with its form and live counter.
    Petition {
        title: String,
        #[serde(default)]
        text: String,
        /// Which petition (its slug); without one the block only calls.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        petition: Option<Slug>,
    },
    /// Tells readers how to reach the team.
    Contact {
        title: String,
        #[serde(default)]
        text: String,
    },
}

/// An uploaded image with the alt text that every image needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Image {
    /// Name of the asset in the store (see `content::assets`).
    pub asset: String,
    pub alt: String,
}

fn default_limit() -> u32 {
    5
}

impl Block {
    /// Checks what serde cannot express; returns a message naming the field.
    pub fn validate(&self) -> Result<(), String> {
        let image = match self {
            Block::Hero { image, .. } | Block::Feature { image, .. } => image.as_ref(),
            Block::Image { image, .. } => Some(image),
            _ => None,
        };
        if let Some(image) = image
            && image.alt.trim().is_empty()
        {
            return Err(format!("the image {:?} needs alt text describing it", image.asset));
        }
        if let Block::Video { media, url, .. } = self
            && media.is_some() == url.is_some()
        {
            return Err("a video block needs exactly one of `media` (a media item's slug) or `url`".into());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_round_trip_through_json_with_their_type_tag() {
        let block = Block::Quote { text: "Innocent.".into(), attribution: "Chuck Reid".into() };
        let json = serde_json::to_string(&block).unwrap();
        assert!(json.contains(r#""type":"quote""#), "{json}");
        assert_eq!(serde_json::from_str::<Block>(&json).unwrap(), block);
    }

    #[test]
    fn images_without_alt_text_and_ambiguous_videos_are_refused() {
        let image = Block::Image { image: Image { asset: "a.svg".into(), alt: " ".into() }, caption: String::new() };
        assert!(image.validate().unwrap_err().contains("alt text"));
        let video = Block::Video { title: "x".into(), media: None, url: None };
        assert!(video.validate().is_err());
    }

    #[test]
    fn unknown_block_types_and_fields_are_errors() {
        assert!(serde_json::from_str::<Block>(r#"{"type":"marquee","text":"x"}"#).is_err());
        assert!(serde_json::from_str::<Block>(r#"{"type":"quote","text":"x","colour":"red"}"#).is_err());
    }
}
