-- The admin's word on other servers: allowed (the only ones that federate in allowlist mode) or blocked
-- (nothing sent to, accepted from or fetched from them). The mode itself (open, allowlist or closed) is the
-- site setting `federation_mode`. A partner is an allowed server whose communes the local commune follows.
CREATE TABLE federation_rules (
    domain TEXT PRIMARY KEY,
    rule TEXT NOT NULL CHECK (rule IN ('allow', 'block')),
    partner BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TIMESTAMP NOT NULL,
    CHECK (NOT partner OR rule = 'allow')
);
