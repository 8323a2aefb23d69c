#!/usr/bin/env bash
# Runs shinsa and the peer (nomenklatura logic-v2 with rapidfuzz candidate
# generation) on the same lists and queries from ../shared/data, and prints
# the side-by-side table. See README.md.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
data="${SHINSA_BENCH_DATA:-$root/../shared/data}"
work="${SHINSA_BENCH_WORK:-$root/target/bench-matching}"
venv="$work/venv-peer"
sample="${PEER_SAMPLE:-300,200,300}"
mkdir -p "$work"

if [ ! -x "$venv/bin/python" ]; then
  echo "creating the peer's virtualenv (nomenklatura, rapidfuzz) in $venv" >&2
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet nomenklatura rapidfuzz
fi

lists=(
  "$data/lists/ofac-sdn-2021/sdn.csv" "$data/lists/ofac-sdn-2021/alt.csv"
  "$data/lists/ofac-sdn-2021/add.csv" "$data/lists/ofac-sdn-2021/sdn_comments.csv"
  "$data/lists/ofac-cons-2025/cons_prim.csv" "$data/lists/ofac-cons-2025/cons_alt.csv"
  "$data/lists/ofac-cons-2025/cons_add.csv" "$data/lists/ofac-cons-2025/cons_comments.csv"
  "$data/lists/un/UN_consolidated.xml"
)

(cd "$root" && cargo build --release --locked -p shinsa-match --example match_bench)
bench="$root/target/release/examples/match_bench"

python3 "$here/queries.py" "$data" "$work" >/dev/null
"$bench" export "${lists[@]}" --out "$work/parties.jsonl"
"$bench" run "$work/queries.csv" "$work/shinsa.jsonl" "${lists[@]}" > "$work/shinsa-summary.json"
"$venv/bin/python" "$here/peer.py" "$work/parties.jsonl" "$work/queries.csv" "$work/peer.jsonl" \
  --sample "$sample" > "$work/peer-summary.json"
python3 "$here/compare.py" "$work/queries.csv" "$work/shinsa.jsonl" "$work/shinsa-summary.json" \
  "$work/peer.jsonl" "$work/peer-summary.json"

if [ "${SYNTHETIC:-1000000}" != "0" ]; then
  echo
  echo "synthetic list of ${SYNTHETIC:-1000000} names (shinsa only):"
  "$bench" synthetic "${SYNTHETIC:-1000000}"
fi
