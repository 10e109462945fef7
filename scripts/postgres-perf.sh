#!/usr/bin/env bash
# Throughput of the PostgreSQL inbox beside the engine's own limit, on one
# throwaway cluster in one run:
#
#   1. pgbench: a one-row INSERT transaction into a table shaped like
#      merchant_effects, at the same concurrency (-c CONNECTIONS, prepared);
#   2. load_notify against the postgres_notify example: every notification
#      distinct, signed up front, verified, recorded in the inbox, its effect
#      inserted in the inbox's transaction, acknowledged after the commit;
#   3. pgbench again (the ratio uses the mean of both runs);
#   4. pgbench running the inbox's own transaction, the same SQL the SDK
#      sends for one notification (BEGIN; SET LOCAL; the claim insert of
#      the notification's row; the merchant's insert; SELECT 1; COMMIT), with
#      no HTTP, no verification and no SDK: PostgreSQL's own rate for the
#      work each notification asks of it, the ceiling of any client;
#   5. exactly once: merchant_effects holds one row per acknowledged notification.
#
#   scripts/postgres-perf.sh               # 40,000 notifications, 32 connections
#   PERF_COUNT=100000 PERF_CONNECTIONS=64 scripts/postgres-perf.sh
#   PERF_PGBENCH=explicit scripts/postgres-perf.sh   # BEGIN; INSERT; COMMIT (3 round trips)
#   PERF_DURABLE=1 scripts/postgres-perf.sh          # fsync on: commits wait for the disk
#
# PERF_PGBENCH=single (default): the INSERT alone, one statement that is its
# own transaction, one round trip: the cheapest one-row insert transaction
# there is, so the harder baseline. The cluster is scripts/postgres.sh's:
# fsync off by default (commits cost CPU, not disk flushes, on both sides
# alike), PostgreSQL's durable defaults with PERF_DURABLE=1.
# Everything shares the machine's cores: the load generator, the endpoint,
# pgbench and PostgreSQL. Prints a markdown table.
set -euo pipefail
cd "$(dirname "$0")/.."

COUNT="${PERF_COUNT:-40000}"
CONNECTIONS="${PERF_CONNECTIONS:-32}"
PGBENCH_MODE="${PERF_PGBENCH:-single}"
log() { echo "postgres-perf.sh: $*" >&2; }
for tool in cargo pgbench psql python3; do
    command -v "$tool" >/dev/null || { log "needs $tool"; exit 2; }
done

log "building (release, not timed)"
cargo build --release --all-features --example postgres_notify --example load_notify >&2

DURABLE="${PERF_DURABLE:-0}"
eval "$(PG_DURABLE="$DURABLE" scripts/postgres.sh start)"
ENDPOINT_PID=""
cleanup() {
    [ -n "$ENDPOINT_PID" ] && kill "$ENDPOINT_PID" 2>/dev/null && wait "$ENDPOINT_PID" 2>/dev/null
    scripts/postgres.sh stop "$PG_TEST_DIR"
    rm -rf "$WORK"
}
WORK=$(mktemp -d)
trap cleanup EXIT
log "PostgreSQL on $DATABASE_URL"

psql -q "$DATABASE_URL" -c "CREATE TABLE pgbench_effects (dedup_key text NOT NULL, replica text NOT NULL, processed_at timestamptz NOT NULL DEFAULT now())"
case "$PGBENCH_MODE" in
    single) printf '%s\n' '\set k random(1, 1000000000)' \
        "INSERT INTO pgbench_effects (dedup_key, replica, processed_at) VALUES ('k' || :k, 'pgbench', now());" >"$WORK/insert.sql" ;;
    explicit) printf '%s\n' '\set k random(1, 1000000000)' 'BEGIN;' \
        "INSERT INTO pgbench_effects (dedup_key, replica, processed_at) VALUES ('k' || :k, 'pgbench', now());" 'COMMIT;' >"$WORK/insert.sql" ;;
    *) log "PERF_PGBENCH is single or explicit"; exit 2 ;;
esac

