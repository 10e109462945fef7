#!/usr/bin/env bash
# The README's test command: every crate, every feature, every test of the
# default tier, against the services the tests need, which it sets up itself:
# a throwaway PostgreSQL (scripts/postgres.sh: Debian's postgresql package,
# installed when missing) and headless Chromium with chromedriver
# (scripts/chromium.sh: Debian's chromium and chromium-driver, installed when
# missing). Both are stopped and removed afterwards. Extra arguments go to
# cargo test.
#
#   scripts/test.sh
#   scripts/test.sh -p alipay-ams-postgres
set -euo pipefail
cd "$(dirname "$0")/.."
if [ $# -eq 0 ]; then set -- --workspace; fi
exec scripts/postgres.sh run -- bash scripts/chromium.sh run -- cargo test --all-features "$@"
