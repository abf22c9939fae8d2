-- Ticket delivery: the partner's ticket policy, the ticket each group of
-- alerts goes to, and how far delivery got with every alert and resolution.
-- Zero times are stored as 0001-01-01 so that every column stays NOT NULL.

-- policy is the JSON of ticketing.Policy; fallback_client_id receives the
-- tickets of unmapped customers (0: none).
CREATE TABLE ticket_policies (
	partner_id         INTEGER PRIMARY KEY REFERENCES partners (id) ON DELETE CASCADE,
	policy             TEXT NOT NULL,
	fallback_client_id INTEGER NOT NULL,
	updated_at         TEXT NOT NULL
);

-- One row per group key. The primary key is what makes a second ticket for
-- one group impossible, however many replicas deliver: a link is written
-- 'pending' before the ticket is posted to HaloPSA. replaces_ticket_id is the
-- closed ticket a pending link replaces, so that reconciliation after a crash
-- only considers newer tickets.
CREATE TABLE ticket_links (
	partner_id         INTEGER NOT NULL REFERENCES partners (id) ON DELETE CASCADE,
	key                TEXT NOT NULL,
	ticket_id          INTEGER NOT NULL,
	replaces_ticket_id INTEGER NOT NULL,
	state              TEXT NOT NULL CHECK (state IN ('pending', 'open', 'closed')),
	alert_type         TEXT NOT NULL,
	opened_at          TEXT NOT NULL,
	closed_at          TEXT NOT NULL,
	last_alert_at      TEXT NOT NULL,
	noted_at           TEXT NOT NULL,
	alert_count        INTEGER NOT NULL,
	updated_at         TEXT NOT NULL,
	PRIMARY KEY (partner_id, key)
);

CREATE INDEX ticket_links_state ON ticket_links (partner_id, state);

-- An alert without a row here has not been delivered yet.
CREATE TABLE alert_deliveries (
	alert_id   INTEGER PRIMARY KEY REFERENCES alerts (id) ON DELETE CASCADE,
	partner_id INTEGER NOT NULL,
	state      TEXT NOT NULL CHECK (state IN ('pending', 'done', 'failed')),
	action     TEXT NOT NULL,
	reason     TEXT NOT NULL,
	key        TEXT NOT NULL,
	ticket_id  INTEGER NOT NULL,
	attempts   INTEGER NOT NULL,
	updated_at TEXT NOT NULL
);

CREATE INDEX alert_deliveries_failed ON alert_deliveries (state, updated_at) WHERE state <> 'done';

-- A resolution without a row here has not been acted on yet.
CREATE TABLE resolution_deliveries (
	resolution_id INTEGER PRIMARY KEY REFERENCES resolutions (id) ON DELETE CASCADE,
	partner_id    INTEGER NOT NULL,
	action        TEXT NOT NULL,
	reason        TEXT NOT NULL,
	ticket_id     INTEGER NOT NULL,
	updated_at    TEXT NOT NULL
);

CREATE INDEX resolutions_partner ON resolutions (partner_id, id);

-- One delivery pass per partner at a time, across processes and replicas:
-- the pass holding the lease renews it, and a crashed one's lapses.
CREATE TABLE delivery_leases (
	partner_id INTEGER PRIMARY KEY REFERENCES partners (id) ON DELETE CASCADE,
	holder     TEXT NOT NULL,
	expires_at TEXT NOT NULL
);
