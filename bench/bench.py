#!/usr/bin/python3
"""Drivers of bench/run: prepare the inputs, run the re-encode, target-size and batch comparisons,
and write docs/benchmarks.md with its plots. bench/run calls this; see bench/README.md.

Every result is a TSV in WORK/results, so the report can be written again (`report`) from what a
run left, and a section can be rerun alone when a feature lands.
"""

import argparse
import concurrent.futures
import datetime
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from ssim import ssim_files  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
CONVERT = "/usr/bin/convert"  # ImageMagick itself, not a stand-in earlier on PATH

RD_QUALITIES = list(range(40, 96, 5))
RD_QUALITIES_QUICK = [40, 60, 75, 85, 95]
# The one quality at which jpegopt is also timed from the PNG (the rate-distortion encodes read the
# PNM that cjpeg reads): what PNG input costs on top.
RD_PNG_QUALITY = 85
# KiB, because jpegoptim's --size counts only in KiB: every tool then aims at the same byte count.
TARGETS = [("100 KiB", 100 * 1024), ("200 KiB", 200 * 1024), ("500 KiB", 500 * 1024),
           ("1 MiB", 1024 * 1024)]
TARGETS_QUICK = [("200 KiB", 200 * 1024), ("500 KiB", 500 * 1024)]
EIGHT_MP = 7_900_000  # "8 MP" cameras write 3264x2448 = 7.99 million pixels
RD_PHOTOS = 8  # downscaled photos in the full re-encode curves (butteraugli dominates the time)
TARGET_BUTTERAUGLI_FILES = 3  # full-size butteraugli costs ~20 CPU s per 12 MP image


# ----------------------------------------------------------------------------------------------
# Running tools


class Run:
    """One finished command: exit status, CPU seconds (user + system), peak RSS KB, wall seconds."""

    def __init__(self, rc, cpu, rss_kb, wall, out, err):
        self.rc, self.cpu, self.rss_kb, self.wall, self.out, self.err = rc, cpu, rss_kb, wall, out, err

    @property
    def ok(self):
        return self.rc == 0


def run(cmd, stdout_path=None, timeout=900):
    """Runs cmd (a list) and measures it with wait4's resource usage of that one child. Output goes
    through temporary files (no pipe can fill up); a run over `timeout` seconds is killed."""
    start = time.monotonic()
    with tempfile.TemporaryFile() as out_tmp, tempfile.TemporaryFile() as err_tmp:
        out_file = open(stdout_path, "wb") if stdout_path else out_tmp
        try:
            proc = subprocess.Popen(cmd, stdout=out_file, stderr=err_tmp)
            killer = threading.Timer(timeout, proc.kill)
            killer.start()
            try:
                _, status, usage = os.wait4(proc.pid, 0)
            finally:
                killer.cancel()
            proc.returncode = os.waitstatus_to_exitcode(status)
        finally:
            if stdout_path:
                out_file.close()
        out_tmp.seek(0)
        err_tmp.seek(0)
        out, err = out_tmp.read(), err_tmp.read()
    return Run(
        proc.returncode,
        usage.ru_utime + usage.ru_stime,
        usage.ru_maxrss,
        time.monotonic() - start,
        out.decode("utf-8", "replace"),
        err.decode("utf-8", "replace"),
    )


def text_of(cmd):
    try:
        res = subprocess.run(cmd, capture_output=True, text=True, timeout=30)
        return (res.stdout + res.stderr).strip()
    except (OSError, subprocess.TimeoutExpired):
        return ""


def features(jpegopt):
    """Which of the optional jpegopt features this build has, from its --help."""
    help_text = text_of([jpegopt, "--help"])
    return {
        "quality": "--quality" in help_text,
        "target": "--target-size" in help_text,
        "jobs": "--jobs" in help_text,
        "json": "--json" in re.sub(r"info \[--json\]", "", help_text),
    }


def butteraugli(reference, distorted):
    """butteraugli's distance (max-norm, 2017 release), or None when it fails."""
    res = run(["butteraugli", str(reference), str(distorted)])
    try:
        return float(res.out.split()[0]) if res.ok else None
    except (ValueError, IndexError):
        return None


def image_size(path):
    from PIL import Image

    with Image.open(path) as image:
        return image.size


