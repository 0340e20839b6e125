-- Versions on PostgreSQL: from here on a row's version is version_base plus
-- the id of the transaction that wrote it, so writers no longer queue on the
-- counter's row (docs/sync.md "Versions"). The base starts at the counter's
-- last value, so every new version is above every version already given,
-- and above every cursor a device holds. The counter stays for SQLite.
ALTER TABLE sync_state ADD COLUMN version_base BIGINT NOT NULL DEFAULT 0;
UPDATE sync_state SET version_base = version WHERE id = 1;
