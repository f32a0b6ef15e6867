DROP TABLE account_identities;
