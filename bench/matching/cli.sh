#!/usr/bin/env bash
# `shinsa match --input FILE --format jsonl` where the user meets it: the
# release binary, process start included, on one core, 10,000 queries of
# queries.py's set against OFAC SDN (imported with `shinsa lists import`
# into a scratch lists folder). Prints the best of five runs.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
data="${SHINSA_BENCH_DATA:-$root/../shared/data}"
work="${SHINSA_BENCH_WORK:-$root/target/bench-matching-cli}"
count="${QUERIES:-10000}"
mkdir -p "$work"
(cd "$root" && cargo build --release --locked -p shinsa)
shinsa="$root/target/release/shinsa"
rm -rf "$work/lists"
SHINSA_LISTS_DIR="$work/lists" "$shinsa" lists import \
  "$data"/lists/ofac-sdn-2021/{sdn,alt,add,sdn_comments}.csv >/dev/null
python3 "$here/queries.py" "$data" "$work" >/dev/null
python3 - "$work/queries.csv" "$work/q.csv" "$count" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))[: int(sys.argv[3])]
with open(sys.argv[2], "w", newline="") as out:
    writer = csv.writer(out)
    writer.writerow(["name"])
    writer.writerows([row["name"]] for row in rows)
PY
best=""
for _ in 1 2 3 4 5; do
  start=$(date +%s.%N)
  SHINSA_LISTS_DIR="$work/lists" taskset -c 0 "$shinsa" match --input "$work/q.csv" \
    --format jsonl > "$work/out.jsonl"
  end=$(date +%s.%N)
  took=$(python3 -c "print(f'{$end - $start:.3f}')")
  if [ -z "$best" ] || python3 -c "import sys; sys.exit(0 if $took < $best else 1)"; then best=$took; fi
done
lines=$(wc -l < "$work/out.jsonl")
python3 -c "print(f'shinsa match --input: {$lines} queries in {$best} s (best of 5, one core) = {$lines / $best:,.0f} queries/s')"
