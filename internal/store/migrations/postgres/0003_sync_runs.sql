-- A sync run is one synchronisation of a partner (catalog, usage,
-- billing...): its state, its steps with their progress, counts and errors
-- as JSON, and the durable job that ran it (0 for none). finished_at is NULL
-- while the run is running.
CREATE TABLE sync_runs (
	id          BIGSERIAL PRIMARY KEY,
	partner_id  BIGINT NOT NULL REFERENCES partners (id) ON DELETE CASCADE,
	kind        TEXT NOT NULL,
	state       TEXT NOT NULL CHECK (state IN ('running', 'succeeded', 'failed')),
	started_at  TIMESTAMPTZ NOT NULL,
	finished_at TIMESTAMPTZ,
	steps       TEXT NOT NULL,
	error       TEXT NOT NULL,
	job_id      BIGINT NOT NULL
);

-- The history of a partner, newest first, with or without a kind.
CREATE INDEX sync_runs_partner_started ON sync_runs (partner_id, started_at);
CREATE INDEX sync_runs_partner_kind_started ON sync_runs (partner_id, kind, started_at);
-- Runs a restarted job left behind, found when the job runs again.
CREATE INDEX sync_runs_job_running ON sync_runs (job_id) WHERE state = 'running';
