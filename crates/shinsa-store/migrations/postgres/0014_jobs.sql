-- What the engine warned of when it screened a run (a pack out of force,
-- a list the pack expects that is not loaded), as a JSON array.
ALTER TABLE runs ADD COLUMN warnings TEXT NOT NULL DEFAULT '[]';

-- Background jobs other than screening runs and deliveries (re-reviewing
-- the cleared plans of a re-screened register): queued in the transaction
-- of the change that calls for them, taken with a lease like runs,
-- retried with backoff until they succeed or are dead.
CREATE TABLE jobs (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    org_id TEXT NOT NULL,
    sector TEXT NOT NULL,
    -- What the job works on (a register id).
    subject TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('queued', 'running', 'done', 'dead')),
    attempts BIGINT NOT NULL DEFAULT 0,
    run_after TEXT NOT NULL,
    lease_owner TEXT,
    lease_expires_at TEXT,
    last_error TEXT,
    -- What the last successful attempt reported.
    outcome TEXT,
    created_at TEXT NOT NULL,
    finished_at TEXT
);
CREATE INDEX jobs_claimable ON jobs (status, run_after);
-- One queued job of a kind per subject: a second request joins the first.
CREATE UNIQUE INDEX jobs_one_queued ON jobs (kind, subject) WHERE status = 'queued';
ALTER TABLE jobs ENABLE ROW LEVEL SECURITY;
ALTER TABLE jobs FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_rows ON jobs USING (shinsa_visible(org_id, sector));
