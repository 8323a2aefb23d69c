-- A finding is stored once for as long as it reads the same (the national
-- re-screening after a list change found most of 2 million findings
-- unchanged and spent most of its time writing them again). A row holds
-- from the run that first found the finding as it reads (`run_id`) to the
-- last run that still did (`last_run`); NULL while the register's current
-- run finds it. `digest` is the SHA-256 of everything the row says, so a
-- re-screening compares digests, not bodies.
ALTER TABLE findings ADD COLUMN digest TEXT;
ALTER TABLE findings ADD COLUMN last_run TEXT;
-- Rows written before this held for their own run only; those of a
-- register's current run are its current findings (their digest is
-- unknown, so the next re-screening stores them again once). Row-level
-- security applies to this migration too: it says it acts as the server.
SELECT set_config('shinsa.tenant_kind', 'system', true);
UPDATE findings SET last_run = run_id
 WHERE run_id NOT IN (SELECT current_run FROM registers WHERE current_run IS NOT NULL);
DROP INDEX findings_order;
-- The register's current findings in the order lists show them, with
-- what a re-screening compares and a page's rows are fetched by, so
-- neither reads the rows (their bodies) to find them.
CREATE INDEX findings_current ON findings (register_id, severity_rank, key, run_id, digest) WHERE last_run IS NULL;
