-- Vulnerability data published by the platform administrator (issue 28):
-- each publication as it was imported (one source's set: KEV, CVE, CSAF,
-- NVD, JVN or vendor VEX), laid over the earlier ones of its source when
-- the engine is built, so one advisory published adds to the data.
CREATE TABLE advisory_versions (
    source_id TEXT NOT NULL,
    version TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    records INTEGER NOT NULL,
    refused INTEGER NOT NULL,
    body TEXT NOT NULL,
    published_at TEXT NOT NULL,
    published_by TEXT NOT NULL,
    PRIMARY KEY (source_id, sha256)
) STRICT;
