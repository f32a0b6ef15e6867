-- The hashtags of posts (lower case, without '#'): a post's from its text here, or from its `tag` list
-- (`Hashtag`) when it comes from elsewhere; they make the tag timeline and the `tags` of apps.
CREATE TABLE note_tags (
    note_id BIGINT NOT NULL REFERENCES notes (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    PRIMARY KEY (note_id, name)
);
CREATE INDEX note_tags_name ON note_tags (name, note_id);
