-- A company first seen in a pushed event, that the source's customer list
-- does not hold, becomes a known customer at once, marked seen_in_push, so
-- that it can be mapped before (or without) a sync listing it. A full
-- sync keeps it while the source does not list it, and clears the mark
-- when it does.

ALTER TABLE source_customers ADD COLUMN seen_in_push INTEGER NOT NULL DEFAULT 0;
