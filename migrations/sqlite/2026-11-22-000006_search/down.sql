DROP TRIGGER comments_fts_update;
DROP TRIGGER comments_fts_delete;
DROP TRIGGER comments_fts_insert;
DROP TABLE comments_fts;
DROP TRIGGER debates_fts_update;
DROP TRIGGER debates_fts_delete;
DROP TRIGGER debates_fts_insert;
DROP TABLE debates_fts;
