-- Editing: a version per item for optimistic concurrency (a save names the
-- version it started from), scheduled publishing, post authors, and the
-- revision kept by every save. Status is draft, published, scheduled or trash.

ALTER TABLE posts ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE posts ADD COLUMN publish_at TEXT;
ALTER TABLE posts ADD COLUMN author_id INTEGER REFERENCES users (id) ON DELETE SET NULL;
ALTER TABLE pages ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE pages ADD COLUMN publish_at TEXT;
ALTER TABLE books ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE media_items ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE press_reports ADD COLUMN version INTEGER NOT NULL DEFAULT 1;

CREATE INDEX posts_due ON posts (status, publish_at);
CREATE INDEX pages_due ON pages (status, publish_at);

-- `data` is the item as the editor saved it (JSON); `user_name` stays when the account goes.
CREATE TABLE revisions (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    entity    TEXT NOT NULL,
    entity_id INTEGER NOT NULL,
    version   INTEGER NOT NULL,
    data      TEXT NOT NULL,
    user_id   INTEGER REFERENCES users (id) ON DELETE SET NULL,
    user_name TEXT NOT NULL DEFAULT '',
    at        TEXT NOT NULL,
    UNIQUE (entity, entity_id, version)
);