# pgbench_run N: tps, p50 and p99 in µs of a 10 s run (per-transaction log).
pgbench_run() {
    local dir="$WORK/pgbench$1"
    mkdir -p "$dir"
    (cd "$dir" && pgbench -n -M prepared -c "$CONNECTIONS" -j 2 -T 10 -f "$WORK/insert.sql" -l "$DATABASE_URL" >out.txt 2>&1) ||
        { cat "$dir/out.txt" >&2; log "pgbench failed"; exit 1; }
    local tps
    tps=$(sed -n 's/^tps = \([0-9.]*\).*/\1/p' "$dir/out.txt" | head -1)
    cat "$dir"/pgbench_log.* | awk '{ print $3 }' | sort -n >"$dir/latencies"
    python3 - "$tps" "$dir/latencies" <<'EOF'
import sys
tps, path = sys.argv[1], sys.argv[2]
lat = [int(x) for x in open(path) if x.strip()]
def pct(p): return lat[min(len(lat) - 1, max(0, -(-len(lat) * p // 100) - 1))]
print(tps, pct(50), pct(99))
EOF
}

log "pgbench (1 of 2): one-row insert ($PGBENCH_MODE), $CONNECTIONS connections, 10 s"
read -r TPS1 P50_1 P99_1 < <(pgbench_run 1)

PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
log "postgres_notify on 127.0.0.1:$PORT ($CONNECTIONS pooled connections)"
DATABASE_POOL_SIZE="$CONNECTIONS" NOTIFY_LISTEN="127.0.0.1:$PORT" REPLICA_NAME=perf RUST_LOG=warn \
    ALIPAY_PUBLIC_KEY=keys-example/alipay/public_key.pem target/release/examples/postgres_notify 2>"$WORK/endpoint.log" &
ENDPOINT_PID=$!
for _ in $(seq 200); do
    python3 -c "import socket; socket.create_connection(('127.0.0.1', $PORT), 0.2)" 2>/dev/null && break
    sleep 0.1
done

log "load_notify: $COUNT distinct notifications over $CONNECTIONS keep-alive connections"
OUT=$(LOAD_TARGET="127.0.0.1:$PORT" LOAD_CONNECTIONS="$CONNECTIONS" LOAD_POOL=$((COUNT + 2000)) \
    target/release/examples/load_notify "$COUNT") || { echo "$OUT" >&2; cat "$WORK/endpoint.log" >&2; log "load_notify failed"; exit 1; }
echo "$OUT" >&2
LINE=$(echo "$OUT" | grep '^RESULT load_notify')
field() { echo "$LINE" | tr ' ' '\n' | sed -n "s/^$1=//p"; }
NPS=$(field per_sec); NP50=$(field p50_us); NP99=$(field p99_us); NOK=$(field count)

log "pgbench (2 of 2)"
read -r TPS2 P50_2 P99_2 < <(pgbench_run 2)

# The inbox's transaction as crates/alipay-ams-postgres/src/inbox.rs sends it
# (Sql::new's claim, BEGIN, ALIVE: keep them in step), with a body and a
# signature of load_notify's sizes, into the tables the endpoint created.
SIG=$(python3 -c 'print("A" * 340 + "%3D%3D")')
BODY='{"notifyType":"CAPTURE_RESULT","result":{"resultCode":"SUCCESS","resultStatus":"S","resultMessage":"success."},"captureRequestId":"load-1","paymentId":"20261125194010890100110000000000001","captureId":"20261125194010890100110000000000001C","captureAmount":{"currency":"USD","value":"1001"},"captureTime":"2026-11-25T10:00:00+08:00"}'
{
    echo '\set k random(1, 1000000000000)'
    echo 'BEGIN;'
    echo "SET LOCAL alipay_ams.in_transaction = 'on';"
    echo "INSERT INTO alipay_inbox AS inbox (dedup_key, kind, notify_type, status, client_id, request_time, signature, signed_path, key_version, body, processed_at, processed_by) SELECT 'pgbench-' || (:k)::text, 'notifyCapture', 'CAPTURE_RESULT', 'processed', 'SANDBOX_5X00000000000000', '2026-11-30T10:00:00Z', '$SIG', '/alipay/notify', 1::bigint, convert_to('$BODY', 'UTF8'), now(), txid_current() WHERE current_setting('alipay_ams.in_transaction', true) = 'on' ON CONFLICT (dedup_key) DO UPDATE SET deliveries = inbox.deliveries + 1, last_delivery_at = now(), status = 'processed', processed_at = CASE WHEN inbox.status = 'processed' THEN inbox.processed_at ELSE now() END, processed_by = CASE WHEN inbox.status = 'processed' THEN inbox.processed_by ELSE txid_current() END RETURNING processed_by = txid_current();"
    echo "INSERT INTO merchant_effects (dedup_key, replica, processed_at) VALUES ('pgbench-' || (:k)::text, 'pgbench', now());"
    echo 'SELECT 1;'
    echo 'COMMIT;'
} >"$WORK/inbox.sql"
log "pgbench running the inbox's own transaction, $CONNECTIONS connections, 10 s"
(cd "$WORK" && pgbench -n -M prepared -c "$CONNECTIONS" -j 2 -T 10 -f "$WORK/inbox.sql" "$DATABASE_URL" >"$WORK/inbox-out.txt" 2>&1) ||
    { cat "$WORK/inbox-out.txt" >&2; log "pgbench (the inbox's transaction) failed"; exit 1; }
TPS_INBOX=$(sed -n 's/^tps = \([0-9.]*\).*/\1/p' "$WORK/inbox-out.txt" | head -1)

read -r ROWS DISTINCT INBOX < <(psql -qtA -F ' ' "$DATABASE_URL" -c \
    "SELECT (SELECT count(*) FROM merchant_effects WHERE replica <> 'pgbench'), (SELECT count(DISTINCT dedup_key) FROM merchant_effects WHERE replica <> 'pgbench'), (SELECT count(*) FROM alipay_inbox WHERE status = 'processed' AND dedup_key NOT LIKE 'pgbench-%')")
EXPECTED=$((NOK + 2000))

python3 - "$TPS1" "$TPS2" "$P50_1" "$P50_2" "$P99_1" "$P99_2" "$NPS" "$NP50" "$NP99" "$NOK" "$ROWS" "$DISTINCT" "$INBOX" "$EXPECTED" "$CONNECTIONS" "$PGBENCH_MODE" "$(nproc)" "$DURABLE" "$TPS_INBOX" <<'EOF'
import sys
(t1, t2, a50, b50, a99, b99, nps, n50, n99, nok, rows, distinct, inbox, expected, conns, mode, cpus, durable, tinbox) = sys.argv[1:]
t = (float(t1) + float(t2)) / 2
nps = float(nps)
once = rows == distinct == inbox == expected
stmt = "INSERT (its own transaction)" if mode == "single" else "BEGIN; INSERT; COMMIT"
fsync = "fsync on, PostgreSQL's defaults" if durable == "1" else "fsync off"
print(f"\n{cpus} cores, one PostgreSQL ({fsync}), {conns} connections on each side.\n")
print("| measurement | per second | p50 | p99 | ratio |")
print("|---|---:|---:|---:|---:|")
print(f"| pgbench, one-row `{stmt}` (mean of 2 runs: {float(t1):.0f}, {float(t2):.0f}) | {t:.0f} | {(int(a50) + int(b50)) / 2000:.2f} ms | {(int(a99) + int(b99)) / 2000:.2f} ms | 1.00 |")
print(f"| postgres_notify via load_notify: verified, recorded, effect inserted, committed, acknowledged ({nok} notifications) | {nps:.0f} | {int(n50) / 1000:.2f} ms | {int(n99) / 1000:.2f} ms | {nps / t:.2f} |")
print(f"| pgbench running the inbox's own transaction (the SQL the SDK sends per notification; no HTTP, no verify, no SDK) | {float(tinbox):.0f} | | | {float(tinbox) / t:.2f} |")
print(f"\npostgres_notify / pgbench running the inbox's own transaction: {nps / float(tinbox):.2f}")
print(f"\nexactly once: {rows} effect rows, {distinct} distinct keys, {inbox} processed in the inbox, {expected} notifications acknowledged (warm-up included): {'OK' if once else 'MISMATCH'}")
sys.exit(0 if once else 1)
EOF
