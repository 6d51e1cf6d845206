#!/usr/bin/env bash
# Builds every fuzz target and runs each for a bounded time, one after another.
#
#   .ci/fuzz.sh [SECONDS_PER_TARGET]   CI smoke run, default 60 s a target; stops a target at its
#                                      first crash
#   .ci/fuzz.sh --campaign HOURS       long run, HOURS (may be fractional) a target; keeps going
#                                      after a crash (libFuzzer fork mode) to collect several
#
# Seeds come from corpus/ (copied into fuzz/corpus/<target>/, which is not committed and grows
# across runs). Exits non-zero if any target crashed, hung or ran out of memory; the inputs are
# in fuzz/artifacts/<target>/. Keep a crash as a regression file under corpus/regression/ with the
# fuzzer's file name.
#
# Set FUZZ_TARGETS="jpeg_decode png_decode" to run a subset, FUZZ_TARGET_DIR to build elsewhere
# than fuzz/target (a CI cache). The `events` target links the
# Lambda crate and the AWS SDK, which makes its first instrumented build several minutes longer.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
FUZZ="$ROOT/fuzz"
CORPUS="$ROOT/corpus"
ALL_TARGETS="jpeg_decode png_decode pipeline streamed_equals_whole events"
TARGETS="${FUZZ_TARGETS:-$ALL_TARGETS}"

campaign=0
seconds=60
case "${1:-}" in
  --campaign)
    campaign=1
    seconds="$(awk -v h="${2:?--campaign needs HOURS}" 'BEGIN { printf "%d", h * 3600 }')"
    ;;
  "") ;;
  *[!0-9]*)
    echo "usage: $0 [SECONDS_PER_TARGET] | --campaign HOURS" >&2
    exit 2
    ;;
  *) seconds="$1" ;;
esac

# cargo-fuzz writes into fuzz/target; a workspace-wide CARGO_TARGET_DIR would mix sanitizer builds
# with normal ones.
unset CARGO_TARGET_DIR
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_odr_violation=0}"
if cargo +nightly --version >/dev/null 2>&1; then
  fuzz=(cargo +nightly fuzz)
else
  # The sanitizer flags need nightly features; stable can be told to allow them.
  export RUSTC_BOOTSTRAP=1
  fuzz=(cargo fuzz)
fi
if ! cargo fuzz --version >/dev/null 2>&1; then
  cargo install --locked cargo-fuzz
fi

features=()
case " $TARGETS " in *" events "*) features=(--features lambda) ;; esac

cd "$FUZZ"
started=$(date +%s)
target_dir="${FUZZ_TARGET_DIR:-$FUZZ/target}"
"${fuzz[@]}" build --target-dir "$target_dir" "${features[@]}"
echo "build: $(($(date +%s) - started)) s"
# The targets run from these binaries, not through `cargo fuzz run`, which would rebuild before
# each target whenever the engine's sources changed meanwhile (and fuzz a different engine).
bin_dir="$target_dir/$(rustc -vV | sed -n 's/^host: //p')/release"

