"""Writes docs/benchmarks.md and its plots from the TSV/JSON results of a bench/run work folder."""

import json
import os
import re
import statistics
from collections import defaultdict
from pathlib import Path

from bdrate import bd_rate, ssim_db

NA = "not available in this build"


def load_json(path):
    path = Path(path)
    return json.loads(path.read_text()) if path.exists() else None


def read_tsv(path):
    path = Path(path)
    if not path.exists():
        return []
    lines = path.read_text().splitlines()
    if not lines:
        return []
    header = lines[0].split("\t")
    return [dict(zip(header, line.split("\t"))) for line in lines[1:] if line]


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def fmt(value, spec, missing="–"):
    return missing if value is None else format(value, spec)


def rel(path, out):
    """A path relative to the page's folder, for links and images."""
    return os.path.relpath(Path(path).resolve(), out.parent.resolve())


# ----------------------------------------------------------------------------------------------


def setup_section(metas, sets, out):
    lines = ["## Setup", ""]
    if not metas:
        return lines + ["No results yet: run `bench/run`.", ""]
    first = next(iter(metas.values()))
    lines += [
        f"- Date: {first['date']}" + (" (sections run at different times: see each table)"
                                      if len({m['date'] for m in metas.values()}) > 1 else ""),
        f"- CPU: {first['cpu']} (lscpu model name), {first['nproc']} cores, shared with other "
        f"jobs (load average at the start: {first['load']})",
        f"- jpegopt: `{first['jpegopt']}`, Release build of commit {first['commit']}",
    ]
    for tool, version in first["tools"].items():
        lines.append(f"- {tool}: `{version}`")
    mode = "`bench/run --quick`" if sets.get("quick") else "`bench/run`"
    lines += [
        f"- Produced by {mode} (drivers in [bench/](../bench/), how to read each column in "
        "[bench/README.md](../bench/README.md)); tool runs one at a time unless a table says "
        "otherwise.",
        "",
        "Times are CPU seconds (user + system of the one process, from `wait4`/GNU time), so they do "
        "not depend on free cores; they are still noisy on a shared virtual machine. Read ratios and "
        "medians from one run, never absolute seconds across runs.",
        "",
    ]
    return lines


def lossless_commands():
    """The tool invocations of bench/lossless.sh, read from the script so they stay exact."""
    script = Path(__file__).resolve().parent / "lossless.sh"
    text = script.read_text().replace("\\\n", " ") if script.exists() else ""
    commands = []
    for line in text.splitlines():
        m = re.search(r'-o "\$tmp/time"\s+(.*?)\s*;;?\s*$', line)
        if m:
            cmd = re.sub(r"\s+", " ", m.group(1)).replace('"$JPEGOPT"', "jpegopt")
            commands.append(cmd.replace('"$out"', "OUT").replace('"$in"', "IN"))
    return commands or ["(see bench/lossless.sh)"]


def lossless_section(work, out):
    lines = ["## 1. Lossless optimization", ""]
    meta = load_json(work / "results" / "lossless.meta.json")
    results = [load_json(p) for p in sorted((work / "results").glob("lossless-*.json"))]
    if not results:
        return lines + ["Not run.", ""]
    lines += [
        "From [`bench/lossless.sh`](../bench/lossless.sh), run once per folder; the first command "
        "is the reference of every ratio. Its commands, as that script runs them:",
        "",
        "```sh",
    ] + lossless_commands() + ["```", ""]
    if meta:
        lines += [f"Run {meta['date']}, jpegopt commit {meta['commit']}, {meta['seconds']} s.", ""]
    for r in sorted(results, key=lambda r: r["name"] != "samples"):
        if r["rc"] != 0:
            lines += [f"### {r['folder']}", "",
                      f"bench/lossless.sh failed (exit {r['rc']}): `{' / '.join(r['error'])}`", ""]
            continue
        for line in r["markdown"].splitlines():
            lines.append("#" + line if line.startswith("## ") else line)
        lines.append("")
    return lines


# ----------------------------------------------------------------------------------------------


