#!/usr/bin/python3
"""Encoder-setting sweep against the cjpeg curves of a finished `bench/run` (no cjpeg re-runs).

Re-encodes the rate-distortion references of a bench/run work folder with jpegopt's encoder library
(build/release/jpegopt_encode_bench, its ENC_* overrides, then `jpegopt --strip all` for the lossless
back end, as bench/reencode.sh does; 4:4:4 for the logo, where the command line picks it, 4:2:0
otherwise), scores each output with butteraugli and bench/ssim.py, and prints the BD-rate per file
and the median against the cjpeg rows of that run's results/rd.tsv. Scores are cached per NAME, so an
interrupted sweep resumes.

Usage: bench/sweep.py WORK NAME [ENC_VAR=VALUE ...]
  WORK: a bench/run work folder (BENCH_WORK) holding results/rd.tsv and refs/.
  NAME: names the setting; outputs and scores go to WORK/sweep/NAME/.
Environment: QS (qualities, default "40 50 60 70 80 85 90 95"), JOBS (default 2), BUILD (default
build/release), ONLY (comma-separated substrings of file names).
"""
import concurrent.futures
import csv
import json
import os
import shutil
import statistics
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from bdrate import bd_rate, ssim_db  # noqa: E402
from ssim import ssim_files  # noqa: E402


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    work, name = Path(sys.argv[1]), sys.argv[2]
    env = dict(os.environ)
    for kv in sys.argv[3:]:
        key, value = kv.split("=", 1)
        env[key] = value
    qualities = [int(q) for q in os.environ.get("QS", "40 50 60 70 80 85 90 95").split()]
    out = work / "sweep" / name
    (out / "bin").mkdir(parents=True, exist_ok=True)
    build = Path(os.environ.get("BUILD", HERE.parent / "build" / "release"))
    for binary in ("jpegopt", "jpegopt_encode_bench"):  # a snapshot: rebuilding must not mix settings
        shutil.copy2(build / binary, out / "bin" / binary)

    cjpeg = {}
    for r in csv.DictReader(open(work / "results" / "rd.tsv"), delimiter="\t"):
        if r["encoder"] == "cjpeg":
            cjpeg.setdefault((r["set"], r["file"]), []).append(
                (int(r["q"]), int(r["bytes"]), float(r["butteraugli"]), float(r["ssim"])))
    files = sorted(cjpeg)
    if os.environ.get("ONLY"):
        files = [f for f in files if any(o in f[1] for o in os.environ["ONLY"].split(","))]

    def encode_and_score(item):
        (set_name, file), q = item
        stem = Path(file).stem
        ref, pnm = (work / "refs" / set_name / (stem + ext) for ext in (".png", ".pnm"))
        bare, jpg = out / f"{stem}-{q}-bare.jpg", out / f"{stem}-{q}.jpg"
        subsampling = "444" if "logo" in file else "420"
        subprocess.run([str(out / "bin" / "jpegopt_encode_bench"), str(pnm), str(bare), str(q), "best",
                        subsampling], env=env, check=True)
        subprocess.run([str(out / "bin" / "jpegopt"), "--quiet", "--strip", "all", "-o", str(jpg),
                        str(bare)], check=True)
        distance = float(subprocess.run(["butteraugli", str(ref), str(jpg)], capture_output=True,
                                        text=True, check=True).stdout.split()[0])
        row = [set_name, file, q, jpg.stat().st_size, distance, ssim_files(ref, jpg)]
        bare.unlink()
        jpg.unlink()
        return row

    cache = out / "scores.json"
    done = json.loads(cache.read_text()) if cache.exists() else []
    have = {tuple(d[:3]) for d in done}
    todo = [(f, q) for f in files for q in qualities if (f[0], f[1], q) not in have]
    with concurrent.futures.ThreadPoolExecutor(int(os.environ.get("JOBS", "2"))) as pool:
        for row in pool.map(encode_and_score, todo):
            done.append(row)
            cache.write_text(json.dumps(done))

    ours = {}
    for set_name, file, q, size, distance, ssim in done:
        ours.setdefault((set_name, file), []).append((q, size, distance, ssim))
    by_ba, by_ssim = [], []
    for key in files:
        a, t = sorted(cjpeg[key]), sorted(ours[key])
        ba = bd_rate([x[1] for x in a], [-x[2] for x in a], [x[1] for x in t], [-x[2] for x in t])
        ss = bd_rate([x[1] for x in a], [ssim_db(x[3]) for x in a], [x[1] for x in t],
                     [ssim_db(x[3]) for x in t])
        by_ba.append(ba)
        by_ssim.append(ss)
        print(f"{key[1][:44]:44s} {ba:+6.1f} {ss:+6.1f}")
    print(f"median BD-rate {name}: butteraugli {statistics.median(by_ba):+.2f} %, "
          f"SSIM {statistics.median(by_ssim):+.2f} %")


if __name__ == "__main__":
    main()
