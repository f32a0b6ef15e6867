DROP INDEX comments_search;
DROP INDEX debates_search;
