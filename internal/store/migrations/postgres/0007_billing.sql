-- Billing keeps three things per partner. The policy and the ledgers are
-- JSON that internal/billing defines and the store keeps as it is. A ledger
-- is halobridge's only memory of what it wrote to one client's recurring
-- invoice; invoice_id repeats the ledger's invoice so that which invoice a
-- client is billed on can be read without decoding the JSON.
CREATE TABLE billing_policies (
	partner_id BIGINT PRIMARY KEY REFERENCES partners (id) ON DELETE CASCADE,
	policy     TEXT NOT NULL,
	updated_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE billing_ledgers (
	partner_id BIGINT NOT NULL REFERENCES partners (id) ON DELETE CASCADE,
	client_id  BIGINT NOT NULL,
	invoice_id BIGINT NOT NULL,
	ledger     TEXT NOT NULL,
	updated_at TIMESTAMPTZ NOT NULL,
	PRIMARY KEY (partner_id, client_id)
);

-- One row per billing run, dry or real, for the history the portal shows.
-- finished_at is NULL while the run is running (or when its process died).
CREATE TABLE billing_runs (
	id          BIGSERIAL PRIMARY KEY,
	partner_id  BIGINT NOT NULL REFERENCES partners (id) ON DELETE CASCADE,
	month       TEXT NOT NULL,
	dry_run     BOOLEAN NOT NULL,
	started_at  TIMESTAMPTZ NOT NULL,
	finished_at TIMESTAMPTZ,
	error       TEXT NOT NULL,
	result      TEXT NOT NULL
);

CREATE INDEX billing_runs_partner ON billing_runs (partner_id, id);
