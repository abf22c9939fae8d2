CREATE TABLE partners (
	id         BIGSERIAL PRIMARY KEY,
	name       TEXT NOT NULL,
	slug       TEXT NOT NULL UNIQUE,
	created_at TIMESTAMPTZ NOT NULL,
	updated_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE halo_connections (
	partner_id    BIGINT PRIMARY KEY REFERENCES partners (id) ON DELETE CASCADE,
	resource_url  TEXT NOT NULL,
	auth_url      TEXT NOT NULL,
	tenant        TEXT NOT NULL,
	client_id     TEXT NOT NULL,
	grant_type    TEXT NOT NULL CHECK (grant_type IN ('client_credentials', 'authorization_code')),
	scope         TEXT NOT NULL,
	client_secret TEXT NOT NULL,
	refresh_token TEXT NOT NULL,
	agent_id      BIGINT NOT NULL,
	created_at    TIMESTAMPTZ NOT NULL,
	updated_at    TIMESTAMPTZ NOT NULL
);

CREATE TABLE halo_catalog (
	partner_id BIGINT NOT NULL REFERENCES partners (id) ON DELETE CASCADE,
	kind       TEXT NOT NULL,
	halo_id    TEXT NOT NULL,
	name       TEXT NOT NULL,
	parent_id  TEXT NOT NULL,
	data       JSONB NOT NULL,
	synced_at  TIMESTAMPTZ NOT NULL,
	PRIMARY KEY (partner_id, kind, halo_id)
);

CREATE INDEX halo_catalog_parent ON halo_catalog (partner_id, kind, parent_id);
