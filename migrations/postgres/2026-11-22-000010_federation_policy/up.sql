-- The admin's word on other servers: allowed (the only ones that federate in allowlist mode) or blocked
-- (nothing sent to, accepted from or fetched from them). The mode itself (open, allowlist or closed) is the
-- site setting `federation_mode`.
CREATE TABLE federation_rules (
    domain TEXT PRIMARY KEY,
    rule TEXT NOT NULL CHECK (rule IN ('allow', 'block')),
    created_at TIMESTAMP NOT NULL
);
