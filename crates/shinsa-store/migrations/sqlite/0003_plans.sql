-- Installation plans and their review. `plans` holds where each stands;
-- `plan_events` is its history: every step with who took it, the plan as
-- it was filed or amended, and the screening frozen at that moment. The
-- history only grows.
CREATE TABLE plans (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL REFERENCES organisations (id),
    sector TEXT NOT NULL,
    register_id TEXT REFERENCES registers (id),
    title TEXT NOT NULL,
    status TEXT NOT NULL,
    revision INTEGER NOT NULL,
    body TEXT NOT NULL,
    received_on TEXT,
    due_on TEXT,
    response_due_on TEXT,
    filed_at TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
) STRICT;
CREATE INDEX plans_by_org ON plans (org_id, updated_at);
CREATE INDEX plans_by_sector ON plans (sector, due_on);

CREATE TABLE plan_events (
    plan_id TEXT NOT NULL REFERENCES plans (id),
    seq INTEGER NOT NULL,
    org_id TEXT NOT NULL,
    sector TEXT NOT NULL,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    side TEXT NOT NULL,
    action TEXT NOT NULL,
    status TEXT NOT NULL,
    note TEXT,
    body TEXT,
    snapshot TEXT,
    PRIMARY KEY (plan_id, seq)
) STRICT;

CREATE TRIGGER plan_events_no_update BEFORE UPDATE ON plan_events
BEGIN
    SELECT RAISE(ABORT, 'plan events are append-only');
END;
CREATE TRIGGER plan_events_no_delete BEFORE DELETE ON plan_events
BEGIN
    SELECT RAISE(ABORT, 'plan events are append-only');
END;
