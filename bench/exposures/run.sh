#!/usr/bin/env bash
# Imports the whole shared vulnerability corpus (../shared/data/vulns: CISA KEV,
# 44,138 CVE JSON 5 records, 2,035 CSAF OT advisories, NVD, JVN, VEX) with a
# release build, saying time and peak memory per step, then screens the
# evaluation registers register.py builds from the records (development and
# test halves) and scores them with evaluate.py.
#
#   bench/exposures/run.sh [DATA_DIR]     # default ../shared/data/vulns
#
# Advisories the project never saw (CISA's OT advisories of 2024) are checked
# the same way: `register.py CVE_TGZ NEW_CSAF.tgz OUT` and run again.
set -euo pipefail
cd "$(dirname "$0")/../.."
data=${1:-../shared/data/vulns}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cargo build --release --locked -p shinsa
shinsa=$PWD/target/release/shinsa
export SHINSA_ADVISORIES_DIR=$work/advisories SHINSA_LISTS_DIR=$work/lists
measure() { /usr/bin/time -f "  %e s, peak %M kB" "$@"; }

echo "== import, one source at a time"
for source in "$data"/kev "$data"/cve-vulnrichment/*.tgz "$data"/csaf-cisa-ot/*.tgz "$data"/nvd "$data"/jvn "$data"/vex; do
    echo "$source"
    measure "$shinsa" vulns import "$source" --format json > "$work/import.json" 2> "$work/import.err"
    tail -1 "$work/import.err"
    python3 - "$work/import.json" <<'PY'
import json, sys
document = json.load(open(sys.argv[1]))
for s in document["sets"]:
    print(f"  {s['id']}: version {s['version']}, read {s['read']}, refused {s['refused']}, "
          f"advisories {s['advisories']}, products {s['products']}, kev {s['kev']}, vex {s['vex']}")
    for reason in s["refusals"][:5]:
        print(f"    refused: {reason[:220]}")
print(f"  skipped files: {len(document['skipped'])}")
PY
done
echo "== vulns ls"
"$shinsa" vulns ls --format csv | cut -d, -f1-8

python3 bench/exposures/register.py "$data"/cve-vulnrichment/*.tgz "$data"/csaf-cisa-ot/*.tgz "$work/eval"
for half in dev test; do
    echo "== evaluation register ($half), screened in registers of 250 rows"
    for register in "$work/eval/$half"/*/; do
        name=$(basename "$register")
        measure "$shinsa" screen "$register" --as-of 2026-12-07 --format json --fail-on never \
            > "$work/$half-$name.json" 2> "$work/$half-$name.err" || { tail "$work/$half-$name.err"; exit 1; }
        tail -1 "$work/$half-$name.err"
    done
    python3 bench/exposures/evaluate.py "$work/eval/$half/truth.csv" "$work/$half"-*.json
done
