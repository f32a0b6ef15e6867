-- SQLite cannot drop a column that references another table: notifications is rebuilt without them.
CREATE TABLE notifications_before_apps (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id BIGINT NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    debate_id BIGINT REFERENCES debates (id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    read_at TIMESTAMP,
    link TEXT,
    by_name TEXT,
    mail_state TEXT
);
INSERT INTO notifications_before_apps (id, account_id, debate_id, kind, created_at, read_at, link, by_name, mail_state)
    SELECT id, account_id, debate_id, kind, created_at, read_at, link, by_name, mail_state FROM notifications
    WHERE kind NOT IN ('favourite', 'reblog');
DROP TABLE notifications;
ALTER TABLE notifications_before_apps RENAME TO notifications;
CREATE INDEX notifications_account ON notifications (account_id, id);
CREATE INDEX notifications_to_mail ON notifications (id) WHERE mail_state IS NULL;
CREATE INDEX notifications_in_digest ON notifications (account_id) WHERE mail_state = 'digest';
DROP TABLE bookmarks;
DROP TABLE note_favourites;
DELETE FROM notes WHERE reblog_of_id IS NOT NULL;
DROP TRIGGER notes_reblogs_follow;
DROP INDEX notes_reblog_remote;
DROP INDEX notes_reblog_local;
ALTER TABLE notes DROP COLUMN reblog_of_id;
