-- A person's email address (lowercase), confirmed by a link before it is used; whether they dismissed the
-- request to give one; when their password last changed (sessions opened before it are ended).
ALTER TABLE accounts ADD COLUMN email TEXT;
ALTER TABLE accounts ADD COLUMN email_confirmed_at TIMESTAMP;
ALTER TABLE accounts ADD COLUMN email_prompt_dismissed BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE accounts ADD COLUMN credentials_changed_at TIMESTAMP;
CREATE UNIQUE INDEX accounts_email ON accounts (email);

-- Single-use links sent by mail: confirm an address, set or reset a password. Only a hash of the token is
-- kept; `address` is the address a confirmation link is for.
CREATE TABLE email_tokens (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id BIGINT NOT NULL REFERENCES accounts (actor_id) ON DELETE CASCADE,
    purpose TEXT NOT NULL,
    address TEXT NOT NULL,
    token_sha256 TEXT NOT NULL UNIQUE,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    used_at TIMESTAMP
);
CREATE INDEX email_tokens_account ON email_tokens (account_id, created_at);
