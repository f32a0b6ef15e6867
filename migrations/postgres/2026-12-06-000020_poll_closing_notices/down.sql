DROP INDEX polls_closes_at;
