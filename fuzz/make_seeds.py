#!/usr/bin/env python3
"""Regenerates the small generated seeds in fuzz/seeds/ from samples/ (stdlib + cjpeg/djpeg/
jpegtran/exiftool from libjpeg-turbo-progs and libimage-exiftool-perl). Crashers found by fuzzing
are added by hand as fuzz/seeds/<target>/crash-<what>; this script never deletes them.
Usage: fuzz/make_seeds.py   (from anywhere)"""
import os
import struct
import subprocess
import tempfile
import zlib

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SAMPLES = os.path.join(ROOT, "samples")
SEEDS = os.path.join(ROOT, "fuzz", "seeds")


def run(args, data=None):
    return subprocess.run(args, input=data, stdout=subprocess.PIPE, check=True).stdout


def segments(jpeg):
    """(marker, payload) of the header segments up to SOS."""
    pos, out = 2, []
    while pos + 4 <= len(jpeg) and jpeg[pos] == 0xFF:
        m = jpeg[pos + 1]
        length = struct.unpack(">H", jpeg[pos + 2:pos + 4])[0]
        out.append((m, jpeg[pos + 4:pos + 2 + length]))
        if m == 0xDA:
            break
        pos += 2 + length
    return out


def insert_after_soi(jpeg, marker, payload):
    return jpeg[:2] + bytes([0xFF, marker]) + struct.pack(">H", len(payload) + 2) + payload + jpeg[2:]


def write(target, name, data):
    os.makedirs(os.path.join(SEEDS, target), exist_ok=True)
    with open(os.path.join(SEEDS, target, name), "wb") as f:
        f.write(data)


