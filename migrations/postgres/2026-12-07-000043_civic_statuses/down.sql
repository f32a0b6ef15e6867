DELETE FROM notes WHERE reblog_of_id IN (SELECT id FROM notes WHERE civic_kind IS NOT NULL);
DELETE FROM notes WHERE civic_kind IS NOT NULL;
DROP INDEX notes_civic;
ALTER TABLE notes DROP COLUMN civic_id;
ALTER TABLE notes DROP COLUMN civic_kind;
