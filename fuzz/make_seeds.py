#!/usr/bin/env python3
"""Regenerates the small generated seeds in fuzz/seeds/ from samples/ (stdlib + cjpeg/djpeg/
jpegtran/exiftool from libjpeg-turbo-progs and libimage-exiftool-perl). Crashers found by fuzzing
are added by hand as fuzz/seeds/<target>/crash-<what>; this script never deletes them.
Usage: fuzz/make_seeds.py   (from anywhere)"""
import os
import struct
import subprocess
import tempfile

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


if __name__ == "__main__":
    main()
