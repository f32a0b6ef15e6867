-- Provenance: a key id belongs to one actor, and an actor whose stored document breaks the rules (a key or an
-- inbox on another server, a key that is not a fragment of its id, a key id claimed twice) is fetched again
-- before it is trusted. Until then it has no key (signatures by it are checked against a fresh fetch) and
-- nothing is delivered to it.
ALTER TABLE remote_actors ADD COLUMN needs_refetch BOOLEAN NOT NULL DEFAULT 0;

UPDATE remote_actors SET needs_refetch = 1
WHERE key_id IN (SELECT key_id FROM remote_actors GROUP BY key_id HAVING COUNT(*) > 1)
   OR key_id NOT LIKE ap_id || '#%'
   OR (inbox NOT LIKE 'https://' || domain || '/%' AND inbox NOT LIKE 'http://' || domain || '/%')
   OR (shared_inbox IS NOT NULL
       AND shared_inbox NOT LIKE 'https://' || domain || '/%'
       AND shared_inbox NOT LIKE 'http://' || domain || '/%');

UPDATE remote_actors SET key_id = 'urn:parvis:detached:' || id, public_key_pem = ''
WHERE needs_refetch = 1;

DELETE FROM remote_keys
WHERE remote_actor_id IN (SELECT id FROM remote_actors WHERE needs_refetch = 1)
   OR key_id IN (SELECT key_id FROM remote_actors);

DROP INDEX remote_actors_key_id;
CREATE UNIQUE INDEX remote_actors_key_id ON remote_actors (key_id);
CREATE INDEX remote_actors_needs_refetch ON remote_actors (needs_refetch);

-- The servers (shared inboxes) each local actor has delivered to: where its Delete must go when the
-- account is erased (delivery rows themselves are dropped once delivered).
CREATE TABLE delivered_servers (
    actor_id BIGINT NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    inbox TEXT NOT NULL,
    PRIMARY KEY (actor_id, inbox)
);
