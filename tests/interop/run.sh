#!/usr/bin/env bash
# The interop suite: this project against the official Alipay/Antom Python SDK
# (global-open-sdk-python 1.7.1), both ways. Exits non-zero on any mismatch.
#
#   bash tests/interop/run.sh
#
# Steps (every step runs; a summary lists each one's result at the end):
#   1 setup        venv with the pinned SDK (setup.sh)
#   2 fixtures     generate_fixtures.py --check: committed fixtures == what the SDK makes
#   2b spec        extract_spec.py --check and wire_fixtures.py --check: spec/antom.openapi.json
#                  and fixtures/wire/ == what the SDK (plus spec/overrides.toml) gives
#   3 core         the SDK fixtures on both crypto backends (alipay-ams-core test)
#   4 build        the sandbox and CLI binaries
#   5 cli          alipay-ams sign/verify <-> SDK sign/verify (check_cli.py)
#   6 sandbox      SDK DefaultAlipayClient captures against our sandbox (S, idempotent
#                  replay, refused bad signature); the sandbox's notifyCapture is checked
#                  by the SDK's webhook verification (sdk_notify_receiver.py)
#   6b tls         the same capture over HTTPS (sandbox --tls, its CA trusted)
#   7 client       our client (alipay-ams capture) against an SDK-built gateway that
#                  verifies its request with the SDK and answers SDK-signed
#   8 notify       SDK-signed notifications posted to the axum_notify example
#                  (our NotifyService): the genuine one acknowledged, forged ones not
#
#   bash tests/interop/run.sh sandbox notify   # only these steps (setup always runs)
set -uo pipefail
export NO_COLOR=1  # plain logs from the servers it starts

selected=" $* "
wanted() { [ "$selected" = "  " ] || [[ "$selected" == *" $1 "* ]]; }

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cd "$root"

CLIENT_ID="SANDBOX_5X00000000000000"
MERCHANT_PRIV="$root/keys-example/merchant/private_key.pem"
MERCHANT_PUB="$root/keys-example/merchant/public_key.pem"
ALIPAY_PRIV="$root/keys-example/alipay/private_key.pem"
ALIPAY_PUB="$root/keys-example/alipay/public_key.pem"
NOTIFY_PATH="/alipay/notify"

