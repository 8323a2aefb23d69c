-- Files attached to cases (and plans), kept by their SHA-256 within the
-- organisation the case is about: the operator and the regulators of its
-- sector reach them, through a case that names the hash.
CREATE TABLE documents (
    org_id TEXT NOT NULL REFERENCES organisations (id),
    sector TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    media_type TEXT NOT NULL,
    size INTEGER NOT NULL,
    content BLOB NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (org_id, sha256)
) STRICT;
CREATE TRIGGER documents_no_update BEFORE UPDATE ON documents
BEGIN SELECT RAISE(ABORT, 'documents are kept as stored'); END;
