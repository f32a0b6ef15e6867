ALTER TABLE problems DROP COLUMN via_client_id;
DROP TABLE open311_clients;
