DROP TABLE delivered_servers;
DROP INDEX remote_actors_needs_refetch;
DROP INDEX remote_actors_key_id;
CREATE INDEX remote_actors_key_id ON remote_actors (key_id);
ALTER TABLE remote_actors DROP COLUMN needs_refetch;
