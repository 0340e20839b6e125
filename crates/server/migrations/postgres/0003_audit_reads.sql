-- DOMAIN.md, privacy: every read of another member's record by staff is
-- auditable. One row per pull page that delivered such records in full.
CREATE TABLE audit_reads (
    id          BIGSERIAL PRIMARY KEY,
    account_id  TEXT NOT NULL REFERENCES accounts (id),
    client_id   TEXT NOT NULL,
    at          BIGINT NOT NULL,
    member_ids  TEXT NOT NULL
);
CREATE INDEX audit_reads_account ON audit_reads (account_id, at);
