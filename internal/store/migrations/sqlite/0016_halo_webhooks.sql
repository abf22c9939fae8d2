-- Two-way: HaloPSA tells halobridge what happens to the tickets halobridge
-- created, through a webhook halobridge creates in it (or, as the fallback,
-- a poller reading the tickets changed since a cursor). Zero times are
-- stored as 0001-01-01 so that every column stays NOT NULL.

-- One webhook per partner. token is the address part of
-- <base url>/halo/webhook/<token>; secret is the Basic password HaloPSA
-- sends, sealed. webhook_id is HaloPSA's GUID ('' while none exists).
-- state says how HaloPSA reaches halobridge: 'none' (not set up yet),
-- 'active', 'no_permission' (admin:webhooks missing: polled), 'failing'
-- (HaloPSA logs failed deliveries) or 'disabled' (HaloPSA disabled it);
-- problem says what is wrong in words. poll_cursor is the last_update up to
-- which the poller has read.
CREATE TABLE halo_webhooks (
	partner_id       INTEGER PRIMARY KEY REFERENCES partners (id) ON DELETE CASCADE,
	token            TEXT NOT NULL UNIQUE,
	secret           TEXT NOT NULL,
	webhook_id       TEXT NOT NULL,
	url              TEXT NOT NULL,
	state            TEXT NOT NULL CHECK (state IN ('none', 'active', 'no_permission', 'failing', 'disabled')),
	problem          TEXT NOT NULL,
	last_delivery_at TEXT NOT NULL,
	poll_cursor      TEXT NOT NULL,
	polled_at        TEXT NOT NULL,
	checked_at       TEXT NOT NULL,
	updated_at       TEXT NOT NULL
);

-- Every webhook delivery accepted, by HaloPSA's delivery id: a delivery sent
-- again (a retry, a replay) finds its row and changes nothing. ticket is the
-- ticket object the payload carried ('' when it carried none); done_at is
-- when the job acted on it (zero while it has not).
CREATE TABLE halo_deliveries (
	partner_id  INTEGER NOT NULL REFERENCES partners (id) ON DELETE CASCADE,
	delivery_id TEXT NOT NULL,
	ticket_id   INTEGER NOT NULL,
	event       TEXT NOT NULL,
	ticket      TEXT NOT NULL,
	received_at TEXT NOT NULL,
	done_at     TEXT NOT NULL,
	PRIMARY KEY (partner_id, delivery_id)
);

CREATE INDEX halo_deliveries_pending ON halo_deliveries (partner_id, done_at);

-- What happened to a ticket in HaloPSA as halobridge recorded it, and what
-- halobridge then did at the source (source_state: '' nothing to do,
-- 'done', 'failed', 'not_possible', 'skipped').
CREATE TABLE ticket_changes (
	id            INTEGER PRIMARY KEY AUTOINCREMENT,
	partner_id    INTEGER NOT NULL REFERENCES partners (id) ON DELETE CASCADE,
	ticket_id     INTEGER NOT NULL,
	key           TEXT NOT NULL,
	change        TEXT NOT NULL CHECK (change IN ('closed', 'reopened')),
	by_name       TEXT NOT NULL,
	note          TEXT NOT NULL,
	via           TEXT NOT NULL,
	source_state  TEXT NOT NULL,
	source_detail TEXT NOT NULL,
	changed_at    TEXT NOT NULL,
	recorded_at   TEXT NOT NULL
);

CREATE INDEX ticket_changes_partner ON ticket_changes (partner_id, id);

-- A change in HaloPSA names the ticket, not the group key.
CREATE INDEX ticket_links_ticket ON ticket_links (partner_id, ticket_id);

-- Closing the loop at the source starts from a link's latest alert.
CREATE INDEX fingerprint_links_key ON fingerprint_links (partner_id, key);