def rd_curves(rows):
    """{set: {encoder: [(q, total_bytes, total_pixels, mean_ba, mean_ssim, files, cpu)]}}"""
    acc = defaultdict(lambda: defaultdict(lambda: defaultdict(list)))
    for r in rows:
        if not r["bytes"]:
            continue
        acc[r["set"]][r["encoder"]][int(r["q"])].append(r)
    curves = {}
    for s, encs in acc.items():
        curves[s] = {}
        for enc, by_q in encs.items():
            points = []
            for q in sorted(by_q):
                rs = by_q[q]
                bas = [float(r["butteraugli"]) for r in rs if r["butteraugli"]]
                points.append((q, sum(int(r["bytes"]) for r in rs), sum(int(r["pixels"]) for r in rs),
                               statistics.mean(bas) if bas else None,
                               statistics.mean(float(r["ssim"]) for r in rs), len(rs),
                               sum(float(r["cpu_s"]) for r in rs)))
            curves[s][enc] = points
    return curves


def per_file_bd(rows):
    """{(set, file): (bd_butteraugli, bd_ssim)} of jpegopt against cjpeg."""
    by = defaultdict(lambda: defaultdict(list))
    for r in rows:
        if r["bytes"]:
            by[(r["set"], r["file"])][r["encoder"]].append(r)
    result = {}
    for key, encs in by.items():
        if "cjpeg" not in encs or "jpegopt" not in encs:
            continue
        a, t = encs["cjpeg"], encs["jpegopt"]

        def curve(rs, metric):
            pts = [(int(r["bytes"]), metric(r)) for r in rs if r["butteraugli"] or metric is m_ssim]
            return [p[0] for p in pts], [p[1] for p in pts]

        def m_ba(r):
            return -float(r["butteraugli"])

        def m_ssim(r):
            return ssim_db(float(r["ssim"]))

        result[key] = (bd_rate(*curve(a, m_ba), *curve(t, m_ba)),
                       bd_rate(*curve(a, m_ssim), *curve(t, m_ssim)))
    return result


def plot_rd(curves, sets, plot_dir):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    labels = {s["name"]: s["name"] for s in sets.get("rd", [])}
    names = [s for s in labels if s in curves]
    written = []
    for metric, index, ylabel, fname in [("butteraugli", 3, "mean butteraugli distance (lower is better)",
                                          "rd-butteraugli.png"),
                                         ("SSIM", 4, "mean SSIM on luma (higher is better)",
                                          "rd-ssim.png")]:
        fig, axes = plt.subplots(1, len(names), figsize=(5 * len(names), 4), squeeze=False)
        for ax, name in zip(axes[0], names):
            for enc, style in [("cjpeg", "o--"), ("jpegopt", "s-")]:
                pts = [p for p in curves[name].get(enc, []) if p[index] is not None]
                if not pts:
                    continue
                ax.plot([p[1] * 8 / p[2] for p in pts], [p[index] for p in pts], style, label=enc,
                        markersize=4)
            ax.set_title(name)
            ax.set_xlabel("bits per pixel (total bytes x 8 / total pixels)")
            ax.set_ylabel(ylabel)
            ax.grid(True, alpha=0.3)
            ax.legend()
        fig.suptitle(f"Re-encode, Q {min(sets['rd_qualities'])}-{max(sets['rd_qualities'])}: "
                     f"bytes vs {metric}")
        fig.tight_layout()
        plot_dir.mkdir(parents=True, exist_ok=True)
        fig.savefig(plot_dir / fname, dpi=80)
        plt.close(fig)
        written.append(fname)
    return written


