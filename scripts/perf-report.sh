#!/usr/bin/env bash
# Performance report: our signing, verification, notify endpoint and client
# figures next to `openssl speed rsa2048` measured in the same run on the same
# machine, as one markdown table.
#
#   scripts/perf-report.sh                # openssl + criterion benches + both load tools
#   scripts/perf-report.sh --no-load      # openssl + criterion benches only
#   scripts/perf-report.sh --instructions # also: instructions per call under callgrind
#
# Environment: OPENSSL_SECONDS (default 3), LOAD_NOTIFY_COUNT (default 200000),
# LOAD_CAPTURE_COUNT (default 20000).
#
# Measure on a quiet machine: the script warns when other compilers are running.
# openssl runs twice (before and after our measurements); the ratios use the
# mean of the two, and both runs are printed so drift is visible.
#
# --instructions (needs valgrind, a C compiler and the OpenSSL headers) adds a
# second table that load does not move: instructions per sign/verify of each
# backend and of the OpenSSL call `openssl speed rsa2048` times, counted by
# valgrind --tool=callgrind. valgrind's CPU model hides SHA-NI and AVX-512, so
# these are not native counts, but both sides run under the same model.
set -euo pipefail
cd "$(dirname "$0")/.."

LOAD=1
INSTRUCTIONS=0
for arg in "$@"; do
    case "$arg" in
        --no-load) LOAD=0 ;;
        --instructions) INSTRUCTIONS=1 ;;
        -h | --help) sed -n '2,22p' "$0"; exit 0 ;;
        *) echo "perf-report.sh: unknown argument $arg (try --help)" >&2; exit 2 ;;
    esac
done
OPENSSL_SECONDS="${OPENSSL_SECONDS:-3}"
NOTIFY_COUNT="${LOAD_NOTIFY_COUNT:-200000}"
CAPTURE_COUNT="${LOAD_CAPTURE_COUNT:-20000}"
TOOLS="openssl cargo jq"
[ "$INSTRUCTIONS" = 1 ] && TOOLS="$TOOLS valgrind cc"
for tool in $TOOLS; do
    command -v "$tool" >/dev/null || { echo "perf-report.sh: needs $tool" >&2; exit 2; }
done

log() { echo "perf-report.sh: $*" >&2; }

busy=$(ps -eo comm= | grep -cE '^(rustc|cc1|cc1plus|ld|cargo-fuzz|build-script)' || true)
if [ "$busy" -gt 0 ]; then
    log "WARNING: $busy compiler/fuzzer processes are running; figures will be low"
fi

# openssl speed: "rsa 2048 bits 0.000950s 0.000027s   1053.1  36681.4"
# -elapsed: divide by wall-clock time, as criterion does. Without it openssl
# divides by its CPU user time, which other processes on the cores do not
# lengthen, so under load openssl looked faster than it was next to criterion.
openssl_rates() {
    openssl speed -elapsed -seconds "$OPENSSL_SECONDS" rsa2048 2>/dev/null |
        awk '/^rsa 2048 bits/ { print $(NF-1), $NF }'
}

# What `openssl speed rsa2048` times (OpenSSL 3 apps/speed.c): one EVP_PKEY_CTX
# set up once, then EVP_PKEY_sign / EVP_PKEY_verify over 36 raw bytes with
# PKCS#1 v1.5 padding and no digest. Usage: openssl_op sign|verify KEY.pem COUNT
OPENSSL_OP_C='
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
int main(int argc, char **argv) {
    if (argc != 4) return 2;
    int verify = strcmp(argv[1], "verify") == 0;
    long count = atol(argv[3]);
    FILE *f = fopen(argv[2], "r");
    EVP_PKEY *key = f ? PEM_read_PrivateKey(f, NULL, NULL, NULL) : NULL;
    if (key == NULL) return 3;
    unsigned char buf[36] = {1, 2, 3}, sig[1024];
    size_t siglen = sizeof sig;
    EVP_PKEY_CTX *s = EVP_PKEY_CTX_new(key, NULL);
    if (EVP_PKEY_sign_init(s) <= 0 || EVP_PKEY_sign(s, sig, &siglen, buf, 36) <= 0) return 4;
    EVP_PKEY_CTX *v = EVP_PKEY_CTX_new(key, NULL);
    if (EVP_PKEY_verify_init(v) <= 0) return 5;
    for (long i = 0; i < count; i++) {
        size_t len = sizeof sig;
        int ok = verify ? EVP_PKEY_verify(v, sig, siglen, buf, 36) == 1
                        : EVP_PKEY_sign(s, sig, &len, buf, 36) == 1;
        if (!ok) return 6;
    }
    return 0;
}'

