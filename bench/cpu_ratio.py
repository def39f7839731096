#!/usr/bin/python3
"""CPU (user+sys, from wait4) of `jpegopt -q Q --strip all` over cjpeg's
`-quality Q -optimize -progressive` on the same PPM/PGM, run side by side (issue 4's speed goal:
at most 3x). Not a test; prints one ratio per source and the ratio of the totals.

    bench/cpu_ratio.py [--reps N] [--q 40,60,75,85,95] [--refs DIR] JPEGOPT [JPEGOPT2 ...]

With several jpegopt binaries (e.g. before and after a change), each runs in the same loop, so
they see the same machine load. Sources: DIR/{photos-1600,corpus-png,samples-png}/*.pnm, the 16
of bench/run's full re-encode table (default DIR: /work/bench-work/full/full/refs)."""
import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path


def cpu(cmd):
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"failed: {' '.join(cmd)}")
    return usage.ru_utime + usage.ru_stime


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--q", default="40,60,75,85,95")
    ap.add_argument("--refs", default="/work/bench-work/full/full/refs")
    ap.add_argument("jpegopt", nargs="+")
    a = ap.parse_args()
    refs = Path(a.refs)
    sources = [p for d in ("photos-1600", "corpus-png", "samples-png")
               for p in sorted((refs / d).glob("*.pnm"))]
    qualities = [int(q) for q in a.q.split(",")]
    names = ["cjpeg"] + [f"jpegopt{i}" for i in range(len(a.jpegopt))]
    total = {n: 0.0 for n in names}
    with tempfile.TemporaryDirectory() as tmp:
        out = str(Path(tmp) / "out.jpg")
        print(f"{'source':44}" + "".join(f"{n:>10}" for n in names[1:]), "(ratio to cjpeg)")
        for src in sources:
            t = {n: 0.0 for n in names}
            for q in qualities:
                for _ in range(a.reps):
                    t["cjpeg"] += cpu(["cjpeg", "-quality", str(q), "-optimize", "-progressive",
                                       "-outfile", out, str(src)])
                    for n, exe in zip(names[1:], a.jpegopt):
                        t[n] += cpu([exe, "-q", str(q), "--strip", "all", "-o", out, str(src)])
            for n in names:
                total[n] += t[n]
            print(f"{src.name:44}" + "".join(f"{t[n] / t['cjpeg']:9.2f}x" for n in names[1:]),
                  flush=True)
        print(f"{'total':44}" + "".join(f"{total[n] / total['cjpeg']:9.2f}x" for n in names[1:]),
              f"(cjpeg {total['cjpeg']:.2f} s)")


if __name__ == "__main__":
    main()
