-- When each endpoint last changed as a source pushed it (a DefensX Agent.*
-- webhook), and whether that change removed it: a change older than the
-- one kept arrives out of order and is not applied, so that a late Create
-- cannot bring back an agent a newer Delete removed. Rows older than the
-- horizon the store orders changes over are pruned as changes arrive.

CREATE TABLE source_endpoint_changes (
	source_id   BIGINT NOT NULL REFERENCES sources (id) ON DELETE CASCADE,
	endpoint_id TEXT NOT NULL,
	changed_at  TIMESTAMPTZ NOT NULL,
	removed     BOOLEAN NOT NULL,
	PRIMARY KEY (source_id, endpoint_id)
);

CREATE INDEX source_endpoint_changes_at ON source_endpoint_changes (source_id, changed_at);
