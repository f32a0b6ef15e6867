-- The language a commune speaks to other servers in (the summary Mastodon shows of its meetings: the date,
-- the time and the place), set by its admin with its time zone.
ALTER TABLE communes ADD COLUMN language TEXT NOT NULL DEFAULT 'fr' CHECK (language IN ('fr', 'en'));
