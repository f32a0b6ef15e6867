DROP TABLE comments;
DROP TABLE debates;
