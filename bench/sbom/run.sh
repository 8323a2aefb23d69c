#!/usr/bin/env bash
# BOM speed (issue 16): a COUNT-component SBOM (default 3,000) in each form
# shinsa reads — CycloneDX JSON and XML, SPDX 2.3 JSON and tag-value, SPDX 3
# JSON-LD — screened end to end by `shinsa screen` (process start, reading,
# resolving against the bundled lists, the policy, JSON output), with wall
# time and peak memory from GNU time. The components are those of two
# published SBOMs (bench/sbom/generate.py).
set -euo pipefail
cd "$(dirname "$0")/../.."
COUNT=${1:-3000}
WORK=target/bench-sbom
python3 bench/sbom/generate.py "$WORK" "$COUNT"
cargo build --release --locked -p shinsa >/dev/null
SHINSA=target/release/shinsa
printf '%-28s %10s %10s %12s\n' "form" "size (MB)" "seconds" "peak (MB)"
for form in cyclonedx.json cyclonedx.xml spdx.json spdx.spdx spdx3.json; do
  file="$WORK/bom-$COUNT.$form"
  "$SHINSA" screen "$file" --format json --fail-on never >/dev/null 2>&1 # warm the cache
  best=""
  peak=0
  for _ in 1 2 3; do
    /usr/bin/time -f '%e %M' -o "$WORK/time.txt" "$SHINSA" screen "$file" --format json --fail-on never >/dev/null 2>&1
    out=$(tail -1 "$WORK/time.txt")
    seconds=${out% *}
    kilobytes=${out#* }
    if [ -z "$best" ] || [ "$(echo "$seconds < $best" | bc)" = 1 ]; then best=$seconds; fi
    peak=$kilobytes
  done
  size=$(stat -L -c %s "$file")
  printf '%-28s %10.2f %10s %12.0f\n' "$form" "$(echo "$size / 1000000" | bc -l)" "$best" "$(echo "$peak / 1024" | bc -l)"
done
