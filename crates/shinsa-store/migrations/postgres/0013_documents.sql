-- Files attached to cases (and plans), kept by their SHA-256 within the
-- organisation the case is about: the operator and the regulators of its
-- sector reach them, through a case that names the hash.
CREATE TABLE documents (
    org_id TEXT NOT NULL REFERENCES organisations (id),
    sector TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    media_type TEXT NOT NULL,
    size BIGINT NOT NULL,
    content BYTEA NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (org_id, sha256)
);
ALTER TABLE documents ENABLE ROW LEVEL SECURITY;
ALTER TABLE documents FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_rows ON documents USING (shinsa_visible(org_id, sector));
CREATE FUNCTION documents_kept() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'documents are kept as stored'; END $$;
CREATE TRIGGER documents_no_update BEFORE UPDATE ON documents
    FOR EACH ROW EXECUTE FUNCTION documents_kept();
