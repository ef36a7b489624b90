-- What an editor typed into an admin form and has not saved yet, kept a
-- few seconds after typing so it survives a closed laptop and reaches the
-- editor's other devices. One per editor and form ("post-7", "page-new");
-- the saved item is untouched until the editor saves.
CREATE TABLE drafts (
    user_id  INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    key      TEXT NOT NULL,
    fields   TEXT NOT NULL,
    saved_at TEXT NOT NULL,
    PRIMARY KEY (user_id, key)
);
CREATE INDEX drafts_by_key ON drafts (key, saved_at);
