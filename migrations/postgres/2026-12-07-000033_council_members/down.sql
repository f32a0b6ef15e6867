DELETE FROM moderation_actions WHERE action IN ('role_change', 'mandate_change', 'council_claim');
ALTER TABLE moderation_actions DROP CONSTRAINT moderation_actions_action_check;
ALTER TABLE moderation_actions ADD CONSTRAINT moderation_actions_action_check CHECK (action IN
    ('dismiss', 'hide', 'warn', 'suspend', 'lift', 'block', 'block_instance', 'forward'));
DROP TABLE code_attempts;
DROP TABLE council_members;
DROP INDEX communes_insee;
ALTER TABLE communes DROP COLUMN insee_code;