callgrind_ir() { # callgrind_ir COMMAND...: instructions the whole process executed
    valgrind --tool=callgrind --callgrind-out-file=/dev/null "$@" 2>&1 |
        sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}

# per_call N COMMAND...: instructions per call of a command whose last argument
# is a repeat count. Start-up and key parsing cancel out of (Ir(N) - Ir(0)) / N.
per_call() {
    local n=$1; shift
    local zero many
    zero=$(callgrind_ir "$@" 0)
    many=$(callgrind_ir "$@" "$n")
    if [ -z "$zero" ] || [ -z "$many" ]; then log "callgrind failed on: $*"; echo 0; return; fi
    echo $(((many - zero) / n))
}

instructions_table() {
    local dir key bin
    dir=$(mktemp -d)
    key=keys-example/merchant/private_key.pem
    printf '%s\n' "$OPENSSL_OP_C" >"$dir/openssl_op.c"
    if ! cc -O2 -o "$dir/openssl_op" "$dir/openssl_op.c" -lcrypto >&2; then
        log "could not build the OpenSSL driver (install the OpenSSL headers, e.g. libssl-dev)"
        rm -rf "$dir"; return
    fi
    bin=$(cargo bench -p alipay-ams-core --features rust-crypto --bench instructions --no-run \
        --message-format=json 2>/dev/null |
        jq -r 'select(.reason == "compiler-artifact" and .target.name == "instructions") | .executable')
    log "callgrind: instructions per call (this takes about a minute)"
    local ssl_sign ssl_verify sa va sr vr
    ssl_verify=$(per_call 200 "$dir/openssl_op" verify "$key")
    ssl_sign=$(per_call 10 "$dir/openssl_op" sign "$key")
    va=$(per_call 200 "$bin" verify aws-lc-rs)
    sa=$(per_call 10 "$bin" sign aws-lc-rs)
    vr=$(per_call 50 "$bin" verify rust-crypto)
    sr=$(per_call 4 "$bin" sign rust-crypto)
    rm -rf "$dir"
    awk -v ss="$ssl_sign" -v sv="$ssl_verify" -v sa="$sa" -v va="$va" -v sr="$sr" -v vr="$vr" '
function ratio(theirs, ours) { return ours > 0 ? theirs / ours : 0 }
BEGIN {
    print "\nInstructions per call under valgrind --tool=callgrind (repeatable under load; valgrind hides SHA-NI and AVX-512, so not native counts). ratio = openssl instructions / ours: the ops/s ratio these counts predict at equal instructions per cycle.\n"
    print "| measurement | instructions per call | ratio | compared with |"
    print "|---|---:|---:|---|"
    printf "| openssl EVP_PKEY_sign (what `openssl speed rsa2048` times) | %d | 1.00 | itself |\n", ss
    printf "| openssl EVP_PKEY_verify (what `openssl speed rsa2048` times) | %d | 1.00 | itself |\n", sv
    printf "| sign/aws-lc-rs | %d | %.2f | openssl sign |\n", sa, ratio(ss, sa)
    printf "| verify/aws-lc-rs | %d | %.2f | openssl verify |\n", va, ratio(sv, va)
    printf "| sign/rust-crypto | %d | %.2f | openssl sign |\n", sr, ratio(ss, sr)
    printf "| verify/rust-crypto | %d | %.2f | openssl verify |\n", vr, ratio(sv, vr)
}'
}

