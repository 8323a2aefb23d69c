-- Sessions end when idle as well as at their absolute expiry; users can be
-- disabled; API tokens expire, have a scope and remember their last use.
ALTER TABLE sessions ADD COLUMN last_seen_at TEXT;
ALTER TABLE users ADD COLUMN disabled_at TEXT;
ALTER TABLE tokens ADD COLUMN expires_at TEXT;
ALTER TABLE tokens ADD COLUMN scope TEXT NOT NULL DEFAULT 'read-write' CHECK (scope IN ('read-only', 'read-write'));
ALTER TABLE tokens ADD COLUMN last_used_at TEXT;
