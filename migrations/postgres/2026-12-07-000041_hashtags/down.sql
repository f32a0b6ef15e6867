DROP TABLE note_tags;
