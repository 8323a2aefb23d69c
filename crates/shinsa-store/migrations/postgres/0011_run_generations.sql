-- Each run of a register has a generation, one more than the register's
-- newest run when it was queued: a run that finishes after a newer one
-- never becomes current and sends no notification.
ALTER TABLE runs ADD COLUMN generation BIGINT NOT NULL DEFAULT 0;
UPDATE runs SET generation = numbered.generation
FROM (
    SELECT id, ROW_NUMBER() OVER (PARTITION BY register_id ORDER BY created_at, id) AS generation
    FROM runs
) AS numbered
WHERE numbered.id = runs.id;
CREATE INDEX runs_generation ON runs (register_id, generation);
