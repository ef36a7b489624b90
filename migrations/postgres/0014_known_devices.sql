-- Browsers that signed in to an account before, by the SHA-256 of the
-- token in their device cookie: their sign-ins are throttled on their own,
-- so strangers' failures for an editor's address cannot lock the editor out.
CREATE TABLE known_devices (
    id         TEXT NOT NULL,
    user_id    BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (id, user_id)
);
