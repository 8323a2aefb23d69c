#!/usr/bin/env bash
# HTTP load on the server with SQLite: the findings list (page of 50, API
# token) and register uploads, measured with wrk from the same 2-core
# machine (wrk takes some of the CPU the server would have).
# Targets: >= 2,000 requests/s and p99 < 50 ms.
set -euo pipefail
cd "$(dirname "$0")/../.."
command -v wrk >/dev/null || { echo "needs wrk (apt-get install wrk)"; exit 2; }
cargo build --release --locked -p shinsa
shinsa=$PWD/target/release/shinsa
work=$(mktemp -d)
trap 'kill $server 2>/dev/null || true; rm -rf "$work"' EXIT
port=18080
$shinsa admin org minato --name 湊電力 --kind operator --sector electricity --data-dir "$work" >/dev/null
printf 'a long password 1\n' | $shinsa admin user alice@minato.example --org minato --role operator-admin --data-dir "$work" >/dev/null
token=$($shinsa admin token alice@minato.example --data-dir "$work" 2>/dev/null)
SHINSA_LOG=warn $shinsa serve --data-dir "$work" --listen 127.0.0.1:$port &
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
total=$(curl -sf -H "Authorization: Bearer $token" "http://127.0.0.1:$port/api/v1/findings?per_page=1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["total"])')
echo "== GET /api/v1/findings?per_page=50&page=3 ($total findings in 20 registers), 2 threads, 32 connections, 20 s"
wrk -t2 -c32 -d20s --latency -H "Authorization: Bearer $token" "http://127.0.0.1:$port/api/v1/findings?per_page=50&page=3" | grep -E 'Requests/sec|Latency|50%|90%|99%'
echo "== GET /api/v1/findings?severity=prohibited&q=router (filtered), 20 s"
wrk -t2 -c32 -d20s --latency -H "Authorization: Bearer $token" "http://127.0.0.1:$port/api/v1/findings?severity=review&q=%E3%83%AB%E3%83%BC%E3%82%BF" | grep -E 'Requests/sec|Latency|50%|90%|99%'
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
