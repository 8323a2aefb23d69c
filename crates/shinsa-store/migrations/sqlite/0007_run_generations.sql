-- Each run of a register has a generation, one more than the register's
-- newest run when it was queued: a run that finishes after a newer one
-- never becomes current and sends no notification.
ALTER TABLE runs ADD COLUMN generation INTEGER NOT NULL DEFAULT 0;
UPDATE runs SET generation = (
    SELECT COUNT(*) FROM runs AS earlier
    WHERE earlier.register_id = runs.register_id
      AND (earlier.created_at < runs.created_at
           OR (earlier.created_at = runs.created_at AND earlier.id <= runs.id))
);
CREATE INDEX runs_generation ON runs (register_id, generation);
