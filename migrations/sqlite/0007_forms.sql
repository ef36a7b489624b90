-- The campaign forms: petitions and their signatures, the contact inbox, and
-- what every public form shares against abuse. See src/forms/.

-- Every public form's attempts (newsletter signups, signatures, messages),
-- for rate limits and for spotting a burst from one source.
ALTER TABLE signup_attempts RENAME TO form_attempts;
ALTER TABLE form_attempts ADD COLUMN form TEXT NOT NULL DEFAULT 'newsletter';
-- A proof of work (`stamp:nonce`), which counts once (see src/forms/guard.rs).
ALTER TABLE form_attempts ADD COLUMN proof TEXT NOT NULL DEFAULT '';
-- Refused attempts are kept for the admin's view but count towards no limit,
-- so "try again in N minutes" holds.
ALTER TABLE form_attempts ADD COLUMN admitted BOOLEAN NOT NULL DEFAULT TRUE;
DROP INDEX signup_attempts_by_ip;
DROP INDEX signup_attempts_by_at;
CREATE INDEX form_attempts_by_ip ON form_attempts (form, ip, at);
CREATE INDEX form_attempts_by_email ON form_attempts (form, email, at);
CREATE INDEX form_attempts_by_at ON form_attempts (at);
CREATE UNIQUE INDEX form_attempts_by_proof ON form_attempts (proof) WHERE proof <> '';

-- One key, made on first start, signs the forms' time stamps so every node
-- can check a stamp another node handed out.
CREATE TABLE form_keys (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE petitions (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    slug        TEXT NOT NULL UNIQUE,
    title       TEXT NOT NULL,
    body        TEXT NOT NULL,
    addressee   TEXT NOT NULL,
    goal        INTEGER NOT NULL,
    ends_at     TEXT,
    -- open | closed | delivered
    status      TEXT NOT NULL,
    -- What the editors say about the outcome, shown once closed or delivered.
    result      TEXT NOT NULL DEFAULT '',
    anonymised_at TEXT,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    version     INTEGER NOT NULL
);

CREATE TABLE signatures (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    petition_id    INTEGER NOT NULL REFERENCES petitions (id) ON DELETE CASCADE,
    -- NULL once the petition's signatures are anonymised.
    email          TEXT,
    name           TEXT NOT NULL,
    country        TEXT NOT NULL,
    postcode       TEXT NOT NULL,
    comment        TEXT NOT NULL,
    -- Consents, each given by its own tick.
    show_name      BOOLEAN NOT NULL,
    subscribe      BOOLEAN NOT NULL,
    -- pending (email sent) | verified | voided
    status         TEXT NOT NULL,
    created_at     TEXT NOT NULL,
    verified_at    TEXT,
    -- SHA-256 of the verification link's token; cleared once used.
    verify_digest  TEXT UNIQUE,
    verify_expires_at TEXT,
    verify_sent_at TEXT,
    void_reason    TEXT NOT NULL DEFAULT '',
    ip             TEXT NOT NULL DEFAULT '',
    UNIQUE (petition_id, email)
);
CREATE INDEX signatures_by_status ON signatures (petition_id, status, verified_at);

CREATE TABLE contact_messages (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    name         TEXT NOT NULL,
    email        TEXT NOT NULL,
    subject      TEXT NOT NULL,
    body         TEXT NOT NULL,
    -- unread | read | archived
    status       TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    forwarded_at TEXT,
    -- Why forwarding failed, if it did.
    forward_error TEXT NOT NULL DEFAULT '',
    ip           TEXT NOT NULL DEFAULT ''
);
CREATE INDEX contact_messages_by_status ON contact_messages (status, created_at);
CREATE INDEX contact_messages_by_email ON contact_messages (email);