work="$(mktemp -d "${TMPDIR:-/tmp}/alipay-ams-interop.XXXXXX")"
pids=()
cleanup() {
  local pid
  for pid in "${pids[@]}"; do
    kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  done
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

results=()
failed=0
say() { printf '%s\n' "$*"; }
pass() { results+=("PASS  $1"); say "==> PASS: $1"; }
fail() { results+=("FAIL  $1${2:+: $2}"); failed=1; say "==> FAIL: $1${2:+: $2}"; }
step() { say ""; say "=== $* ==="; }

# start_bg LOG CMD...: starts CMD in the background, output to LOG; its pid is
# left in $bg_pid and remembered for cleanup.
bg_pid=""
start_bg() {
  local log="$1"; shift
  "$@" >"$log" 2>&1 &
  bg_pid=$!
  pids+=("$bg_pid")
}

free_port() {
  "$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# wait_port PORT PID SECONDS: until something accepts on 127.0.0.1:PORT.
wait_port() {
  "$PY" - "$1" "$2" "$3" <<'EOF'
import os, socket, sys, time
port, pid, limit = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
deadline = time.time() + limit
while time.time() < deadline:
    try:
        os.kill(pid, 0)
    except OSError:
        sys.exit("process %d exited before listening on %d" % (pid, port))
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
        sys.exit(0)
    except OSError:
        time.sleep(0.1)
sys.exit("nothing listening on 127.0.0.1:%d after %ss" % (port, limit))
EOF
}

wait_file() { # wait_file FILE SECONDS
  local i
  for ((i = 0; i < $2 * 10; i++)); do [ -s "$1" ] && return 0; sleep 0.1; done
  return 1
}

# json FILE EXPR: prints a python expression evaluated on the JSON in FILE (as `j`).
json() { "$PY" -c 'import json, sys; j = json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"; }

http_post_json() { # http_post_json URL BODY OUTFILE [CA_FILE]
  "$PY" - "$@" <<'EOF'
import ssl, sys, urllib.request
ctx = ssl.create_default_context(cafile=sys.argv[4]) if len(sys.argv) > 4 else None
req = urllib.request.Request(sys.argv[1], data=sys.argv[2].encode(), method="POST",
                             headers={"Content-Type": "application/json"})
with urllib.request.urlopen(req, timeout=15, context=ctx) as r:
    open(sys.argv[3], "wb").write(r.read())
EOF
}

http_get() { # http_get URL OUTFILE
  "$PY" -c 'import sys, urllib.request; open(sys.argv[2], "wb").write(urllib.request.urlopen(sys.argv[1], timeout=15).read())' "$1" "$2"
}

# ---------------------------------------------------------------------------
step "1 setup: python venv with global-open-sdk-python 1.7.1 (tests/interop/setup.sh)"
if PY="$(bash "$here/setup.sh" | tail -n1)" && [ -x "$PY" ]; then
  say "SDK python: $PY"
  pass "setup"
else
  fail "setup" "could not create the venv; nothing else can run"
  for r in "${results[@]}"; do say "$r"; done
  exit 1
fi

step "2 fixtures: regenerate every fixture with the SDK in memory and compare with tests/interop/fixtures"
if ! wanted fixtures; then say "skipped (not selected)"; elif "$PY" "$here/generate_fixtures.py" --check; then pass "fixtures"; else fail "fixtures" "re-run generate_fixtures.py"; fi

step "2b spec: rebuild spec/antom.openapi.json and the wire fixtures in memory and compare"
if ! wanted spec; then say "skipped (not selected)"; elif "$PY" "$here/extract_spec.py" --check && "$PY" "$here/wire_fixtures.py" --check; then pass "spec"; else fail "spec" "re-run extract_spec.py, then wire_fixtures.py"; fi

step "3 core: every SDK fixture on both crypto backends (cargo test -p alipay-ams-core --features rust-crypto --test interop_fixtures)"
if ! wanted core; then say "skipped (not selected)"; elif cargo test -p alipay-ams-core --features rust-crypto --test interop_fixtures; then pass "core"; else fail "core"; fi

step "4 build: cargo build -p alipay-ams-sandbox -p alipay-ams-cli --bins"
SANDBOX_BIN="$root/target/debug/alipay-ams-sandbox"
CLI_BIN="$root/target/debug/alipay-ams"
if ! wanted build && ! wanted cli && ! wanted sandbox && ! wanted tls && ! wanted client; then say "skipped (not selected)"; elif cargo build -p alipay-ams-sandbox -p alipay-ams-cli --bins && [ -x "$SANDBOX_BIN" ] && [ -x "$CLI_BIN" ]; then
  pass "build"
else
  fail "build" "sandbox or CLI binary missing"
fi

step "5 cli: alipay-ams sign/verify against the SDK's verify/sign, and every fixture through the CLI"
if ! wanted cli; then say "skipped (not selected)"; elif [ -x "$CLI_BIN" ] && "$PY" "$here/check_cli.py" --cli "$CLI_BIN"; then pass "cli"; else fail "cli"; fi

step "6 sandbox: the SDK's DefaultAlipayClient captures against our sandbox; its notification checked by the SDK"
sandbox_step() {
  [ -x "$SANDBOX_BIN" ] || { say "no sandbox binary"; return 1; }
  local rport_file="$work/receiver.port" rlog="$work/receiver.jsonl" sport spid
  : >"$rlog"
  say "starting an SDK-verifying notify endpoint (sdk_notify_receiver.py)"
  start_bg "$work/receiver.log" "$PY" "$here/sdk_notify_receiver.py" --listen 127.0.0.1:0 \
    --client-id "$CLIENT_ID" --alipay-public-key "$ALIPAY_PUB" --log "$rlog" --port-file "$rport_file"
  wait_file "$rport_file" 20 || { say "receiver did not start"; cat "$work/receiver.log"; return 1; }
  local rport; rport=$(cat "$rport_file")

  sport=$(free_port)
  say "starting alipay-ams-sandbox --listen 127.0.0.1:$sport --time-scale 0.001"
  start_bg "$work/sandbox.log" "$SANDBOX_BIN" --listen "127.0.0.1:$sport" --time-scale 0.001
  spid=$bg_pid
  wait_port "$sport" "$spid" 30 || { cat "$work/sandbox.log"; return 1; }
  local base="http://127.0.0.1:$sport"

  say "creating an authorized payment (POST /sandbox/payments, notify URL -> SDK receiver)"
  http_post_json "$base/sandbox/payments" \
    "{\"paymentAmount\":{\"currency\":\"USD\",\"value\":\"10000\"},\"captureMode\":\"MANUAL\",\"paymentNotifyUrl\":\"http://127.0.0.1:$rport$NOTIFY_PATH\"}" \
    "$work/payment.json" || return 1
  local payment_id; payment_id=$(json "$work/payment.json" 'j["paymentId"]') || return 1
  say "paymentId $payment_id"

  local capture_args=(--gateway "$base" --client-id "$CLIENT_ID" --alipay-public-key "$ALIPAY_PUB"
    --payment-id "$payment_id" --currency USD)
  say "SDK capture USD 100.00 (sdk_capture.py), expecting a verified S"
  "$PY" "$here/sdk_capture.py" "${capture_args[@]}" --merchant-private-key "$MERCHANT_PRIV" \
    --amount 10000 --capture-request-id interop-capture-1 --expect-status S >"$work/capture1.json" \
    || { cat "$work/capture1.json"; return 1; }
  local capture_id; capture_id=$(json "$work/capture1.json" 'j["response"]["captureId"]')
  say "  S, captureId $capture_id (response signature verified by the SDK)"

  say "SDK replays the same captureRequestId: expecting S with the same captureId"
  "$PY" "$here/sdk_capture.py" "${capture_args[@]}" --merchant-private-key "$MERCHANT_PRIV" \
    --amount 10000 --capture-request-id interop-capture-1 --expect-status S >"$work/capture2.json" \
    || { cat "$work/capture2.json"; return 1; }
  [ "$(json "$work/capture2.json" 'j["response"]["captureId"]')" = "$capture_id" ] \
    || { say "replay returned another captureId"; return 1; }
  say "  same captureId"

  say "SDK capture signed with the wrong key (Alipay's instead of the merchant's): must not be S"
  "$PY" "$here/sdk_capture.py" "${capture_args[@]}" --merchant-private-key "$ALIPAY_PRIV" \
    --amount 10000 --capture-request-id interop-capture-bad-key >"$work/capture3.json"
  local status3; status3=$(json "$work/capture3.json" 'j["response"]["result"]["resultStatus"] if j.get("ok") else "SDK refused the reply (" + j.get("error", "") + "); raw reply: " + j.get("sent", {}).get("response_body", "none")')
  say "  answer: $status3"
  case "$status3" in S) say "sandbox accepted a request with a bad signature"; return 1 ;; esac

  say "waiting for the sandbox's notifyCapture at the SDK receiver"
  local i seen=""
  for ((i = 0; i < 200; i++)); do
    seen=$("$PY" - "$rlog" "$capture_id" <<'EOF'
import json, sys
for line in open(sys.argv[1], encoding="utf-8"):
    e = json.loads(line)
    if sys.argv[2] in e["body"]:
        print("valid" if e["valid"] else "invalid: " + e["reason"])
        break
EOF
)
    [ -n "$seen" ] && break
    sleep 0.1
  done
  say "  notification for $capture_id: ${seen:-never arrived}"
  [ "$seen" = "valid" ] || { cat "$rlog"; return 1; }

  say "checking the sandbox delivery log (GET /sandbox/notifications): acknowledged"
  local acked=""
  for ((i = 0; i < 50; i++)); do
    http_get "$base/sandbox/notifications" "$work/deliveries.json" || return 1
    acked=$("$PY" - "$work/deliveries.json" "$capture_id" <<'EOF'
import json, sys
log = json.load(open(sys.argv[1]))
entries = log.get("deliveries", log) if isinstance(log, dict) else log
print(any(e.get("captureId") == sys.argv[2] and e.get("acknowledged") for e in entries))
EOF
)
    [ "$acked" = "True" ] && break
    sleep 0.1
  done
  [ "$acked" = "True" ] || { cat "$work/deliveries.json"; return 1; }
  say "  acknowledged"
}
if ! wanted sandbox; then say "skipped (not selected)"; elif sandbox_step; then pass "sandbox"; else fail "sandbox" "see the output above"; fi

step "6b tls: the SDK's DefaultAlipayClient captures against our sandbox over HTTPS (--tls)"
tls_step() {
  [ -x "$SANDBOX_BIN" ] || { say "no sandbox binary"; return 1; }
  local sport ca="$work/sandbox-ca.pem"
  sport=$(free_port)
  say "starting alipay-ams-sandbox --listen 127.0.0.1:$sport --tls --tls-ca-file $ca"
  start_bg "$work/sandbox-tls.log" "$SANDBOX_BIN" --listen "127.0.0.1:$sport" --tls --tls-ca-file "$ca" --no-redelivery
  wait_port "$sport" "$bg_pid" 30 || { cat "$work/sandbox-tls.log"; return 1; }
  wait_file "$ca" 10 || { say "no CA certificate written"; return 1; }
  local base="https://localhost:$sport"
  http_post_json "$base/sandbox/payments" \
    '{"paymentAmount":{"currency":"EUR","value":"2500"},"captureMode":"MANUAL"}' "$work/payment-tls.json" "$ca" || return 1
  local payment_id; payment_id=$(json "$work/payment-tls.json" 'j["paymentId"]') || return 1
  say "SDK capture EUR 25.00 over https (trusting the sandbox CA), expecting a verified S"
  say "(the SDK's own factory always dials port 443, so sdk_capture.py swaps in one that keeps the URL's port)"
  "$PY" "$here/sdk_capture.py" --gateway "$base" --client-id "$CLIENT_ID" --merchant-private-key "$MERCHANT_PRIV" \
    --alipay-public-key "$ALIPAY_PUB" --payment-id "$payment_id" --amount 2500 --currency EUR \
    --ca-file "$ca" --expect-status S >"$work/capture-tls.json" || { cat "$work/capture-tls.json"; return 1; }
  say "  S, captureId $(json "$work/capture-tls.json" 'j["response"]["captureId"]')"
}
if ! wanted tls; then say "skipped (not selected)"; elif tls_step; then pass "tls"; else fail "tls"; fi

step "7 client: alipay-ams capture (our client) against a gateway built on the SDK's signer/verifier"
client_step() {
  [ -x "$CLI_BIN" ] || { say "no alipay-ams binary"; return 1; }
  local gport_file="$work/gateway.port" glog="$work/gateway.jsonl"
  : >"$glog"
  start_bg "$work/gateway.log" "$PY" "$here/sdk_gateway.py" --listen 127.0.0.1:0 --client-id "$CLIENT_ID" \
    --merchant-public-key "$MERCHANT_PUB" --alipay-private-key "$ALIPAY_PRIV" --log "$glog" \
    --port-file "$gport_file"
  wait_file "$gport_file" 20 || { cat "$work/gateway.log"; return 1; }
  local gport; gport=$(cat "$gport_file")
  say "alipay-ams capture --gateway http://127.0.0.1:$gport (request checked by the SDK, reply signed by the SDK)"
  "$CLI_BIN" capture --gateway "http://127.0.0.1:$gport" --client-id "$CLIENT_ID" \
    --private-key "$MERCHANT_PRIV" --alipay-public-key "$ALIPAY_PUB" --payment-id PAY-INTEROP-1 \
    --amount 1000 --currency USD --capture-request-id interop-client-1 || { cat "$glog"; return 1; }
  local verdict; verdict=$("$PY" -c '
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
print("valid" if lines and all(e["valid"] for e in lines) else "invalid: %r" % [e["reason"] for e in lines])' "$glog")
  say "  SDK verdict on our client's request(s): $verdict"
  [ "$verdict" = "valid" ]
}
if ! wanted client; then say "skipped (not selected)"; elif client_step; then pass "client"; else fail "client"; fi

step "8 notify: SDK-signed notifications to the axum_notify example (NotifyService)"
notify_step() {
  local pkg_args=()
  if [ -f "$root/examples/axum_notify.rs" ]; then
    pkg_args=()
  elif [ -f "$root/crates/alipay-ams-notify/examples/axum_notify.rs" ]; then
    pkg_args=(-p alipay-ams-notify)
  else
    say "examples/axum_notify.rs does not exist (yet)"
    return 1
  fi
  say "cargo build ${pkg_args[*]} --example axum_notify"
  cargo build "${pkg_args[@]}" --example axum_notify || return 1
  local bin="$root/target/debug/examples/axum_notify"
  [ -x "$bin" ] || { say "$bin missing after build"; return 1; }
  local nport; nport=$(free_port)
  say "starting axum_notify with NOTIFY_LISTEN=127.0.0.1:$nport NOTIFY_PATH=$NOTIFY_PATH"
  NOTIFY_LISTEN="127.0.0.1:$nport" NOTIFY_PATH="$NOTIFY_PATH" ALIPAY_CLIENT_ID="$CLIENT_ID" \
    ALIPAY_PUBLIC_KEY="$ALIPAY_PUB" start_bg "$work/axum_notify.log" "$bin"
  wait_port "$nport" "$bg_pid" 30 || { cat "$work/axum_notify.log"; return 1; }
  "$PY" -c 'import json, sys; sys.stdout.write(json.load(open(sys.argv[1]))["body"])' \
    "$here/fixtures/notification_capture_result.json" >"$work/notify.json"
  local url="http://127.0.0.1:$nport$NOTIFY_PATH" ok=0
  say "genuine notification (signed with the Alipay key by the SDK): must be acknowledged"
  "$PY" "$here/sdk_notify.py" --url "$url" --path "$NOTIFY_PATH" --client-id "$CLIENT_ID" \
    --alipay-private-key "$ALIPAY_PRIV" --body-file "$work/notify.json" || ok=1
  "$PY" -c 'import json, sys; sys.stdout.write(json.load(open(sys.argv[1]))["body"])' \
    "$here/fixtures/notification_capture_failed_non_ascii.json" >"$work/notify-f.json"
  say "genuine notifyCapture F with a raw UTF-8 resultMessage: must be acknowledged"
  "$PY" "$here/sdk_notify.py" --url "$url" --path "$NOTIFY_PATH" --client-id "$CLIENT_ID" \
    --alipay-private-key "$ALIPAY_PRIV" --body-file "$work/notify-f.json" || ok=1
  say "forged notification (signed with the merchant's key): must NOT be acknowledged"
  if "$PY" "$here/sdk_notify.py" --url "$url" --path "$NOTIFY_PATH" --client-id "$CLIENT_ID" \
    --alipay-private-key "$MERCHANT_PRIV" --body-file "$work/notify.json"; then
    say "  forged notification was acknowledged"; ok=1
  fi
  say "notification signed for another path: must NOT be acknowledged"
  if "$PY" "$here/sdk_notify.py" --url "$url" --path "/other/notify" --client-id "$CLIENT_ID" \
    --alipay-private-key "$ALIPAY_PRIV" --body-file "$work/notify.json"; then
    say "  wrong-path notification was acknowledged"; ok=1
  fi
  say "axum_notify output:"; sed 's/^/  | /' "$work/axum_notify.log"
  # stdout carries one JSON line per processed notification (logs are on
  # stderr, in the same file here): the two genuine ones, nothing else.
  local processed
  processed=$("$PY" -c 'import json, sys
n = 0
for line in open(sys.argv[1], encoding="utf-8"):
    if line.startswith("{"):
        e = json.loads(line)
        assert e["kind"] == "CAPTURE_RESULT" and e["dedupKey"].startswith("CAPTURE_RESULT:") and e["paymentId"], e
        n += 1
print(n)' "$work/axum_notify.log") || ok=1
  say "  processed-notification lines: $processed (expected 2)"
  [ "$processed" = 2 ] || ok=1
  return $ok
}
if ! wanted notify; then say "skipped (not selected)"; elif notify_step; then pass "notify"; else fail "notify"; fi

say ""
say "=== interop summary (official SDK global-open-sdk-python 1.7.1) ==="
for r in "${results[@]}"; do say "$r"; done
exit $failed
