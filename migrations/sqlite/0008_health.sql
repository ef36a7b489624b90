-- `/healthz` proves the store takes writes by updating this one row:
-- reads keep working on a full disk or behind a stuck write lock.
CREATE TABLE health (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    checked_at BIGINT NOT NULL
);
INSERT INTO health (id, checked_at) VALUES (1, 0);
