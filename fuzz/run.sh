#!/usr/bin/env bash
# Runs a real libFuzzer session on one target.
#   fuzz/run.sh TARGET MINUTES      TARGET: marker_parser, exif, icc, optimize, ...
# Builds build/fuzz with clang-14 (-fsanitize=fuzzer,address,undefined) when needed, fuzzes with a
# corpus kept outside git ($JPEGOPT_FUZZ_DIR, default ~/.cache/jpegopt-fuzz/TARGET/corpus) seeded
# from fuzz/seeds/TARGET, then merges the corpus down to the inputs that add coverage. Crashing
# inputs land in .../TARGET/artifacts/; add each to fuzz/seeds/TARGET/ once fixed.
# Extra arguments after MINUTES go to libFuzzer (e.g. -jobs=1 -dict=...).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
target="${1:?usage: fuzz/run.sh TARGET MINUTES [libFuzzer flags]}"
minutes="${2:?usage: fuzz/run.sh TARGET MINUTES [libFuzzer flags]}"
shift 2
[[ -d "$root/fuzz/seeds/$target" ]] || { echo "run.sh: no target '$target' (no fuzz/seeds/$target)" >&2; exit 2; }

build="$root/build/fuzz"
if [[ ! -f "$build/CMakeCache.txt" ]]; then
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_C_COMPILER=clang-14 -DCMAKE_CXX_COMPILER=clang++-14 \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo -DJPEGOPT_FUZZ=ON -DJPEGOPT_BUILD_TESTS=OFF \
    -DJPEGOPT_SANITIZE=address,undefined >/dev/null
fi
nice cmake --build "$build" -j "${JPEGOPT_FUZZ_BUILD_JOBS:-2}" --target "fuzz_$target"

work="${JPEGOPT_FUZZ_DIR:-$HOME/.cache/jpegopt-fuzz}/$target"
mkdir -p "$work/corpus" "$work/artifacts"
# JPEG targets: inputs much larger than the seeds only slow mutation down (limits refuse them).
max_len=()
case "$target" in marker_parser | optimize | reencode | png) max_len=(-max_len=65536) ;; esac

export ASAN_OPTIONS="abort_on_error=1:detect_leaks=1:allocator_may_return_null=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
status=0
nice -n 19 "$build/fuzz/fuzz_$target" "$work/corpus" "$root/fuzz/seeds/$target" \
  -max_total_time=$((minutes * 60)) -timeout=20 -rss_limit_mb=3072 -print_final_stats=1 \
  -artifact_prefix="$work/artifacts/" "${max_len[@]}" "$@" || status=$?

# Keep only the inputs that add coverage, for the next session.
rm -rf "$work/corpus.merged" && mkdir -p "$work/corpus.merged"
nice -n 19 "$build/fuzz/fuzz_$target" -merge=1 "$work/corpus.merged" "$work/corpus" "${max_len[@]}" \
  >/dev/null 2>&1 && rm -rf "$work/corpus" && mv "$work/corpus.merged" "$work/corpus"
echo "run.sh: $target: $(find "$work/corpus" -type f | wc -l) corpus inputs, $(find "$work/artifacts" -type f | wc -l) artifacts in $work/artifacts"
exit $status
