DELETE FROM federation_rules WHERE rule = 'silence';
ALTER TABLE federation_rules DROP CONSTRAINT federation_rules_rule_check;
ALTER TABLE federation_rules ADD CONSTRAINT federation_rules_rule_check CHECK (rule IN ('allow', 'block'));
DELETE FROM moderation_actions WHERE action NOT IN ('dismiss', 'hide', 'warn');
ALTER TABLE moderation_actions DROP CONSTRAINT moderation_actions_action_check;
ALTER TABLE moderation_actions ADD CONSTRAINT moderation_actions_action_check
    CHECK (action IN ('dismiss', 'hide', 'warn'));
DROP TABLE remote_blocks;
ALTER TABLE reports DROP COLUMN note_id;
ALTER TABLE communes DROP COLUMN residents_only;
ALTER TABLE accounts DROP COLUMN suspended_until;
