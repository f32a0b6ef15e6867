-- Up to three photos per problem report, with their alt text; shown to everyone (and federated) only once
-- the commune's staff accepted them (faces, number plates), until then to the reporter and staff alone.
CREATE TABLE problem_photos (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    problem_id BIGINT NOT NULL REFERENCES problems (id) ON DELETE CASCADE,
    file TEXT NOT NULL,
    thumb TEXT NOT NULL,
    alt TEXT NOT NULL,
    width INTEGER NOT NULL,
    height INTEGER NOT NULL,
    accepted_at TIMESTAMP,
    accepted_by BIGINT REFERENCES actors (id),
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX problem_photos_problem ON problem_photos (problem_id);
