ALTER TABLE actors DROP COLUMN deleted_at;
ALTER TABLE accounts DROP COLUMN charter_version;
ALTER TABLE accounts DROP COLUMN language;
DROP TABLE invites;
DROP TABLE charters;
DROP TABLE site_settings;
DROP TABLE sessions;
