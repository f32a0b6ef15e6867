-- Full-text search over debates and comments, in French and in English: each text is indexed with both
-- stemmers (so "écoles" finds "école", "schools" finds "school"). The expressions must match those of
-- `db::search`.
CREATE INDEX debates_search ON debates USING GIN ((
    to_tsvector('french', title || ' ' || question || ' ' || body_html)
    || to_tsvector('english', title || ' ' || question || ' ' || body_html)
));
CREATE INDEX comments_search ON comments USING GIN ((
    to_tsvector('french', content_html) || to_tsvector('english', content_html)
));
