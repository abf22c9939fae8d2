-- The users of a source's customers, for sources whose alerts name a user
-- by id only (DefensX sends a user UUID): a catalog sync keeps them, and a
-- ticket names the person by name or e-mail instead of the id.

CREATE TABLE source_users (
	source_id   BIGINT NOT NULL REFERENCES sources (id) ON DELETE CASCADE,
	user_id     TEXT NOT NULL,
	customer_id TEXT NOT NULL,
	name        TEXT NOT NULL,
	email       TEXT NOT NULL,
	updated_at  TIMESTAMPTZ NOT NULL,
	PRIMARY KEY (source_id, user_id)
);

CREATE INDEX source_users_customer ON source_users (source_id, customer_id);
