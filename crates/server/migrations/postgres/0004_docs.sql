-- Menus, activities, sign-ups and check-ins (issue #4) as documents: the
-- domain's `Doc` as JSON in `body`, with the columns scopes and lookups
-- need beside it. New kinds (the credits ledger...) add no table here.
CREATE TABLE docs (
    id          TEXT PRIMARY KEY,
    kind        TEXT NOT NULL,
    org_id      TEXT NOT NULL REFERENCES orgs (id),
    -- A menu's month, an activity's menu, a sign-up's or check-in's activity.
    parent      TEXT NOT NULL,
    -- The org's path, for prefix scopes; rewritten when the tree is reshaped.
    scope_path  TEXT NOT NULL,
    -- ',m-01,m-02,' for private kinds (the people they are about), '' otherwise.
    people      TEXT NOT NULL,
    -- ',/a/b/,/a/c/,' for public kinds: the paths of the orgs they are for
    -- (an alliance's menu is for several); '' for private kinds.
    audience    TEXT NOT NULL,
    body        TEXT NOT NULL,
    version     BIGINT NOT NULL
);
CREATE INDEX docs_version ON docs (version);
CREATE INDEX docs_parent ON docs (parent, kind);
CREATE INDEX docs_org ON docs (org_id, kind, parent);
