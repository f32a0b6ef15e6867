UPDATE accounts SET role = 'citizen' WHERE role = 'agent';
ALTER TABLE accounts DROP CONSTRAINT accounts_role_check;
ALTER TABLE accounts ADD CONSTRAINT accounts_role_check
    CHECK (role IN ('citizen', 'official', 'moderator', 'admin'));
