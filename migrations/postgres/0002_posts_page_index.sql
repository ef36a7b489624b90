-- A page of the news archive is found in the index alone (kind included),
-- so skipping to page N reads no post bodies.
DROP INDEX posts_by_date;
CREATE INDEX posts_by_date ON posts (status, date DESC, id DESC, kind);
