-- Local actors: the instance (Application), communes (Group) and people (Person) share one name space, so
-- that acct:NAME@host is unambiguous.
CREATE TABLE actors (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL CHECK (kind IN ('application', 'commune', 'person')),
    username TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    summary TEXT NOT NULL DEFAULT '',
    icon_url TEXT,
    public_key_pem TEXT NOT NULL,
    private_key_pem TEXT NOT NULL,
    manually_approves_followers BOOLEAN NOT NULL DEFAULT FALSE,
    discoverable BOOLEAN NOT NULL DEFAULT TRUE,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE communes (
    actor_id BIGINT PRIMARY KEY NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    is_default BOOLEAN NOT NULL DEFAULT FALSE
);
-- At most one default commune, even when two are created at the same instant.
CREATE UNIQUE INDEX communes_one_default ON communes (is_default) WHERE is_default;

CREATE TABLE accounts (
    actor_id BIGINT PRIMARY KEY NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    commune_id BIGINT NOT NULL REFERENCES communes (actor_id),
    role TEXT NOT NULL CHECK (role IN ('citizen', 'official', 'moderator', 'admin')),
    password_hash TEXT
);
CREATE INDEX accounts_commune ON accounts (commune_id);

CREATE TABLE mandates (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id BIGINT NOT NULL REFERENCES accounts (actor_id) ON DELETE CASCADE,
    office TEXT NOT NULL,
    governing_body TEXT NOT NULL,
    since DATE NOT NULL,
    until DATE,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX mandates_account ON mandates (account_id);

CREATE TABLE api_tokens (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id BIGINT NOT NULL REFERENCES accounts (actor_id) ON DELETE CASCADE,
    token_sha256 TEXT NOT NULL UNIQUE,
    created_at TIMESTAMP NOT NULL,
    last_used_at TIMESTAMP
);
