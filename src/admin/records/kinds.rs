//! The kinds of record editors keep in lists with a form for every field:
//! books, TV reports and films, press reports. Each field names its column
//! and the control it needs.

use serde_json::Value;

use crate::admin::fields::{Control, Field, field};
use crate::content::books::BookInput;
use crate::content::media::MediaInput;
use crate::content::press::PressInput;
use crate::store::Tx;

/// A kind of record and how it is saved.
pub struct Kind {
    /// Name in revisions and the change feed.
    pub entity: &'static str,
    pub table: &'static str,
    /// e.g. `/admin/books`
    pub path: &'static str,
    pub plural: &'static str,
    pub one: &'static str,
    /// Where the public site shows one, before the slug (`None`: only in a list).
    pub public: Option<&'static str>,
    /// The list's second column.
    pub detail: &'static str,
    pub fields: &'static [Field],
    /// Checks a record (as JSON in the input's shape) and writes it by its slug.
    pub save: Save,
}

/// A record's check-and-write, with a message for the editor when the check fails.
pub type Save = for<'a> fn(&'a mut Tx, Value) -> Saving<'a>;
pub type Saving<'a> = std::pin::Pin<Box<dyn std::future::Future<Output = Result<(), String>> + Send + 'a>>;

const SLUG: Field = field("slug", "Address", Control::Slug).hint("The last part of its address; leave empty to make it from the title.");
const LANGUAGE: Field = field("language", "Language", Control::Line).required().hint("A code such as en or de.");

pub static BOOKS: Kind = Kind {
    entity: "book",
    table: "books",
    path: "/admin/books",
    plural: "Books",
    one: "book",
    public: Some("/books/"),
    detail: "year",
    fields: &[
        field("title", "Title", Control::Line).required(),
        SLUG,
        field("subtitle", "Subtitle", Control::Line),
        field("author", "Author", Control::Line),
        field("co_authors", "Co-authors", Control::Lines).hint("One a line."),
        field("foreword_by", "Foreword by", Control::Line),
        field("publisher", "Publisher", Control::Line),
        field("year", "Year", Control::Number),
        LANGUAGE,
        field("isbn13", "ISBN-13", Control::Line).hint("13 digits, hyphens allowed; the check digit is checked."),
        field("cover", "Cover", Control::LibraryImage)
            .hint("Its description comes from the media library (or is “Cover of” and the title)."),
        field("description", "Description", Control::Markdown),
        field("sample", "Reading sample", Control::Markdown),
        field("reviews", "Reviews", Control::Quotes).hint("One a line: Quote | source."),
        field("awards", "Awards", Control::Lines).hint("One a line."),
        field("buy_links", "Where to buy", Control::Links).hint("One a line: Shop | https://…"),
        field("position", "Place in the list", Control::Number).hint("Lower numbers come first."),
    ],
    save: |tx, json| {
        Box::pin(async move {
            let input: BookInput = serde_json::from_value(json).map_err(|e| e.to_string())?;
            crate::content::books::save(tx, &input).await.map_err(|e| format!("{e:#}"))
        })
    },
};

const MEDIA_KINDS: &[(&str, &str)] = &[("tv_report", "TV report"), ("interview", "Interview"), ("film", "Film")];

pub static MEDIA: Kind = Kind {
    entity: "media",
    table: "media_items",
    path: "/admin/media",
    plural: "TV and video",
    one: "video",
    public: Some("/media/"),
    detail: "date",
    fields: &[
        field("title", "Title", Control::Line).required(),
        SLUG,
        field("kind", "Kind", Control::Choice(MEDIA_KINDS)).required(),
        field("outlet", "Broadcaster or publisher", Control::Line),
        field("date", "Date", Control::Date).required(),
        field("embed_url", "Player address", Control::Player)
            .hint("e.g. https://www.youtube-nocookie.com/embed/…; loaded only when a visitor asks."),
        field("link_url", "Where to watch it", Control::Address),
        field("summary", "Summary", Control::Markdown),
        field("transcript", "Transcript", Control::Markdown).hint("Speakers in bold work well."),
    ],
    save: |tx, json| {
        Box::pin(async move {
            let input: MediaInput = serde_json::from_value(json).map_err(|e| e.to_string())?;
            crate::content::media::save(tx, &input).await.map_err(|e| format!("{e:#}"))
        })
    },
};

pub static PRESS: Kind = Kind {
    entity: "press",
    table: "press_reports",
    path: "/admin/press",
    plural: "Press reports",
    one: "press report",
    public: None,
    detail: "outlet",
    fields: &[
        field("title", "Headline", Control::Line).required(),
        SLUG,
        field("outlet", "Newspaper or broadcaster", Control::Line).required(),
        field("date", "Date", Control::Date).required(),
        field("source_url", "Link to the article", Control::Address),
        field("video_url", "Link to a video", Control::Address),
        LANGUAGE,
        field("summary", "Summary", Control::Markdown),
        field("full_text", "Full text", Control::Markdown).hint("Only where the outlet allows republishing it."),
    ],
    save: |tx, json| {
        Box::pin(async move {
            let input: PressInput = serde_json::from_value(json).map_err(|e| e.to_string())?;
            crate::content::press::save(tx, &input).await.map_err(|e| format!("{e:#}"))
        })
    },
};

/// Every kind, in the admin's order.
pub static ALL: [&Kind; 3] = [&BOOKS, &MEDIA, &PRESS];

pub fn by_path(segment: &str) -> Option<&'static Kind> {
    ALL.into_iter().find(|k| k.path.rsplit('/').next() == Some(segment))
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use serde_json::json;

    use super::super::read;
    use super::*;
    use crate::admin::fields::{self, Typed};

    #[test]
    fn a_stored_book_reads_back_into_the_same_input() {
        let row = json!({
            "title": "One Day in the Life of 179212", "slug": "one-day", "subtitle": "", "author": "Jens Söring",
            "co_authors": ["A. Person"], "foreword_by": "", "publisher": "Lantern", "year": 2003, "language": "en",
            "isbn13": "9781590560556", "cover": "book.svg", "description": "Text", "sample": "",
            "reviews": [{ "text": "Moving.", "source": "A paper" }], "awards": [], "buy_links": [{ "label": "Shop", "href": "https://example.org" }],
            "position": 1,
        });
        let typed = fields::show(BOOKS.fields, &row);
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
