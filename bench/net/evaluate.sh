#!/usr/bin/env bash
# Issue 5's "done when" on the real datasets: the net-day register and logs
# (crates/shinsa/tests/fixtures/net-day) screened with the whole
# ip-location-db country and ASN files (IPv4 and IPv6), tor's geoip from
# Debian's tor-geoipdb as a second country source when installed, and the
# IEEE registry from Debian's ieee-data when installed. Prints what was
# flagged and what was left alone.
set -euo pipefail
cd "$(dirname "$0")/../.."
WORK=target/bench-net
mkdir -p "$WORK/ipdata"
if [ ! -f "$WORK/ipdata/asn/package/asn-ipv4.csv" ]; then
  (cd "$WORK/ipdata" && npm pack --silent @ip-location-db/asn@2.3.2026061719 @ip-location-db/geo-whois-asn-country@2.3.2026061719 >/dev/null \
    && mkdir -p asn geo && tar xzf ip-location-db-asn-*.tgz -C asn && tar xzf ip-location-db-geo-whois-asn-country-*.tgz -C geo)
fi
cargo build --locked -p shinsa >/dev/null 2>&1
SHINSA=target/debug/shinsa
DAY=crates/shinsa/tests/fixtures/net-day
GEO="$WORK/ipdata/geo/package/geo-whois-asn-country-ipv4.csv,$WORK/ipdata/geo/package/geo-whois-asn-country-ipv6.csv"
[ -f /usr/share/tor/geoip ] && GEO="$GEO,/usr/share/tor/geoip,/usr/share/tor/geoip6"
ASN="$WORK/ipdata/asn/package/asn-ipv4.csv,$WORK/ipdata/asn/package/asn-ipv6.csv"
OUI=()
[ -f /usr/share/ieee-data/oui.csv ] && OUI=(--oui /usr/share/ieee-data/oui.csv,/usr/share/ieee-data/mam.csv,/usr/share/ieee-data/oui36.csv)
export SHINSA_GEO="$GEO" SHINSA_ASN="$ASN"
echo "== net flows (whole ip-location-db files) =="
"$SHINSA" net flows --inventory "$DAY" --as-of 2026-11-27 --fail-on never "$DAY/logs/conn.log" 2>/dev/null \
  | sed -n '/^Read /,$p;1,/^└/p'
echo "== net devices ${OUI[*]:+(IEEE registry from ieee-data)} =="
"$SHINSA" net devices --inventory "$DAY" --as-of 2026-11-27 --fail-on never "${OUI[@]}" "$DAY/logs/dhcp.log" "$DAY/logs/conn.log" 2>/dev/null \
  | sed -n '1,/^└/p;/^Read /,$p'
