#!/usr/bin/env bash
# The README's test command: every crate, every feature, against a throwaway
# PostgreSQL that scripts/postgres.sh starts (installing Debian's package when
# it is missing) and removes afterwards. Extra arguments go to cargo test.
#
#   scripts/test.sh
#   scripts/test.sh -p alipay-ams-postgres
set -euo pipefail
cd "$(dirname "$0")/.."
if [ $# -eq 0 ]; then set -- --workspace; fi
exec scripts/postgres.sh run -- cargo test --all-features "$@"
