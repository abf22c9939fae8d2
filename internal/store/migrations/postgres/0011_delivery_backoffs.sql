-- Delivery waits after HaloPSA failed, instead of failing whole passes:
-- each alert a failure held back carries when it is due again (retry_at),
-- and each group key that failed keeps its own growing, capped backoff in
-- delivery_backoffs. A row with the empty key pauses the partner's whole
-- HaloPSA (unreachable, refusing the credentials, answering only errors)
-- until a probe succeeds; since is when that streak of failures began.
-- event_key names the integration event the failure raised, which the
-- group's next success clears.

ALTER TABLE alert_deliveries ADD COLUMN retry_at TIMESTAMPTZ NOT NULL DEFAULT '0001-01-01T00:00:00Z';

-- Alerts that failed under the old rule were due 15 minutes after their
-- last attempt; they are due now.
UPDATE alert_deliveries SET retry_at = updated_at WHERE state = 'failed';

DROP INDEX alert_deliveries_failed;
CREATE INDEX alert_deliveries_waiting ON alert_deliveries (partner_id, retry_at) WHERE state <> 'done';

CREATE TABLE delivery_backoffs (
	partner_id BIGINT NOT NULL REFERENCES partners (id) ON DELETE CASCADE,
	key        TEXT NOT NULL,
	attempts   INTEGER NOT NULL,
	since      TIMESTAMPTZ NOT NULL,
	retry_at   TIMESTAMPTZ NOT NULL,
	error      TEXT NOT NULL,
	event_key  TEXT NOT NULL,
	updated_at TIMESTAMPTZ NOT NULL,
	PRIMARY KEY (partner_id, key)
);
