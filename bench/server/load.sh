#!/usr/bin/env bash
# HTTP load on the server: the findings list (page of 50, API token) as a
# summary (served again from the page cache of the data's generation, and
# with every URL distinct so never from it), revalidated with its ETag,
# with every finding's evidence; then register uploads. Measured with wrk from the same 2-core machine
# (wrk takes some of the CPU the server would have).
# Target (issue 18): >= 2,000 requests/s at p99 < 50 ms on SQLite.
#
#   bench/server/load.sh             # SQLite (a file in a temporary folder)
#   bench/server/load.sh postgres    # a fresh database on the local PostgreSQL
#                                    # (SHINSA_BENCH_POSTGRES: the admin URL,
#                                    # default postgres://root@127.0.0.1:5432/test)
set -euo pipefail
cd "$(dirname "$0")/../.."
command -v wrk >/dev/null || { echo "needs wrk (apt-get install wrk)"; exit 2; }
cargo build --release --locked -p shinsa
shinsa=$PWD/target/release/shinsa
work=$(mktemp -d)
admin_url=${SHINSA_BENCH_POSTGRES:-postgres://root@127.0.0.1:5432/test}
database=()
if [ "${1:-sqlite}" = postgres ]; then
    name=shinsa_bench_$$
    psql "$admin_url" -q -c "CREATE ROLE $name LOGIN" -c "CREATE DATABASE $name OWNER $name"
    host=${admin_url#*@}; host=${host%%/*}
    database=(--database "postgres://$name@$host/$name")
fi
cleanup() {
    kill "$server" 2>/dev/null || true
    wait "$server" 2>/dev/null || true
    rm -rf "$work"
    if [ -n "${name:-}" ]; then
        psql "$admin_url" -q -c "DROP DATABASE $name" -c "DROP ROLE $name"
    fi
}
trap cleanup EXIT
port=18080
$shinsa admin org minato --name 湊電力 --kind operator --sector electricity --data-dir "$work" "${database[@]}" >/dev/null
printf 'a long password 1\n' | $shinsa admin user alice@minato.example --org minato --role operator-admin --data-dir "$work" "${database[@]}" >/dev/null
token=$($shinsa admin token alice@minato.example --data-dir "$work" "${database[@]}" 2>/dev/null)
# The hourly upload quota would turn the upload measurement into 429s.
printf 'uploads_per_hour = 100000000\n' > "$work/shinsa.toml"
SHINSA_LOG=warn $shinsa serve --config "$work/shinsa.toml" --data-dir "$work" "${database[@]}" --listen 127.0.0.1:$port &
server=$!
sleep 1
python3 - "$work/demo.zip" <<'PY'
import os, sys, zipfile
with zipfile.ZipFile(sys.argv[1], "w", zipfile.ZIP_DEFLATED) as z:
    for name in sorted(os.listdir("examples/minato-electric")):
        z.write(os.path.join("examples/minato-electric", name), name)
PY
# Twenty registers (the demo utility's, 51 findings each) to list from.
for n in $(seq 1 20); do
    curl -sf -o /dev/null -X POST -H "Authorization: Bearer $token" -H 'content-type: application/zip' \
        --data-binary @"$work/demo.zip" "http://127.0.0.1:$port/api/v1/registers?name=site-$n"
done
until [ "$(curl -sf -H "Authorization: Bearer $token" "http://127.0.0.1:$port/api/v1/runs?per_page=500" | python3 -c 'import json,sys; print(all(r["status"]=="done" for r in json.load(sys.stdin)["items"]))')" = True ]; do sleep 0.5; done
page="http://127.0.0.1:$port/api/v1/findings?per_page=50&page=3"
total=$(curl -sf -H "Authorization: Bearer $token" "http://127.0.0.1:$port/api/v1/findings?per_page=1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["total"])')
summary_bytes=$(curl -sf -H "Authorization: Bearer $token" "$page" | wc -c)
evidence_bytes=$(curl -sf -H "Authorization: Bearer $token" "$page&evidence=true" | wc -c)
etag=$(curl -sfI -H "Authorization: Bearer $token" "$page" | tr -d '\r' | awk -F': ' 'tolower($1)=="etag"{print $2}')
measure() { wrk -t2 -c32 -d20s --latency -H "Authorization: Bearer $token" "$@" | grep -E 'Requests/sec|Latency|50%|90%|99%|Non-2xx'; }
echo "== store: ${1:-sqlite}; $total findings in 20 registers; page of 50: summary $summary_bytes bytes, with evidence $evidence_bytes bytes"
echo "== GET findings page 3 (summary; after the first, from the page cache of the generation), 2 threads, 32 connections, 20 s"
measure "$page"
cat > "$work/distinct.lua" <<LUA
-- Every request a URL never asked before: no page is served from memory.
counter = 0
request = function()
  counter = counter + 1
  return wrk.format(nil, "/api/v1/findings?per_page=50&page=3&nocache=" .. counter)
end
LUA
echo "== GET findings page 3 (summary), each URL distinct so never from the page cache, 20 s"
measure -s "$work/distinct.lua" "http://127.0.0.1:$port"
echo "== GET findings page 3 with If-None-Match (304 from the generation), 20 s"
measure -H "If-None-Match: $etag" "$page"
echo "== GET findings page 3 with evidence=true, 20 s"
measure "$page&evidence=true"
echo "== GET findings?severity=review&q=ルータ (filtered summary), 20 s"
measure "http://127.0.0.1:$port/api/v1/findings?severity=review&q=%E3%83%AB%E3%83%BC%E3%82%BF"
cat > "$work/upload.lua" <<LUA
wrk.method = "POST"
wrk.headers["Authorization"] = "Bearer $token"
wrk.headers["Content-Type"] = "application/zip"
local file = io.open("$work/demo.zip", "rb")
wrk.body = file:read("*a")
file:close()
counter = 0
request = function()
  counter = counter + 1
  return wrk.format(nil, "/api/v1/registers?name=load-" .. (counter % 50))
end
LUA
echo "== POST /api/v1/registers (the demo bundle as a zip; each queues a screening), 4 connections, 20 s"
wrk -t1 -c4 -d20s --latency -s "$work/upload.lua" "http://127.0.0.1:$port" | grep -E 'Requests/sec|Latency|50%|90%|99%|Non-2xx'
