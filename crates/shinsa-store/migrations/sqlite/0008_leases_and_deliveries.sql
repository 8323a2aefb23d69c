-- Leases: a replica working on a run holds it until lease_expires_at and
-- renews it while it works; only a run whose lease expired is taken over,
-- and only the holder may finish it. Every lease taken is kept, so that
-- "no run was worked on by two replicas at once" can be checked.
ALTER TABLE runs ADD COLUMN lease_owner TEXT;
ALTER TABLE runs ADD COLUMN lease_expires_at TEXT;
CREATE TABLE run_leases (
    run_id TEXT NOT NULL REFERENCES runs (id),
    org_id TEXT NOT NULL,
    sector TEXT NOT NULL,
    owner TEXT NOT NULL,
    claimed_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    ended_at TEXT,
    -- finished, failed, or NULL while held (or when the holder died)
    outcome TEXT,
    PRIMARY KEY (run_id, claimed_at, owner)
) STRICT;
CREATE INDEX runs_claimable ON runs (status, lease_expires_at);

-- Deliveries: a message is pending until delivered, retried with backoff
-- until it is too old, then dead (a dead letter, which may be sent again).
ALTER TABLE outbox ADD COLUMN status TEXT NOT NULL DEFAULT 'pending'
    CHECK (status IN ('pending', 'sent', 'dead'));
ALTER TABLE outbox ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE outbox ADD COLUMN next_attempt_at TEXT NOT NULL DEFAULT '';
ALTER TABLE outbox ADD COLUMN lease_owner TEXT;
ALTER TABLE outbox ADD COLUMN lease_expires_at TEXT;
-- Retries stop this long after the message was made, or sent again.
ALTER TABLE outbox ADD COLUMN retry_since TEXT;
UPDATE outbox SET status = CASE WHEN sent_at IS NULL THEN 'pending' ELSE 'sent' END,
                  next_attempt_at = created_at;
CREATE INDEX outbox_due ON outbox (status, kind, next_attempt_at);
CREATE INDEX outbox_target ON outbox (kind, target, status, id);
CREATE TABLE delivery_attempts (
    outbox_id INTEGER NOT NULL REFERENCES outbox (id),
    org_id TEXT NOT NULL,
    attempt INTEGER NOT NULL,
    at TEXT NOT NULL,
    owner TEXT NOT NULL,
    delivered INTEGER NOT NULL,
    outcome TEXT NOT NULL,
    PRIMARY KEY (outbox_id, attempt)
) STRICT;

-- What a list page shows changes only when its generation moves: a run
-- becoming current, a triage decision. Servers answer If-None-Match with
-- 304 from this one row instead of reading the page.
CREATE TABLE generations (
    name TEXT PRIMARY KEY,
    value INTEGER NOT NULL
);
INSERT INTO generations (name, value) VALUES ('findings', 0);
