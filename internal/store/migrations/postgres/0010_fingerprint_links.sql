-- A resolution finds its ticket through the latest delivered alert with the
-- same fingerprint. That answer is kept here, one row per fingerprint,
-- written when alerts are delivered, instead of in an index of every
-- alert's fingerprint: fingerprints arrive in no order, so that index made
-- each ingest commit rewrite pages all over it, and cost ingest more than
-- the rest of the alert put together.
CREATE TABLE fingerprint_links (
	partner_id  BIGINT NOT NULL REFERENCES partners (id) ON DELETE CASCADE,
	fingerprint TEXT NOT NULL,
	alert_id    BIGINT NOT NULL,
	key         TEXT NOT NULL,
	PRIMARY KEY (partner_id, fingerprint)
);

INSERT INTO fingerprint_links (partner_id, fingerprint, alert_id, key)
SELECT partner_id, fingerprint, id, key FROM (
	SELECT a.partner_id, a.fingerprint, a.id, d.key,
		row_number() OVER (PARTITION BY a.partner_id, a.fingerprint ORDER BY a.id DESC) AS n
	FROM alerts a JOIN alert_deliveries d ON d.alert_id = a.id
	WHERE d.key <> ''
) AS latest WHERE n = 1;

DROP INDEX alerts_fingerprint;
