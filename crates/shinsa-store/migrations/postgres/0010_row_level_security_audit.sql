-- The audit chains: a tenant reads the chains of the organisations it sees
-- (its own; a regulator's also its sectors' operators'), the 'system' chain
-- only the server. Appending is the server's own record-keeping and runs
-- as 'system' whoever's change it records.

CREATE FUNCTION shinsa_chain_visible(row_chain TEXT) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT CASE
        WHEN current_setting('shinsa.tenant_kind', true) = 'system' THEN true
        WHEN row_chain = 'system' THEN false
        ELSE EXISTS (SELECT 1 FROM organisations o WHERE o.id = row_chain)
    END
$$;

ALTER TABLE audit_events ENABLE ROW LEVEL SECURITY;
ALTER TABLE audit_events FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_rows ON audit_events USING (shinsa_chain_visible(chain));

ALTER TABLE audit_heads ENABLE ROW LEVEL SECURITY;
ALTER TABLE audit_heads FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_rows ON audit_heads USING (shinsa_chain_visible(chain));
