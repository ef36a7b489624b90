-- Mail a form promised (a signature's or a subscription's confirmation),
-- kept until the mail server has taken it, so a crash or a restart after
-- the answer loses none. The message is stored whole, Message-ID and Date
-- included, so a resend after a crash is the same message; a row is deleted
-- once sent, since its link is a secret.
CREATE TABLE mail_queue (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    envelope_from   TEXT NOT NULL,
    recipient       TEXT NOT NULL,
    message         BLOB NOT NULL,
    -- pending | claimed
    status          TEXT NOT NULL DEFAULT 'pending',
    claimed_by      TEXT,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    error           TEXT NOT NULL DEFAULT '',
    created_at      TEXT NOT NULL
);
CREATE INDEX mail_queue_due ON mail_queue (status, id);
CREATE INDEX mail_queue_by_recipient ON mail_queue (recipient);
