-- Pictures attached to posts (Mastodon's media attachments). One uploaded here is stored as a photo (JPEG,
-- re-encoded, no metadata) before any post names it; it is its owner's alone until a post takes it, and
-- removed by the hourly sweep if no post does within a day, or once its post or owner is deleted.
CREATE TABLE media_attachments (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    owner_id BIGINT NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    note_id BIGINT REFERENCES notes (id) ON DELETE SET NULL,
    position INTEGER NOT NULL DEFAULT 0,
    file TEXT NOT NULL,
    thumb TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    width INTEGER NOT NULL,
    height INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX media_attachments_note ON media_attachments (note_id, position);
CREATE INDEX media_attachments_owner ON media_attachments (owner_id, created_at);
-- The pictures of posts from elsewhere: their links only. Apps get them as links (Mastodon's "unknown"
-- media), so that reading a post here does not fetch anything from its server.
CREATE TABLE note_remote_attachments (
    note_id BIGINT NOT NULL REFERENCES notes (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    url TEXT NOT NULL,
    media_type TEXT NOT NULL,
    description TEXT NOT NULL,
    PRIMARY KEY (note_id, position)
);
