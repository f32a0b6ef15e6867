-- Polls closed since the last look are found by their closing time (the mail worker tells their voters).
CREATE INDEX polls_closes_at ON polls (closes_at);
