-- The billing history of usage corrections: one row per month of one item
-- of one client whose usage changed after halobridge had written it, with
-- the old and the new figure and what billing did about it. A row is
-- written in the transaction that saves the ledger applying it, so a
-- correction is recorded exactly when it takes effect, and once.
CREATE TABLE billing_corrections (
	id           BIGSERIAL PRIMARY KEY,
	partner_id   BIGINT NOT NULL REFERENCES partners (id) ON DELETE CASCADE,
	run_id       BIGINT NOT NULL,
	client_id    BIGINT NOT NULL,
	client_name  TEXT NOT NULL,
	item_id      BIGINT NOT NULL,
	item_name    TEXT NOT NULL,
	month        TEXT NOT NULL,
	old_quantity DOUBLE PRECISION NOT NULL,
	new_quantity DOUBLE PRECISION NOT NULL,
	carried      BOOLEAN NOT NULL,
	action       TEXT NOT NULL,
	corrected_at TIMESTAMPTZ NOT NULL
);

CREATE INDEX billing_corrections_partner ON billing_corrections (partner_id, id);
