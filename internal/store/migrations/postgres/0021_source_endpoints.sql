-- The devices ("endpoints") of a source's customers as the source lists
-- them (GravityZone endpoints, DefensX agents, devices a vendor pushed): a
-- catalog sync or a push replaces one customer's list, an alert that names
-- no company is routed by its endpoint, and assets are matched to them.

CREATE TABLE source_endpoints (
	source_id   BIGINT NOT NULL REFERENCES sources (id) ON DELETE CASCADE,
	endpoint_id TEXT NOT NULL,
	customer_id TEXT NOT NULL,
	name        TEXT NOT NULL,
	label       TEXT NOT NULL,
	fqdn        TEXT NOT NULL,
	os          TEXT NOT NULL,
	ips         JSONB NOT NULL,
	macs        JSONB NOT NULL,
	managed     BOOLEAN NOT NULL,
	last_seen   TIMESTAMPTZ,
	updated_at  TIMESTAMPTZ NOT NULL,
	PRIMARY KEY (source_id, endpoint_id)
);

CREATE INDEX source_endpoints_customer ON source_endpoints (source_id, customer_id);
CREATE INDEX source_endpoints_name ON source_endpoints (source_id, lower(name));
CREATE INDEX source_endpoints_fqdn ON source_endpoints (source_id, lower(fqdn));
