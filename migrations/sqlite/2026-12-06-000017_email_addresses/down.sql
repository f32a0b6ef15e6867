DROP TABLE email_tokens;
DROP INDEX accounts_email;
ALTER TABLE accounts DROP COLUMN credentials_changed_at;
ALTER TABLE accounts DROP COLUMN email_prompt_dismissed;
ALTER TABLE accounts DROP COLUMN email_confirmed_at;
ALTER TABLE accounts DROP COLUMN email;
