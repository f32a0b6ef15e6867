DROP TABLE commitment_followers;
DROP TABLE commitment_milestones;
DROP TABLE commitments;
