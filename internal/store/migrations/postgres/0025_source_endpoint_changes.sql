-- When each endpoint last changed as a source pushed it (a DefensX Agent.*
-- webhook), and whether that change removed it: a change older than the
-- one kept arrives out of order and is not applied, so that a late Create
-- cannot bring back an agent a newer Delete removed. A row is kept for the
-- store's horizon after it was recorded (recorded_at), far longer than any
-- redelivery, and pruned as later changes arrive.

CREATE TABLE source_endpoint_changes (
	source_id   BIGINT NOT NULL REFERENCES sources (id) ON DELETE CASCADE,
	endpoint_id TEXT NOT NULL,
	changed_at  TIMESTAMPTZ NOT NULL,
	removed     BOOLEAN NOT NULL,
	recorded_at TIMESTAMPTZ NOT NULL,
	PRIMARY KEY (source_id, endpoint_id)
);

CREATE INDEX source_endpoint_changes_recorded ON source_endpoint_changes (source_id, recorded_at);