def small_jpegs(tmp):
    ppm = run(["djpeg", "-scale", "1/8", os.path.join(SAMPLES, "skimage-rocket-640x427-444-icc.jpg")])
    src = os.path.join(tmp, "small.ppm")
    open(src, "wb").write(ppm)
    odd = os.path.join(tmp, "odd.ppm")
    open(odd, "wb").write(run(["djpeg", "-scale", "1/8",
                                os.path.join(SAMPLES, "gimp-texture-96x96-444-dri0-comment.jpg")]))
    out = {}
    out["baseline-420.jpg"] = run(["cjpeg", "-quality", "80", src])
    out["progressive-420.jpg"] = run(["cjpeg", "-quality", "80", "-progressive", src])
    out["arithmetic.jpg"] = run(["cjpeg", "-quality", "80", "-arithmetic", src])
    out["arithmetic-progressive.jpg"] = run(["cjpeg", "-arithmetic", "-progressive", src])
    out["restart-1.jpg"] = run(["cjpeg", "-restart", "1B", src])
    out["gray.jpg"] = run(["cjpeg", "-grayscale", src])
    out["sampling-444.jpg"] = run(["cjpeg", "-sample", "1x1", src])
    out["sampling-422-odd-12x12.jpg"] = run(["cjpeg", "-sample", "2x1", odd])
    out["sampling-411.jpg"] = run(["cjpeg", "-sample", "4x1", src])
    out["rgb.jpg"] = run(["cjpeg", "-rgb", odd])
    base = out["baseline-420.jpg"]
    plasma = open(os.path.join(SAMPLES,
                               "debian-plasma-screenshot-1920x1080-444-progressive-exif-xmp-icc.jpg"), "rb").read()
    meta = b"".join(bytes([0xFF, m]) + struct.pack(">H", len(p) + 2) + p
                    for m, p in segments(plasma) if 0xE1 <= m <= 0xEF or m == 0xFE)
    out["metadata-exif-xmp-icc.jpg"] = base[:2] + meta + base[2:]
    out["trailer.jpg"] = base + b"\xff\xd8trailing data after EOI"
    out["truncated.jpg"] = base[: len(base) // 2]
    sof = base.index(b"\xff\xc0")
    out["sof3-lossless.jpg"] = base[:sof + 1] + b"\xc3" + base[sof + 2:]
    out["precision-12.jpg"] = base[:sof + 4] + b"\x0c" + base[sof + 5:]
    out["height-zero.jpg"] = base[:sof + 5] + b"\x00\x00" + base[sof + 7:]
    out["junk-before-marker.jpg"] = base[:sof] + b"\x00\x12junk" + base[sof:]
    return out


def exif_seeds(tmp):
    out = {}
    plasma = open(os.path.join(SAMPLES,
                               "debian-plasma-screenshot-1920x1080-444-progressive-exif-xmp-icc.jpg"), "rb").read()
    for m, p in segments(plasma):
        if m == 0xE1 and p.startswith(b"Exif\0\0"):
            out["plasma.tiff"] = p[6:]
    # A small file with GPS, camera strings, a date, an orientation and a thumbnail.
    thumb = os.path.join(tmp, "thumb.jpg")
    open(thumb, "wb").write(run(["cjpeg", "-quality", "30", os.path.join(tmp, "odd.ppm")]))
    jpg = os.path.join(tmp, "gps.jpg")
    open(jpg, "wb").write(run(["cjpeg", os.path.join(tmp, "odd.ppm")]))
    run(["exiftool", "-q", "-overwrite_original", "-Make=Fuzz", "-Model=Seed 1", "-Orientation#=6",
         "-DateTimeOriginal=2024:01:02 03:04:05", "-GPSLatitude=48.85", "-GPSLatitudeRef=N",
         "-GPSLongitude=2.35", "-GPSLongitudeRef=E", "-ExifImageWidth=12", "-ExifImageHeight=12",
         "-ThumbnailImage<=" + thumb, jpg])
    for m, p in segments(open(jpg, "rb").read()):
        if m == 0xE1 and p.startswith(b"Exif\0\0"):
            out["gps-thumbnail-le.tiff" if p[6:8] == b"II" else "gps-thumbnail-be.tiff"] = p[6:]
    # The minimal orientation-only EXIF jpegopt writes, and an IFD0 that points to itself.
    out["orientation-only.tiff"] = bytes.fromhex("4d4d002a00000008000101120003000000010006000000000000")
    out["ifd-loop.tiff"] = bytes.fromhex("4d4d002a00000008000101120003000000010001000000000008")
    return out


def icc_records(chunks):
    return b"".join(struct.pack(">H", len(c)) + c for c in chunks)


def icc_chunks(profile, count, order=None):
    size = -(-len(profile) // count)
    parts = [profile[i * size:(i + 1) * size] for i in range(count)]
    chunks = [b"ICC_PROFILE\0" + bytes([i + 1, count]) + parts[i] for i in range(count)]
    return [chunks[i] for i in (order or range(count))]


def icc_seeds():
    out = {}
    profiles = {}
    for name in ("skimage-rocket-640x427-444-icc.jpg",
                 "debian-plasma-screenshot-1920x1080-444-progressive-exif-xmp-icc.jpg"):
        jpeg = open(os.path.join(SAMPLES, name), "rb").read()
        chunks = [p for m, p in segments(jpeg) if m == 0xE2 and p.startswith(b"ICC_PROFILE\0")]
        profiles[name.split("-")[1]] = b"".join(c[14:] for c in chunks)
    for key, profile in profiles.items():
        out[key + "-1-chunk.bin"] = icc_records(icc_chunks(profile, 1))
    rocket = profiles["rocket"]
    out["rocket-3-chunks-out-of-order.bin"] = icc_records(icc_chunks(rocket, 3, [2, 0, 1]))
    out["rocket-missing-chunk.bin"] = icc_records(icc_chunks(rocket, 3, [0, 2]))
    out["rocket-duplicate-chunk.bin"] = icc_records(icc_chunks(rocket, 2, [0, 1, 1]))
    # A v4 profile header with one 'desc' tag of type mluc (one English record).
    text = "Fuzz v4".encode("utf-16-be")
    mluc = b"mluc" + bytes(4) + struct.pack(">II", 1, 12) + b"enUS" + struct.pack(">II", len(text), 28) + text
    tags = struct.pack(">I", 1) + b"desc" + struct.pack(">II", 128 + 16, len(mluc))
    body = tags + bytes(4) + mluc
    header = bytearray(128)
    header[0:4] = struct.pack(">I", 128 + len(body))
    header[8:12] = bytes([4, 0x30, 0, 0])
    header[12:16] = b"mntr"
    header[16:20] = b"RGB "
    header[20:24] = b"XYZ "
    header[36:40] = b"acsp"
    out["v4-mluc-1-chunk.bin"] = icc_records(icc_chunks(bytes(header) + body, 1))
    return out


def png_chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png(width, height, colour_type, depth, rows, interlaced=False, extra=b"", compress=True):
    """A PNG from raw filtered-less rows (bytes per row, filter 0 added here). With `interlaced`,
    `rows` is a list of passes, each a list of rows."""
    if interlaced:
        raw = b"".join(b"\0" + r for p in rows for r in p)
    else:
        raw = b"".join(b"\0" + r for r in rows)
    ihdr = struct.pack(">IIBBBBB", width, height, depth, colour_type, 0, 0, 1 if interlaced else 0)
    return (b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) + extra +
            png_chunk(b"IDAT", zlib.compress(raw, 9) if compress else raw) + png_chunk(b"IEND", b""))


def adam7(width, height, pixel):
    """Passes of an Adam7 image, `pixel(x, y)` giving the bytes of one pixel."""
    passes = []
    for x0, y0, dx, dy in ((0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4),
                           (1, 0, 2, 2), (0, 1, 1, 2)):
        rows = [b"".join(pixel(x, y) for x in range(x0, width, dx)) for y in range(y0, height, dy)]
        passes.append([r for r in rows if r])
    return passes


def png_seeds():
    w, h = 19, 13
    px = lambda x, y: bytes([(x * 13) & 255, (y * 19) & 255, ((x + y) * 7) & 255])
    out = {}
    out["rgb8.png"] = png(w, h, 2, 8, [b"".join(px(x, y) for x in range(w)) for y in range(h)])
    out["rgba8.png"] = png(w, h, 6, 8, [b"".join(px(x, y) + bytes([x * 12]) for x in range(w))
                                        for y in range(h)])
    out["gray8.png"] = png(w, h, 0, 8, [bytes((x * y) & 255 for x in range(w)) for y in range(h)])
    out["gray-alpha8.png"] = png(w, h, 4, 8, [bytes(v for x in range(w) for v in (x * 9, y * 17))
                                              for y in range(h)])
    out["rgb16.png"] = png(w, h, 2, 16, [b"".join(px(x, y) * 2 for x in range(w)) for y in range(h)])
    out["gray1.png"] = png(16, 4, 0, 1, [bytes([0xA5, 0x3C]) for _ in range(4)])
    plte = png_chunk(b"PLTE", bytes(range(24))) + png_chunk(b"tRNS", bytes([0, 128, 255]))
    out["palette-trns.png"] = png(8, 4, 3, 8, [bytes((x + y) % 8 for x in range(8)) for y in range(4)],
                                  extra=plte)
    out["interlaced-rgb8.png"] = png(w, h, 2, 8, adam7(w, h, px), interlaced=True)
    srgb = png_chunk(b"gAMA", struct.pack(">I", 45455)) + png_chunk(b"sRGB", b"\0")
    out["gamma-srgb.png"] = png(4, 4, 2, 8, [px(0, y) * 4 for y in range(4)], extra=srgb)
    # Over the dimension limits, and an IDAT that inflates to 4 MB: for the limit checks.
    out["huge-dimensions.png"] = png(100000, 100000, 0, 8, [b"\0"])
    out["inflates-to-4mb.png"] = png(2000, 2000, 0, 8, [bytes(2000)] * 2000)
    return out


def pnm_seeds():
    w, h = 7, 5
    gray = bytes((x * 37 + y * 11) & 255 for y in range(h) for x in range(w))
    rgb = bytes(v for y in range(h) for x in range(w) for v in ((x * 40) & 255, (y * 50) & 255, 99))
    out = {}
    out["gray8.pgm"] = b"P5\n%d %d\n255\n" % (w, h) + gray
    out["rgb8.ppm"] = b"P6 %d %d 255\n" % (w, h) + rgb
    out["comments.ppm"] = b"P6\n# made by make_seeds.py\n%d # width\n%d\n# maxval next\n255\n" % (w, h) + rgb
    out["maxval100.pgm"] = b"P5 %d %d 100\n" % (w, h) + bytes(v % 101 for v in gray)
    out["rgb16.ppm"] = b"P6 %d %d 65535\n" % (w, h) + b"".join(bytes([v, v ^ 0x5A]) for v in rgb)
    out["truncated.ppm"] = b"P6 %d %d 255\n" % (w, h) + rgb[:40]
    out["huge-dimensions.pgm"] = b"P5 100000 100000 255\n" + bytes(16)
    return out


def main():
    with tempfile.TemporaryDirectory() as tmp:
        jpegs = small_jpegs(tmp)
        for name, data in jpegs.items():
            for target in ("marker_parser", "optimize", "reencode"):
                write(target, name, data)
        for name, data in exif_seeds(tmp).items():
            write("exif", name, data)
    for name, data in icc_seeds().items():
        write("icc", name, data)
    for name, data in pnm_seeds().items():
        write("pnm", name, data)
    if os.path.exists(os.path.join(ROOT, "fuzz", "fuzz_png.cpp")):
        for name, data in png_seeds().items():
            write("png", name, data)


if __name__ == "__main__":
    main()
