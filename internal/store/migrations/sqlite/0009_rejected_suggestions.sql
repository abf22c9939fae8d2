-- A suggestion a person rejected: the sync does not suggest that client
-- for that customer again, so nobody is asked the same question every hour.
-- Mapping the pair by hand removes the row.
CREATE TABLE rejected_suggestions (
	partner_id  INTEGER NOT NULL REFERENCES partners (id) ON DELETE CASCADE,
	source_id   INTEGER NOT NULL REFERENCES sources (id) ON DELETE CASCADE,
	customer_id TEXT NOT NULL,
	client_id   INTEGER NOT NULL,
	rejected_at TEXT NOT NULL,
	PRIMARY KEY (source_id, customer_id, client_id)
);

CREATE INDEX rejected_suggestions_partner ON rejected_suggestions (partner_id);
