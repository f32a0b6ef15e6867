-- The municipal agent: the commune's staff, without an elected office.
ALTER TABLE accounts DROP CONSTRAINT accounts_role_check;
ALTER TABLE accounts ADD CONSTRAINT accounts_role_check
    CHECK (role IN ('citizen', 'official', 'agent', 'moderator', 'admin'));
