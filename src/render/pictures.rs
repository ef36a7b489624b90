//! Pictures from the library wherever a page shows them: an `<img>` of an
//! upload that does not name its copies (one placed in a text) gets its
//! `srcset`, its size (so the page does not jump as it loads) and lazy
//! loading, so a phone fetches a copy of its width, not the original.

use std::collections::HashMap;

use crate::content::assets;
use crate::store::Store;

/// How wide a picture in the text is shown: the reading column, or the
/// whole screen on a phone.
const SIZES: &str = "(min-width: 46rem) 44rem, 100vw";

#[derive(Debug, Default)]
pub struct Pictures(HashMap<String, Picture>);

#[derive(Debug)]
struct Picture {
    srcset: String,
    width: i64,
    height: i64,
}

impl Pictures {
    pub async fn load(store: &Store) -> anyhow::Result<Self> {
        let mut pictures = HashMap::new();
        for (name, srcset, width, height) in assets::sized_images(store).await? {
            pictures.insert(assets::url(&name), Picture { srcset, width, height });
        }
        Ok(Pictures(pictures))
    }

    /// `html` with every plain `<img src="/uploads/…">` of a known picture
    /// completed. The renderer and the Markdown cleaner write attributes in
    /// double quotes, which is all this reads.
    pub fn complete(&self, html: String) -> String {
        if self.0.is_empty() || !html.contains("<img ") {
            return html;
        }
        let mut out = String::with_capacity(html.len() + 512);
        let mut rest = html.as_str();
        while let Some(start) = rest.find("<img ") {
            let Some(len) = rest[start..].find('>') else { break };
            let tag = &rest[start..start + len];
            out.push_str(&rest[..start + 4]);
            if let Some(picture) = self.for_tag(tag) {
                if !picture.srcset.is_empty() {
                    out.push_str(&format!(r#" srcset="{}" sizes="{SIZES}""#, picture.srcset));
                }
                if !has(tag, "width") && !has(tag, "height") {
                    out.push_str(&format!(r#" width="{}" height="{}""#, picture.width, picture.height));
                }
                if !has(tag, "loading") {
                    out.push_str(r#" loading="lazy""#);
                }
            }
            rest = &rest[start + 4..];
        }
        out.push_str(rest);
        out
    }

    fn for_tag(&self, tag: &str) -> Option<&Picture> {
        if has(tag, "srcset") {
            return None;
        }
        let src = tag.split_once(r#" src=""#)?.1.split('"').next()?;
        self.0.get(src)
    }
}

fn has(tag: &str, attribute: &str) -> bool {
    tag.contains(&format!(" {attribute}=\""))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pictures() -> Pictures {
        let picture = Picture { srcset: "/uploads/v-480w.jpg 480w, /uploads/v.jpg 2400w".into(), width: 2400, height: 1600 };
        Pictures(HashMap::from([("/uploads/v.jpg".to_owned(), picture)]))
    }

    #[test]
    fn a_picture_in_the_text_gets_its_copies_and_size() {
        let html = pictures().complete(r#"<p><img src="/uploads/v.jpg" alt="The vigil"></p>"#.to_owned());
        assert_eq!(
            html,
            r#"<p><img srcset="/uploads/v-480w.jpg 480w, /uploads/v.jpg 2400w" sizes="(min-width: 46rem) 44rem, 100vw" width="2400" height="1600" loading="lazy" src="/uploads/v.jpg" alt="The vigil"></p>"#
        );
    }

    #[test]
    fn pictures_that_name_their_copies_or_are_unknown_stay_as_they_are() {
        let given = r#"<img src="/uploads/v.jpg" srcset="/uploads/v.jpg 1x" alt=""><img src="/uploads/other.png" alt="x"><img src="https://example.org/v.jpg">"#;
        assert_eq!(pictures().complete(given.to_owned()), given);
    }
}
