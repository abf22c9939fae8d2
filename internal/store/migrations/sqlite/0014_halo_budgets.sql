-- HaloPSA allows each tenant a number of requests per rolling window
-- (hosted HaloPSA: 300 per 5 minutes) across everything that calls it. Every
-- replica and command takes its requests from here in small grants, so that
-- together they never go over it. A grant counts until counted_until: its
-- requests may be sent for a short while after it was granted, and each
-- stays in HaloPSA's window for a whole window after it was sent.

CREATE TABLE halo_budgets (
	tenant       TEXT PRIMARY KEY,
	-- A 429 from HaloPSA pauses the tenant for every replica until then.
	paused_until TEXT NOT NULL,
	updated_at   TEXT NOT NULL
);

CREATE TABLE halo_grants (
	id            INTEGER PRIMARY KEY,
	tenant        TEXT NOT NULL REFERENCES halo_budgets (tenant) ON DELETE CASCADE,
	priority      INTEGER NOT NULL,
	requests      INTEGER NOT NULL,
	granted_at    TEXT NOT NULL,
	counted_until TEXT NOT NULL
);

CREATE INDEX halo_grants_tenant ON halo_grants (tenant, counted_until);
