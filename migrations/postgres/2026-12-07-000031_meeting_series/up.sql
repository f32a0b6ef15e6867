-- Repeating office hours: a rule (weekly, or monthly on the same weekday of the month) and the meeting it
-- repeats, as the commune's clocks show its first occurrence. The rule makes one meeting per occurrence, a
-- few months ahead (generated_through: the last day made so far), each with its own page, registrations,
-- UID and Event. Changing the rule from an occurrence changes that one and the ones after it only.
CREATE TABLE meeting_series (
    id BIGSERIAL PRIMARY KEY,
    commune_id BIGINT NOT NULL REFERENCES actors (id),
    frequency TEXT NOT NULL CHECK (frequency IN ('weekly', 'monthly')),
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    starts_local TIMESTAMP NOT NULL,
    duration_minutes INTEGER NOT NULL CHECK (duration_minutes > 0),
    address TEXT NOT NULL,
    latitude DOUBLE PRECISION,
    longitude DOUBLE PRECISION,
    online_url TEXT,
    capacity BIGINT CHECK (capacity IS NULL OR capacity > 0),
    registration_required BOOLEAN NOT NULL,
    until_day DATE,
    generated_through DATE NOT NULL,
    created_at TIMESTAMP NOT NULL
);

-- Which meeting is which occurrence of a series (a day on the commune's clocks). A cancelled occurrence
-- leaves its series: its day may be made again.
CREATE TABLE meeting_occurrences (
    meeting_id BIGINT PRIMARY KEY REFERENCES meetings (id) ON DELETE CASCADE,
    series_id BIGINT NOT NULL REFERENCES meeting_series (id) ON DELETE CASCADE,
    local_day DATE NOT NULL,
    UNIQUE (series_id, local_day)
);
