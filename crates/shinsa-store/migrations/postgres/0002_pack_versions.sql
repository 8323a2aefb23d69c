-- Policy pack versions published to the server (the bundled packs are in
-- the binary); the three files of each, as published.
CREATE TABLE pack_versions (
    pack_id TEXT NOT NULL,
    version TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    manifest TEXT NOT NULL,
    schema_text TEXT NOT NULL,
    policies TEXT NOT NULL,
    published_at TEXT NOT NULL,
    published_by TEXT NOT NULL,
    PRIMARY KEY (pack_id, sha256)
);
