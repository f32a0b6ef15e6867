-- The municipal agent: the commune's staff, without an elected office.
-- SQLite cannot change a CHECK constraint in place: the accounts table is rebuilt (SQLite's documented
-- procedure: foreign keys off, so that dropping the old table cascades to nothing, then checked).
PRAGMA foreign_keys = OFF;
BEGIN;
CREATE TABLE accounts_new (
    actor_id BIGINT PRIMARY KEY NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    commune_id BIGINT NOT NULL REFERENCES communes (actor_id),
    role TEXT NOT NULL CHECK (role IN ('citizen', 'official', 'agent', 'moderator', 'admin')),
    password_hash TEXT,
    language TEXT,
    charter_version BIGINT,
    resident BOOLEAN NOT NULL DEFAULT FALSE,
    suspended_until TIMESTAMP,
    email TEXT,
    email_confirmed_at TIMESTAMP,
    email_prompt_dismissed BOOLEAN NOT NULL DEFAULT FALSE,
    credentials_changed_at TIMESTAMP,
    unsubscribe_token TEXT,
    last_digest_at TIMESTAMP
);
INSERT INTO accounts_new
    SELECT actor_id, commune_id, role, password_hash, language, charter_version, resident,
        suspended_until, email, email_confirmed_at, email_prompt_dismissed, credentials_changed_at,
        unsubscribe_token, last_digest_at
    FROM accounts;
DROP TABLE accounts;
ALTER TABLE accounts_new RENAME TO accounts;
CREATE INDEX accounts_commune ON accounts (commune_id);
CREATE UNIQUE INDEX accounts_email ON accounts (email);
COMMIT;
PRAGMA foreign_keys = ON;
