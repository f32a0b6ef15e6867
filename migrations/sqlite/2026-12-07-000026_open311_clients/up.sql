-- Client apps that file problem reports through Open311 GeoReport v2 (a city app, a kiosk), one API key
-- each, created by the commune's admin; only a hash of the key is kept. A report filed through one names
-- it (and no person: Open311's name, email and phone fields are not kept).
CREATE TABLE open311_clients (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    commune_id BIGINT NOT NULL REFERENCES actors (id),
    name TEXT NOT NULL,
    key_sha256 TEXT NOT NULL UNIQUE,
    created_at TIMESTAMP NOT NULL,
    revoked_at TIMESTAMP
);
CREATE INDEX open311_clients_commune ON open311_clients (commune_id);

-- No foreign key on the new column: SQLite cannot drop a column that has one (down.sql).
ALTER TABLE problems ADD COLUMN via_client_id BIGINT;
