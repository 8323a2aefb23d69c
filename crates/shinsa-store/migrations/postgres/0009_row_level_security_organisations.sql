-- Which organisations a tenant sees: an operator its own; a regulator body
-- its own and the operators of the sectors it oversees; the server all.
-- Sectors are stored as a JSON array of codes.

CREATE FUNCTION shinsa_organisation_visible(row_id TEXT, row_kind TEXT, row_sectors TEXT)
RETURNS boolean LANGUAGE sql STABLE AS $$
    SELECT CASE current_setting('shinsa.tenant_kind', true)
        WHEN 'system' THEN true
        WHEN 'operator' THEN row_id = current_setting('shinsa.tenant_org', true)
        WHEN 'regulator' THEN row_id = current_setting('shinsa.tenant_org', true)
            OR (row_kind = 'operator' AND EXISTS (
                SELECT 1
                FROM unnest(string_to_array(current_setting('shinsa.tenant_sectors', true), chr(31))) AS overseen(code)
                WHERE row_sectors LIKE '%"' || overseen.code || '"%'))
        ELSE false
    END
$$;

ALTER TABLE organisations ENABLE ROW LEVEL SECURITY;
ALTER TABLE organisations FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_rows ON organisations
    USING (shinsa_organisation_visible(id, kind, sectors));