def rd_png_lines(work, curves, sets):
    """jpegopt from the PNG against from the PNM (bench/bench.py times one quality from PNG)."""
    rows = read_tsv(work / "results" / "rd_png.tsv")
    if not rows:
        return []
    q = int(rows[0]["q"])
    lines = [f"What PNG input costs: jpegopt at Q {q} from the PNG instead of the PNM (sum of CPU "
             "over the set's files; cjpeg from the PNM at the same Q for scale):", "",
             "| set | files | same bytes | jpegopt from PNM | jpegopt from PNG | PNG / PNM | "
             "cjpeg | jpegopt from PNG / cjpeg |",
             "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for s in sets["rd"]:
        mine = [r for r in rows if r["set"] == s["name"]]
        if not mine:
            continue
        png = sum(float(r["cpu_png_s"]) for r in mine)
        pnm = sum(float(r["cpu_pnm_s"]) for r in mine)
        cj = sum(p[6] for p in curves.get(s["name"], {}).get("cjpeg", []) if p[0] == q)
        same = sum(1 for r in mine if r["same_bytes"] == "yes")
        lines.append(f"| `{s['name']}` | {len(mine)} | {same} of {len(mine)} | {pnm:.2f} s | "
                     f"{png:.2f} s | {fmt(png / pnm if pnm else None, '.2f')}x | {cj:.2f} s | "
                     f"{fmt(png / cj if cj else None, '.2f')}x |")
    return lines + [""]


def rd_section(work, sets, out, plot_dir):
    lines = ["## 2. Re-encoding: rate-distortion", ""]
    meta = load_json(work / "results" / "rd.meta.json")
    rows = read_tsv(work / "results" / "rd.tsv")
    if not rows:
        return lines + ["Not run.", ""]
    qs = sets["rd_qualities"]
    lines += [
        f"Each source is encoded at Q {', '.join(map(str, qs))} by both encoders, from the same "
        "file: the source's 8-bit pixels as PPM/PGM (cjpeg does not read PNG; jpegopt reads "
        "both), so the CPU times compare encoder with encoder. From the PNG, jpegopt writes the "
        "same bytes and also pays the PNG decode: see the table after the BD-rates.",
        "",
        "```sh",
        "jpegopt --quality Q --strip all -o OUT SOURCE.pnm",
        "cjpeg -quality Q -optimize -progressive -outfile OUT SOURCE.pnm",
        "butteraugli SOURCE.png OUT          # distance, lower is better",
        "```",
        "",
        "SSIM is computed by [bench/ssim.py](../bench/ssim.py) (Gaussian 11x11, sigma 1.5, on "
        "BT.601 luma; equal to scikit-image's `structural_similarity` with those settings). The sources were made with ImageMagick: alpha "
        "laid over white, metadata removed, and photos turned upright and downscaled with "
        "`convert PHOTO -auto-orient -colorspace sRGB -resize '1600x1600>' ... -strip -depth 8`.",
        "",
    ]
    if meta:
        lines += [f"Run {meta['date']}, jpegopt commit {meta['commit']}, {meta['seconds']} s, "
                  f"{meta['jobs']} encode(s) at a time.", ""]
    have_jpegopt = any(r["encoder"] == "jpegopt" for r in rows)
    if not have_jpegopt:
        lines += [f"**jpegopt `--quality`: {NA}.** Only cjpeg's curve is shown.", ""]
    lines += ["Input sets:", ""]
    for s in sets["rd"]:
        lines.append(f"- `{s['name']}`: {s['label']} ({len(s['files'])} files: "
                     + ", ".join(f"{f['name']} {f['width']}x{f['height']}" for f in s["files"]) + ")")
    lines.append("")

    sampling = defaultdict(lambda: defaultdict(int))
    for r in rows:
        if r.get("subsampling"):
            sampling[r["encoder"]][r["subsampling"]] += 1
    if sampling:
        lines += ["Chroma subsampling of the outputs (jpegopt picks it by content for pixel sources; "
                  "cjpeg always uses 4:2:0 for colour): "
                  + "; ".join(f"{enc} " + ", ".join(f"{k} x{v}" for k, v in sorted(c.items()))
                              for enc, c in sorted(sampling.items())) + ".", ""]
    lines += [
        "The encoder's own development tool, [bench/reencode.sh](../bench/reencode.sh), measures the "
        "encoder library directly (fixed 4:2:0, BD-rate by linear interpolation on butteraugli); "
        "this table measures the shipped command line.", ""]

    curves = rd_curves(rows)
    bd = per_file_bd(rows)
    if have_jpegopt:
        lines += [
            "BD-rate of jpegopt against cjpeg (Bjøntegaard: cubic fit of log(bytes) against quality, "
            "averaged over the quality range both curves cover; negative = jpegopt needs fewer bytes "
            "for the same quality). Quality is -butteraugli, or SSIM in dB (-10 log10(1 - SSIM)). "
            "Per file, then the median and range over the files of the set:",
            "",
            "| set | files | BD-rate, butteraugli | BD-rate, SSIM | encode CPU, jpegopt / cjpeg |",
            "|---|---:|---:|---:|---:|",
        ]
        all_ba, all_ss = [], []
        for s in sets["rd"]:
            vals = [v for (sn, _), v in bd.items() if sn == s["name"]]
            ba = [v[0] for v in vals if v[0] is not None]
            ss = [v[1] for v in vals if v[1] is not None]
            all_ba += ba
            all_ss += ss
            cpu_j = sum(p[6] for p in curves.get(s["name"], {}).get("jpegopt", []))
            cpu_c = sum(p[6] for p in curves.get(s["name"], {}).get("cjpeg", []))

            def summary(v):
                if not v:
                    return "–"
                return f"{median(v):+.1f} % ({min(v):+.1f} to {max(v):+.1f})"

            lines.append(f"| `{s['name']}` | {len(vals)} | {summary(ba)} | {summary(ss)} | "
                         f"{fmt(cpu_j / cpu_c if cpu_c else None, '.2f')}x |")
        lines.append(f"| all | {len(bd)} | {fmt(median(all_ba), '+.1f')} % | "
                     f"{fmt(median(all_ss), '+.1f')} % | |")
        lines.append("")
        lines += rd_png_lines(work, curves, sets)

    plots = plot_rd(curves, sets, plot_dir)
    for p in plots:
        lines += [f"![{p}]({rel(plot_dir / p, out)})", ""]

    for s in sets["rd"]:
        if s["name"] not in curves:
            continue
        c = curves[s["name"]]
        lines += [f"### `{s['name']}`: totals per quality", "",
                  "bpp = total bytes x 8 / total pixels; butteraugli and SSIM are means over the files.",
                  "",
                  "| Q | cjpeg bytes | cjpeg bpp | cjpeg butteraugli | cjpeg SSIM | jpegopt bytes | "
                  "jpegopt bpp | jpegopt butteraugli | jpegopt SSIM |",
                  "|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
        by_q = defaultdict(dict)
        for enc, pts in c.items():
            for p in pts:
                by_q[p[0]][enc] = p
        for q in sorted(by_q):
            cells = [str(q)]
            for enc in ["cjpeg", "jpegopt"]:
                p = by_q[q].get(enc)
                if p is None:
                    cells += ["–"] * 4
                else:
                    cells += [str(p[1]), f"{p[1] * 8 / p[2]:.3f}", fmt(p[3], ".3f"), f"{p[4]:.4f}"]
            lines.append("| " + " | ".join(cells) + " |")
        lines.append("")

    if bd:
        lines += ["### BD-rate per file", "", "| set | file | butteraugli | SSIM |", "|---|---|---:|---:|"]
        for (sn, fn), (b, s2) in sorted(bd.items()):
            lines.append(f"| `{sn}` | {fn} | {fmt(b, '+.1f')} % | {fmt(s2, '+.1f')} % |")
        lines.append("")
    return lines


# ----------------------------------------------------------------------------------------------


TARGET_TOOLS = ["jpegopt", "imagemagick", "jpegoptim"]


def target_summary(rows, label, size, tool):
    """Figures of one tool at one target, or None when it did not run; "n/a" when not built."""
    rs = [r for r in rows if r["target"] == label and r["tool"] == tool]
    if not rs:
        return None
    if all(r["status"] == "n/a" for r in rs):
        return "n/a"
    ok = [r for r in rs if r["status"] == "ok"]
    trials = [float(r["trials"]) for r in ok if r["trials"]]

    def wall_ratio(other):
        theirs = {r["file"]: float(r["wall_s"]) for r in rows
                  if r["target"] == label and r["tool"] == other and r["status"] == "ok"}
        return median([float(r["wall_s"]) / theirs[r["file"]] for r in ok
                       if r["file"] in theirs and theirs[r["file"]] > 0])

    return {
        "runs": len(rs),
        "ok": len(ok),
        "within": sum(1 for r in ok if int(r["bytes"]) <= size),
        "ratio": median([int(r["bytes"]) / size for r in ok]),
        "trials": statistics.mean(trials) if trials else None,
        "wall": median([float(r["wall_s"]) for r in ok]),
        "cpu": median([float(r["cpu_s"]) for r in ok]),
        "vs_im": wall_ratio("imagemagick"),
        "vs_jpegoptim": wall_ratio("jpegoptim"),
        "ba": median([float(r["butteraugli"]) for r in ok if r["butteraugli"]]),
        "ssim": median([float(r["ssim"]) for r in ok if r.get("ssim")]),
        "resized": sum(1 for r in ok if r["same_dimensions"] == "no"),
        "failed": sum(1 for r in rs if r["status"] == "failed"),
    }


def target_section(work, sets, out, plot_dir):
    lines = ["## 3. Target file size", ""]
    meta = load_json(work / "results" / "target.meta.json")
    rows = read_tsv(work / "results" / "target.tsv")
    if not rows:
        return lines + ["Not run.", ""]
    t = sets["target"]
    scored = ", ".join(Path(f).name for f in t["butteraugli"])
    lines += [
        f"Inputs: {t['label']}: " + ", ".join(Path(f).name for f in t["files"]) + ".",
        "",
        "Targets are in KiB (1 KiB = 1,024 bytes), because jpegoptim's `--size` counts only in KiB; "
        "every tool gets the same byte count. Commands, one run at a time:",
        "",
        "```sh",
        "jpegopt --json -v --target-size BYTES --strip all -o OUT IN   # no --json when the build lacks it",
        "convert IN -strip -define jpeg:extent=BYTES OUT             # ImageMagick 6",
        "jpegoptim --strip-all --size=KIB --stdout IN > OUT",
        "```",
        "",
        "- **within**: outputs of at most the target, of the runs that wrote a file. "
        "**out/target**: median of output bytes / target. **trials**: mean trial encodes per file "
        "as jpegopt reports them (the other tools do not say). **wall s**, **CPU s**: medians per "
        "file. **wall vs IM / vs jpegoptim**: median over files of this tool's wall time divided by "
        "that tool's on the same file.",
        "- **butteraugli**, **SSIM**: medians against the input photo, "
        + ("SSIM only in `--quick`" if sets.get("quick") else
           f"on {scored} only (a full-size butteraugli costs about 14 CPU s and 1.5 GB per 8 MP)")
        + ". An output with other dimensions than the input (jpegopt downscales when even its "
        "minimum quality does not fit) cannot be scored and is counted in **resized**.",
        "",
    ]
    if meta:
        lines += [f"Run {meta['date']}, jpegopt commit {meta['commit']}, {meta['seconds']} s.", ""]
    lines += ["| target | tool | files | within | out/target | trials | wall s | CPU s | wall vs IM | "
              "wall vs jpegoptim | butteraugli | SSIM | resized | failed |",
              "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for label, size in sets["targets"]:
        for tool in TARGET_TOOLS:
            f = target_summary(rows, label, size, tool)
            if f is None:
                continue
            if f == "n/a":
                lines.append(f"| {label} | {tool} | {NA} | | | | | | | | | | | |")
                continue
            lines.append(
                f"| {label} | {tool} | {f['runs']} | {f['within']}/{f['ok']} | {fmt(f['ratio'], '.3f')} | "
                f"{fmt(f['trials'], '.1f')} | {fmt(f['wall'], '.2f')} | {fmt(f['cpu'], '.2f')} | "
                f"{fmt(f['vs_im'], '.2f') if tool != 'imagemagick' else ''} | "
                f"{fmt(f['vs_jpegoptim'], '.2f') if tool != 'jpegoptim' else ''} | "
                f"{fmt(f['ba'], '.2f')} | {fmt(f['ssim'], '.4f')} | {f['resized']} | {f['failed']} |")
    lines.append("")
    misses = [r for r in rows if r["status"] == "failed"
              or (r["status"] == "ok" and int(r["bytes"]) > int(r["target_bytes"]))]
    lines += ["Over the target or failed:", ""]
    for r in sorted(misses, key=lambda r: (r["tool"], r["file"], int(r["target_bytes"]))):
        what = (f"failed: `{r.get('message', '')}`" if r["status"] == "failed" else
                f"{int(r['bytes']):,} bytes, {int(r['bytes']) / int(r['target_bytes']):.3f}x the target")
        lines.append(f"- {r['tool']}, {r['target']}, {r['file']}: {what}")
    if not misses:
        lines.append("- none")
    lines.append("")
    plot = plot_target(rows, sets, plot_dir)
    if plot:
        lines += [f"![{plot}]({rel(plot_dir / plot, out)})", ""]
    return lines


def plot_target(rows, sets, plot_dir):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    tools = ["jpegopt", "imagemagick", "jpegoptim"]
    fig, ax = plt.subplots(figsize=(8, 4))
    any_point = False
    for ti, (label, size) in enumerate(sets["targets"]):
        for k, tool in enumerate(tools):
            ys = [int(r["bytes"]) / size for r in rows
                  if r["target"] == label and r["tool"] == tool and r["status"] == "ok"]
            if ys:
                any_point = True
            ax.scatter([ti + (k - 1) * 0.22] * len(ys), ys, s=12, label=tool if ti == 0 else None,
                       color=f"C{k}")
    if not any_point:
        plt.close(fig)
        return None
    ax.axhline(1.0, color="grey", linewidth=0.8)
    ax.set_xticks(range(len(sets["targets"])), [t[0] for t in sets["targets"]])
    ax.set_ylabel("output bytes / target")
    ax.set_title("Target size: each dot is one photo")
    ax.legend()
    ax.grid(True, axis="y", alpha=0.3)
    fig.tight_layout()
    plot_dir.mkdir(parents=True, exist_ok=True)
    fig.savefig(plot_dir / "target.png", dpi=80)
    plt.close(fig)
    return "target.png"


# ----------------------------------------------------------------------------------------------


def batch_section(work, sets):
    lines = ["## 4. Batch throughput", ""]
    meta = load_json(work / "results" / "batch.meta.json")
    rows = read_tsv(work / "results" / "batch.tsv")
    if not rows:
        return lines + ["Not run.", ""]
    lines += [
        f"Inputs: {sets['batch']['label']} ({rows[0]['files']} files, "
        f"{int(rows[0]['bytes_in']) / 1e6:.1f} MB), copied to a scratch folder before each run and "
        "optimized in place with the default settings: `jpegopt --quiet --jobs N --json FILE...`. "
        "MB/s and files/s are input megabytes (10^6 bytes) and files per wall-clock second; "
        "**same bytes** says whether every file came out byte-identical to the -j 1 run; "
        "**statuses** counts the `status` fields of the JSON report.",
        "",
    ]
    if meta:
        lines += [f"Run {meta['date']}, jpegopt commit {meta['commit']}, on {meta['nproc']} cores.",
                  ""]
    lines += ["| -j | wall s | MB/s | files/s | CPU s | speed-up vs -j 1 | same bytes | statuses | exit |",
              "|---:|---:|---:|---:|---:|---:|---|---|---:|"]
    base = None
    for r in rows:
        if r["wall_s"] == "n/a":
            lines.append(f"| {r['jobs']} | {NA} (no `--jobs`) | | | | | | | |")
            continue
        wall = float(r["wall_s"])
        base = base or wall
        lines.append(f"| {r['jobs']} | {wall:.1f} | {int(r['bytes_in']) / 1e6 / wall:.2f} | "
                     f"{int(r['files']) / wall:.2f} | {float(r['cpu_s']):.1f} | {base / wall:.2f}x | "
                     f"{r.get('same_as_j1') or '–'} | {r.get('statuses') or '–'} | {r['exit']} |")
    lines.append("")
    return lines


# ----------------------------------------------------------------------------------------------
# The goals of the other issues, next to this run's figures


def lossless_rows(markdown):
    """{tool: [cells]} of the table bench/lossless.sh prints."""
    rows = {}
    for line in markdown.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 8 and cells[0].startswith("jpeg"):
            rows[cells[0]] = cells
    return rows


def goals_section(work, sets):
    lines = ["## Goals at a glance", "",
             "The goals set in the project's issues, next to what this run measured (details in "
             "the numbered sections). Times are ratios from one run on a shared machine.", "",
             "| issue | goal | measured |", "|---|---|---|"]
    results = {r["name"]: r for r in (load_json(p) for p in (work / "results").glob("lossless-*.json"))}
    chosen = results.get("photos") or results.get("samples")
    if chosen and chosen["rc"] == 0:
        rows = lossless_rows(chosen["markdown"])
        where = chosen["folder"]
        d, m = rows.get("jpegopt-default"), rows.get("jpegopt-max")
        if d and m:
            lines += [
                f"| 3 lossless | bytes ≤ 0.985× jpegtran -progressive (default), ≤ 0.980× (max) | "
                f"{d[2]}× / {m[2]}× on {where} |",
                f"| 3 lossless | CPU ≤ 2× jpegtran (default), ≤ 6× (max) | {d[4]}× / {m[4]}× |",
                f"| 3 lossless | peak memory ≤ 1.5× jpegtran on the largest photo | "
                f"{d[6]}× (default), {m[6]}× (max) |",
            ]
    rd = read_tsv(work / "results" / "rd.tsv")
    if rd:
        if any(r["encoder"] == "jpegopt" for r in rd):
            bd = per_file_bd(rd)
            ba = median([v[0] for v in bd.values() if v[0] is not None])
            ss = median([v[1] for v in bd.values() if v[1] is not None])
            cpu = defaultdict(float)
            for r in rd:
                if r["cpu_s"]:
                    cpu[r["encoder"]] += float(r["cpu_s"])
            # The encodes read the PPM/PGM cjpeg reads; rd_png.tsv times jpegopt from the PNG at Q 85.
            png_note = ""
            png_rows = read_tsv(work / "results" / "rd_png.tsv")
            cjpeg_85 = {(r["set"], r["file"]): float(r["cpu_s"]) for r in rd
                        if r["encoder"] == "cjpeg" and r["q"] == "85" and r["cpu_s"]}
            png_pairs = [(float(r["cpu_png_s"]), cjpeg_85[(r["set"], r["file"])]) for r in png_rows
                         if (r["set"], r["file"]) in cjpeg_85 and r["cpu_png_s"]]
            if png_pairs and sum(c for _, c in png_pairs) > 0:
                png_note = (f"; from PNG at Q 85: "
                            f"{sum(p for p, _ in png_pairs) / sum(c for _, c in png_pairs):.2f}×")
            lines += [
                f"| 4 re-encode | BD-rate ≤ −10 % against cjpeg at equal quality | "
                f"{fmt(ba, '+.1f')} % (butteraugli), {fmt(ss, '+.1f')} % (SSIM); median of {len(bd)} files |",
                f"| 4 re-encode | encode time ≤ 3× cjpeg | "
                f"{fmt(cpu['jpegopt'] / cpu['cjpeg'] if cpu['cjpeg'] else None, '.2f')}× (CPU, all encodes, both from the same PPM/PGM{png_note}) |",
            ]
        else:
            lines.append(f"| 4 re-encode | BD-rate ≤ −10 % against cjpeg; time ≤ 3× | {NA} |")
    tr = read_tsv(work / "results" / "target.tsv")
    if tr:
        ours = [r for r in tr if r["tool"] == "jpegopt"]
        if ours and all(r["status"] == "n/a" for r in ours):
            lines.append(f"| 5 target size | all outputs ≤ target; time ≤ 0.5× ImageMagick | {NA} |")
        elif ours:
            sizes = dict(sets["targets"])
            ok = [r for r in ours if r["status"] == "ok"]
            full = [r for r in ok if r["same_dimensions"] == "yes"]
            within = sum(1 for r in ok if int(r["bytes"]) <= sizes[r["target"]])
            ratio = median([int(r["bytes"]) / sizes[r["target"]] for r in full])
            trials = [float(r["trials"]) for r in ok if r["trials"]]

            def wall_vs(other):
                theirs = {(r["file"], r["target"]): float(r["wall_s"]) for r in tr
                          if r["tool"] == other and r["status"] == "ok"}
                return median([float(r["wall_s"]) / theirs[(r["file"], r["target"])] for r in ok
                               if (r["file"], r["target"]) in theirs])

            def metric(tool, key):
                return median([float(r[key]) for r in tr if r["tool"] == tool and r.get(key)])

            lines += [
                f"| 5 target size | 100 % of outputs ≤ target | {within}/{len(ours)} runs"
                + (f" ({len(ours) - len(ok)} failed)" if len(ok) < len(ours) else "") + " |",
                f"| 5 target size | median output/target ≥ 0.97 (reachable at full size) | "
                f"{fmt(ratio, '.3f')} ({len(full)} full-size outputs) |",
                "| 5 target size | wall time ≤ 0.5× ImageMagick, ≤ 1× jpegoptim | "
                + (f"{fmt(wall_vs('imagemagick'), '.2f')}× / {fmt(wall_vs('jpegoptim'), '.2f')}× "
                 "(median per file) |").replace("–×", "–"),
                f"| 5 target size | butteraugli and SSIM at least as good as ImageMagick's | "
                f"butteraugli {fmt(metric('jpegopt', 'butteraugli'), '.2f')} vs "
                f"{fmt(metric('imagemagick', 'butteraugli'), '.2f')}, SSIM "
                f"{fmt(metric('jpegopt', 'ssim'), '.4f')} vs {fmt(metric('imagemagick', 'ssim'), '.4f')} "
                "(medians, lower/higher is better) |",
                f"| 5 target size | ≤ 6 trial encodes per file on average | "
                f"{fmt(statistics.mean(trials) if trials else None, '.1f')} |",
            ]
    ba = read_tsv(work / "results" / "batch.tsv")
    timed = [r for r in ba if r["wall_s"] not in ("", "n/a")]
    if len(timed) >= 2:
        lines.append(f"| 6 batch | -j N scales (no numeric goal) | speed-up "
                     f"{float(timed[0]['wall_s']) / float(timed[-1]['wall_s']):.2f}× with -j "
                     f"{timed[-1]['jobs']} |")
    elif ba:
        lines.append(f"| 6 batch | -j N scales (no numeric goal) | `--jobs`: {NA} |")
    lines.append("")
    return lines


# ----------------------------------------------------------------------------------------------


def write(work, out):
    work = Path(work)
    out = Path(out)
    sets = load_json(work / "sets.json") or {}
    plot_dir = out.parent / "bench"
    metas = {}
    for name in ["lossless", "rd", "target", "batch"]:
        m = load_json(work / "results" / f"{name}.meta.json")
        if m:
            metas[name] = m
    lines = [
        "# Benchmarks",
        "",
        "jpegopt measured side by side with the tools people would otherwise use, on the same files "
        "in the same run. Generated by `bench/run`" + (" --quick" if sets.get("quick") else "")
        + "; do not edit by hand.",
        "",
    ]
    if sets.get("quick"):
        lines += ["**This is a `--quick` run** (samples/ plus a small subset of the corpus): a smoke "
                  "test of the suite, not representative numbers.", ""]
    lines += setup_section(metas, sets, out)
    goals = goals_section(work, sets) if sets else []
    lines += goals
    lines += lossless_section(work, out)
    if sets:
        lines += rd_section(work, sets, out, plot_dir)
        lines += target_section(work, sets, out, plot_dir)
        lines += batch_section(work, sets)
    out.write_text("\n".join(lines).rstrip() + "\n")
    update_readme(out, goals, metas, sets)


README_START = "<!-- bench/run: numbers start -->"
README_END = "<!-- bench/run: numbers end -->"


def update_readme(out, goals, metas, sets):
    """Replaces the block between the README's markers with the goals table (full runs only)."""
    readme = out.parent.parent / "README.md"
    if sets.get("quick") or not readme.exists() or not goals or not metas:
        return
    text = readme.read_text()
    if README_START not in text or README_END not in text:
        return
    first = next(iter(metas.values()))
    table = [line for line in goals if line.startswith("|")]
    block = [README_START, "",
             f"One run of `bench/run{' --quick' if sets.get('quick') else ''}` on {first['date'][:10]} "
             f"({first['cpu']}, {first['nproc']} shared cores); every table, plot, command line and "
             f"tool version is in [docs/benchmarks.md]({rel(out, readme)}).", ""] + table + [
             "", README_END]
    head, rest = text.split(README_START, 1)
    tail = rest.split(README_END, 1)[1]
    readme.write_text(head + "\n".join(block) + tail)
