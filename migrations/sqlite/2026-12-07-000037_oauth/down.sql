-- SQLite cannot drop a column that references another table: api_tokens is rebuilt without the app's.
DROP INDEX api_tokens_app;
CREATE TABLE api_tokens_before_oauth (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id BIGINT NOT NULL REFERENCES accounts (actor_id) ON DELETE CASCADE,
    token_sha256 TEXT NOT NULL UNIQUE,
    created_at TIMESTAMP NOT NULL,
    last_used_at TIMESTAMP
);
INSERT INTO api_tokens_before_oauth (id, account_id, token_sha256, created_at, last_used_at)
    SELECT id, account_id, token_sha256, created_at, last_used_at FROM api_tokens WHERE app_id IS NULL;
DROP TABLE api_tokens;
ALTER TABLE api_tokens_before_oauth RENAME TO api_tokens;
DROP TABLE oauth_app_tokens;
DROP TABLE oauth_codes;
DROP TABLE oauth_apps;
