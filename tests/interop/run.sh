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
#   6c checkout    the whole checkout with the SDK as merchant against our sandbox over
#                  http (sdk_checkout.py): pay, inquiryPayment, cancel, capture, refund,
#                  inquiryRefund with the SDK's request classes and execute(); the buyer
#                  through the control API; every notification checked by the SDK
#   6d checkout-tls  the same over HTTPS (sandbox --tls, its CA trusted)
#   7 client       our client (alipay-ams capture, pay, refund) against an SDK-built
#                  gateway that verifies each request with the SDK, reads it with the SDK's
#                  request class, and answers SDK-signed; a wrongly signed pay is refused
#   8 notify       SDK-signed notifyCapture, notifyPayment (PAYMENT_RESULT, PAYMENT_PENDING)
#                  and notifyRefund posted to the axum_notify example (our NotifyService):
#                  genuine ones acknowledged and printed, forged ones not
#   8b notify-hyper  the same against the hyper_notify example
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
needs_bins=0
for st in build cli sandbox tls checkout checkout-tls client; do wanted "$st" && needs_bins=1; done
if [ "$needs_bins" = 0 ]; then say "skipped (not selected)"; elif cargo build -p alipay-ams-sandbox -p alipay-ams-cli --bins && [ -x "$SANDBOX_BIN" ] && [ -x "$CLI_BIN" ]; then
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

# checkout_run NAME TLS: the sandbox (with --tls when TLS=1), then sdk_checkout.py against it.
checkout_run() {
  [ -x "$SANDBOX_BIN" ] || { say "no sandbox binary"; return 1; }
  local name="$1" tls="$2" sport base ca_args=() tls_args=()
  sport=$(free_port)
  if [ "$tls" = 1 ]; then
    local ca="$work/$name-ca.pem"
    tls_args=(--tls --tls-ca-file "$ca")
    ca_args=(--ca-file "$ca")
    base="https://localhost:$sport"
  else
    base="http://127.0.0.1:$sport"
  fi
  say "starting alipay-ams-sandbox --listen 127.0.0.1:$sport --time-scale 0.001 ${tls_args[*]}"
  start_bg "$work/$name-sandbox.log" "$SANDBOX_BIN" --listen "127.0.0.1:$sport" --time-scale 0.001 "${tls_args[@]}"
  wait_port "$sport" "$bg_pid" 30 || { cat "$work/$name-sandbox.log"; return 1; }
  if [ "$tls" = 1 ]; then wait_file "$ca" 10 || { say "no CA certificate written"; return 1; }; fi
  say "sdk_checkout.py --gateway $base: the SDK's DefaultAlipayClient as merchant, the buyer via the control API"
  "$PY" "$here/sdk_checkout.py" --gateway "$base" --client-id "$CLIENT_ID" \
    --merchant-private-key "$MERCHANT_PRIV" --alipay-public-key "$ALIPAY_PUB" \
    --receiver-log "$work/$name-notifications.jsonl" "${ca_args[@]}" \
    || { say "sandbox log (last 40 lines):"; tail -n 40 "$work/$name-sandbox.log" | sed 's/^/  | /'; return 1; }
}

step "6c checkout: the SDK as merchant for the whole checkout against our sandbox (http)"
if ! wanted checkout; then say "skipped (not selected)"; elif checkout_run checkout 0; then pass "checkout"; else fail "checkout" "see the FAIL lines above"; fi

step "6d checkout-tls: the same checkout over HTTPS (sandbox --tls, its CA trusted)"
if ! wanted checkout-tls; then say "skipped (not selected)"; elif checkout_run checkout-tls 1; then pass "checkout-tls"; else fail "checkout-tls" "see the FAIL lines above"; fi

