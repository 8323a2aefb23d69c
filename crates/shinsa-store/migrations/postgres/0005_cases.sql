-- Enforcement cases: a ministry's case against an operator, with its
-- documents and remediation milestones (JSON, `shinsa_model::enforcement`).
-- Every change is an event on the operator's audit chain.
CREATE TABLE cases (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL REFERENCES organisations (id),
    sector TEXT NOT NULL,
    opened_by TEXT NOT NULL REFERENCES organisations (id),
    register_id TEXT REFERENCES registers (id),
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('open', 'closed')),
    revision BIGINT NOT NULL,
    body TEXT NOT NULL,
    opened_on TEXT NOT NULL,
    due_on TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX cases_by_org ON cases (org_id, updated_at);
CREATE INDEX cases_by_sector ON cases (sector, updated_at);

ALTER TABLE cases ENABLE ROW LEVEL SECURITY;
ALTER TABLE cases FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_rows ON cases USING (shinsa_visible(org_id, sector));
