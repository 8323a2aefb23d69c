#!/usr/bin/env bash
# Network-evidence speed (issue 5): a generated Zeek conn.log of RECORDS
# records (default 10,000,000) read end to end — read, parse, look up
# country, ASN and provider, aggregate per source × country × network — beside
# the raw read speed of the same file (cat, wc -l), and the same at a tenth of
# the records to show memory does not grow with records.
#
# Lookups: the real ip-location-db files (npm @ip-location-db/geo-whois-asn-country
# and @ip-location-db/asn), fetched with `npm pack` into target/bench-net/ipdata.
set -euo pipefail
cd "$(dirname "$0")/../.."
RECORDS=${1:-10000000}
WORK=target/bench-net
mkdir -p "$WORK/ipdata"
if [ ! -f "$WORK/ipdata/asn/package/asn-ipv4.csv" ]; then
  (cd "$WORK/ipdata" && npm pack --silent @ip-location-db/asn@2.3.2026061719 @ip-location-db/geo-whois-asn-country@2.3.2026061719 >/dev/null \
    && mkdir -p asn geo && tar xzf ip-location-db-asn-*.tgz -C asn && tar xzf ip-location-db-geo-whois-asn-country-*.tgz -C geo)
fi
GEO="$WORK/ipdata/geo/package/geo-whois-asn-country-ipv4.csv"
ASN="$WORK/ipdata/asn/package/asn-ipv4.csv"
cargo build --release --locked -p shinsa-net --example net_bench >/dev/null
BENCH=target/release/examples/net_bench
LOG="$WORK/conn-$RECORDS.log"
SMALL="$WORK/conn-$((RECORDS / 10)).log"
[ -f "$LOG" ] || "$BENCH" generate "$LOG" "$RECORDS"
[ -f "$SMALL" ] || "$BENCH" generate "$SMALL" "$((RECORDS / 10))"
cat "$LOG" > /dev/null # warm the page cache for every contender alike
seconds() { local start end; start=$(date +%s.%N); "$@" > /dev/null; end=$(date +%s.%N); echo "$end - $start" | bc; }
CAT=$(seconds cat "$LOG")
WC=$(seconds wc -l "$LOG")
SIZE=$(stat -L -c %s "$LOG")
echo "file: $LOG, $RECORDS records, $((SIZE / 1000000)) MB"
printf '%-44s %8s s  %10.0f records/s  %6.0f MB/s\n' "cat > /dev/null" "$CAT" "$(echo "$RECORDS / $CAT" | bc -l)" "$(echo "$SIZE / 1000000 / $CAT" | bc -l)"
printf '%-44s %8s s  %10.0f records/s  %6.0f MB/s\n' "wc -l" "$WC" "$(echo "$RECORDS / $WC" | bc -l)" "$(echo "$SIZE / 1000000 / $WC" | bc -l)"
echo "shinsa-net (read, parse, look up, aggregate), one thread:"
"$BENCH" run "$LOG" --geo "$GEO" --asn "$ASN" --threads 1 | sed 's/^/  /'
echo "shinsa-net, a chunk per core ($(nproc) cores):"
"$BENCH" run "$LOG" --geo "$GEO" --asn "$ASN" | sed 's/^/  /'
echo "the same at $((RECORDS / 10)) records (memory should not change):"
"$BENCH" run "$SMALL" --geo "$GEO" --asn "$ASN" | grep -E 'records/s|peak memory' | sed 's/^/  /'
