-- A printed 党员卡's PIN (docs/architecture.md "Kiosk"): set online by her
-- organiser with her at the desk, an Argon2 hash checked by the server
-- alone; never synced, so no device can try PINs against it.
CREATE TABLE card_pins (
    member_id TEXT PRIMARY KEY,
    pin_hash TEXT NOT NULL,
    set_by TEXT NOT NULL,
    set_at BIGINT NOT NULL
);

-- What a right PIN at a kiosk gave: that kiosk's visit (session) may act
-- for her beyond check-ins until expires_at. Looked up by the SHA-256 of
-- the token its mutations carry; dropped a month after it expires (a
-- kiosk's queue may reach the server days late).
CREATE TABLE card_grants (
    digest TEXT PRIMARY KEY,
    member_id TEXT NOT NULL,
    card_number BIGINT NOT NULL,
    kiosk_account TEXT NOT NULL,
    session TEXT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX card_grants_expiry ON card_grants (expires_at);
