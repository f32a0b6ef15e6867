DROP TABLE note_revisions;
ALTER TABLE notes DROP COLUMN edited_at;
