-- Residency, verified: one record per verification of an account (how, when, until when, by whom or what),
-- the current one being the last not withdrawn. accounts.resident stays what every count reads, kept equal
-- to "has a current verification" by the rules that write both (and by the pass that ends expired ones).
-- Counts made before (a support's category, a vote's eligibility) are stored with them: a verification that
-- ends changes none of them.
CREATE TABLE residency_verifications (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id BIGINT NOT NULL REFERENCES accounts (actor_id) ON DELETE CASCADE,
    method TEXT NOT NULL CHECK (method IN ('staff', 'letter', 'list', 'oidc')),
    verified_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP,
    verified_by BIGINT REFERENCES actors (id) ON DELETE SET NULL,
    source TEXT NOT NULL,
    ended_at TIMESTAMP,
    CHECK (expires_at IS NULL OR expires_at > verified_at)
);
CREATE UNIQUE INDEX residency_current ON residency_verifications (account_id) WHERE ended_at IS NULL;
CREATE INDEX residency_expiring ON residency_verifications (expires_at) WHERE ended_at IS NULL;

-- Today's residents, ticked by an admin one by one, become verifications by staff, dated today.
INSERT INTO residency_verifications (account_id, method, verified_at, source)
    SELECT actor_id, 'staff', CURRENT_TIMESTAMP, 'resident flag before verification records' FROM accounts WHERE resident;

-- Letters: single-use codes the admin has mailed to addresses of the commune. Only a hash of each code is
-- kept (the addresses go out in the mail-merge file and are not stored).
CREATE TABLE residency_letter_codes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    commune_id BIGINT NOT NULL REFERENCES actors (id),
    code_hash TEXT NOT NULL UNIQUE,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    used_by BIGINT REFERENCES accounts (actor_id) ON DELETE SET NULL,
    used_at TIMESTAMP
);

-- A list the town holds (electoral list, census), kept only as keyed hashes of each person's normalized name,
-- birth date and address (HMAC-SHA-256 with a secret kept in the data folder, not in the database: the stored
-- values cannot be reversed by trying names), until the campaign ends and the admin deletes it.
CREATE TABLE residency_list_entries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    commune_id BIGINT NOT NULL REFERENCES actors (id),
    list_name TEXT NOT NULL,
    key_hash TEXT NOT NULL,
    UNIQUE (commune_id, key_hash)
);
CREATE INDEX residency_list_entries_name ON residency_list_entries (commune_id, list_name);
