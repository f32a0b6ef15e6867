-- Browser sessions (login, CSRF token): a random id in a cookie, the data here, gone after `expires_at`.
CREATE TABLE sessions (
    id TEXT PRIMARY KEY NOT NULL,
    data TEXT NOT NULL,
    expires_at TIMESTAMP NOT NULL
);
CREATE INDEX sessions_expiry ON sessions (expires_at);

-- Instance settings changed on the admin page; they take precedence over the configuration file.
CREATE TABLE site_settings (
    key TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

-- The charter every account accepts, versioned: a new version asks everyone to accept it again.
CREATE TABLE charters (
    version INTEGER PRIMARY KEY AUTOINCREMENT,
    body TEXT NOT NULL,
    author_id BIGINT REFERENCES actors (id) ON DELETE SET NULL,
    created_at TIMESTAMP NOT NULL
);

-- Invitation codes for registration in `invite` mode: single use, with an expiry.
CREATE TABLE invites (
    code TEXT PRIMARY KEY NOT NULL,
    created_by BIGINT REFERENCES actors (id) ON DELETE SET NULL,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    used_by BIGINT REFERENCES actors (id) ON DELETE SET NULL,
    used_at TIMESTAMP
);

ALTER TABLE accounts ADD COLUMN language TEXT;
ALTER TABLE accounts ADD COLUMN charter_version BIGINT;
-- A deleted account keeps its actor row (and key, to sign the Delete) so that its name is never reused.
ALTER TABLE actors ADD COLUMN deleted_at TIMESTAMP;
