-- Secret links to the saved version of a draft post or page, handed to a
-- proof-reader who has no account. `id` is the SHA-256 of the link's
-- token, as for sessions; a link stops working at `expires_at`.
CREATE TABLE preview_links (
    id         TEXT PRIMARY KEY,
    entity     TEXT NOT NULL,
    entity_id  BIGINT NOT NULL,
    created_by BIGINT REFERENCES users (id) ON DELETE CASCADE,
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL
);
