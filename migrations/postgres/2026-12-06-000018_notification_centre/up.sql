-- One notification centre for every kind: where a notification leads (a local path or a post's page on
-- its server), who caused it (a name, as shown), and what became of it for mail: NULL not looked at yet,
-- 'digest' waiting for the next daily digest, 'done' mailed (or not wanted, or nowhere to send).
ALTER TABLE notifications ADD COLUMN link TEXT;
ALTER TABLE notifications ADD COLUMN by_name TEXT;
ALTER TABLE notifications ADD COLUMN mail_state TEXT;
-- Notifications from before mail existed are not mailed now.
UPDATE notifications SET mail_state = 'done';
CREATE INDEX notifications_to_mail ON notifications (id) WHERE mail_state IS NULL;
CREATE INDEX notifications_in_digest ON notifications (account_id) WHERE mail_state = 'digest';

-- What a person wants by mail, per topic: 'immediate', 'daily' or 'never' (absent: the topic's default).
CREATE TABLE email_preferences (
    account_id BIGINT NOT NULL REFERENCES accounts (actor_id) ON DELETE CASCADE,
    topic TEXT NOT NULL,
    mode TEXT NOT NULL,
    PRIMARY KEY (account_id, topic)
);
-- The one-click unsubscribe links' secret, and when the last digest went.
ALTER TABLE accounts ADD COLUMN unsubscribe_token TEXT;
ALTER TABLE accounts ADD COLUMN last_digest_at TIMESTAMP;
-- A message's one-click unsubscribe link (RFC 8058), for its List-Unsubscribe headers.
ALTER TABLE mail_queue ADD COLUMN unsubscribe_url TEXT;