log "building (not timed)"
cargo bench -p alipay-ams-core --features rust-crypto --bench signature --no-run >&2
if [ "$LOAD" = 1 ]; then
    cargo build --release --example load_notify --example load_capture >&2
fi

log "openssl speed -elapsed -seconds $OPENSSL_SECONDS rsa2048 (1 of 2)"
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
FLOOR_LINE=""
CAPTURE_LINE=""
if [ "$LOAD" = 1 ]; then
    log "load_notify $NOTIFY_COUNT"
    out=$(target/release/examples/load_notify "$NOTIFY_COUNT") || log "load_notify FAILED (see above)"
    echo "$out" >&2
    NOTIFY_LINE=$(echo "$out" | grep '^RESULT load_notify' || true)
    # The floor of the same loop: a handler that only verifies the signature.
    log "load_notify $NOTIFY_COUNT with LOAD_ENDPOINT=verify-only (the floor)"
    out=$(LOAD_ENDPOINT=verify-only target/release/examples/load_notify "$NOTIFY_COUNT") || log "load_notify verify-only FAILED (see above)"
    echo "$out" >&2
    FLOOR_LINE=$(echo "$out" | grep '^RESULT load_notify' || true)
    log "load_capture $CAPTURE_COUNT"
    out=$(target/release/examples/load_capture "$CAPTURE_COUNT") || log "load_capture FAILED (see above)"
    echo "$out" >&2
    CAPTURE_LINE=$(echo "$out" | grep '^RESULT load_capture' || true)
fi

log "openssl speed -elapsed -seconds $OPENSSL_SECONDS rsa2048 (2 of 2)"
read -r SSL_SIGN_2 SSL_VERIFY_2 < <(openssl_rates)

INSTRUCTIONS_TABLE=""
if [ "$INSTRUCTIONS" = 1 ]; then
    INSTRUCTIONS_TABLE=$(instructions_table)
fi

field() { # field NAME LINE
    echo "$2" | tr ' ' '\n' | sed -n "s/^$1=//p"
}

awk -v s1="$SSL_SIGN_1" -v s2="$SSL_SIGN_2" -v v1="$SSL_VERIFY_1" -v v2="$SSL_VERIFY_2" \
    -v sa="$SIGN_AWS" -v va="$VERIFY_AWS" -v sr="$SIGN_RC" -v vr="$VERIFY_RC" \
    -v nps="$(field per_sec "$NOTIFY_LINE")" -v np50="$(field p50_us "$NOTIFY_LINE")" \
    -v np99="$(field p99_us "$NOTIFY_LINE")" -v nhwm="$(field hwm_kib "$NOTIFY_LINE")" \
    -v nwarm="$(field rss_warm_kib "$NOTIFY_LINE")" -v nend="$(field rss_end_kib "$NOTIFY_LINE")" \
    -v ncount="$(field count "$NOTIFY_LINE")" \
    -v fps="$(field per_sec "$FLOOR_LINE")" \
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
    if (fps != "") printf "| the floor: the same loop with an axum handler that only verifies the signature (`LOAD_ENDPOINT=verify-only`: no JSON, no routing, no dedup) | %.0f | %.2f | openssl verify |\n", fps, fps / ssl_verify
    if (fps != "" && nps != "") printf "| notify endpoint / the floor: what the SDK around the verify costs | | %.2f | the floor |\n", nps / fps
    if (cps != "") printf "| client: captures/s against the in-process sandbox (64 tasks, %d captures; p50 %.2f ms, p99 %.2f ms) | %.0f | %.2f | openssl sign |\n", ccount, cp50 / 1000, cp99 / 1000, cps, cps / ssl_sign
}'
[ -z "$INSTRUCTIONS_TABLE" ] || echo "$INSTRUCTIONS_TABLE"
