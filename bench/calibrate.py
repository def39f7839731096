#!/usr/bin/python3
"""Calibrates --visually-lossless: the --min-ssim threshold whose choice still looks the same.

For every source image (PNG or JPEG) and every candidate threshold X, runs
`jpegopt --min-ssim X --strip all` (the search --visually-lossless presets) and scores the file it
writes with Debian's butteraugli against the decoded source, an independent perceptual metric
(distances below about 1.5 are usually called visually lossless). A threshold is safe for an image
when that output's distance is below the limit. The report gives, per threshold, the worst
distance, how many images are over the limit, and the bytes relative to the highest threshold;
the smallest threshold that is safe for every image is the calibrated value.

Usage: bench/calibrate.py [--jpegopt PATH] [--limit 1.5] [--work DIR] [--jobs N]
                          [--thresholds X,Y,...] [--min-quality Q] IMAGE...
Writes DIR/calibrate-minQ.tsv (image, threshold, quality, bytes, ssim, butteraugli) and prints the
report as a Markdown table. Exit status 0 when some threshold is safe for every image.
"""
import argparse
import json
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

THRESHOLDS = [0.97, 0.975, 0.98, 0.985, 0.988, 0.99, 0.992, 0.993, 0.994, 0.995, 0.996]


def reference_png(source, work):
    """butteraugli reads PNG: a JPEG source is compared through its decoded pixels."""
    if source.suffix.lower() == ".png":
        return source
    png = work / (source.stem + "-source.png")
    if not png.exists():
        subprocess.run(["convert", str(source), "-strip", str(png)], check=True)
    return png


def measure(jpegopt, source, threshold, work, min_quality):
    out = work / f"{source.stem}-ssim{threshold}-min{min_quality}.jpg"
    run = subprocess.run([jpegopt, "--json", "-f", "--min-ssim", str(threshold), "--min-quality",
                          str(min_quality), "--strip", "all", "-o", str(out), str(source)],
                         capture_output=True, text=True)
    record = json.loads(run.stdout.splitlines()[0])
    if record.get("status") != "optimized":
        return {"image": source.name, "threshold": threshold, "quality": "", "bytes": "",
                "ssim": "", "butteraugli": "", "status": record.get("status")}
    ba = subprocess.run(["butteraugli", str(reference_png(source, work)), str(out)], check=True,
                        capture_output=True, text=True).stdout.split()[0]
    return {"image": source.name, "threshold": threshold, "quality": record.get("quality"),
            "bytes": record["bytes_out"], "ssim": record.get("ssim"), "butteraugli": float(ba),
            "status": "optimized"}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jpegopt", default="build/release/jpegopt")
    parser.add_argument("--limit", type=float, default=1.5)
    parser.add_argument("--work", type=Path,
                        default=Path(tempfile.gettempdir()) / "jpegopt-calibrate")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--thresholds", default=",".join(map(str, THRESHOLDS)))
    parser.add_argument("--min-quality", type=float, default=50,
                        help="jpegopt's --min-quality: the search's floor (its default: 50)")
    parser.add_argument("images", nargs="+", type=Path)
    args = parser.parse_args()
    thresholds = [float(x) for x in args.thresholds.split(",")]
    args.work.mkdir(parents=True, exist_ok=True)
    for image in args.images:
        reference_png(image, args.work)  # before the threads: one conversion per image

    tasks = [(image, x) for image in args.images for x in thresholds]
    with ThreadPoolExecutor(args.jobs) as pool:
        rows = list(pool.map(lambda t: measure(args.jpegopt, t[0], t[1], args.work,
                                                args.min_quality), tasks))
    keys = ["image", "threshold", "quality", "bytes", "ssim", "butteraugli", "status"]
    with open(args.work / f"calibrate-min{args.min_quality:g}.tsv", "w") as tsv:
        tsv.write("\t".join(keys) + "\n")
        for r in rows:
            tsv.write("\t".join(str(r[k]) for k in keys) + "\n")

    top = {r["image"]: r["bytes"] for r in rows if r["threshold"] == thresholds[-1] and r["bytes"]}
    print(f"| --min-ssim | worst butteraugli (image, quality) | images at or over {args.limit} "
          f"| mean bytes vs --min-ssim {thresholds[-1]} |")
    print("|---:|---|---:|---:|")
    safe = None
    for x in thresholds:
        picks = [r for r in rows if r["threshold"] == x]
        scored = [r for r in picks if r["butteraugli"] != ""]
        worst = max(scored, key=lambda r: r["butteraugli"], default=None)
        over = sum(1 for r in picks if r["butteraugli"] == "" or r["butteraugli"] >= args.limit)
        ratios = [r["bytes"] / top[r["image"]] for r in scored if r["image"] in top]
        mean = sum(ratios) / len(ratios) if ratios else float("nan")
        worst_text = (f"{worst['butteraugli']:.2f} ({worst['image']}, q{worst['quality']:.1f})"
                      if worst else "-")
        print(f"| {x} | {worst_text} | {over} | {mean:.2f} |")
        if over == 0 and safe is None:
            safe = x
    print(f"\nsmallest threshold whose every output is below butteraugli {args.limit}: {safe}")
    return 0 if safe is not None else 1


if __name__ == "__main__":
    sys.exit(main())
