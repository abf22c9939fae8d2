-- When each kind of a partner's HaloPSA catalog was last read: in full
-- (full_at, the zero time for never), which is how deleted records are
-- noticed, and at all (changes_at: in full, or only the records changed
-- since the read before). A sync asks HaloPSA for what changed since
-- changes_at, and for the whole list again once full_at is old.

CREATE TABLE halo_catalog_reads (
	partner_id BIGINT NOT NULL REFERENCES partners (id) ON DELETE CASCADE,
	kind       TEXT NOT NULL,
	full_at    TIMESTAMPTZ NOT NULL,
	changes_at TIMESTAMPTZ NOT NULL,
	PRIMARY KEY (partner_id, kind)
);
