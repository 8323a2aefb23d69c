#!/usr/bin/env bash
# What each hostile input of crates/shinsa/tests/hostile.rs costs a release
# build of the server: its size, the answer, the peak resident memory it
# adds to the server process, the time, on SQLite and PostgreSQL.
#
#   bench/hostile/run.sh                  # this tree's release build; the limits are held
#   bench/hostile/run.sh OTHER/shinsa     # another build (one from before a change):
#                                         # figures only, under a 6 GiB address-space
#                                         # limit, restarted when an input takes it down
#
# An older build does not know the configuration keys of the budget: it is
# given a configuration with only `uploads_per_hour`.
set -euo pipefail
cd "$(dirname "$0")/../.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
if [ $# -eq 0 ]; then
    cargo build --release --locked -p shinsa
    export SHINSA_TEST_BIN=$PWD/target/release/shinsa
else
    binary=$(realpath "$1")
    cat > "$work/shinsa" <<WRAPPER
#!/usr/bin/env bash
args=()
while [ \$# -gt 0 ]; do
    if [ "\$1" = --config ]; then
        printf 'uploads_per_hour = 100000\n' > "$work/old.toml"
        args+=(--config "$work/old.toml"); shift 2; continue
    fi
    args+=("\$1"); shift
done
ulimit -v 6291456
exec "$binary" "\${args[@]}"
WRAPPER
    chmod +x "$work/shinsa"
    export SHINSA_TEST_BIN=$work/shinsa SHINSA_HOSTILE_FIGURES=1
fi
cargo test --locked -p shinsa --test hostile -- --nocapture --test-threads 1 2>&1 |
    grep -E '^(running|test |[A-Za-z0-9].*( KB | connected, |cut off|page afterwards))'