step "7 client: alipay-ams capture, pay and refund (our client) against a gateway built on the SDK's signer/verifier"
client_step() {
  [ -x "$CLI_BIN" ] || { say "no alipay-ams binary"; return 1; }
  local gport_file="$work/gateway.port" glog="$work/gateway.jsonl" ok=0
  : >"$glog"
  start_bg "$work/gateway.log" "$PY" "$here/sdk_gateway.py" --listen 127.0.0.1:0 --client-id "$CLIENT_ID" \
    --merchant-public-key "$MERCHANT_PUB" --alipay-private-key "$ALIPAY_PRIV" --log "$glog" \
    --port-file "$gport_file"
  wait_file "$gport_file" 20 || { cat "$work/gateway.log"; return 1; }
  local gport; gport=$(cat "$gport_file")
  local conn=(--gateway "http://127.0.0.1:$gport" --client-id "$CLIENT_ID" --alipay-public-key "$ALIPAY_PUB")
  say "alipay-ams capture --gateway http://127.0.0.1:$gport (request checked by the SDK, reply signed by the SDK)"
  "$CLI_BIN" capture "${conn[@]}" --private-key "$MERCHANT_PRIV" --payment-id PAY-INTEROP-1 \
    --amount 1000 --currency USD --capture-request-id interop-client-1 || ok=1
  say "alipay-ams pay (CARD, MANUAL): the SDK-signed U PAYMENT_IN_PROCESS must be accepted (exit 0)"
  "$CLI_BIN" pay "${conn[@]}" --private-key "$MERCHANT_PRIV" --amount 1000 --currency USD \
    --payment-method-type CARD --capture-mode MANUAL --redirect-url https://shop.example/return \
    --notify-url https://shop.example/alipay/notify --order-reference interop-order-1 \
    --order-description "Two mugs, 2 × ☕" --payment-request-id interop-client-pay-1 --json \
    >"$work/client-pay.json" || ok=1
  sed 's/^/  | /' "$work/client-pay.json"
  local payment_id
  payment_id=$(json "$work/client-pay.json" 'j["paymentId"] if j["result"]["resultCode"] == "PAYMENT_IN_PROCESS" and j["normalUrl"] else ""') || ok=1
  [ -n "$payment_id" ] || { say "  no U PAYMENT_IN_PROCESS with a normalUrl in the verified reply"; ok=1; }
  say "alipay-ams refund of $payment_id with a non-ASCII reason: the SDK-signed S must be accepted (exit 0)"
  "$CLI_BIN" refund "${conn[@]}" --private-key "$MERCHANT_PRIV" --payment-id "${payment_id:-none}" \
    --amount 300 --currency USD --refund-request-id interop-client-refund-1 \
    --reason "Kundin möchte 退款" --notify-url https://shop.example/alipay/notify --json \
    >"$work/client-refund.json" || ok=1
  sed 's/^/  | /' "$work/client-refund.json"
  say "alipay-ams pay signed with a key the gateway does not know: the SDK must refuse it, our client must not succeed"
  "$CLI_BIN" keygen --out "$work/stranger" >/dev/null || ok=1
  local rc=0
  "$CLI_BIN" pay "${conn[@]}" --private-key "$work/stranger/private_key.pem" --amount 1000 --currency USD \
    --payment-method-type ALIPAY_CN --redirect-url https://shop.example/return \
    --order-reference interop-order-2 --order-description "forged" \
    --payment-request-id interop-client-pay-forged >"$work/client-forged.txt" 2>&1 || rc=$?
  sed 's/^/  | /' "$work/client-forged.txt"
  # The refusal is an unsigned F: our client cannot authenticate it, so the
  # outcome is unknown (exit 3), never a success nor a final failure.
  say "  exit $rc (expected 3: unknown)"
  [ "$rc" = 3 ] || ok=1
  # One gateway log line per request, in order: what the SDK's verification
  # said, and which fields of our body the SDK's request class did not carry.
  "$PY" - "$glog" <<'EOF' || ok=1
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
want = [("capture", True), ("pay", True), ("refund", True), ("pay", False)]
bad = 0
for i, (api, valid) in enumerate(want):
    e = lines[i] if i < len(lines) else None
    good = e is not None and (e["api"], e["valid"]) == (api, valid) \
        and (not valid or e["sdk_model_dropped"] == [])
    how = "verified" if valid else "refused"
    detail = "missing" if e is None else e["reason"]
    if e is not None and valid:
        detail += (", read whole by the SDK's request class" if e["sdk_model_dropped"] == []
                   else ", dropped by the SDK's request class: %s" % e["sdk_model_dropped"])
    print("  %s %s request %s by the SDK (%s)" % ("ok  " if good else "FAIL", api, how, detail))
    bad += not good
if len(lines) != len(want):
    print("  FAIL expected %d requests at the gateway, got %d" % (len(want), len(lines)))
    bad += 1
sys.exit(1 if bad else 0)
EOF
  return $ok
}
if ! wanted client; then say "skipped (not selected)"; elif client_step; then pass "client"; else fail "client"; fi

