-- The newsletter: subscribers (double opt-in), issues, and the delivery
-- outbox, one row per (issue, subscriber). See src/newsletter/.

CREATE TABLE subscribers (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    email              TEXT NOT NULL UNIQUE,
    name               TEXT NOT NULL DEFAULT '',
    -- pending (confirmation sent) | confirmed | unsubscribed
    status             TEXT NOT NULL,
    -- signup | admin | import: how the consent was given
    source             TEXT NOT NULL,
    created_at         TEXT NOT NULL,
    confirmed_at       TEXT,
    unsubscribed_at    TEXT,
    -- SHA-256 of the confirmation link's token; cleared once used.
    confirm_digest     TEXT UNIQUE,
    confirm_expires_at TEXT,
    confirm_sent_at    TEXT,
    -- The secret in every personal unsubscribe link; it can only unsubscribe.
    unsubscribe_key    TEXT NOT NULL UNIQUE,
    signup_ip          TEXT NOT NULL DEFAULT ''
);
CREATE INDEX subscribers_by_status ON subscribers (status);

-- Every signup attempt, for rate limits and for spotting a burst from one source.
CREATE TABLE signup_attempts (
    id    INTEGER PRIMARY KEY AUTOINCREMENT,
    ip    TEXT NOT NULL,
    email TEXT NOT NULL,
    at    TEXT NOT NULL
);
CREATE INDEX signup_attempts_by_ip ON signup_attempts (ip, at);
CREATE INDEX signup_attempts_by_at ON signup_attempts (at);

CREATE TABLE newsletter_issues (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    subject     TEXT NOT NULL,
    body        TEXT NOT NULL,
    -- draft | scheduled | sending | sent
    status      TEXT NOT NULL,
    send_at     TEXT,
    post_id     INTEGER REFERENCES posts (id) ON DELETE SET NULL,
    created_by  INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    started_at  TEXT,
    finished_at TEXT,
    version     INTEGER NOT NULL DEFAULT 1
);

-- The outbox. A row is pending until a worker claims it (claimed_by), then
-- sent or failed; see src/newsletter/outbox.rs for the protocol.
CREATE TABLE deliveries (
    issue_id        INTEGER NOT NULL REFERENCES newsletter_issues (id) ON DELETE CASCADE,
    subscriber_id   INTEGER NOT NULL REFERENCES subscribers (id) ON DELETE CASCADE,
    -- pending | claimed | sent | failed
    status          TEXT NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    claimed_by      TEXT,
    sent_at         TEXT,
    error           TEXT,
    PRIMARY KEY (issue_id, subscriber_id)
);
CREATE INDEX deliveries_due ON deliveries (status, next_attempt_at);
CREATE INDEX deliveries_by_subscriber ON deliveries (subscriber_id);

-- Every node sending mail says it is alive here; the claims of a node that
-- stopped saying so go back to the queue.
CREATE TABLE mail_workers (
    id      TEXT PRIMARY KEY,
    seen_at TEXT NOT NULL
);

-- What was erased, when and by whom, without the person's data.
CREATE TABLE erasures (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    what       TEXT NOT NULL,
    erased_by  INTEGER REFERENCES users (id) ON DELETE SET NULL,
    at         TEXT NOT NULL
);
