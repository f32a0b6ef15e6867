DROP TABLE api_tokens;
DROP TABLE mandates;
DROP TABLE accounts;
DROP TABLE communes;
DROP TABLE actors;
