-- Sign-in hardening: idle expiry of sessions and throttling of wrong passwords.

-- When a session was last used (coarsely: updated at most every few minutes).
-- Existing sessions count as used when they were created.
ALTER TABLE sessions ADD COLUMN last_seen_at BIGINT;
UPDATE sessions SET last_seen_at = created_at;

-- Wrong passwords per key ('login:<login>' or 'addr:<address>'), shared by
-- every server process on the database. Times in milliseconds.
CREATE TABLE signin_failures (
    key           TEXT PRIMARY KEY,
    failures      BIGINT NOT NULL,
    last_at       BIGINT NOT NULL,
    locked_until  BIGINT NOT NULL
);
