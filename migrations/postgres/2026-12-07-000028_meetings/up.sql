-- Meetings of a commune (council sessions, public meetings, workshops, an official's office hours): times
-- in UTC, shown in the commune's time zone; a place or an online link; a capacity, past which people wait
-- on a list that moves up by itself. Participants are people here or on other servers (a Mobilizon-shaped
-- Join). The sequence counts the changes people must hear of (iCalendar's SEQUENCE).
ALTER TABLE communes ADD COLUMN timezone TEXT NOT NULL DEFAULT 'Europe/Paris';

CREATE TABLE meetings (
    id BIGSERIAL PRIMARY KEY,
    commune_id BIGINT NOT NULL REFERENCES actors (id),
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    category TEXT NOT NULL CHECK (category IN ('council_session', 'public_meeting', 'workshop', 'office_hours')),
    starts_at TIMESTAMP NOT NULL,
    ends_at TIMESTAMP NOT NULL,
    address TEXT NOT NULL,
    latitude DOUBLE PRECISION,
    longitude DOUBLE PRECISION,
    online_url TEXT,
    capacity BIGINT CHECK (capacity IS NULL OR capacity > 0),
    registration_required BOOLEAN NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('scheduled', 'cancelled')),
    sequence INTEGER NOT NULL DEFAULT 0,
    created_at TIMESTAMP NOT NULL,
    CHECK (ends_at > starts_at)
);
CREATE INDEX meetings_agenda ON meetings (commune_id, starts_at);

CREATE TABLE meeting_participants (
    id BIGSERIAL PRIMARY KEY,
    meeting_id BIGINT NOT NULL REFERENCES meetings (id) ON DELETE CASCADE,
    account_id BIGINT REFERENCES accounts (actor_id) ON DELETE CASCADE,
    remote_actor_id BIGINT REFERENCES remote_actors (id) ON DELETE CASCADE,
    join_ap_id TEXT UNIQUE,
    state TEXT NOT NULL CHECK (state IN ('going', 'waiting')),
    created_at TIMESTAMP NOT NULL,
    UNIQUE (meeting_id, account_id),
    UNIQUE (meeting_id, remote_actor_id),
    CHECK ((account_id IS NULL) <> (remote_actor_id IS NULL))
);
CREATE INDEX meeting_participants_queue ON meeting_participants (meeting_id, state, id);

-- A meeting's agenda: its items in order, each may link a debate (or proposal) or a poll of the commune.
CREATE TABLE meeting_agenda_items (
    id BIGSERIAL PRIMARY KEY,
    meeting_id BIGINT NOT NULL REFERENCES meetings (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    title TEXT NOT NULL,
    debate_id BIGINT REFERENCES debates (id) ON DELETE SET NULL,
    poll_id BIGINT REFERENCES polls (id) ON DELETE SET NULL,
    UNIQUE (meeting_id, position)
);
