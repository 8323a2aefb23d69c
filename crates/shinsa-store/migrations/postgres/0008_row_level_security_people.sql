-- Row-level security for the rows of people and their messages (users,
-- their sessions and API tokens, the outbox of webhooks and mails) and for
-- the reminders of plans' clocks. A tenant sees its own organisation's;
-- the server itself (signing in, sending, queueing a notice for another
-- organisation) acts as 'system'.

CREATE FUNCTION shinsa_own(row_org TEXT) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT CASE current_setting('shinsa.tenant_kind', true)
        WHEN 'system' THEN true
        WHEN 'operator' THEN row_org = current_setting('shinsa.tenant_org', true)
        WHEN 'regulator' THEN row_org = current_setting('shinsa.tenant_org', true)
        ELSE false
    END
$$;

ALTER TABLE users ENABLE ROW LEVEL SECURITY;
ALTER TABLE users FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_rows ON users USING (shinsa_own(org_id));

ALTER TABLE tokens ENABLE ROW LEVEL SECURITY;
ALTER TABLE tokens FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_rows ON tokens USING (shinsa_own(org_id));

ALTER TABLE outbox ENABLE ROW LEVEL SECURITY;
ALTER TABLE outbox FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_rows ON outbox USING (shinsa_own(org_id));

ALTER TABLE sessions ENABLE ROW LEVEL SECURITY;
ALTER TABLE sessions FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_rows ON sessions
    USING (EXISTS (SELECT 1 FROM users u WHERE u.id = user_id));

-- Which reminders of a plan's clocks were sent: visible with the plan.
ALTER TABLE reminders ENABLE ROW LEVEL SECURITY;
ALTER TABLE reminders FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_rows ON reminders
    USING (EXISTS (SELECT 1 FROM plans p WHERE p.id = subject));
