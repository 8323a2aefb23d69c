-- shinsa store, SQLite. STRICT tables; times are UTC text with
-- microseconds (text order is time order); JSON is text.

CREATE TABLE organisations (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('operator', 'regulator')),
    sectors TEXT NOT NULL,
    webhook_url TEXT,
    webhook_secret TEXT,
    created_at TEXT NOT NULL
) STRICT;

CREATE TABLE users (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL REFERENCES organisations (id),
    login TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    role TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    created_at TEXT NOT NULL
) STRICT;

CREATE TABLE sessions (
    secret_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id),
    expires_at TEXT NOT NULL
) STRICT;

CREATE TABLE tokens (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id),
    org_id TEXT NOT NULL REFERENCES organisations (id),
    name TEXT NOT NULL,
    secret_hash TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    revoked_at TEXT
) STRICT;

CREATE TABLE registers (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL REFERENCES organisations (id),
    sector TEXT NOT NULL,
    name TEXT NOT NULL,
    version INTEGER NOT NULL,
    current_run TEXT,
    UNIQUE (org_id, name)
) STRICT;

CREATE TABLE register_versions (
    register_id TEXT NOT NULL REFERENCES registers (id),
    version INTEGER NOT NULL,
    format TEXT NOT NULL,
    input_sha256 TEXT NOT NULL,
    inventory TEXT NOT NULL,
    subjects INTEGER NOT NULL,
    uploaded_at TEXT NOT NULL,
    uploaded_by TEXT NOT NULL,
    PRIMARY KEY (register_id, version)
) STRICT;

CREATE TABLE runs (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL REFERENCES organisations (id),
    sector TEXT NOT NULL,
    register_id TEXT NOT NULL REFERENCES registers (id),
    register_version INTEGER NOT NULL,
    reason TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('queued', 'running', 'done', 'failed')),
    done INTEGER NOT NULL DEFAULT 0,
    total INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    started_at TEXT,
    finished_at TEXT,
    error TEXT,
    provenance TEXT,
    findings INTEGER,
    new_findings INTEGER,
    resolved_findings INTEGER
) STRICT;
CREATE INDEX runs_queue ON runs (status, created_at);
CREATE INDEX runs_register ON runs (register_id, created_at);

CREATE TABLE findings (
    run_id TEXT NOT NULL REFERENCES runs (id),
    org_id TEXT NOT NULL,
    sector TEXT NOT NULL,
    register_id TEXT NOT NULL,
    key TEXT NOT NULL,
    severity TEXT NOT NULL,
    severity_rank INTEGER NOT NULL,
    rule_id TEXT NOT NULL,
    subject_kind TEXT NOT NULL,
    subject_id TEXT NOT NULL,
    subject_name TEXT NOT NULL,
    title TEXT NOT NULL,
    title_ja TEXT NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (run_id, key)
) STRICT;
CREATE INDEX findings_order ON findings (run_id, severity_rank, key);

CREATE TABLE triage (
    register_id TEXT NOT NULL REFERENCES registers (id),
    key TEXT NOT NULL,
    org_id TEXT NOT NULL,
    status TEXT NOT NULL,
    justification TEXT,
    expires_at TEXT,
    decided_by TEXT NOT NULL,
    decided_at TEXT NOT NULL,
    PRIMARY KEY (register_id, key)
) STRICT;

CREATE TABLE list_versions (
    list_id TEXT NOT NULL,
    version TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    entries INTEGER NOT NULL,
    body TEXT NOT NULL,
    published_at TEXT NOT NULL,
    published_by TEXT NOT NULL,
    PRIMARY KEY (list_id, sha256)
) STRICT;

CREATE TABLE outbox (
    id INTEGER PRIMARY KEY,
    org_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    target TEXT NOT NULL,
    payload TEXT NOT NULL,
    secret TEXT,
    created_at TEXT NOT NULL,
    sent_at TEXT,
    outcome TEXT
) STRICT;

CREATE TABLE audit_heads (
    chain TEXT PRIMARY KEY,
    seq INTEGER NOT NULL,
    row_hash TEXT NOT NULL
) STRICT;

CREATE TABLE audit_events (
    chain TEXT NOT NULL,
    seq INTEGER NOT NULL,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    subject TEXT NOT NULL,
    detail TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    row_hash TEXT NOT NULL,
    PRIMARY KEY (chain, seq)
) STRICT;

-- The log only grows.
CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
BEGIN
    SELECT RAISE(ABORT, 'audit events are append-only');
END;
CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
BEGIN
    SELECT RAISE(ABORT, 'audit events are append-only');
END;
