-- The org directory: orgs, members, stations and alliances.
-- Integers are BIGINT so that sqlx::Any reads them the same way as SQLite INTEGERs.
CREATE TABLE orgs (
    id         TEXT PRIMARY KEY,
    parent_id  TEXT REFERENCES orgs (id),
    name       TEXT NOT NULL,
    kind       TEXT NOT NULL,
    joint      BIGINT NOT NULL DEFAULT 0 CHECK (joint IN (0, 1)),
    area       TEXT,
    place      TEXT,
    position   BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX orgs_parent ON orgs (parent_id);

CREATE TABLE members (
    id      TEXT PRIMARY KEY,
    org_id  TEXT NOT NULL REFERENCES orgs (id),
    name    TEXT NOT NULL,
    status  TEXT NOT NULL,
    mode    TEXT NOT NULL,
    phone   TEXT
);
CREATE INDEX members_org ON members (org_id);

CREATE TABLE stations (
    id       TEXT PRIMARY KEY,
    org_id   TEXT REFERENCES orgs (id),
    name     TEXT NOT NULL,
    address  TEXT NOT NULL
);

CREATE TABLE alliances (
    id              TEXT PRIMARY KEY,
    name            TEXT NOT NULL,
    rotation_start  TEXT NOT NULL
);

CREATE TABLE alliance_orgs (
    alliance_id  TEXT NOT NULL REFERENCES alliances (id),
    org_id       TEXT NOT NULL REFERENCES orgs (id),
    position     BIGINT NOT NULL,
    PRIMARY KEY (alliance_id, org_id)
);
