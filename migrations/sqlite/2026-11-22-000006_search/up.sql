-- Full-text search over debates and comments: FTS5 indexes over the tables themselves (external content),
-- kept in step by triggers; accents ignored, so that "ecole" finds "école".
CREATE VIRTUAL TABLE debates_fts USING fts5(
    title, question, body_html,
    content = 'debates', content_rowid = 'id',
    tokenize = 'unicode61 remove_diacritics 2'
);
CREATE TRIGGER debates_fts_insert AFTER INSERT ON debates BEGIN
    INSERT INTO debates_fts (rowid, title, question, body_html) VALUES (new.id, new.title, new.question, new.body_html);
END;
CREATE TRIGGER debates_fts_delete AFTER DELETE ON debates BEGIN
    INSERT INTO debates_fts (debates_fts, rowid, title, question, body_html)
        VALUES ('delete', old.id, old.title, old.question, old.body_html);
END;
CREATE TRIGGER debates_fts_update AFTER UPDATE OF title, question, body_html ON debates BEGIN
    INSERT INTO debates_fts (debates_fts, rowid, title, question, body_html)
        VALUES ('delete', old.id, old.title, old.question, old.body_html);
    INSERT INTO debates_fts (rowid, title, question, body_html) VALUES (new.id, new.title, new.question, new.body_html);
END;
INSERT INTO debates_fts (debates_fts) VALUES ('rebuild');

CREATE VIRTUAL TABLE comments_fts USING fts5(
    content_html,
    content = 'comments', content_rowid = 'id',
    tokenize = 'unicode61 remove_diacritics 2'
);
CREATE TRIGGER comments_fts_insert AFTER INSERT ON comments BEGIN
    INSERT INTO comments_fts (rowid, content_html) VALUES (new.id, new.content_html);
END;
CREATE TRIGGER comments_fts_delete AFTER DELETE ON comments BEGIN
    INSERT INTO comments_fts (comments_fts, rowid, content_html) VALUES ('delete', old.id, old.content_html);
END;
CREATE TRIGGER comments_fts_update AFTER UPDATE OF content_html ON comments BEGIN
    INSERT INTO comments_fts (comments_fts, rowid, content_html) VALUES ('delete', old.id, old.content_html);
    INSERT INTO comments_fts (rowid, content_html) VALUES (new.id, new.content_html);
END;
INSERT INTO comments_fts (comments_fts) VALUES ('rebuild');
