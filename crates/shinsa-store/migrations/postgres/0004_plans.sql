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
    revision BIGINT NOT NULL,
    body TEXT NOT NULL,
    received_on TEXT,
    due_on TEXT,
    response_due_on TEXT,
    filed_at TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX plans_by_org ON plans (org_id, updated_at);
CREATE INDEX plans_by_sector ON plans (sector, due_on);

CREATE TABLE plan_events (
    plan_id TEXT NOT NULL REFERENCES plans (id),
    seq BIGINT NOT NULL,
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
);

CREATE FUNCTION shinsa_refuse_plan_event_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'plan events are append-only';
END;
$$;
CREATE TRIGGER plan_events_no_update BEFORE UPDATE OR DELETE ON plan_events
    FOR EACH ROW EXECUTE FUNCTION shinsa_refuse_plan_event_change();
CREATE TRIGGER plan_events_no_truncate BEFORE TRUNCATE ON plan_events
    FOR EACH STATEMENT EXECUTE FUNCTION shinsa_refuse_plan_event_change();

-- Whose plans: the filing operator's, and its sector's regulators' once
-- filed (a draft is the operator's alone).
ALTER TABLE plans ENABLE ROW LEVEL SECURITY;
ALTER TABLE plans FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_rows ON plans USING (
    shinsa_visible(org_id, sector)
    AND (filed_at IS NOT NULL OR current_setting('shinsa.tenant_kind', true) IS DISTINCT FROM 'regulator')
);

ALTER TABLE plan_events ENABLE ROW LEVEL SECURITY;
ALTER TABLE plan_events FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_rows ON plan_events USING (shinsa_visible(org_id, sector));