def subsampling(path):
    """Chroma subsampling of a JPEG as "4:4:4", "4:2:2", "4:2:0", "grey" or "other"."""
    from PIL import Image, JpegImagePlugin

    with Image.open(path) as image:
        if image.mode == "L":
            return "grey"
        return {0: "4:4:4", 1: "4:2:2", 2: "4:2:0"}.get(JpegImagePlugin.get_sampling(image), "other")


def write_tsv(path, header, rows):
    with open(path, "w") as f:
        f.write("\t".join(header) + "\n")
        for row in rows:
            f.write("\t".join("" if v is None else str(v) for v in row) + "\n")


def read_tsv(path):
    if not Path(path).exists():
        return []
    with open(path) as f:
        lines = f.read().splitlines()
    if not lines:
        return []
    header = lines[0].split("\t")
    return [dict(zip(header, line.split("\t"))) for line in lines[1:] if line]


def log(message):
    print(f"[{datetime.datetime.utcnow():%H:%M:%S}] {message}", file=sys.stderr, flush=True)


def parallel(tasks, jobs):
    """Runs callables, `jobs` at a time, and returns their results in order."""
    if jobs <= 1:
        return [task() for task in tasks]
    with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
        return list(pool.map(lambda task: task(), tasks))


# ----------------------------------------------------------------------------------------------
# Inputs


def corpus_dir():
    return Path(os.environ.get("JPEGOPT_CORPUS", ROOT.parent / "shared" / "corpus"))


def shown(path):
    """A path as the page shows it: relative to the repository root (../shared/corpus/...)."""
    return os.path.relpath(path, ROOT)


