-- Row-level security: a second barrier behind the tenant condition every
-- query of the store carries. Each transaction says whose rows it may
-- touch (set_config('shinsa.tenant_kind' | 'shinsa.tenant_org' |
-- 'shinsa.tenant_sectors', …, true)); a transaction that says nothing sees
-- nothing. FORCE applies the policies to the tables' owner too; only a
-- superuser bypasses them, so production connects as the owner, not as a
-- superuser.

CREATE FUNCTION shinsa_visible(row_org TEXT, row_sector TEXT) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT CASE current_setting('shinsa.tenant_kind', true)
        WHEN 'system' THEN true
        WHEN 'operator' THEN row_org = current_setting('shinsa.tenant_org', true)
        WHEN 'regulator' THEN row_sector = ANY (string_to_array(current_setting('shinsa.tenant_sectors', true), chr(31)))
        ELSE false
    END
$$;

ALTER TABLE registers ENABLE ROW LEVEL SECURITY;
ALTER TABLE registers FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_rows ON registers USING (shinsa_visible(org_id, sector));

ALTER TABLE runs ENABLE ROW LEVEL SECURITY;
ALTER TABLE runs FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_rows ON runs USING (shinsa_visible(org_id, sector));

ALTER TABLE findings ENABLE ROW LEVEL SECURITY;
ALTER TABLE findings FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_rows ON findings USING (shinsa_visible(org_id, sector));

ALTER TABLE register_versions ENABLE ROW LEVEL SECURITY;
ALTER TABLE register_versions FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_rows ON register_versions
    USING (EXISTS (SELECT 1 FROM registers r WHERE r.id = register_id));

ALTER TABLE triage ENABLE ROW LEVEL SECURITY;
ALTER TABLE triage FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_rows ON triage
    USING (EXISTS (SELECT 1 FROM registers r WHERE r.id = register_id));
