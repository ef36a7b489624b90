-- The media library: an uploaded image keeps its size, and the resized
-- copies made once on upload are assets too, pointing at their original
-- (`variant_of`); the library lists originals only (PostgreSQL; same
-- meaning as migrations/sqlite).

ALTER TABLE assets ADD COLUMN width BIGINT;
ALTER TABLE assets ADD COLUMN height BIGINT;
ALTER TABLE assets ADD COLUMN variant_of TEXT REFERENCES assets (name) ON DELETE CASCADE;
CREATE INDEX assets_by_original ON assets (variant_of);