def pick_evenly(items, n):
    if n >= len(items):
        return list(items)
    if n == 1:
        return [items[len(items) // 2]]
    return [items[round(i * (len(items) - 1) / (n - 1))] for i in range(n)]


def make_reference(src, dst, downscale):
    """The pixels both encoders get: 8-bit, alpha laid over white, no metadata; photos turned
    upright and fitted inside 1600x1600. Returns the PNG and a PNM of it for cjpeg (PGM for grey)."""
    png = dst.parent / (dst.name + ".png")  # names may hold dots: "...-1.5mb-after-eoi"
    pnm = dst.parent / (dst.name + ".pnm")
    if not (png.exists() and pnm.exists()):
        cmd = [CONVERT, str(src)]
        if downscale:
            cmd += ["-auto-orient", "-colorspace", "sRGB", "-resize", "1600x1600>"]
        cmd += ["-background", "white", "-alpha", "remove", "-alpha", "off", "-strip", "-depth", "8"]
        subprocess.run(cmd + [str(png)], check=True)
        subprocess.run([CONVERT, str(png), str(pnm)], check=True)
    return png, pnm


def prepare(work, quick):
    """Chooses the inputs of every table and builds the re-encode references. Writes sets.json."""
    corpus = corpus_dir()
    photos_dir = corpus / "photos"
    png_dir = corpus / "png"
    have_photos = photos_dir.is_dir()
    have_png = png_dir.is_dir()
    refs = work / "refs"
    refs.mkdir(parents=True, exist_ok=True)

    photos = []
    if have_photos:
        for path in sorted(photos_dir.glob("*.jpg")):
            w, h = image_size(path)
            photos.append({"path": str(path), "name": path.name, "width": w, "height": h})

    rd_sets = []

    def rd_set(name, label, sources, downscale):
        files = []
        for src in sources:
            png, pnm = make_reference(Path(src), refs / name / Path(src).stem, downscale)
            w, h = image_size(png)
            files.append({"name": Path(src).name, "png": str(png), "pnm": str(pnm), "pixels": w * h,
                          "width": w, "height": h})
        rd_sets.append({"name": name, "label": label, "files": files})

    (refs / "samples-png").mkdir(exist_ok=True)
    sample_pngs = sorted(str(p) for p in (ROOT / "samples").glob("*.png"))
    rd_set("samples-png", "samples/*.png", sample_pngs, False)
    if have_png and not quick:
        (refs / "corpus-png").mkdir(exist_ok=True)
        corpus_pngs = sorted(str(p) for p in png_dir.glob("*.png"))
        rd_set("corpus-png", f"{shown(png_dir)}/*.png", corpus_pngs, False)
    if have_photos:
        big = [p for p in photos if max(p["width"], p["height"]) >= 2000]
        chosen = pick_evenly(big, 1 if quick else RD_PHOTOS)
        (refs / "photos-1600").mkdir(exist_ok=True)
        rd_set("photos-1600",
               f"{len(chosen)} of the {len(big)} photos of {shown(photos_dir)} with a side of 2000 px or "
               "more (evenly spaced by name), downscaled to fit 1600x1600",
               [p["path"] for p in chosen], True)

    if have_photos:
        eight = [p for p in photos if p["width"] * p["height"] >= EIGHT_MP]
        # butteraugli at full size costs ~14 CPU s per 8 MP and ~40 per 24 MP: score a few <= 13 MP.
        scored = [p["path"] for p in eight if p["width"] * p["height"] <= 13_000_000]
        if quick:
            eight = sorted(eight, key=lambda p: (p["width"] * p["height"],
                                                 Path(p["path"]).stat().st_size))[:1]
            scored = []  # --quick: SSIM only
        target = {"label": (f"the {len(eight)} photo(s) of {shown(photos_dir)} with 8 MP or more"
                            + (" (the smallest one: --quick)" if quick else "")),
                  "files": [p["path"] for p in eight],
                  "butteraugli": pick_evenly(scored, TARGET_BUTTERAUGLI_FILES)}
    else:
        wood = ROOT / "samples" / "mate-wood-2560x1920-422-exif-stdhuff.jpg"
        target = {"label": f"samples/{wood.name} (no corpus: no 8 MP photo)", "files": [str(wood)],
                  "butteraugli": [str(wood)]}

    if have_photos and not quick:
        batch = {"label": shown(photos_dir), "files": [p["path"] for p in photos]}
    else:
        batch = {"label": "samples/*.jpg", "files": sorted(str(p) for p in (ROOT / "samples").glob("*.jpg"))}

    sets = {"rd": rd_sets, "target": target, "batch": batch, "quick": quick,
            "rd_qualities": RD_QUALITIES_QUICK if quick else RD_QUALITIES,
            "targets": TARGETS_QUICK if quick else TARGETS}
    (work / "sets.json").write_text(json.dumps(sets, indent=1))
    return sets


# ----------------------------------------------------------------------------------------------
# Re-encode: rate-distortion curves


def rd_commands(jpegopt, q, ref_png, ref_pnm, out):
    """Both encoders read the same PPM/PGM (encoder against encoder); "jpegopt-png" is jpegopt from
    the PNG of the same pixels (same output, plus the PNG decode)."""
    return {
        "jpegopt": [jpegopt, "--quality", str(q), "--strip", "all", "-o", str(out), str(ref_pnm)],
        "jpegopt-png": [jpegopt, "--quality", str(q), "--strip", "all", "-o", str(out),
                        str(ref_png)],
        "cjpeg": ["cjpeg", "-quality", str(q), "-optimize", "-progressive", "-outfile", str(out),
                  str(ref_pnm)],
    }


def section_rd(work, sets, jpegopt, feats, jobs):
    """Encodes one at a time (their CPU time is measured), then scores the outputs `jobs` at a time."""
    out_dir = work / "rd"
    out_dir.mkdir(exist_ok=True)
    encoders = ["cjpeg"] + (["jpegopt"] if feats["quality"] else [])
    tasks = [(s["name"], f, q, enc) for s in sets["rd"] for f in s["files"]
             for q in sets["rd_qualities"] for enc in encoders]
    log(f"rd: {len(tasks)} encodes ({', '.join(encoders)})")
    encoded = []
    for set_name, f, q, enc in tasks:
        out = out_dir / f"{set_name}--{Path(f['name']).stem}--{enc}-q{q}.jpg"
        out.unlink(missing_ok=True)
        res = run(rd_commands(jpegopt, q, f["png"], f["pnm"], out)[enc])
        if not res.ok or not out.exists():
            log(f"rd: {enc} q{q} {f['name']}: failed: {res.err.strip()[:200]}")
            out = None
        encoded.append((set_name, f, q, enc, out, res.cpu))

    if "jpegopt" in encoders:
        png_rows = []
        for set_name, f, q, enc, out, cpu in encoded:
            if enc != "jpegopt" or q != RD_PNG_QUALITY:
                continue
            png_out = out_dir / f"{set_name}--{Path(f['name']).stem}--jpegopt-png-q{q}.jpg"
            png_out.unlink(missing_ok=True)
            res = run(rd_commands(jpegopt, q, f["png"], f["pnm"], png_out)["jpegopt-png"])
            same = (out is not None and png_out.exists()
                    and png_out.read_bytes() == out.read_bytes())
            png_rows.append([set_name, f["name"], q, f"{res.cpu:.3f}", f"{cpu:.3f}",
                             "yes" if same else "no"])
            png_out.unlink(missing_ok=True)
        write_tsv(work / "results" / "rd_png.tsv",
                  ["set", "file", "q", "cpu_png_s", "cpu_pnm_s", "same_bytes"], png_rows)

    def score(item):
        set_name, f, q, enc, out, cpu = item
        if out is None:
            return [set_name, f["name"], f["pixels"], enc, q, "", f"{cpu:.3f}", "", "", ""]
        ba = butteraugli(f["png"], out)
        return [set_name, f["name"], f["pixels"], enc, q, out.stat().st_size, f"{cpu:.3f}",
                "" if ba is None else f"{ba:.4f}", f"{ssim_files(f['png'], out):.6f}",
                subsampling(out)]

    log(f"rd: butteraugli and SSIM of {len(encoded)} outputs, {jobs} at a time")
    rows = parallel([lambda e=e: score(e) for e in encoded], jobs)
    write_tsv(work / "results" / "rd.tsv",
              ["set", "file", "pixels", "encoder", "q", "bytes", "cpu_s", "butteraugli", "ssim",
               "subsampling"], rows)


# ----------------------------------------------------------------------------------------------
# Target size


def parse_trials(text):
    """Trial count from jpegopt's --json (a "trials" field) or -v output ("N trials"/"trials: N")."""
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("{"):
            try:
                value = json.loads(line)
            except ValueError:
                continue
            found = find_key(value, "trials")
            if found is not None:
                return found
    m = re.search(r"(\d+)\s+trials?\b", text) or re.search(r"trials?\W+(\d+)", text)
    return int(m.group(1)) if m else None


def find_key(value, key):
    if isinstance(value, dict):
        if key in value and isinstance(value[key], (int, float)):
            return value[key]
        value = list(value.values())
    if isinstance(value, list):
        for item in value:
            found = find_key(item, key)
            if found is not None:
                return found
    return None


def target_commands(jpegopt, feats, size, src, out):
    kb = size // 1024
    jpegopt_cmd = [jpegopt, "--target-size", str(size), "--strip", "all", "-o", str(out), str(src)]
    # The trial count comes from --json's "trials" or, failing that, from -v's text.
    jpegopt_cmd[1:1] = ["--json", "-v"] if feats["json"] else ["-v"]
    return {
        "jpegopt": (jpegopt_cmd, None),
        "imagemagick": ([CONVERT, str(src), "-strip", "-define", f"jpeg:extent={size}", str(out)],
                        None),
        # jpegoptim's --size is in KiB; with --stdout it writes nothing when it cannot shrink.
        "jpegoptim": (["jpegoptim", "--strip-all", f"--size={kb}", "--stdout", str(src)], out),
    }


TARGET_TOOLS = ["jpegopt", "imagemagick", "jpegoptim"]


def section_target(work, sets, jpegopt, feats, jobs):
    """Runs every tool one at a time (wall and CPU time per file are part of the table), then scores
    the outputs of the chosen files `jobs` at a time."""
    out_dir = work / "target"
    out_dir.mkdir(exist_ok=True)
    target = sets["target"]
    tasks = [(src, label, size, tool) for src in target["files"] for label, size in sets["targets"]
             for tool in TARGET_TOOLS]
    log(f"target: {len(tasks)} runs")
    rows = []
    to_score = []
    for src, label, size, tool in tasks:
        name = Path(src).name
        if tool == "jpegopt" and not feats["target"]:
            rows.append([name, label, size, tool, "n/a", "", "", "", "", "", "", "", ""])
            continue
        out = out_dir / f"{Path(src).stem}--{size}--{tool}.jpg"
        out.unlink(missing_ok=True)
        cmd, stdout_path = target_commands(jpegopt, feats, size, src, out)[tool]
        res = run(cmd, stdout_path=stdout_path)
        if not res.ok or not out.exists() or out.stat().st_size == 0:
            log(f"target: {tool} {label} {name}: failed: {(res.err or res.out).strip()[:200]}")
            message = " ".join((res.err or res.out).replace(str(src), name).split())[:160]
            rows.append([name, label, size, tool, "failed", "", f"{res.cpu:.3f}", "", "", "", "",
                         f"{res.wall:.3f}", message])
            continue
        trials = parse_trials(res.out + "\n" + res.err) if tool == "jpegopt" else None
        same_size = image_size(out) == image_size(src)
        rows.append([name, label, size, tool, "ok", out.stat().st_size, f"{res.cpu:.3f}",
                     "" if trials is None else trials, "yes" if same_size else "no", "", "",
                     f"{res.wall:.3f}", ""])
        # A full-size butteraugli is the slow part: --quick scores SSIM only.
        if same_size and (src in target["butteraugli"] or sets["quick"]):
            to_score.append((len(rows) - 1, src, out))

    def score(item):
        index, src, out = item
        ba = None if sets["quick"] else butteraugli(src, out)
        try:
            ss = f"{ssim_files(src, out):.6f}"
        except OSError:  # Pillow cannot decode every source (arithmetic coding): no SSIM
            ss = ""
        return index, ("" if ba is None else f"{ba:.4f}"), ss

    log(f"target: butteraugli and SSIM of {len(to_score)} outputs, {jobs} at a time")
    for index, ba, ss in parallel([lambda t=t: score(t) for t in to_score], jobs):
        rows[index][9], rows[index][10] = ba, ss
    write_tsv(work / "results" / "target.tsv",
              ["file", "target", "target_bytes", "tool", "status", "bytes", "cpu_s", "trials",
               "same_dimensions", "butteraugli", "ssim", "wall_s", "message"], rows)


# ----------------------------------------------------------------------------------------------
# Batch throughput


def section_batch(work, sets, jpegopt, feats, jobs):
    """Optimizes a scratch copy of the folder in place with -j 1 and -j nproc; checks that both runs
    wrote the same bytes."""
    nproc = os.cpu_count() or 1
    files = [Path(p) for p in sets["batch"]["files"]]
    total = sum(p.stat().st_size for p in files)
    rows = []
    job_counts = [1, nproc] if feats["jobs"] else [1]
    copies = []
    for n in job_counts:
        copy = work / "batch" / f"j{n}"
        shutil.rmtree(copy, ignore_errors=True)
        copy.mkdir(parents=True)
        for p in files:
            shutil.copyfile(p, copy / p.name)
        cmd = [jpegopt, "--quiet"]
        if feats["jobs"]:
            cmd += ["--jobs", str(n)]
        if feats["json"]:
            cmd += ["--json"]
        cmd += [str(copy / p.name) for p in files]
        log(f"batch: -j {n} over {len(files)} files")
        res = run(cmd)
        statuses = defaultdict(int)
        for line in res.out.splitlines():
            try:
                record = json.loads(line)
            except ValueError:
                continue
            if isinstance(record, dict) and record.get("type", "file") == "file" and "status" in record:
                statuses[record["status"]] += 1
        after = sum((copy / p.name).stat().st_size for p in files)
        same = ""
        if copies:
            same = "yes" if all((copies[0] / p.name).read_bytes() == (copy / p.name).read_bytes()
                                for p in files) else "no"
        copies.append(copy)
        rows.append([n, len(files), total, after, f"{res.wall:.3f}", f"{res.cpu:.3f}", res.rc,
                     " ".join(f"{k}={v}" for k, v in sorted(statuses.items())), same])
    for copy in copies:
        shutil.rmtree(copy, ignore_errors=True)
    if not feats["jobs"]:
        rows.append([nproc, len(files), total, "", "n/a", "", "", "", ""])
    write_tsv(work / "results" / "batch.tsv",
              ["jobs", "files", "bytes_in", "bytes_out", "wall_s", "cpu_s", "exit", "statuses",
               "same_as_j1"], rows)


# ----------------------------------------------------------------------------------------------
# Lossless (bench/lossless.sh, owned by the lossless work: called, not reimplemented)


def section_lossless(work, sets, jpegopt, feats, jobs):
    dirs = [("samples", "samples")]
    photos = corpus_dir() / "photos"
    if photos.is_dir() and not sets["quick"]:
        dirs.append(("photos", shown(photos)))
    env = dict(os.environ, JPEGOPT=str(jpegopt))
    for name, folder in dirs:
        log(f"lossless: bench/lossless.sh {folder}")
        res = subprocess.run([str(ROOT / "bench" / "lossless.sh"), str(folder)], cwd=ROOT, env=env,
                             capture_output=True, text=True)
        (work / "logs").mkdir(exist_ok=True)
        (work / "logs" / f"lossless-{name}.log").write_text(res.stderr)
        result = {"name": name, "folder": str(folder), "rc": res.returncode, "markdown": res.stdout,
                  "error": res.stderr.strip().splitlines()[-3:] if res.returncode else []}
        (work / "results" / f"lossless-{name}.json").write_text(json.dumps(result, indent=1))


SECTIONS = {"lossless": section_lossless, "rd": section_rd, "target": section_target,
            "batch": section_batch}


# ----------------------------------------------------------------------------------------------
# Environment


def environment(jpegopt, feats):
    cpu = ""
    for line in text_of(["lscpu"]).splitlines():
        if line.startswith("Model name:"):
            cpu = line.split(":", 1)[1].strip()
    git = text_of(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"])
    # Only changes to what goes into the binary count; a run rewrites docs/ itself.
    dirty = text_of(["git", "-C", str(ROOT), "status", "--porcelain", "--untracked-files=no", "--",
                     "src", "include", "cmake", "CMakeLists.txt"])

    def first_line(cmd):
        lines = text_of(cmd).splitlines()
        return lines[0] if lines else "not found"

    def deb(package):
        return text_of(["dpkg-query", "-W", "-f", "${Version}", package]) or "not installed"

    import matplotlib
    import numpy
    import PIL
    import scipy

    return {
        "date": datetime.datetime.utcnow().strftime("%Y-%m-%d %H:%M UTC"),
        "cpu": cpu or "unknown",
        "nproc": os.cpu_count(),
        "load": " ".join(f"{x:.2f}" for x in os.getloadavg()),
        "jpegopt": first_line([jpegopt, "--version"]),
        "jpegopt_path": str(jpegopt),
        "commit": git + (" (with uncommitted changes)" if dirty else ""),
        "features": feats,
        "tools": {
            "jpegtran / cjpeg / djpeg": first_line(["jpegtran", "-version"]),
            "jpegoptim": first_line(["jpegoptim", "--version"]),
            "ImageMagick": first_line([CONVERT, "-version"]).replace("Version: ", ""),
            "butteraugli": f"Debian package butteraugli {deb('butteraugli')}",
            "GNU time (in bench/lossless.sh)": f"Debian package time {deb('time')}",
            "Python (metrics, plots)": (f"{sys.version.split()[0]}, numpy {numpy.__version__}, "
                                        f"scipy {scipy.__version__}, Pillow {PIL.__version__}, "
                                        f"matplotlib {matplotlib.__version__}"),
        },
    }


def main():
    parser = argparse.ArgumentParser(description="jpegopt benchmark driver (see bench/README.md)")
    parser.add_argument("--quick", action="store_true", help="samples/ plus a small subset")
    parser.add_argument("--work", default=os.environ.get("BENCH_WORK", "/tmp/jpegopt-bench"))
    parser.add_argument("--jpegopt", default=os.environ.get("JPEGOPT",
                                                            str(ROOT / "build/release/jpegopt")))
    parser.add_argument("--jobs", type=int, default=1, help="tool runs at a time (default 1)")
    parser.add_argument("--only", default="lossless,rd,target,batch",
                        help="comma-separated sections to run")
    parser.add_argument("--report-only", action="store_true",
                        help="write the page from the results already in --work")
    parser.add_argument("--out", default=str(ROOT / "docs" / "benchmarks.md"))
    args = parser.parse_args()

    work = Path(args.work) / ("quick" if args.quick else "full")
    (work / "results").mkdir(parents=True, exist_ok=True)
    jpegopt = str(Path(args.jpegopt).resolve())
    feats = features(jpegopt)

    if not args.report_only:
        env = environment(jpegopt, feats)
        log(f"jpegopt {env['jpegopt']} at {env['commit']}; features {feats}")
        sets = prepare(work, args.quick)
        for name in args.only.split(","):
            if name not in SECTIONS:
                parser.error(f"unknown section {name}")
            start = time.monotonic()
            SECTIONS[name](work, sets, jpegopt, feats, args.jobs)
            meta = dict(env, seconds=round(time.monotonic() - start), jobs=args.jobs)
            (work / "results" / f"{name}.meta.json").write_text(json.dumps(meta, indent=1))
            log(f"{name}: done in {meta['seconds']} s")
    import report

    report.write(work, Path(args.out))
    log(f"wrote {args.out}")


if __name__ == "__main__":
    main()
