-- The version of an item without a row of its own (the settings, each
-- menu): a save names the version its form showed, like a page's.
CREATE TABLE versions (
    entity  TEXT PRIMARY KEY,
    version BIGINT NOT NULL
);
INSERT INTO versions (entity, version)
    SELECT entity, MAX(version) FROM revisions WHERE entity_id = 0 GROUP BY entity;
