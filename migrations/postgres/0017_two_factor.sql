-- Two-factor sign-in: an authenticator app's shared secret (hex; NULL when
-- the account has none), the last time step a code was accepted for (a code
-- works once), single-use recovery codes kept as digests, and sign-ins
-- whose password was right and whose code is awaited.
ALTER TABLE users ADD COLUMN totp_secret TEXT;
ALTER TABLE users ADD COLUMN totp_last_step BIGINT NOT NULL DEFAULT 0;
CREATE TABLE recovery_codes (
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    digest  TEXT NOT NULL,
    used_at TIMESTAMPTZ,
    PRIMARY KEY (user_id, digest)
);
CREATE TABLE sign_in_steps (
    digest     TEXT PRIMARY KEY,
    user_id    BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    next       TEXT NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL
);
