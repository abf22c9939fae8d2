-- A mapping links one source customer to one HaloPSA client; several
-- customers may share a client. Unconfirmed rows are suggestions.
CREATE TABLE mappings (
	partner_id  INTEGER NOT NULL REFERENCES partners (id) ON DELETE CASCADE,
	source_id   INTEGER NOT NULL REFERENCES sources (id) ON DELETE CASCADE,
	customer_id TEXT NOT NULL,
	client_id   INTEGER NOT NULL,
	site_id     INTEGER NOT NULL,
	ticketing   INTEGER NOT NULL,
	billing     INTEGER NOT NULL,
	confirmed   INTEGER NOT NULL,
	rule        TEXT NOT NULL,
	score       REAL NOT NULL,
	created_at  TEXT NOT NULL,
	updated_at  TEXT NOT NULL,
	PRIMARY KEY (source_id, customer_id)
);

CREATE INDEX mappings_partner ON mappings (partner_id);

-- Integration events: one row per problem (partner, key), counted each time
-- it is seen again.
CREATE TABLE events (
	id         INTEGER PRIMARY KEY AUTOINCREMENT,
	partner_id INTEGER NOT NULL REFERENCES partners (id) ON DELETE CASCADE,
	kind       TEXT NOT NULL,
	key        TEXT NOT NULL,
	subject    TEXT NOT NULL,
	message    TEXT NOT NULL,
	fix        TEXT NOT NULL,
	state      TEXT NOT NULL CHECK (state IN ('open', 'resolved', 'acknowledged')),
	first_seen TEXT NOT NULL,
	last_seen  TEXT NOT NULL,
	count      INTEGER NOT NULL,
	data       TEXT NOT NULL,
	UNIQUE (partner_id, key)
);

CREATE INDEX events_partner_state ON events (partner_id, state);
