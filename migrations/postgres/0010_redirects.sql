-- Old public addresses of items whose address changed (a new slug, a post
-- moved from news to articles): the site answers them with 301 to where
-- the item is now, so links from elsewhere and in texts keep working.
CREATE TABLE redirects (
    from_path  TEXT PRIMARY KEY,
    to_path    TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);