step "8 notify: SDK-signed notifications to the axum_notify example (NotifyService)"
# notify_bodies DIR: the notification bodies the notify steps post, written
# as Alipay documents them, each first read by the SDK's own notification
# class as its kind (so the SDK and our endpoint agree on what they are).
notify_bodies() {
  "$PY" - "$1" "$here/fixtures" <<'EOF'
import json, os, sys
sys.path.insert(0, os.path.dirname(sys.argv[2]))
import official_sdk  # noqa: F401 (the SDK, pinned)
from com.alipay.ams.api.request.notify.alipay_capture_result_notify import AlipayCaptureResultNotify
from com.alipay.ams.api.request.notify.alipay_pay_result_notify import AlipayPayResultNotify
from com.alipay.ams.api.request.notify.alipay_refund_notify import AlipayRefundNotify
out, fixtures = sys.argv[1], sys.argv[2]
PAYMENT_ID = "20261125194010800100188000000001"
payment = {
    "notifyType": "PAYMENT_RESULT",
    "result": {"resultCode": "SUCCESS", "resultStatus": "S", "resultMessage": "success."},
    "paymentRequestId": "interop-pay-1", "paymentId": PAYMENT_ID,
    "paymentAmount": {"currency": "USD", "value": "10000"},
    "paymentCreateTime": "2026-11-25T17:30:00+08:00", "paymentTime": "2026-11-25T17:30:05+08:00",
    "paymentMethodType": "CARD",
}
pending = dict(payment, notifyType="PAYMENT_PENDING",
               result={"resultCode": "SUCCESS", "resultStatus": "S",
                       "resultMessage": "the payment is being processed"})
del pending["paymentTime"]
refund = {
    "notifyType": "REFUND_RESULT",
    "result": {"resultCode": "SUCCESS", "resultStatus": "S", "resultMessage": "success."},
    "refundStatus": "SUCCESS", "refundRequestId": "interop-refund-1",
    "refundId": "20261125194010800100188000000099",
    "refundAmount": {"currency": "USD", "value": "3000"},
    "refundTime": "2026-11-25T17:40:00+08:00",
}
bodies = {
    "capture": json.load(open(os.path.join(fixtures, "notification_capture_result.json")))["body"],
    "capture-f": json.load(open(os.path.join(fixtures, "notification_capture_failed_non_ascii.json")))["body"],
    "payment": json.dumps(payment, separators=(",", ":")),
    "pending": json.dumps(pending, separators=(",", ":")),
    "refund": json.dumps(refund, separators=(",", ":")),
}
readers = {"capture": AlipayCaptureResultNotify, "capture-f": AlipayCaptureResultNotify,
           "payment": AlipayPayResultNotify, "pending": AlipayPayResultNotify,
           "refund": AlipayRefundNotify}
for name, body in bodies.items():
    parsed = readers[name](body)
    assert parsed.notify_type == json.loads(body)["notifyType"], (name, parsed.notify_type)
    with open(os.path.join(out, "notify-%s.json" % name), "w", encoding="utf-8") as f:
        f.write(body)
EOF
}

