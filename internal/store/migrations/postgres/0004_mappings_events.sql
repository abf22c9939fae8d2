-- A mapping links one source customer to one HaloPSA client; several
-- customers may share a client. Unconfirmed rows are suggestions.
CREATE TABLE mappings (
	partner_id  BIGINT NOT NULL REFERENCES partners (id) ON DELETE CASCADE,
	source_id   BIGINT NOT NULL REFERENCES sources (id) ON DELETE CASCADE,
	customer_id TEXT NOT NULL,
	client_id   BIGINT NOT NULL,
	site_id     BIGINT NOT NULL,
	ticketing   BOOLEAN NOT NULL,
	billing     BOOLEAN NOT NULL,
	confirmed   BOOLEAN NOT NULL,
	rule        TEXT NOT NULL,
	score       DOUBLE PRECISION NOT NULL,
	created_at  TIMESTAMPTZ NOT NULL,
	updated_at  TIMESTAMPTZ NOT NULL,
	PRIMARY KEY (source_id, customer_id)
);

CREATE INDEX mappings_partner ON mappings (partner_id);

-- Integration events: one row per problem (partner, key), counted each time
-- it is seen again.
CREATE TABLE events (
	id         BIGSERIAL PRIMARY KEY,
	partner_id BIGINT NOT NULL REFERENCES partners (id) ON DELETE CASCADE,
	kind       TEXT NOT NULL,
	key        TEXT NOT NULL,
	subject    TEXT NOT NULL,
	message    TEXT NOT NULL,
	fix        TEXT NOT NULL,
	state      TEXT NOT NULL CHECK (state IN ('open', 'resolved', 'acknowledged')),
	first_seen TIMESTAMPTZ NOT NULL,
	last_seen  TIMESTAMPTZ NOT NULL,
	count      INTEGER NOT NULL,
	data       TEXT NOT NULL,
	UNIQUE (partner_id, key)
);

CREATE INDEX events_partner_state ON events (partner_id, state);
