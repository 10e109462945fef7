#!/usr/bin/env bash
# Replays every committed fuzz corpus, then fuzzes each target for a few
# seconds, on the stable toolchain (cargo-fuzz needs nightly flags, which
# RUSTC_BOOTSTRAP=1 unlocks on stable). Exits non-zero on any crash.
#
#   fuzz/replay.sh                  # replay + FUZZ_SECONDS (default 3) per target
#   FUZZ_SECONDS=0 fuzz/replay.sh   # replay only
#   FUZZ_RELEASE=1 fuzz/replay.sh   # optimized build (slower to build, faster to run)
#
# The default is an unoptimized build: it compiles in about half the time
# (aws-lc's C code dominates), which matters more for a replay than speed.
# Long campaigns use the optimized build:
#   RUSTC_BOOTSTRAP=1 cargo fuzz run -s none -a <target> fuzz/corpus/<target> -- -max_total_time=600
#
# Needs cargo-fuzz (`cargo install cargo-fuzz --locked`).
set -euo pipefail
cd "$(dirname "$0")"

if ! command -v cargo-fuzz >/dev/null 2>&1; then
    echo "replay.sh: cargo-fuzz is not installed; run: cargo install cargo-fuzz --locked" >&2
    exit 2
fi

export RUSTC_BOOTSTRAP=1
# No sanitizer: the code under test forbids `unsafe`, and without ASan the
# build is much faster. Debug assertions (-a) keep overflow checks on.
FLAGS=(-s none -a)
if [ "${FUZZ_RELEASE:-0}" != 1 ]; then
    FLAGS+=(--dev)
fi
SECONDS_PER_TARGET="${FUZZ_SECONDS:-3}"
TARGETS=(signature_header amount notification key_parsers)

start=$(date +%s)
cargo fuzz build "${FLAGS[@]}"
echo "replay.sh: built in $(( $(date +%s) - start ))s"

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

for target in "${TARGETS[@]}"; do
    mkdir -p "$scratch/$target/new" "$scratch/$target/artifacts"
    # The committed corpus is passed second so libFuzzer reads it but writes
    # any new inputs to the scratch directory, never into the repository.
    common=(-artifact_prefix="$scratch/$target/artifacts/" -max_len=4096)
    echo "replay.sh: $target: replaying $(ls "corpus/$target" | wc -l) inputs"
    if ! cargo fuzz run "${FLAGS[@]}" "$target" "$scratch/$target/new" "corpus/$target" -- -runs=0 "${common[@]}" \
        >"$scratch/$target/replay.log" 2>&1; then
        cat "$scratch/$target/replay.log" >&2
        echo "replay.sh: $target: CRASH while replaying the corpus (input in the log above)" >&2
        exit 1
    fi
    if [ "$SECONDS_PER_TARGET" -gt 0 ]; then
        if ! cargo fuzz run "${FLAGS[@]}" "$target" "$scratch/$target/new" "corpus/$target" -- \
            -max_total_time="$SECONDS_PER_TARGET" "${common[@]}" >"$scratch/$target/fuzz.log" 2>&1; then
            cat "$scratch/$target/fuzz.log" >&2
            for crash in "$scratch/$target/artifacts"/*; do
                [ -e "$crash" ] && { echo "replay.sh: $target: crashing input (base64):" >&2; base64 -w0 "$crash" >&2; echo >&2; }
            done
            echo "replay.sh: $target: CRASH while fuzzing" >&2
            exit 1
        fi
        grep -E '^Done [0-9]+ runs' "$scratch/$target/fuzz.log" | sed "s/^/replay.sh: $target: /" || true
    fi
done
echo "replay.sh: all targets clean in $(( $(date +%s) - start ))s"