# Seeds. The options-first targets get the image after a fixed prefix of option bytes, so the
# image part of each seed is whole: pipeline reads 1 byte (variant count, EXIF policy) and 5 per
# variant; streamed_equals_whole 1 byte (count of chunk sizes) and that many sizes.
seed() {
  local target="$1" prefix="$2"
  shift 2
  mkdir -p "corpus/$target"
  local f
  for f in "$@"; do
    [ -f "$f" ] || continue
    # Large files only slow the fuzzer: over 1 MP it skips them after the header anyway.
    [ "$(stat -c %s "$f")" -le 262144 ] || continue
    { printf '%b' "$prefix"; cat "$f"; } >"corpus/$target/seed-$(basename "$(dirname "$f")")-$(basename "$f")"
  done
}
shopt -s nullglob
jpegs=("$CORPUS"/*/*.jpg "$CORPUS"/*/*.jpeg)
pngs=("$CORPUS"/*/*.png)
seed jpeg_decode "" "${jpegs[@]}"
seed png_decode "" "${pngs[@]}"
seed pipeline '\x00\x02\x40\x00\x50\x4f' "${jpegs[@]}" "${pngs[@]}"
seed streamed_equals_whole '\x03\x01\x07\xff\x40' "${jpegs[@]}" "${pngs[@]}"
seed events "" "$ROOT"/lambda/tests/events/*.json

artifacts_before="$(mktemp)"
trap 'rm -f "$artifacts_before"' EXIT
find artifacts -type f 2>/dev/null | sort >"$artifacts_before" || true

failed=()
summary=()
total_execs=0
total_seconds=0
total_corpus=0
total_finds=0
for target in $TARGETS; do
  args=(-max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=262144
    -print_final_stats=1)
  [ "$target" = events ] || args+=(-dict="$FUZZ/dict/image.dict")
  if [ "$campaign" = 1 ]; then
    args+=(-fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1)
  fi
  log="$target_dir/fuzz-$target.log"
  echo "== $target: ${seconds} s"
  status=0
  mkdir -p "artifacts/$target"
  target_started=$(date +%s)
  "$bin_dir/$target" -artifact_prefix="$FUZZ/artifacts/$target/" "${args[@]}" "corpus/$target" \
    >"$log" 2>&1 || status=$?
  elapsed=$(($(date +%s) - target_started))
  # The last status line: "#N<tab>DONE cov: C ft: F corp: ..." (fork mode: "#N: cov: C ...",
  # printed after each job, so it lags the end by one job's finds).
  last="$(grep -E '^#[0-9]+:?[[:space:]].*cov: ' "$log" | tail -1 || true)"
  field() { echo "$last" | grep -oE "$1: [0-9]+" | awk '{print $2}' || true; }
  # Only a single-process run prints final stats; in fork mode the parent's "#N" is the sum
  # over its jobs.
  execs="$(grep -oE '^stat::number_of_executed_units: [0-9]+' "$log" | awk '{print $2}' | tail -1 || true)"
  [ -n "$execs" ] || execs="$(echo "$last" | grep -oE '^#[0-9]+' | tr -d '#' || true)"
  cov="$(field cov)"
  ft="$(field ft)"
  # Files on disk rather than libFuzzer's "corp:", which in fork mode is the count before the
  # last merge.
  corpus_files="$(find "corpus/$target" -type f | wc -l)"
  new_artifacts="$(find "artifacts/$target" -type f 2>/dev/null | sort | comm -13 "$artifacts_before" - || true)"
  count_finds() { echo "$new_artifacts" | grep -c "/$1-" || true; }
  finds="$(count_finds crash)/$(count_finds timeout)/$(count_finds oom)"
  rate=$(( ${execs:-0} / (elapsed > 0 ? elapsed : 1) ))
  line="$target: ${execs:-?} execs in ${elapsed} s (${rate}/s), cov ${cov:-?}, ft ${ft:-?},"
  line+=" corpus ${corpus_files} files, crash/timeout/oom ${finds}, status $status"
  summary+=("$line")
  echo "$line"
  total_execs=$((total_execs + ${execs:-0}))
  total_seconds=$((total_seconds + elapsed))
  total_corpus=$((total_corpus + corpus_files))
  [ -z "$new_artifacts" ] || total_finds=$((total_finds + $(echo "$new_artifacts" | wc -l)))
  if [ "$status" != 0 ] || [ -n "$new_artifacts" ]; then
    failed+=("$target")
    grep -E 'panicked at|ERROR: libFuzzer|SUMMARY' "$log" | head -5 || true
    echo "$new_artifacts"
    echo "log: $log"
  fi
done

echo
echo "fuzz summary (${seconds} s a target, $(($(date +%s) - started)) s in all):"
printf '  %s\n' "${summary[@]}"
echo "  total: $total_execs execs in $total_seconds s fuzzing, corpus $total_corpus files," \
  "$total_finds new artifacts"
if [ "${#failed[@]}" -gt 0 ]; then
  echo "FAILED: ${failed[*]}" >&2
  exit 1
fi
