-- Secrets the store's nodes share, made once by whichever node needs one first: for example the key
-- that signs query continuation tokens, so that any node accepts a token another node issued.
CREATE TABLE secrets (
    name  TEXT NOT NULL PRIMARY KEY,
    value TEXT NOT NULL
);
