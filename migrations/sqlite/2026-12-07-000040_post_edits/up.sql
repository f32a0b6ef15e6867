-- Edits of posts (Mastodon's edit and history): each earlier version is kept, the first one too, so that
-- apps show what a post said before; edited_at tells that it was edited.
ALTER TABLE notes ADD COLUMN edited_at TIMESTAMP;
CREATE TABLE note_revisions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    note_id BIGINT NOT NULL REFERENCES notes (id) ON DELETE CASCADE,
    content TEXT NOT NULL,
    written_at TIMESTAMP NOT NULL
);
CREATE INDEX note_revisions_note ON note_revisions (note_id, id);
