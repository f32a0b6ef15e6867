DROP TABLE inbox_refusals;
