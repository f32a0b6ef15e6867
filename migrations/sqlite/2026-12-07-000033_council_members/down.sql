DROP TABLE code_attempts;
DROP TABLE council_members;
DROP INDEX communes_insee;
ALTER TABLE communes DROP COLUMN insee_code;
