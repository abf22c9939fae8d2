-- Each partner's way through the setup wizard: when each step was last
-- saved, who agreed that halobridge collects and processes the partner's
-- HaloPSA data, and when "Save configuration" activated the integration.
-- NULL times mean "not yet". A partner that never opened the wizard has no
-- row.
CREATE TABLE setup_progress (
	partner_id         BIGINT PRIMARY KEY REFERENCES partners (id) ON DELETE CASCADE,
	integration_at     TIMESTAMPTZ,
	billing_at         TIMESTAMPTZ,
	ticketing_at       TIMESTAMPTZ,
	consent_account_id BIGINT NOT NULL,
	consent_by         TEXT NOT NULL,
	consent_at         TIMESTAMPTZ,
	activated_by       TEXT NOT NULL,
	activated_at       TIMESTAMPTZ,
	updated_at         TIMESTAMPTZ NOT NULL
);

-- The portal's overview counts a partner's alerts per day.
CREATE INDEX alerts_partner_received ON alerts (partner_id, received_at);
