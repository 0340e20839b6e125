-- The client's random id of each processed mutation: a push that reuses a
-- seq for a different mutation (the client's numbering went back, e.g. a
-- restored backup) is told apart from a replay of the same one.
ALTER TABLE mutation_results ADD COLUMN mutation_id TEXT;
-- A refusal's key and parameters (JSON), for the app to render in its
-- reader's language; `message` keeps the Chinese text.
ALTER TABLE mutation_results ADD COLUMN reason TEXT;
