-- Documents were written to four indexes each. Two of them served only a
-- few kinds' lookups, yet every row paid for them, above all the ledger's
-- entries (one per award, check-in credit and redemption: the bulk of the
-- table), which are read by id and by version alone. They now index only
-- the kinds looked up through them: an entry is written to two indexes.
-- The server's queries repeat each condition word for word (records.rs,
-- CHILD_KINDS), which is when SQLite uses a partial index.
DROP INDEX docs_parent;
DROP INDEX docs_org;
-- An activity's sign-ups and check-ins, a menu's activities, a member's holds.
CREATE INDEX docs_children ON docs (parent, kind)
    WHERE kind IN ('activity', 'signup', 'checkin', 'hold');
-- An org's menus of a month.
CREATE INDEX docs_menu_slot ON docs (org_id, parent) WHERE kind = 'menu';
