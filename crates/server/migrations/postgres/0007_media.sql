-- Lesson media (images, audio): the files live under the data directory by
-- their SHA-256; a row per committee that stored one counts against its quota.
CREATE TABLE media (
    hash TEXT NOT NULL,
    committee_id TEXT NOT NULL,
    mime TEXT NOT NULL,
    bytes BIGINT NOT NULL,
    uploaded_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (hash, committee_id)
);
CREATE INDEX media_by_committee ON media (committee_id);
