#!/usr/bin/env bash
# The whole test suite, on a Debian machine that has only Rust: brings what
# the tests need, then runs `cargo fmt --check`, `cargo clippy -D warnings`
# and every test of the workspace with --no-fail-fast (a failing test binary
# does not hide the ones after it).
#
# What the tests need from the machine, and what this script does about it:
#   PostgreSQL on 127.0.0.1:5432 with trust authentication for local TCP and
#     a superuser role named like you with a database `test` (the store's
#     conformance suite and the server tests make their own databases and
#     roles there): installed, configured and started when missing; another
#     server is used as it is with SHINSA_TEST_POSTGRES=postgres://…
#   Chromium at /usr/bin/chromium (or CHROMIUM=…), Node.js and npm: the web
#     UI's browser tests (npm installs playwright-core and axe-core into e2e/)
#   fonts-ipafont-gothic: Japanese text in the browser's screenshots
#   poppler-utils (pdftotext): the document tests read back the PDFs' text
# Packages are installed with apt-get (as root, or through sudo).
#
# Usage: ./test.sh [extra arguments for `cargo test`, e.g. -p shinsa-report]
set -euo pipefail
cd "$(dirname "$0")"

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

missing=()
need() { # need PACKAGE PATH: the package, when PATH is not there
    [ -e "$2" ] || missing+=("$1")
}
need chromium /usr/bin/chromium
need fonts-ipafont-gothic /usr/share/fonts/opentype/ipafont-gothic
need poppler-utils /usr/bin/pdftotext
need nodejs /usr/bin/node
need npm /usr/bin/npm
if [ -z "${SHINSA_TEST_POSTGRES:-}" ]; then
    need postgresql /usr/bin/pg_ctlcluster
fi
if [ ${#missing[@]} -gt 0 ]; then
    echo "test.sh: installing ${missing[*]}"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
fi

if [ -z "${SHINSA_TEST_POSTGRES:-}" ]; then
    version="$(ls /etc/postgresql | sort -V | tail -1)"
    hba="/etc/postgresql/$version/main/pg_hba.conf"
    if ! as_root grep -Eq '^host +all +all +127\.0\.0\.1/32 +trust' "$hba"; then
        echo "test.sh: PostgreSQL $version: trusting local TCP connections for the tests"
        as_root sed -i '1i host all all 127.0.0.1/32 trust\nhost all all ::1/128 trust' "$hba"
        as_root pg_ctlcluster --skip-systemctl-redirect "$version" main reload || true
    fi
    if ! pg_isready -q -h 127.0.0.1 -p 5432; then
        as_root pg_ctlcluster --skip-systemctl-redirect "$version" main start
    fi
    for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
    me="$(id -un)"
    if ! psql -h 127.0.0.1 -U "$me" -d test -Atc 'select 1' >/dev/null 2>&1; then
        echo "test.sh: PostgreSQL: a superuser role $me and a database test"
        as_root su postgres -c "psql -q -c 'CREATE ROLE \"$me\" LOGIN SUPERUSER'" 2>/dev/null || true
        as_root su postgres -c "createdb -O '$me' test" 2>/dev/null || true
    fi
    export SHINSA_TEST_POSTGRES="postgres://$me@127.0.0.1:5432/test"
fi

cargo fmt --all -- --check
cargo clippy --workspace --all-targets --locked -- -D warnings
cargo test --workspace --locked --no-fail-fast "$@"
