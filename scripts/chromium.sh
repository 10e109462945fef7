#!/usr/bin/env bash
# Headless Chromium for the browser tests (tests/browser.rs), from Debian's packages.
#
#   scripts/chromium.sh run -- CMD...   install if missing, start chromedriver, run CMD with
#                                       CHROMEDRIVER_URL set, stop chromedriver (whatever CMD did)
#   scripts/chromium.sh install         install `chromium` and `chromium-driver` when missing
#   scripts/chromium.sh start           start chromedriver on a free port of 127.0.0.1; prints
#                                       `export CHROMEDRIVER_URL=...` and `export CHROMEDRIVER_PID=...`
#   scripts/chromium.sh stop PID        stop the chromedriver started with that pid
#
# The browser test itself starts Chromium through chromedriver (headless, with the flags this
# machine needs) and fails, naming this script, when no chromedriver answers at CHROMEDRIVER_URL.
#
#   bash scripts/chromium.sh run -- cargo test -p alipay-ams --all-features --test browser -- --ignored
#
# Installing needs root or passwordless sudo (apt-get). Browsers downloaded by test tools are not
# used: this machine reaches package registries only, and Debian's Chromium is what CI has.
set -euo pipefail

say() { printf 'chromium.sh: %s\n' "$*" >&2; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo -n "$@"; else
    say "need root (or passwordless sudo) to run: $*"; return 1
  fi
}

install() {
  if command -v chromium >/dev/null && command -v chromedriver >/dev/null; then
    return 0
  fi
  say "installing Debian's chromium and chromium-driver packages (first run on this machine)"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    chromium chromium-driver >&2
  command -v chromium >/dev/null && command -v chromedriver >/dev/null || {
    say "chromium or chromedriver is still missing after apt-get install"; exit 1; }
  say "$(chromium --version 2>/dev/null || echo 'chromium: version unknown'); $(chromedriver --version)"
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# ready URL: whether chromedriver answers its status endpoint.
ready() {
  python3 - "$1" <<'EOF'
import sys, urllib.request
try:
    with urllib.request.urlopen(sys.argv[1] + "/status", timeout=2) as r:
        sys.exit(0 if r.status == 200 else 1)
except Exception:
    sys.exit(1)
EOF
}

start() {
  install
  local port log pid url
  port=$(free_port)
  log=$(mktemp "${TMPDIR:-/tmp}/chromedriver.XXXXXX.log")
  # Loopback only: chromedriver drives a browser that can open any page.
  chromedriver --port="$port" --allowed-ips=127.0.0.1 --log-path="$log" >/dev/null 2>&1 &
  pid=$!
  url="http://127.0.0.1:$port"
  for _ in $(seq 1 100); do
    if ready "$url"; then
      echo "export CHROMEDRIVER_URL=$url"
      echo "export CHROMEDRIVER_PID=$pid"
      return 0
    fi
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  cat "$log" >&2 || true
  kill "$pid" 2>/dev/null || true
  say "chromedriver did not answer on $url within 10 s"
  exit 1
}

stop() {
  local pid=$1
  kill "$pid" 2>/dev/null || return 0
  # Let it close the browsers it started.
  for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
  kill -9 "$pid" 2>/dev/null || true
}

case "${1:-}" in
  install) install ;;
  start) start ;;
  stop) stop "${2:?usage: chromium.sh stop PID}" ;;
  run)
    shift
    [ "${1:-}" = "--" ] && shift
    [ $# -gt 0 ] || { say "usage: chromium.sh run -- CMD..."; exit 2; }
    eval "$(start)"
    trap 'stop "$CHROMEDRIVER_PID"' EXIT
    say "chromedriver on $CHROMEDRIVER_URL"
    "$@"
    ;;
  *) say "usage: chromium.sh run -- CMD... | install | start | stop PID"; exit 2 ;;
esac
