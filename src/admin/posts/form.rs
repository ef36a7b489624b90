//! The post form: what the browser sends, read into a [`PostInput`] with a
//! message at each field that needs one, and shown again with every typed
//! value kept.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};

use crate::admin::publishing::{minute, scheduled_at};
use crate::content::Status;
use crate::content::posts::editing::EditablePost;
use crate::content::posts::{PostInput, PostKind};
use crate::content::slug::{Slug, slugify};

/// The post form's fields, as typed.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct PostForm {
    pub title: String,
    pub slug: String,
    pub kind: String,
    pub date: String,
    pub summary: String,
    pub body: String,
    pub tags: String,
    pub cover: String,
    pub author: String,
    /// `YYYY-MM-DDTHH:MM` on the site's clock, from a `datetime-local` field.
    pub publish_at: String,
    /// The version the form was opened at (0 for a new post).
    pub version: i64,
    /// Which button was pressed: save, publish, schedule, unpublish.
    pub action: String,
}

pub type Errors = BTreeMap<&'static str, String>;

const DATE: &[time::format_description::BorrowedFormatItem<'static>] = time::macros::format_description!("[year]-[month]-[day]");

impl PostForm {
    /// A new post's form: today's date, news, the editor's name.
    pub fn new_post(author: &str) -> Self {
        PostForm {
            kind: "news".into(),
            date: OffsetDateTime::now_utc().date().to_string(),
            author: author.to_owned(),
            ..Default::default()
        }
    }

    pub fn from_post(editable: &EditablePost) -> Self {
        let post = &editable.post;
        PostForm {
            title: post.title.clone(),
            slug: post.slug.clone(),
            kind: post.kind.clone(),
            date: post.date.to_string(),
            summary: post.summary.clone(),
            body: post.body.clone(),
            tags: post.tags.0.join(", "),
            cover: post.cover.clone().unwrap_or_default(),
            author: post.author.clone(),
            publish_at: editable.publish_at.map(minute).unwrap_or_default(),
            version: editable.version,
            action: String::new(),
        }
    }

    pub fn from_input(input: &PostInput, version: i64) -> Self {
        PostForm {
            title: input.title.clone(),
            slug: input.slug.to_string(),
            kind: input.kind.as_str().to_owned(),
            date: input.date.to_string(),
            summary: input.summary.clone(),
            body: input.body.clone(),
            tags: input.tags.join(", "),
            cover: input.cover.clone().unwrap_or_default(),
            author: input.author.clone(),
            publish_at: input.publish_at.map(minute).unwrap_or_default(),
            version,
            action: String::new(),
        }
    }

    /// Reads the form into a post with `status`; `covers` are the images it may show.
    pub fn read(&self, status: Status, covers: &[String]) -> Result<PostInput, Errors> {
        let mut errors = Errors::new();
        let title = self.title.trim().to_owned();
        if title.is_empty() {
            errors.insert("title", "Give the post a title.".into());
        } else if title.chars().count() > 300 {
            errors.insert("title", "Keep the title under 300 characters.".into());
        }
        let slug_text = if self.slug.trim().is_empty() { slugify(&title) } else { self.slug.trim().to_owned() };
        let slug = Slug::parse(&slug_text).map_err(|e| errors.insert("slug", e)).ok();
        let kind = match self.kind.as_str() {
            "news" => Some(PostKind::News),
            "article" => Some(PostKind::Article),
            _ => {
                errors.insert("kind", "Choose news or article.".into());
                None
            }
        };
        let date = Date::parse(self.date.trim(), DATE)
            .map_err(|_| errors.insert("date", "Write the date as YYYY-MM-DD, e.g. 2016-08-22.".into()))
            .ok();
        let tags: Vec<String> = self.tags.split(',').map(str::trim).filter(|t| !t.is_empty()).map(str::to_owned).collect();
        if let Some(bad) = tags.iter().find(|t| slugify(t).is_empty()) {
            errors.insert("tags", format!("The tag {bad:?} needs at least one letter or digit."));
        }
        let cover = Some(self.cover.trim().to_owned()).filter(|c| !c.is_empty());
        if let Some(cover) = &cover
            && !covers.contains(cover)
        {
            errors.insert("cover", "Choose an image from the library.".into());
        }
        if self.summary.chars().count() > 1000 {
            errors.insert("summary", "Keep the summary under 1,000 characters; it shows in lists and previews.".into());
        } else if let Err(e) = crate::render::markdown::check(&self.summary) {
            errors.insert("summary", e);
        }
        if let Err(e) = crate::render::markdown::check(&self.body) {
            errors.insert("body", e);
        }
        let publish_at = match status {
            Status::Scheduled => scheduled_at(&self.publish_at, "publish now").map_err(|e| errors.insert("publish_at", e)).ok(),
            _ => None,
        };
        match (slug, kind, date, errors.is_empty()) {
            (Some(slug), Some(kind), Some(date), true) => Ok(PostInput {
                slug,
                kind,
                title,
                date,
                summary: self.summary.trim().to_owned(),
                body: self.body.replace("\r\n", "\n"),
                cover,
                tags,
                author: self.author.trim().to_owned(),
                status,
                publish_at: if status == Status::Scheduled { publish_at } else { None },
            }),
            _ => Err(errors),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form() -> PostForm {
        PostForm { title: "Pardon petition filed".into(), kind: "news".into(), date: "2016-08-22".into(), ..Default::default() }
    }

    #[test]
    fn an_empty_slug_comes_from_the_title_and_tags_split_on_commas() {
        let post = PostForm { tags: "Pardon, Virginia ,".into(), ..form() }.read(Status::Draft, &[]).unwrap();
        assert_eq!(post.slug.as_str(), "pardon-petition-filed");
        assert_eq!(post.tags, ["Pardon", "Virginia"]);
    }

    #[test]
    fn each_mistake_is_named_at_its_field() {
        let bad = PostForm {
            title: " ".into(),
            kind: "poem".into(),
            date: "22.8.2016".into(),
            slug: "Not A Slug".into(),
            cover: "x.png".into(),
            ..form()
        };
        let errors = bad.read(Status::Draft, &[]).unwrap_err();
        for field in ["title", "kind", "date", "slug", "cover"] {
            assert!(errors.contains_key(field), "{field}: {errors:?}");
        }
    }

    #[test]
    fn scheduling_needs_a_time_to_come() {
        assert!(form().read(Status::Scheduled, &[]).unwrap_err().contains_key("publish_at"));
        let past = PostForm { publish_at: "2001-01-01T10:00".into(), ..form() };
        assert!(past.read(Status::Scheduled, &[]).unwrap_err()["publish_at"].contains("passed"));
        let later = PostForm { publish_at: "2999-01-01T10:00".into(), ..form() };
        assert_eq!(later.read(Status::Scheduled, &[]).unwrap().publish_at.unwrap().year(), 2999);
        assert_eq!(later.read(Status::Draft, &[]).unwrap().publish_at, None, "only a scheduled post keeps its time");
    }
}
