#!/usr/bin/env bash
# Performance report: our signing, verification, notify endpoint and client
# figures next to `openssl speed rsa2048` measured in the same run on the same
# machine, as one markdown table.
#
#   scripts/perf-report.sh             # openssl + criterion benches + both load tools
#   scripts/perf-report.sh --no-load   # openssl + criterion benches only
#
# Environment: OPENSSL_SECONDS (default 3), LOAD_NOTIFY_COUNT (default 200000),
# LOAD_CAPTURE_COUNT (default 20000).
#
# Measure on a quiet machine: the script warns when other compilers are running.
# openssl runs twice (before and after our measurements); the ratios use the
# mean of the two, and both runs are printed so drift is visible.
set -euo pipefail
cd "$(dirname "$0")/.."

LOAD=1
for arg in "$@"; do
    case "$arg" in
        --no-load) LOAD=0 ;;
        -h | --help) sed -n '2,16p' "$0"; exit 0 ;;
        *) echo "perf-report.sh: unknown argument $arg (try --help)" >&2; exit 2 ;;
    esac
done
OPENSSL_SECONDS="${OPENSSL_SECONDS:-3}"
NOTIFY_COUNT="${LOAD_NOTIFY_COUNT:-200000}"
CAPTURE_COUNT="${LOAD_CAPTURE_COUNT:-20000}"
for tool in openssl cargo jq; do
    command -v "$tool" >/dev/null || { echo "perf-report.sh: needs $tool" >&2; exit 2; }
done

log() { echo "perf-report.sh: $*" >&2; }

busy=$(ps -eo comm= | grep -cE '^(rustc|cc1|cc1plus|ld|cargo-fuzz|build-script)' || true)
if [ "$busy" -gt 0 ]; then
    log "WARNING: $busy compiler/fuzzer processes are running; figures will be low"
fi

# openssl speed: "rsa 2048 bits 0.000950s 0.000027s   1053.1  36681.4"
openssl_rates() {
    openssl speed -seconds "$OPENSSL_SECONDS" rsa2048 2>/dev/null |
        awk '/^rsa 2048 bits/ { print $(NF-1), $NF }'
}

log "building (not timed)"
cargo bench -p alipay-ams-core --features rust-crypto --bench signature --no-run >&2
if [ "$LOAD" = 1 ]; then
    cargo build --release --example load_notify --example load_capture >&2
fi

log "openssl speed -seconds $OPENSSL_SECONDS rsa2048 (1 of 2)"
read -r SSL_SIGN_1 SSL_VERIFY_1 < <(openssl_rates)

log "cargo bench -p alipay-ams-core --features rust-crypto --bench signature"
cargo bench -p alipay-ams-core --features rust-crypto --bench signature >&2

mean_ns() {
    local file="target/criterion/$1/new/estimates.json"
    [ -f "$file" ] || { log "missing $file"; echo 0; return; }
    jq '.mean.point_estimate' "$file"
}
SIGN_AWS=$(mean_ns sign/aws-lc-rs)
VERIFY_AWS=$(mean_ns verify/aws-lc-rs)
SIGN_RC=$(mean_ns sign/rust-crypto)
VERIFY_RC=$(mean_ns verify/rust-crypto)

NOTIFY_LINE=""
CAPTURE_LINE=""
if [ "$LOAD" = 1 ]; then
    log "load_notify $NOTIFY_COUNT"
    out=$(target/release/examples/load_notify "$NOTIFY_COUNT") || log "load_notify FAILED (see above)"
    echo "$out" >&2
    NOTIFY_LINE=$(echo "$out" | grep '^RESULT load_notify' || true)
    log "load_capture $CAPTURE_COUNT"
    out=$(target/release/examples/load_capture "$CAPTURE_COUNT") || log "load_capture FAILED (see above)"
    echo "$out" >&2
    CAPTURE_LINE=$(echo "$out" | grep '^RESULT load_capture' || true)
fi

log "openssl speed -seconds $OPENSSL_SECONDS rsa2048 (2 of 2)"
read -r SSL_SIGN_2 SSL_VERIFY_2 < <(openssl_rates)

field() { # field NAME LINE
    echo "$2" | tr ' ' '\n' | sed -n "s/^$1=//p"
}

awk -v s1="$SSL_SIGN_1" -v s2="$SSL_SIGN_2" -v v1="$SSL_VERIFY_1" -v v2="$SSL_VERIFY_2" \
    -v sa="$SIGN_AWS" -v va="$VERIFY_AWS" -v sr="$SIGN_RC" -v vr="$VERIFY_RC" \
    -v nps="$(field per_sec "$NOTIFY_LINE")" -v np50="$(field p50_us "$NOTIFY_LINE")" \
    -v np99="$(field p99_us "$NOTIFY_LINE")" -v nhwm="$(field hwm_kib "$NOTIFY_LINE")" \
    -v nwarm="$(field rss_warm_kib "$NOTIFY_LINE")" -v nend="$(field rss_end_kib "$NOTIFY_LINE")" \
    -v ncount="$(field count "$NOTIFY_LINE")" \
    -v cps="$(field per_sec "$CAPTURE_LINE")" -v cp50="$(field p50_us "$CAPTURE_LINE")" \
    -v cp99="$(field p99_us "$CAPTURE_LINE")" -v ccount="$(field count "$CAPTURE_LINE")" \
    -v cpus="$(nproc)" -v model="$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)" '
function ops(ns) { return ns > 0 ? 1e9 / ns : 0 }
BEGIN {
    ssl_sign = (s1 + s2) / 2; ssl_verify = (v1 + v2) / 2
    printf "\nMachine: %s, %d cores. openssl speed rsa2048 (single core): sign %.0f/s, verify %.0f/s (runs: %.0f and %.0f / %.0f and %.0f)\n\n", model, cpus, ssl_sign, ssl_verify, s1, s2, v1, v2
    print "| measurement | ops/s | ratio | compared with |"
    print "|---|---:|---:|---|"
    printf "| openssl speed rsa2048 sign (1 core) | %.0f | 1.00 | itself |\n", ssl_sign
    printf "| openssl speed rsa2048 verify (1 core) | %.0f | 1.00 | itself |\n", ssl_verify
    printf "| sign/aws-lc-rs (criterion, 1 core) | %.0f | %.2f | openssl sign |\n", ops(sa), ops(sa) / ssl_sign
    printf "| verify/aws-lc-rs (criterion, 1 core) | %.0f | %.2f | openssl verify |\n", ops(va), ops(va) / ssl_verify
    printf "| sign/rust-crypto (criterion, 1 core) | %.0f | %.2f | openssl sign |\n", ops(sr), ops(sr) / ssl_sign
    printf "| verify/rust-crypto (criterion, 1 core) | %.0f | %.2f | openssl verify |\n", ops(vr), ops(vr) / ssl_verify
    if (nps != "") printf "| notify endpoint: verified notifications/s (axum, 32 keep-alive conns, %d notifications; p50 %.2f ms, p99 %.2f ms; RSS %.1f MiB after warm-up, %.1f MiB at the end, peak %.1f MiB) | %.0f | %.2f | openssl verify |\n", ncount, np50 / 1000, np99 / 1000, nwarm / 1024, nend / 1024, nhwm / 1024, nps, nps / ssl_verify
    if (cps != "") printf "| client: captures/s against the in-process sandbox (64 tasks, %d captures; p50 %.2f ms, p99 %.2f ms) | %.0f | %.2f | openssl sign |\n", ccount, cp50 / 1000, cp99 / 1000, cps, cps / ssl_sign
}'
