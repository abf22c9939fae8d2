-- Which HaloPSA asset each endpoint of a source is: suggestions of the
-- smart match, ambiguous matches for a person to settle, and the mappings a
-- person confirmed, which a sync never overwrites. endpoint_name_key is the
-- name in lower case, as Go writes it, so that both engines find an alert's
-- host and search names alike.
CREATE TABLE asset_mappings (
	partner_id        INTEGER NOT NULL REFERENCES partners (id) ON DELETE CASCADE,
	source_id         INTEGER NOT NULL REFERENCES sources (id) ON DELETE CASCADE,
	customer_id       TEXT NOT NULL,
	endpoint_id       TEXT NOT NULL,
	endpoint_name     TEXT NOT NULL,
	endpoint_name_key TEXT NOT NULL,
	client_id         INTEGER NOT NULL,
	asset_id          INTEGER NOT NULL,
	state             TEXT NOT NULL CHECK (state IN ('suggested', 'ambiguous', 'confirmed')),
	rule              INTEGER NOT NULL,
	value             TEXT NOT NULL,
	candidates        TEXT NOT NULL,
	updated_at        TEXT NOT NULL,
	PRIMARY KEY (partner_id, source_id, endpoint_id)
);

CREATE INDEX asset_mappings_customer ON asset_mappings (partner_id, source_id, customer_id);
CREATE INDEX asset_mappings_client ON asset_mappings (partner_id, client_id);
CREATE INDEX asset_mappings_name ON asset_mappings (partner_id, source_id, endpoint_name_key);

-- One asset is confirmed to one endpoint of a partner at most.
CREATE UNIQUE INDEX asset_mappings_confirmed_asset ON asset_mappings (partner_id, asset_id) WHERE state = 'confirmed';

-- The partner's smart-match rules, as JSON (assetmatch.Settings).
CREATE TABLE asset_match_settings (
	partner_id INTEGER PRIMARY KEY REFERENCES partners (id) ON DELETE CASCADE,
	settings   TEXT NOT NULL,
	updated_at TEXT NOT NULL
);
