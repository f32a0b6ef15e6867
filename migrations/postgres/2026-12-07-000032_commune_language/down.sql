ALTER TABLE communes DROP COLUMN language;
