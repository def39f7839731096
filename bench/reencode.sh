#!/usr/bin/env bash
# The encoder's development benchmark: rate-distortion of jpegopt's coefficient-domain encoder
# against libjpeg-turbo's `cjpeg -quality Q -optimize -progressive`.
#
# It uses what bench/run's re-encode table uses (bench/bench.py): the same sources (the PNGs of
# ../shared/corpus/png and photos of ../shared/corpus/photos with a side of 2000 px or more,
# evenly spaced by name, made upright and fitted in 1600x1600 by the same ImageMagick command),
# the same scores (`butteraugli REF.png OUT` and bench/ssim.py's SSIM) and the same BD-rate
# (bench/bdrate.py: cubic fits, quality -butteraugli or SSIM in dB). The difference: jpegopt's
# side is the encoder library at a fixed subsampling (build/release/jpegopt_encode_bench with
# TUNING=best|plain and its ENC_* overrides), followed by the lossless back end
# (`jpegopt --strip all`), so encoder settings can be compared without changing the CLI. bench/run
# measures the shipped `jpegopt --quality Q` itself (subsampling chosen by content).
#
# Usage: [PHOTOS=N] [PNGS=N] [TUNING=best|plain] [SUBSAMPLING=420|444|422|440] [JOBS=N]
#        bench/reencode.sh [QUALITIES...]
#   PHOTOS (default 8, as bench/run), PNGS (default: all), QUALITIES (default 40 45 ... 95).
#   JOBS: butteraugli scorings at a time (default 1); encodes always run one at a time.
# Output (stdout): a TSV, one row per image, encoder and quality
#   image  encoder  quality  bytes  butteraugli  ssim  cpu_s
# then "#" lines: per image the BD-rate of jpegopt against cjpeg on butteraugli and on SSIM and
# the CPU-time ratio, and overall the median BD-rates and the ratio of the CPU-time sums.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-$here/build/release}
for tool in cjpeg butteraugli /usr/bin/convert /usr/bin/python3; do
  command -v "$tool" >/dev/null || { echo "bench/reencode.sh: $tool is needed" >&2; exit 2; }
done
cmake --build "$build" --target jpegopt jpegopt_encode_bench >/dev/null
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

exec /usr/bin/python3 - "$here" "$build" "$work" "$@" <<'PY'
import concurrent.futures, math, os, statistics, sys
from pathlib import Path
sys.path.insert(0, str(Path(sys.argv[1]) / "bench"))
import bench  # noqa: E402  (bench/bench.py: sources, timing, butteraugli)
from bdrate import bd_rate, ssim_db  # noqa: E402
from ssim import ssim_files  # noqa: E402

build, work = Path(sys.argv[2]), Path(sys.argv[3])
qualities = [int(q) for q in sys.argv[4:]] or list(range(40, 96, 5))
tuning = os.environ.get("TUNING", "best")
sub = os.environ.get("SUBSAMPLING", "420")
corpus = bench.corpus_dir()

sources = []  # (name, png, pnm)
pngs = sorted((corpus / "png").glob("*.png"))
pngs = pngs[: int(os.environ["PNGS"])] if "PNGS" in os.environ else pngs
for p in pngs:
    png, pnm = bench.make_reference(p, work / p.stem, False)
    sources.append((p.stem, png, pnm))
photos = []
for p in sorted((corpus / "photos").glob("*.jpg")):
    w, h = bench.image_size(p)
    if max(w, h) >= 2000:
        photos.append(p)
for p in bench.pick_evenly(photos, int(os.environ.get("PHOTOS", bench.RD_PHOTOS))):
    png, pnm = bench.make_reference(p, work / ("photo-" + p.stem), True)
    sources.append(("photo-" + p.stem, png, pnm))

encoded = []  # (name, png, encoder, q, path, cpu)
for name, png, pnm in sources:
    for q in qualities:
        ref = work / f"{name}-cjpeg-{q}.jpg"
        r = bench.run(["cjpeg", "-quality", str(q), "-optimize", "-progressive", "-outfile",
                       str(ref), str(pnm)])
        if not r.ok:
            sys.exit(f"bench/reencode.sh: cjpeg failed on {name}: {r.err}")
        encoded.append((name, png, "cjpeg", q, ref, r.cpu))
        bare, ours = work / f"{name}-bare-{q}.jpg", work / f"{name}-jpegopt-{q}.jpg"
        r1 = bench.run([str(build / "jpegopt_encode_bench"), str(pnm), str(bare), str(q), tuning, sub])
        if not r1.ok:
            sys.exit(f"bench/reencode.sh: jpegopt_encode_bench failed on {name}: {r1.err}")
        r2 = bench.run([str(build / "jpegopt"), "--quiet", "--strip", "all", "-o", str(ours),
                        str(bare)])
        if not r2.ok or not ours.exists():  # the back end found nothing smaller
            ours = bare
        encoded.append((name, png, "jpegopt", q, ours, r1.cpu + r2.cpu))

def score(item):
    name, png, enc, q, path, cpu = item
    return (name, enc, q, path.stat().st_size, bench.butteraugli(png, path), ssim_files(png, path), cpu)

with concurrent.futures.ThreadPoolExecutor(int(os.environ.get("JOBS", "1"))) as pool:
    rows = list(pool.map(score, encoded))

print("image\tencoder\tquality\tbytes\tbutteraugli\tssim\tcpu_s")
for name, enc, q, size, ba, ss, cpu in rows:
    print(f"{name}\t{enc}\t{q}\t{size}\t{ba:.4f}\t{ss:.6f}\t{cpu:.3f}")

per = {}
for name, enc, q, size, ba, ss, cpu in rows:
    per.setdefault(name, {}).setdefault(enc, []).append((size, ba, ss, cpu))
bas, sss, cpu_ref, cpu_ours = [], [], 0.0, 0.0
for name, e in per.items():
    a, t = e["cjpeg"], e["jpegopt"]
    ba = bd_rate([p[0] for p in a], [-p[1] for p in a], [p[0] for p in t], [-p[1] for p in t])
    ss = bd_rate([p[0] for p in a], [ssim_db(p[2]) for p in a], [p[0] for p in t],
                 [ssim_db(p[2]) for p in t])
    ca, ct = sum(p[3] for p in a), sum(p[3] for p in t)
    cpu_ref, cpu_ours = cpu_ref + ca, cpu_ours + ct
    fmt = lambda v: "NA" if v is None else f"{v:+.1f}%"
    print(f"# {name}\tbd_rate_butteraugli\t{fmt(ba)}\tbd_rate_ssim\t{fmt(ss)}\t"
          f"cpu_ratio\t{ct / ca if ca else math.nan:.2f}")
    if ba is not None:
        bas.append(ba)
    if ss is not None:
        sss.append(ss)
if bas and sss:
    print(f"# overall (median of {len(per)} images)\tbd_rate_butteraugli\t{statistics.median(bas):+.1f}%\t"
          f"bd_rate_ssim\t{statistics.median(sss):+.1f}%\tcpu_ratio\t{cpu_ours / max(cpu_ref, 1e-9):.2f}")
PY
