#!/usr/bin/env bash
# Lossless JPEG optimizers side by side: output bytes, CPU time and peak memory per tool over a
# folder of JPEGs, plus a pixel check of every jpegopt output with djpeg.
#
# Usage: bench/lossless.sh [FOLDER]        (default: samples/)
#   JPEGOPT=path/to/jpegopt bench/lossless.sh ../shared/corpus/photos
# Needs: jpegtran and djpeg (libjpeg-turbo-progs), jpegoptim, GNU time (/usr/bin/time).
set -euo pipefail

dir=${1:-samples}
JPEGOPT=${JPEGOPT:-build/release/jpegopt}
TIME=${TIME_BIN:-/usr/bin/time}

die() {
  echo "lossless.sh: $*" >&2
  exit 2
}
[[ -d $dir ]] || die "no folder $dir"
[[ -x $JPEGOPT ]] || die "no jpegopt binary at $JPEGOPT (build it, or set JPEGOPT)"
[[ -x $TIME ]] || die "GNU time not found at $TIME (apt-get install time)"
for tool in jpegtran jpegoptim djpeg cmp; do
  command -v "$tool" > /dev/null || die "$tool not found"
done

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Tool names, in table order. The first one is the reference for every ratio.
tools=(jpegtran-progressive jpegtran-optimize jpegoptim jpegopt-fast jpegopt-default jpegopt-max)

# run TOOL IN OUT: writes OUT, appends "user sys maxrss" for the run to $tmp/time.
run() {
  local tool=$1 in=$2 out=$3
  case $tool in
    jpegtran-progressive)
      "$TIME" -f "%U %S %M" -o "$tmp/time" jpegtran -copy none -optimize -progressive \
        -outfile "$out" "$in" ;;
    jpegtran-optimize)
      "$TIME" -f "%U %S %M" -o "$tmp/time" jpegtran -copy none -optimize -outfile "$out" "$in" ;;
    jpegoptim)
      "$TIME" -f "%U %S %M" -o "$tmp/time" jpegoptim --strip-all --all-progressive --stdout \
        "$in" > "$out" ;;
    jpegopt-fast)
      "$TIME" -f "%U %S %M" -o "$tmp/time" "$JPEGOPT" --quiet --strip all -O fast -o "$out" "$in" ;;
    jpegopt-default)
      "$TIME" -f "%U %S %M" -o "$tmp/time" "$JPEGOPT" --quiet --strip all -o "$out" "$in" ;;
    jpegopt-max)
      "$TIME" -f "%U %S %M" -o "$tmp/time" "$JPEGOPT" --quiet --strip all -O max -o "$out" "$in" ;;
  esac
}

# decode JPEG PNM: djpeg to PPM/PGM; CMYK files, which -ppm refuses, in djpeg's default format.
decode() {
  djpeg -ppm -outfile "$2" "$1" 2> /dev/null || djpeg -outfile "$2" "$1" 2> /dev/null
}

shopt -s nullglob nocaseglob
files=("$dir"/*.jpg "$dir"/*.jpeg)
shopt -u nocaseglob
((${#files[@]})) || die "no JPEG files in $dir"
mapfile -t files < <(printf '%s\n' "${files[@]}" | sort)

results=$tmp/results.tsv  # file tool bytes cpu rss ok
: > "$results"
declare -A mismatches unchecked failures
for tool in "${tools[@]}"; do
  mismatches[$tool]=0
  unchecked[$tool]=0
  failures[$tool]=0
done

n=0
total_in=0
for in in "${files[@]}"; do
  n=$((n + 1))
  name=$(basename "$in")
  in_bytes=$(stat -c %s "$in")
  total_in=$((total_in + in_bytes))
  printf '[%d/%d] %s\n' "$n" "${#files[@]}" "$name" >&2
  in_decoded=""
  if decode "$in" "$tmp/in.pnm"; then in_decoded=yes; fi
  for tool in "${tools[@]}"; do
    out=$tmp/out.jpg
    rm -f "$out"
    ok=1
    if ! run "$tool" "$in" "$out" 2> "$tmp/err"; then ok=0; fi
    # GNU time writes "Command exited with non-zero status N" before the numbers.
    read -r user sys rss < <(tail -n 1 "$tmp/time")
    if ((ok)) && [[ -s $out ]]; then
      bytes=$(stat -c %s "$out")
    else
      # A tool that fails or declines (jpegoptim skips files it cannot shrink and then writes
      # nothing to stdout) leaves the file as it was: count the input.
      bytes=$in_bytes
      ok=0
      failures[$tool]=$((failures[$tool] + 1))
      printf '  %s: no output, input counted: %s\n' "$tool" "$(head -c 200 "$tmp/err" | tr '\n' ' ')" >&2
    fi
    if [[ $tool == jpegopt-* && $ok == 1 ]]; then
      if [[ -n $in_decoded ]] && decode "$out" "$tmp/out.pnm"; then
        if ! cmp -s "$tmp/in.pnm" "$tmp/out.pnm"; then
          mismatches[$tool]=$((mismatches[$tool] + 1))
          printf '  %s: PIXELS DIFFER\n' "$tool" >&2
        fi
      else
        unchecked[$tool]=$((unchecked[$tool] + 1))
      fi
    fi
    printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$tool" "$bytes" \
      "$(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%.2f", u + s }')" "$rss" "$ok" \
      >> "$results"
  done
done

echo "## Lossless optimizers on $dir: ${#files[@]} files, $total_in bytes"
echo
echo "| tool | total bytes | bytes vs jpegtran -progressive | CPU s | CPU vs jpegtran -progressive | peak RSS KB (max) | RSS vs jpegtran -progressive | input kept |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|"
for tool in "${tools[@]}"; do
  awk -F'\t' -v t="$tool" -v ref="${tools[0]}" -v failed="${failures[$tool]}" '
    $2 == ref { rb += $3; rc += $4; if ($5 > rr) rr = $5 }
    $2 == t { b += $3; c += $4; if ($5 > r) r = $5 }
    END {
      printf "| %s | %d | %.4f | %.2f | %.2f | %d | %.2f | %d |\n", t, b, b / rb, c,
             (rc > 0 ? c / rc : 0), r, (rr > 0 ? r / rr : 0), failed
    }' "$results"
done
echo
echo "Pixel check (djpeg of input and output compared with cmp):"
for tool in "${tools[@]}"; do
  [[ $tool == jpegopt-* ]] || continue
  echo "- $tool: ${mismatches[$tool]} mismatches, ${unchecked[$tool]} not checked (djpeg cannot decode)"
done
echo
echo "Outliers (jpegopt default larger than jpegtran -progressive):"
awk -F'\t' '
  $2 == "jpegtran-progressive" { ref[$1] = $3 }
  $2 == "jpegopt-default" { ours[$1] = $3 }
  END {
    count = 0
    for (f in ours)
      if (f in ref && ours[f] > ref[f]) {
        printf "- %s: %d vs %d bytes (+%d, +%.2f%%)\n", f, ours[f], ref[f], ours[f] - ref[f],
               100 * (ours[f] - ref[f]) / ref[f]
        count++
      }
    if (count == 0) print "- none"
  }' "$results" | sort
