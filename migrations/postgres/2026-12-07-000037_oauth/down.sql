DELETE FROM api_tokens WHERE app_id IS NOT NULL;
DROP INDEX api_tokens_app;
ALTER TABLE api_tokens DROP COLUMN scopes;
ALTER TABLE api_tokens DROP COLUMN app_id;
DROP TABLE oauth_app_tokens;
DROP TABLE oauth_codes;
DROP TABLE oauth_apps;
