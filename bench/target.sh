#!/bin/sh
# Target size: jpegopt -S against ImageMagick's jpeg:extent and jpegoptim --size, side by side in
# one run, on the photos of a folder with at least MIN_MP megapixels, for 100KB, 200KB, 500KB and
# 1MB (1000-based). Writes one TSV row per file, target and tool to stdout; a summary to stderr.
#
#   bench/target.sh [FOLDER]            # default ../shared/corpus/photos
#   MIN_MP=8 MAX_FILES=6 TARGETS="100000 1000000" JPEGOPT=build/release/jpegopt bench/target.sh
#
# Commands (metadata stripped by all three so the bytes compare images):
#   jpegopt   jpegopt --strip all -S N -o OUT IN
#   convert   convert IN -strip -define jpeg:extent=N OUT
#   jpegoptim jpegoptim --strip-all --size=K --stdout IN > OUT   (K = N/1024 rounded down: its
#             unit is KiB, so it gets the largest whole KiB under the target)
# Columns: file megapixels target tool bytes fits ratio wall_s cpu_s trials quality width height
# (trials/quality from jpegopt's report; "-" where a tool does not say).
set -eu
folder=${1:-../shared/corpus/photos}
jpegopt=${JPEGOPT:-build/release/jpegopt}
min_mp=${MIN_MP:-8}
max_files=${MAX_FILES:-0}
targets=${TARGETS:-"100000 200000 500000 1000000"}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

timed() {  # timed OUTFILE CMD...: runs CMD, prints "wall cpu" (GNU time), stdout to OUTFILE
  out=$1; shift
  /usr/bin/time -f "%e %U %S" -o "$tmp/time" "$@" > "$out" 2> "$tmp/err" || true
  awk '{printf "%s %.2f", $1, $2 + $3}' "$tmp/time"
}

printf 'file\tmegapixels\ttarget\ttool\tbytes\tfits\tratio\twall_s\tcpu_s\ttrials\tquality\twidth\theight\n'
n=0
for f in "$folder"/*.jpg "$folder"/*.jpeg; do
  [ -f "$f" ] || continue
  dims=$(identify -format '%w %h' "$f[0]" 2>/dev/null || echo "0 0")
  mp=$(echo "$dims" | awk '{printf "%.1f", $1 * $2 / 1e6}')
  awk -v mp="$mp" -v min="$min_mp" 'BEGIN { exit !(mp >= min) }' || continue
  n=$((n + 1))
  [ "$max_files" -gt 0 ] && [ "$n" -gt "$max_files" ] && break
  name=$(basename "$f")
  echo "$name ($mp MP)" >&2
  for t in $targets; do
    row() {  # row TOOL OUTFILE "wall cpu" TRIALS QUALITY
      bytes=$(stat -c %s "$2" 2>/dev/null || echo 0)
      [ "$bytes" -gt 0 ] && djpeg "$2" > /dev/null 2>&1 || bytes=0
      fits=0; [ "$bytes" -gt 0 ] && [ "$bytes" -le "$t" ] && fits=1
      wh=$( [ "$bytes" -gt 0 ] && identify -format '%w\t%h' "$2" 2>/dev/null || printf -- '-\t-')
      set -- "$1" "$2" $3 "$4" "$5"
      printf '%s\t%s\t%s\t%s\t%s\t%s\t%.4f\t%s\t%s\t%s\t%s\t%s\n' "$name" "$mp" "$t" "$1" "$bytes" \
        "$fits" "$(echo "$bytes $t" | awk '{print $1 / $2}')" "$3" "$4" "$5" "$6" "$wh"
    }
    rm -f "$tmp"/out.*
    tm=$(timed "$tmp/report" "$jpegopt" --strip all -S "$t" -o "$tmp/out.jpegopt.jpg" "$f")
    trials=$(sed -n 's/.* \([0-9][0-9]*\) trial encodes.*/\1/p' "$tmp/report" | head -1)
    quality=$(sed -n 's/.*; quality \([0-9.]*\),.*/\1/p' "$tmp/report" | head -1)
    row jpegopt "$tmp/out.jpegopt.jpg" "$tm" "${trials:-0}" "${quality:--}"
    tm=$(timed /dev/null convert "$f" -strip -define "jpeg:extent=$t" "$tmp/out.convert.jpg")
    row convert "$tmp/out.convert.jpg" "$tm" - -
    tm=$(timed "$tmp/out.jpegoptim.jpg" jpegoptim --strip-all --size=$((t / 1024)) --stdout "$f")
    row jpegoptim "$tmp/out.jpegoptim.jpg" "$tm" - -
  done
done | tee "$tmp/rows.tsv"

# Summary per tool and target: share that fits, median output/target, mean trials, mean wall.
awk -F'\t' 'NR > 1 {
  k = $4 "\t" $3; n[k]++; fit[k] += $6; wall[k] += $8; tri[k] += ($10 == "-" ? 0 : $10)
  r[k, n[k]] = $7
} END {
  printf "tool\ttarget\tfiles\tfits\tmedian_ratio\tmean_trials\tmean_wall_s\n" > "/dev/stderr"
  for (k in n) {
    m = n[k]; for (i = 1; i <= m; i++) v[i] = r[k, i]
    for (i = 1; i <= m; i++) for (j = i + 1; j <= m; j++) if (v[j] < v[i]) { x = v[i]; v[i] = v[j]; v[j] = x }
    med = (m % 2) ? v[(m + 1) / 2] : (v[m / 2] + v[m / 2 + 1]) / 2
    printf "%s\t%d\t%d/%d\t%.3f\t%.1f\t%.2f\n", k, m, fit[k], m, med, tri[k] / m, wall[k] / m > "/dev/stderr"
  }
}' "$tmp/rows.tsv"