# notify_example NAME: builds examples/NAME.rs, posts SDK-signed notifications
# to it and checks what it acknowledged and printed.
notify_example() {
  local name="$1" pkg_args=()
  if [ -f "$root/examples/$name.rs" ]; then
    pkg_args=()
  elif [ -f "$root/crates/alipay-ams-notify/examples/$name.rs" ]; then
    pkg_args=(-p alipay-ams-notify)
  else
    say "examples/$name.rs does not exist (yet)"
    return 1
  fi
  say "cargo build ${pkg_args[*]} --example $name"
  cargo build "${pkg_args[@]}" --example "$name" || return 1
  local bin="$root/target/debug/examples/$name"
  [ -x "$bin" ] || { say "$bin missing after build"; return 1; }
  local bodies="$work/$name-bodies"
  mkdir -p "$bodies" && notify_bodies "$bodies" || { say "could not write the notification bodies"; return 1; }
  local nport; nport=$(free_port)
  say "starting $name with NOTIFY_LISTEN=127.0.0.1:$nport NOTIFY_PATH=$NOTIFY_PATH"
  NOTIFY_LISTEN="127.0.0.1:$nport" NOTIFY_PATH="$NOTIFY_PATH" ALIPAY_CLIENT_ID="$CLIENT_ID" \
    ALIPAY_PUBLIC_KEY="$ALIPAY_PUB" start_bg "$work/$name.log" "$bin"
  wait_port "$nport" "$bg_pid" 30 || { cat "$work/$name.log"; return 1; }
  local url="http://127.0.0.1:$nport$NOTIFY_PATH" ok=0
  # post BODY [KEY [PATH [CLIENT_ID]]]: an SDK-signed POST; exit 0 iff acknowledged.
  post() {
    "$PY" "$here/sdk_notify.py" --url "$url" --path "${3:-$NOTIFY_PATH}" --client-id "${4:-$CLIENT_ID}" \
      --alipay-private-key "${2:-$ALIPAY_PRIV}" --body-file "$bodies/notify-$1.json" >>"$work/$name-posts.jsonl"
  }
  genuine() { # genuine BODY WHAT: must be acknowledged
    say "genuine $2 (signed with the Alipay key by the SDK): must be acknowledged"
    post "$1" || { say "  not acknowledged"; ok=1; }
  }
  forged() { # forged BODY WHAT KEY [PATH [CLIENT_ID]]: must NOT be acknowledged
    say "$2: must NOT be acknowledged"
    if post "$1" "$3" "${4:-}" "${5:-}"; then say "  acknowledged"; ok=1; fi
  }
  genuine capture "notifyCapture S"
  genuine capture-f "notifyCapture F with a raw UTF-8 resultMessage"
  genuine payment "notifyPayment PAYMENT_RESULT S"
  genuine pending "notifyPayment PAYMENT_PENDING (S, not final)"
  genuine refund "notifyRefund REFUND_RESULT SUCCESS"
  forged capture "notifyCapture signed with the merchant's key" "$MERCHANT_PRIV"
  forged capture "notifyCapture signed for another path" "$ALIPAY_PRIV" /other/notify
  forged payment "notifyPayment signed with the merchant's key" "$MERCHANT_PRIV"
  forged pending "notifyPayment PAYMENT_PENDING signed for another path" "$ALIPAY_PRIV" /other/notify
  forged refund "notifyRefund signed with the merchant's key" "$MERCHANT_PRIV"
  forged refund "notifyRefund signed for another client id" "$ALIPAY_PRIV" "$NOTIFY_PATH" SANDBOX_5X00000000000001
  say "$name output:"; sed 's/^/  | /' "$work/$name.log"
  # stdout carries one JSON line per processed notification (logs are on
  # stderr, in the same file here): the five genuine ones, in order, nothing else.
  "$PY" - "$work/$name.log" "$bodies" <<'EOF' || ok=1
import json, os, sys
lines = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8") if l.startswith("{")]
body = lambda n: json.load(open(os.path.join(sys.argv[2], "notify-%s.json" % n), encoding="utf-8"))
want = ["capture", "capture-f", "payment", "pending", "refund"]
bad = 0
for i, n in enumerate(want):
    b, e = body(n), (lines[i] if i < len(lines) else None)
    good = e is not None and list(e)[:3] == ["kind", "dedupKey", "paymentId"] \
        and e["kind"] == b["notifyType"] and e["dedupKey"].startswith(b["notifyType"] + ":") \
        and e["paymentId"] == b.get("paymentId") \
        and all(e.get(k) == b[k] for k in ("captureId", "refundId") if k in b)
    print("  %s %s printed: %s" % ("ok  " if good else "FAIL", n, json.dumps(e)))
    bad += not good
keys = [e["dedupKey"] for e in lines]
if len(set(keys)) != len(keys):
    print("  FAIL two notifications share a dedup key: %s" % keys); bad += 1
else:
    print("  ok   every dedup key distinct (PAYMENT_RESULT and PAYMENT_PENDING of one payment too)")
if len(lines) != len(want):
    print("  FAIL expected %d processed-notification lines, got %d" % (len(want), len(lines))); bad += 1
sys.exit(1 if bad else 0)
EOF
  return $ok
}
if ! wanted notify; then say "skipped (not selected)"; elif notify_example axum_notify; then pass "notify"; else fail "notify"; fi

step "8b notify-hyper: the same notifications to the hyper_notify example"
if ! wanted notify-hyper; then say "skipped (not selected)"; elif notify_example hyper_notify; then pass "notify-hyper"; else fail "notify-hyper"; fi

say ""
say "=== interop summary (official SDK global-open-sdk-python 1.7.1) ==="
for r in "${results[@]}"; do say "$r"; done
exit $failed
