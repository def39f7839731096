"""SSIM (Wang, Bovik, Sheikh, Simoncelli 2004) on luma, the usual way it is reported for codecs.

Gaussian window with sigma 1.5 truncated to 11x11, K1 = 0.01, K2 = 0.03, L = 255, population
(co)variances; the map is averaged over the pixels whose whole window lies inside the image (5 px
borders left out), the conventions of scikit-image's structural_similarity with
gaussian_weights=True, sigma=1.5, use_sample_covariance=False. Colour images are compared on BT.601 luma
(Y = 0.299 R + 0.587 G + 0.114 B) computed in floating point from the decoded 8-bit RGB.
"""

import numpy as np
from PIL import Image
from scipy.ndimage import gaussian_filter


def luma(path, grey):
    """Decoded pixels of an image file as float32 luma (or grey level); SSIM sums in float64."""
    with Image.open(path) as image:
        if grey:
            return np.asarray(image.convert("L"), dtype=np.float32)
        rgb = np.asarray(image.convert("RGB"), dtype=np.float32)
    return rgb[..., 0] * 0.299 + rgb[..., 1] * 0.587 + rgb[..., 2] * 0.114


def ssim(x, y):
    """Mean SSIM of two equally sized float arrays of values in 0..255."""
    if x.shape != y.shape:
        raise ValueError(f"SSIM of images of different sizes {x.shape} and {y.shape}")
    c1 = (0.01 * 255) ** 2
    c2 = (0.03 * 255) ** 2

    def blur(a):
        return gaussian_filter(a, sigma=1.5, truncate=3.5, mode="mirror")

    mx, my = blur(x), blur(y)
    vx = blur(x * x) - mx * mx
    vy = blur(y * y) - my * my
    cov = blur(x * y) - mx * my
    num = (2 * mx * my + c1) * (2 * cov + c2)
    den = (mx * mx + my * my + c1) * (vx + vy + c2)
    border = 5  # the window's radius
    return float(np.mean((num / den)[border:-border, border:-border], dtype=np.float64))


def ssim_files(reference, distorted):
    """SSIM of a distorted image file against its reference file; grey when the reference is."""
    with Image.open(reference) as image:
        grey = image.mode in ("L", "I;16", "LA", "1")
    return ssim(luma(reference, grey), luma(distorted, grey))
