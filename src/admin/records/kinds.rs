//! The kinds of record editors keep in lists with a form for every field:
//! books, TV reports and films, press reports. Each field names its column
//! and the control it needs.

use serde_json::Value;

use crate::content::books::BookInput;
use crate::content::media::MediaInput;
use crate::content::press::PressInput;
use crate::store::Tx;

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Control {
    Line,
    /// Markdown over several lines.
    Text,
    /// A path on the site or a web address; may be empty.
    Address,
    /// `YYYY-MM-DD`.
    Date,
    /// A whole number; may be empty.
    Number,
    /// One item a line.
    Lines,
    /// `Label | address`, one a line.
    Links,
    /// `Quote | source`, one a line.
    Quotes,
    /// An image from the library (its alt text is the library's, or else the record's title).
    LibraryImage,
    /// One of the listed values.
    Choice(&'static [(&'static str, &'static str)]),
}

impl Control {
    /// Stored as JSON (lists), so read with SQLite's `json()`.
    pub fn is_json(self) -> bool {
        matches!(self, Control::Lines | Control::Links | Control::Quotes)
    }
}

#[derive(Debug, serde::Serialize)]
pub struct Field {
    pub name: &'static str,
    pub label: &'static str,
    pub control: Control,
    pub required: bool,
    pub hint: &'static str,
}

const fn field(name: &'static str, label: &'static str, control: Control, required: bool, hint: &'static str) -> Field {
    Field { name, label, control, required, hint }
}

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

const SLUG: Field = field("slug", "Address", Control::Line, false, "The last part of its address; leave empty to make it from the title.");
const LANGUAGE: Field = field("language", "Language", Control::Line, true, "A code such as en or de.");

pub static BOOKS: Kind = Kind {
    entity: "book",
    table: "books",
    path: "/admin/books",
    plural: "Books",
    one: "book",
    public: Some("/books/"),
    detail: "year",
    fields: &[
        field("title", "Title", Control::Line, true, ""),
        SLUG,
        field("subtitle", "Subtitle", Control::Line, false, ""),
        field("author", "Author", Control::Line, false, ""),
        field("co_authors", "Co-authors", Control::Lines, false, "One a line."),
        field("foreword_by", "Foreword by", Control::Line, false, ""),
        field("publisher", "Publisher", Control::Line, false, ""),
        field("year", "Year", Control::Number, false, ""),
        LANGUAGE,
        field("isbn13", "ISBN-13", Control::Line, false, "13 digits, hyphens allowed; the check digit is checked."),
        field(
            "cover",
            "Cover",
            Control::LibraryImage,
            false,
            "Its description comes from the media library (or is “Cover of” and the title).",
        ),
        field("description", "Description", Control::Text, false, ""),
        field("sample", "Reading sample", Control::Text, false, ""),
        field("reviews", "Reviews", Control::Quotes, false, "One a line: Quote | source."),
        field("awards", "Awards", Control::Lines, false, "One a line."),
        field("buy_links", "Where to buy", Control::Links, false, "One a line: Shop | https://…"),
        field("position", "Place in the list", Control::Number, false, "Lower numbers come first."),
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
        field("title", "Title", Control::Line, true, ""),
        SLUG,
        field("kind", "Kind", Control::Choice(MEDIA_KINDS), true, ""),
        field("outlet", "Broadcaster or publisher", Control::Line, false, ""),
        field("date", "Date", Control::Date, true, ""),
        field(
            "embed_url",
            "Player address",
            Control::Address,
            false,
            "e.g. https://www.youtube-nocookie.com/embed/…; loaded only when a visitor asks.",
        ),
        field("link_url", "Where to watch it", Control::Address, false, ""),
        field("summary", "Summary", Control::Text, false, ""),
        field("transcript", "Transcript", Control::Text, false, "Markdown; speakers in bold work well."),
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
        field("title", "Headline", Control::Line, true, ""),
        SLUG,
        field("outlet", "Newspaper or broadcaster", Control::Line, true, ""),
        field("date", "Date", Control::Date, true, ""),
        field("source_url", "Link to the article", Control::Address, false, ""),
        field("video_url", "Link to a video", Control::Address, false, ""),
        LANGUAGE,
        field("summary", "Summary", Control::Text, false, ""),
        field("full_text", "Full text", Control::Text, false, "Only where the outlet allows republishing it."),
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
