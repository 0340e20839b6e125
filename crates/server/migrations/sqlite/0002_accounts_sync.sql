-- Accounts, sessions and the sync engine's bookkeeping; versions and paths on records.

ALTER TABLE orgs ADD COLUMN path TEXT NOT NULL DEFAULT '';
ALTER TABLE orgs ADD COLUMN version INTEGER NOT NULL DEFAULT 0;
ALTER TABLE members ADD COLUMN workplace TEXT;
ALTER TABLE members ADD COLUMN version INTEGER NOT NULL DEFAULT 0;

-- Existing orgs get their materialised path; existing rows version 1, so a
-- first pull (cursor 0) delivers them.
WITH RECURSIVE tree (id, path) AS (
    SELECT id, '/' || id || '/' FROM orgs WHERE parent_id IS NULL
    UNION ALL
    SELECT o.id, tree.path || o.id || '/' FROM orgs o JOIN tree ON o.parent_id = tree.id
)
UPDATE orgs SET path = (SELECT path FROM tree WHERE tree.id = orgs.id);
UPDATE orgs SET version = 1;
UPDATE members SET version = 1;

CREATE INDEX orgs_version ON orgs (version);
CREATE INDEX orgs_path ON orgs (path);
CREATE INDEX members_version ON members (version);

-- One row. Every write transaction increments `version` first: the row lock
-- orders commits by version, so a pull never skips a row (docs/sync.md).
-- `scope_epoch` changes when the org tree is reshaped; clients then reset.
CREATE TABLE sync_state (
    id           INTEGER PRIMARY KEY CHECK (id = 1),
    version      INTEGER NOT NULL,
    scope_epoch  INTEGER NOT NULL
);
INSERT INTO sync_state (id, version, scope_epoch) VALUES (1, 1, 1);

CREATE TABLE accounts (
    id             TEXT PRIMARY KEY,
    login          TEXT NOT NULL UNIQUE,
    password_hash  TEXT NOT NULL,
    display_name   TEXT NOT NULL,
    member_id      TEXT REFERENCES members (id),
    created_at     INTEGER NOT NULL
);

CREATE TABLE account_roles (
    account_id  TEXT NOT NULL REFERENCES accounts (id),
    kind        TEXT NOT NULL,
    org_id      TEXT REFERENCES orgs (id),
    UNIQUE (account_id, kind, org_id)
);

-- Tokens are stored as SHA-256 hashes only.
CREATE TABLE sessions (
    token_hash  TEXT PRIMARY KEY,
    account_id  TEXT NOT NULL REFERENCES accounts (id),
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL
);
CREATE INDEX sessions_account ON sessions (account_id);

CREATE TABLE sync_clients (
    client_id   TEXT PRIMARY KEY,
    account_id  TEXT NOT NULL REFERENCES accounts (id),
    last_seq    INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE mutation_results (
    client_id  TEXT NOT NULL REFERENCES sync_clients (client_id),
    seq        INTEGER NOT NULL,
    name       TEXT NOT NULL,
    status     TEXT NOT NULL,
    code       TEXT,
    message    TEXT,
    PRIMARY KEY (client_id, seq)
);
