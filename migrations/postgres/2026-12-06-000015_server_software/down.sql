ALTER TABLE remote_hosts DROP COLUMN software;
