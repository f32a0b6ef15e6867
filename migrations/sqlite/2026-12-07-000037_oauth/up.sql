-- OAuth 2 for Mastodon apps (RFC 6749 with PKCE, as Mastodon does it). An app registers itself
-- (POST /api/v1/apps) and gets a client id and secret (only its hash is kept); a person approves it on the
-- consent page and the app exchanges the one-time code (hash kept, ten minutes) for an access token, which
-- is an api_tokens row naming the app and the scopes granted. Tokens an app gets for itself
-- (client_credentials) open no account: they are kept apart.
CREATE TABLE oauth_apps (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    client_id TEXT NOT NULL UNIQUE,
    client_secret_sha256 TEXT NOT NULL,
    name TEXT NOT NULL,
    website TEXT,
    redirect_uris TEXT NOT NULL,
    scopes TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE oauth_codes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    code_sha256 TEXT NOT NULL UNIQUE,
    app_id BIGINT NOT NULL REFERENCES oauth_apps (id) ON DELETE CASCADE,
    account_id BIGINT NOT NULL REFERENCES accounts (actor_id) ON DELETE CASCADE,
    redirect_uri TEXT NOT NULL,
    scopes TEXT NOT NULL,
    code_challenge TEXT,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    used_at TIMESTAMP
);

CREATE TABLE oauth_app_tokens (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    app_id BIGINT NOT NULL REFERENCES oauth_apps (id) ON DELETE CASCADE,
    token_sha256 TEXT NOT NULL UNIQUE,
    scopes TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);

-- Tokens made by `parvis admin token create` name no app and carry every scope.
ALTER TABLE api_tokens ADD COLUMN app_id BIGINT REFERENCES oauth_apps (id) ON DELETE CASCADE;
ALTER TABLE api_tokens ADD COLUMN scopes TEXT NOT NULL DEFAULT 'read write follow push profile';
CREATE INDEX api_tokens_app ON api_tokens (account_id, app_id);
