#!/usr/bin/env bash
# Re-screening at country scale: 250 operators x 10,000 assets, screened on
# upload and re-screened after a list update, by the server's own workers
# and store. Target (issue 18): the re-screening in under 60 s on this
# 2-core machine. Optional: OPERATORS ASSETS DATABASE REPLICAS (postgres://…
# to measure PostgreSQL, the default is a SQLite file in a temporary folder;
# REPLICAS servers' states share the store and the cores, each leasing runs).
# With SHINSA_ADVISORIES_DIR naming a folder `shinsa vulns import` wrote, the
# screenings match exposures too (issue 28).
set -euo pipefail
cd "$(dirname "$0")/../.."
cargo build --release --locked -p shinsa-server --example rescreen_bench
# GNU time reports the peak resident memory ("Maximum resident set size").
/usr/bin/time -f 'peak resident memory %M kB' \
    target/release/examples/rescreen_bench "${1:-250}" "${2:-10000}" ${3:+"$3"} ${4:+"$4"}
