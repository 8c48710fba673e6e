-- When the connection that set a row began. A connect takes the row only when it began no earlier than that
-- one, whether the row is Connected or not: a connect that one node reports late, after a newer connection
-- elsewhere ended, is older than the row's and leaves it alone (that older connection was replaced).
ALTER TABLE connections ADD COLUMN connected_ms INTEGER NOT NULL DEFAULT 0;
UPDATE connections SET connected_ms = state_updated_ms WHERE connected = 1;
