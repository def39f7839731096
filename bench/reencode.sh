#!/usr/bin/env bash
# Rate-distortion benchmark of jpegopt's encoder against libjpeg-turbo's
# `cjpeg -quality Q -optimize -progressive`, on the PNGs of ../shared/corpus/png (plus, with
# PHOTOS=N, the first N photos of ../shared/corpus/photos downscaled to 1600 px).
#
# jpegopt's side: the encoder (build/release/jpegopt_encode_bench, TUNING=best|plain) followed by
# the lossless back end (`jpegopt --strip all`), i.e. what `jpegopt -q Q` does to a PNG.
# Quality: butteraugli (Debian's, lower is better) and, when `jpegopt compare` works, SSIM.
#
# Output (stdout), a TSV: one row per image, encoder and quality:
#   image  encoder  quality  bytes  butteraugli  ssim  encode_ms
# then "#"-prefixed summary lines: per image and overall, the BD-rate of jpegopt against cjpeg at
# equal butteraugli (negative = fewer bytes), and the encode-time ratio.
# Usage: bench/reencode.sh [QUALITIES...]   (default 40 50 60 70 80 90 95)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-$here/build/release}
corpus=${JPEGOPT_CORPUS:-$here/../shared/corpus}
tuning=${TUNING:-best}
lambda=${LAMBDA:-}
photos=${PHOTOS:-0}
qualities=("$@")
[ ${#qualities[@]} -gt 0 ] || qualities=(40 50 60 70 80 90 95)
for tool in cjpeg butteraugli convert python3; do
  command -v "$tool" >/dev/null || { echo "bench/reencode.sh: $tool is needed" >&2; exit 2; }
done
cmake --build "$build" --target jpegopt jpegopt_encode_bench >/dev/null
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

sources=()
for f in "$corpus"/png/*.png; do sources+=("$f"); done
if [ "$photos" -gt 0 ]; then
  i=0
  for f in "$corpus"/photos/*.jpg; do
    [ $i -lt "$photos" ] || break
    i=$((i + 1))
    out="$work/photo-$(basename "${f%.jpg}").png"
    convert "$f" -auto-orient -resize '1600x1600>' -strip "$out"
    sources+=("$out")
  done
fi

ms() { local t=${EPOCHREALTIME/./}; echo $((t / 1000)); }
ssim_of() {  # SSIM from `jpegopt compare`, NA when it is not available
  "$build/jpegopt" compare "$1" "$2" 2>/dev/null | sed -n 's/.*SSIM[^0-9]*\([0-9.]*\).*/\1/p' |
    head -1 | grep . || echo NA
}

tsv="$work/points.tsv"
printf 'image\tencoder\tquality\tbytes\tbutteraugli\tssim\tencode_ms\n' | tee "$tsv"
for src in "${sources[@]}"; do
  name=$(basename "${src%.png}")
  # Both encoders get the same 8-bit pixels (alpha flattened on white); butteraugli compares
  # against the same pixels as a plain 8-bit RGB PNG.
  convert "$src" -background white -flatten -strip -depth 8 "$work/in.ppm"
  convert "$work/in.ppm" -define png:color-type=2 "$work/in.png"
  for q in "${qualities[@]}"; do
    t0=$(ms)
    cjpeg -quality "$q" -optimize -progressive "$work/in.ppm" >"$work/ref.jpg"
    t1=$(ms)
    "$build/jpegopt_encode_bench" "$work/in.ppm" "$work/bare.jpg" "$q" "$tuning" 420 $lambda
    "$build/jpegopt" --quiet --strip all -o "$work/ours.jpg" "$work/bare.jpg" ||
      cp "$work/bare.jpg" "$work/ours.jpg"
    [ -s "$work/ours.jpg" ] || cp "$work/bare.jpg" "$work/ours.jpg"
    t2=$(ms)
    for enc in cjpeg jpegopt; do
      f="$work/ref.jpg"; t=$((t1 - t0))
      [ $enc = jpegopt ] && { f="$work/ours.jpg"; t=$((t2 - t1)); }
      ba=$(butteraugli "$work/in.png" "$f" | head -1)
      printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$enc" "$q" "$(stat -c %s "$f")" "$ba" \
        "$(ssim_of "$work/in.png" "$f")" "$t" | tee -a "$tsv"
    done
    rm -f "$work/ours.jpg"
  done
done

python3 - "$tsv" <<'PY'
import math, sys
rows = [l.rstrip('\n').split('\t') for l in open(sys.argv[1])][1:]
pts = {}
for image, enc, q, size, ba, ssim, t in rows:
    pts.setdefault(image, {}).setdefault(enc, []).append((float(ba), math.log(float(size)), float(t)))

def interp(curve, d):
    # log-bytes at distortion d, piecewise linear along a curve sorted by distortion
    for (d0, r0), (d1, r1) in zip(curve, curve[1:]):
        if d0 <= d <= d1:
            return r0 if d1 == d0 else r0 + (r1 - r0) * (d - d0) / (d1 - d0)
    return None

def bd_rate(ref, test):
    # average log-bytes difference over the shared butteraugli range (trapezoids on 64 steps)
    a = sorted((d, r) for d, r, _ in ref)
    b = sorted((d, r) for d, r, _ in test)
    lo, hi = max(a[0][0], b[0][0]), min(a[-1][0], b[-1][0])
    if hi <= lo:
        return None
    n, acc = 64, 0.0
    for i in range(n + 1):
        d = lo + (hi - lo) * i / n
        diff = interp(b, d) - interp(a, d)
        acc += diff * (0.5 if i in (0, n) else 1.0)
    return math.exp(acc / n) - 1

total, count, tref, ttest = 0.0, 0, 0.0, 0.0
for image, e in sorted(pts.items()):
    bd = bd_rate(e['cjpeg'], e['jpegopt'])
    tr = sum(t for *_, t in e['cjpeg']); tt = sum(t for *_, t in e['jpegopt'])
    tref += tr; ttest += tt
    print(f"# {image}\tbd_rate\t{'NA' if bd is None else f'{100 * bd:+.1f}%'}\ttime_ratio\t{tt / max(tr, 1):.2f}")
    if bd is not None:
        total += math.log1p(bd); count += 1
if count:
    print(f"# overall\tbd_rate\t{100 * (math.exp(total / count) - 1):+.1f}%\ttime_ratio\t{ttest / max(tref, 1):.2f}")
PY
