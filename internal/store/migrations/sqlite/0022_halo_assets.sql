-- The HaloPSA assets of the clients tickets go to, as the catalog sync
-- read them: the asset mapping matches source endpoints against them, and
-- a ticket about a mapped host carries its asset. fields holds the asset's
-- fields and custom fields by name (custom fields by their label).

CREATE TABLE halo_assets (
	partner_id       INTEGER NOT NULL REFERENCES partners (id) ON DELETE CASCADE,
	asset_id         INTEGER NOT NULL,
	client_id        INTEGER NOT NULL,
	site_id          INTEGER NOT NULL,
	assettype_id     INTEGER NOT NULL,
	assettype_name   TEXT NOT NULL,
	inventory_number TEXT NOT NULL,
	key_field        TEXT NOT NULL,
	key_field2       TEXT NOT NULL,
	key_field3       TEXT NOT NULL,
	fields           TEXT NOT NULL,
	inactive         INTEGER NOT NULL,
	updated_at       TEXT NOT NULL,
	PRIMARY KEY (partner_id, asset_id)
);

CREATE INDEX halo_assets_client ON halo_assets (partner_id, client_id);
