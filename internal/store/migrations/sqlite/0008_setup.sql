-- Each partner's way through the setup wizard: when each step was last
-- saved, who agreed that halobridge collects and processes the partner's
-- HaloPSA data, and when "Save configuration" activated the integration.
-- NULL times mean "not yet". A partner that never opened the wizard has no
-- row.
CREATE TABLE setup_progress (
	partner_id         INTEGER PRIMARY KEY REFERENCES partners (id) ON DELETE CASCADE,
	integration_at     TEXT,
	billing_at         TEXT,
	ticketing_at       TEXT,
	consent_account_id INTEGER NOT NULL,
	consent_by         TEXT NOT NULL,
	consent_at         TEXT,
	activated_by       TEXT NOT NULL,
	activated_at       TEXT,
	updated_at         TEXT NOT NULL
);

-- The portal's overview counts a partner's alerts per day.
CREATE INDEX alerts_partner_received ON alerts (partner_id, received_at);
