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
#   4. exactly once: merchant_effects holds one row per acknowledged notification.
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

read -r ROWS DISTINCT INBOX < <(psql -qtA -F ' ' "$DATABASE_URL" -c \
    "SELECT (SELECT count(*) FROM merchant_effects), (SELECT count(DISTINCT dedup_key) FROM merchant_effects), (SELECT count(*) FROM alipay_inbox WHERE status = 'processed')")
EXPECTED=$((NOK + 2000))

python3 - "$TPS1" "$TPS2" "$P50_1" "$P50_2" "$P99_1" "$P99_2" "$NPS" "$NP50" "$NP99" "$NOK" "$ROWS" "$DISTINCT" "$INBOX" "$EXPECTED" "$CONNECTIONS" "$PGBENCH_MODE" "$(nproc)" "$DURABLE" <<'EOF'
import sys
(t1, t2, a50, b50, a99, b99, nps, n50, n99, nok, rows, distinct, inbox, expected, conns, mode, cpus, durable) = sys.argv[1:]
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
print(f"\nexactly once: {rows} effect rows, {distinct} distinct keys, {inbox} processed in the inbox, {expected} notifications acknowledged (warm-up included): {'OK' if once else 'MISMATCH'}")
sys.exit(0 if once else 1)
EOF
