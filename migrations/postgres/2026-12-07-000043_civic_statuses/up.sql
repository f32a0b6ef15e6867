-- Civic content as posts, for Mastodon apps: each debate (a proposal is one), comment of a debate hosted
-- here, poll, problem report and meeting has one post row that names it (`civic_kind`, `civic_id`). The row
-- holds no text: apps are shown the civic thing as it is now. It is never sent as a post: the civic thing
-- federates as its own object. The commune's relay of a debate or a poll is a boost by the commune.
ALTER TABLE notes ADD COLUMN civic_kind TEXT;
ALTER TABLE notes ADD COLUMN civic_id BIGINT;
CREATE UNIQUE INDEX notes_civic ON notes (civic_kind, civic_id);

-- What existed before this version gets its posts, oldest first.
INSERT INTO notes (author_id, remote_author_id, content, visibility, published, deleted, civic_kind, civic_id)
SELECT author_id, remote_author_id, '', 'public', published, deleted, kind, id FROM (
    SELECT d.author_id AS author_id, NULL AS remote_author_id, d.created_at AS published, FALSE AS deleted,
           'debate' AS kind, d.id AS id
      FROM debates d WHERE d.commune_id IS NOT NULL AND d.author_id IS NOT NULL
    UNION ALL
    SELECT c.author_id, c.remote_author_id, c.created_at, (c.deleted OR c.hidden_at IS NOT NULL),
           'comment', c.id
      FROM comments c JOIN debates d ON d.id = c.debate_id
     WHERE d.commune_id IS NOT NULL AND (c.author_id IS NOT NULL OR c.remote_author_id IS NOT NULL)
    UNION ALL
    SELECT p.author_id, NULL, p.created_at, FALSE, 'poll', p.id
      FROM polls p WHERE p.commune_id IS NOT NULL AND p.questionnaire_id IS NULL AND p.author_id IS NOT NULL
    UNION ALL
    SELECT p.commune_id, NULL, p.created_at, FALSE, 'problem', p.id FROM problems p
    UNION ALL
    SELECT m.commune_id, NULL, m.created_at, FALSE, 'meeting', m.id FROM meetings m
) AS civic
ORDER BY published, kind, id;

INSERT INTO notes (author_id, content, visibility, published, reblog_of_id)
SELECT d.commune_id, '', 'public', n.published, n.id
  FROM notes n JOIN debates d ON n.civic_kind = 'debate' AND n.civic_id = d.id
 WHERE d.author_id <> d.commune_id
 ORDER BY n.id;
INSERT INTO notes (author_id, content, visibility, published, reblog_of_id)
SELECT p.commune_id, '', 'public', n.published, n.id
  FROM notes n JOIN polls p ON n.civic_kind = 'poll' AND n.civic_id = p.id
 WHERE p.author_id <> p.commune_id
 ORDER BY n.id;
