-- Retention deletes the fingerprint links of the alerts it prunes, found
-- by alert.
CREATE INDEX fingerprint_links_alert ON fingerprint_links (alert_id);
