-- Card grants become kiosk grants (docs/architecture.md "Kiosk"): the
-- server's check of a short code typed by hand grants a kiosk's visit as a
-- right card PIN does. `via` says what she showed: 'card' (`number` is the
-- card's) or 'short' (`number` is the code's 30-second window).
ALTER TABLE card_grants RENAME TO kiosk_grants;
ALTER TABLE kiosk_grants RENAME COLUMN card_number TO number;
ALTER TABLE kiosk_grants ADD COLUMN via TEXT NOT NULL DEFAULT 'card';
-- A short code grants one visit: typed again, at any kiosk, it is refused.
CREATE UNIQUE INDEX kiosk_grants_short_once ON kiosk_grants (member_id, number)
    WHERE via = 'short';

-- The phones' short-code secrets (base64url), never synced: one per member,
-- the phone that gave it last, with that phone's public key (a newer key
-- retires it). Looked up by the codes' four-digit tag.
CREATE TABLE short_code_secrets (
    member_id TEXT PRIMARY KEY,
    tag TEXT NOT NULL,
    public_key TEXT NOT NULL,
    secret TEXT NOT NULL,
    at BIGINT NOT NULL
);
CREATE INDEX short_code_secrets_tag ON short_code_secrets (tag);
