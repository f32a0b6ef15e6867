DROP TABLE federation_rules;
