-- Sources are a partner's security platform accounts; alerts and
-- resolutions are what they push, kept once per (source, event id) so a
-- redelivered event is recognised. Alerts carry no foreign key to partners:
-- the source's cascade removes them, and ingest stays one index lighter.

CREATE TABLE sources (
	id         INTEGER PRIMARY KEY AUTOINCREMENT,
	partner_id INTEGER NOT NULL REFERENCES partners (id) ON DELETE CASCADE,
	kind       TEXT NOT NULL CHECK (kind IN ('gravityzone', 'defensx', 'push')),
	name       TEXT NOT NULL,
	token      TEXT NOT NULL UNIQUE,
	secret     TEXT NOT NULL,
	api_key    TEXT NOT NULL,
	api_url    TEXT NOT NULL,
	settings   TEXT NOT NULL,
	created_at TEXT NOT NULL,
	updated_at TEXT NOT NULL
);

CREATE INDEX sources_partner ON sources (partner_id);

CREATE TABLE alerts (
	id          INTEGER PRIMARY KEY,
	partner_id  INTEGER NOT NULL,
	source_id   INTEGER NOT NULL REFERENCES sources (id) ON DELETE CASCADE,
	event_id    TEXT NOT NULL,
	source_kind TEXT NOT NULL,
	type        TEXT NOT NULL,
	customer_id TEXT NOT NULL,
	severity    TEXT NOT NULL,
	host_name   TEXT NOT NULL,
	host_ip     TEXT NOT NULL,
	user_name   TEXT NOT NULL,
	url         TEXT NOT NULL,
	facts       TEXT NOT NULL,
	fingerprint TEXT NOT NULL,
	test        INTEGER NOT NULL,
	occurred_at TEXT NOT NULL,
	received_at TEXT NOT NULL,
	raw         TEXT NOT NULL,
	UNIQUE (source_id, event_id)
);

CREATE INDEX alerts_partner ON alerts (partner_id, id);
CREATE INDEX alerts_fingerprint ON alerts (partner_id, fingerprint);

CREATE TABLE resolutions (
	id          INTEGER PRIMARY KEY,
	partner_id  INTEGER NOT NULL,
	source_id   INTEGER NOT NULL REFERENCES sources (id) ON DELETE CASCADE,
	event_id    TEXT NOT NULL,
	customer_id TEXT NOT NULL,
	fingerprint TEXT NOT NULL,
	reason      TEXT NOT NULL,
	resolved_at TEXT NOT NULL,
	received_at TEXT NOT NULL,
	raw         TEXT NOT NULL,
	UNIQUE (source_id, event_id)
);

CREATE TABLE source_cursors (
	source_id  INTEGER NOT NULL REFERENCES sources (id) ON DELETE CASCADE,
	scope      TEXT NOT NULL,
	cursor     TEXT NOT NULL,
	updated_at TEXT NOT NULL,
	PRIMARY KEY (source_id, scope)
);

-- The source's side of the catalog: its customers and their usage per
-- month, refreshed at every sync (or pushed, for push sources).
CREATE TABLE source_customers (
	source_id   INTEGER NOT NULL REFERENCES sources (id) ON DELETE CASCADE,
	customer_id TEXT NOT NULL,
	name        TEXT NOT NULL,
	parent_id   TEXT NOT NULL,
	domain      TEXT NOT NULL,
	reseller    INTEGER NOT NULL,
	updated_at  TEXT NOT NULL,
	PRIMARY KEY (source_id, customer_id)
);

CREATE TABLE source_usage (
	source_id         INTEGER NOT NULL REFERENCES sources (id) ON DELETE CASCADE,
	customer_id       TEXT NOT NULL,
	month             TEXT NOT NULL,
	product           TEXT NOT NULL,
	quantity          REAL NOT NULL,
	includes_children INTEGER NOT NULL,
	updated_at        TEXT NOT NULL,
	PRIMARY KEY (source_id, customer_id, month, product)
);
