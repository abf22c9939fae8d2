-- What HaloPSA's delivery log (/WebhookEvent) said at the webhook's last
-- check: how many of its latest entries halobridge read (log_entries) and
-- how many of them failed (log_failures), and the latest failure in
-- HaloPSA's words (last_error, '' when none) with its time.
ALTER TABLE halo_webhooks ADD COLUMN log_entries INTEGER NOT NULL DEFAULT 0;
ALTER TABLE halo_webhooks ADD COLUMN log_failures INTEGER NOT NULL DEFAULT 0;
ALTER TABLE halo_webhooks ADD COLUMN last_error TEXT NOT NULL DEFAULT '';
ALTER TABLE halo_webhooks ADD COLUMN last_error_at TEXT NOT NULL DEFAULT '0001-01-01T00:00:00.000000Z';
