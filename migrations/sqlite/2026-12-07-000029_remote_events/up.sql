-- Events of communes and groups on other servers that people here follow (another Parvis's meetings,
-- Mobilizon events), as their organiser's Event says them: believed only from the event's own server. Times
-- in UTC; the end may be unknown (Mobilizon's endTime is optional).
CREATE TABLE remote_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    ap_id TEXT NOT NULL UNIQUE,
    organiser_id BIGINT NOT NULL REFERENCES remote_actors (id) ON DELETE CASCADE,
    url TEXT NOT NULL,
    title TEXT NOT NULL,
    content_html TEXT NOT NULL,
    starts_at TIMESTAMP NOT NULL,
    ends_at TIMESTAMP,
    timezone TEXT,
    address TEXT NOT NULL,
    latitude DOUBLE,
    longitude DOUBLE,
    online_url TEXT,
    capacity BIGINT,
    status TEXT NOT NULL CHECK (status IN ('scheduled', 'cancelled')),
    updated_at TIMESTAMP NOT NULL,
    CHECK (ends_at IS NULL OR ends_at >= starts_at)
);
CREATE INDEX remote_events_agenda ON remote_events (starts_at);
CREATE INDEX remote_events_organiser ON remote_events (organiser_id);

-- People here registering for such an event from home: a Join from their account, answered by the event's
-- server (Accept: a seat; Reject: refused). Leaving sends a Leave; each registration is its own Join (a
-- new row after leaving, so that the Join's id is new).
CREATE TABLE remote_event_participations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    remote_event_id BIGINT NOT NULL REFERENCES remote_events (id) ON DELETE CASCADE,
    account_id BIGINT NOT NULL REFERENCES accounts (actor_id) ON DELETE CASCADE,
    state TEXT NOT NULL CHECK (state IN ('pending', 'going', 'refused', 'left')),
    created_at TIMESTAMP NOT NULL,
    answered_at TIMESTAMP
);
CREATE INDEX remote_event_participations_event ON remote_event_participations (remote_event_id, state);
-- One registration waiting or holding a seat per person and event.
CREATE UNIQUE INDEX remote_event_participations_active
    ON remote_event_participations (remote_event_id, account_id) WHERE state IN ('pending', 'going');
