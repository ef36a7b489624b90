-- Content model of the public site. Every write also appends to `changes`
-- in the same transaction (see src/store/changes.rs).

CREATE TABLE changes (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    entity     TEXT NOT NULL,
    entity_key TEXT NOT NULL,
    at         TEXT NOT NULL
);

CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE menus (
    name  TEXT PRIMARY KEY,
    items TEXT NOT NULL
);

CREATE TABLE pages (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    slug          TEXT NOT NULL UNIQUE,
    title         TEXT NOT NULL,
    description   TEXT NOT NULL DEFAULT '',
    status        TEXT NOT NULL DEFAULT 'published',
    blocks_schema INTEGER NOT NULL DEFAULT 1,
    blocks        TEXT NOT NULL,
    published_at  TEXT,
    updated_at    TEXT NOT NULL
);

CREATE TABLE posts (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    slug         TEXT NOT NULL UNIQUE,
    kind         TEXT NOT NULL,
    title        TEXT NOT NULL,
    date         TEXT NOT NULL,
    summary      TEXT NOT NULL DEFAULT '',
    body         TEXT NOT NULL,
    cover        TEXT,
    tags         TEXT NOT NULL DEFAULT '[]',
    author       TEXT NOT NULL DEFAULT '',
    status       TEXT NOT NULL DEFAULT 'published',
    published_at TEXT,
    updated_at   TEXT NOT NULL
);
CREATE INDEX posts_by_date ON posts (status, date DESC);

-- Index of posts by tag; `posts.tags` keeps the labels in the editor's order.
CREATE TABLE post_tags (
    post_id INTEGER NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    slug    TEXT NOT NULL,
    label   TEXT NOT NULL,
    PRIMARY KEY (post_id, slug)
);
CREATE INDEX post_tags_by_slug ON post_tags (slug);

CREATE TABLE books (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    slug        TEXT NOT NULL UNIQUE,
    position    INTEGER NOT NULL DEFAULT 0,
    title       TEXT NOT NULL,
    subtitle    TEXT NOT NULL DEFAULT '',
    author      TEXT NOT NULL DEFAULT '',
    co_authors  TEXT NOT NULL DEFAULT '[]',
    foreword_by TEXT NOT NULL DEFAULT '',
    publisher   TEXT NOT NULL DEFAULT '',
    year        INTEGER,
    language    TEXT NOT NULL DEFAULT 'en',
    isbn13      TEXT,
    cover       TEXT,
    description TEXT NOT NULL DEFAULT '',
    sample      TEXT NOT NULL DEFAULT '',
    reviews     TEXT NOT NULL DEFAULT '[]',
    awards      TEXT NOT NULL DEFAULT '[]',
    buy_links   TEXT NOT NULL DEFAULT '[]',
    status      TEXT NOT NULL DEFAULT 'published',
    updated_at  TEXT NOT NULL
);

CREATE TABLE media_items (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    slug        TEXT NOT NULL UNIQUE,
    kind        TEXT NOT NULL,
    title       TEXT NOT NULL,
    outlet      TEXT NOT NULL DEFAULT '',
    date        TEXT NOT NULL,
    embed_url   TEXT,
    link_url    TEXT,
    summary     TEXT NOT NULL DEFAULT '',
    transcript  TEXT NOT NULL DEFAULT '',
    status      TEXT NOT NULL DEFAULT 'published',
    updated_at  TEXT NOT NULL
);

CREATE TABLE press_reports (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    slug       TEXT NOT NULL UNIQUE,
    outlet     TEXT NOT NULL,
    date       TEXT NOT NULL,
    title      TEXT NOT NULL,
    source_url TEXT,
    video_url  TEXT,
    language   TEXT NOT NULL DEFAULT 'en',
    summary    TEXT NOT NULL DEFAULT '',
    full_text  TEXT NOT NULL DEFAULT '',
    status     TEXT NOT NULL DEFAULT 'published',
    updated_at TEXT NOT NULL
);

-- Uploaded files live in the store so that every node can serve every file.
CREATE TABLE assets (
    name         TEXT PRIMARY KEY,
    content_type TEXT NOT NULL,
    bytes        BLOB NOT NULL,
    alt          TEXT NOT NULL DEFAULT '',
    updated_at   TEXT NOT NULL
);
