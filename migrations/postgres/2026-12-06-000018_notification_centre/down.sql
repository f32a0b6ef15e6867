ALTER TABLE mail_queue DROP COLUMN unsubscribe_url;
ALTER TABLE accounts DROP COLUMN last_digest_at;
ALTER TABLE accounts DROP COLUMN unsubscribe_token;
DROP TABLE email_preferences;
DROP INDEX notifications_in_digest;
DROP INDEX notifications_to_mail;
ALTER TABLE notifications DROP COLUMN mail_state;
ALTER TABLE notifications DROP COLUMN by_name;
ALTER TABLE notifications DROP COLUMN link;
