"""Bjøntegaard delta rate (BD-rate) between two rate-quality curves.

The standard computation (VCEG-M33): fit log(rate) as a cubic polynomial of quality for each curve,
integrate both fits over the quality interval the two curves share, and turn the mean difference of
log-rates into a percentage. A negative BD-rate means the test curve needs fewer bytes than the
anchor for the same quality over that interval.
"""

import math

import numpy as np


def bd_rate(anchor_rates, anchor_quality, test_rates, test_quality):
    """Percent rate change of `test` against `anchor` at equal quality.

    Rates are positive sizes (bytes or bits per pixel); quality values must grow with quality (use
    a negated distance such as -butteraugli, or SSIM in dB). Returns None when the curves have fewer
    than four points each or do not overlap in quality.
    """
    qa = np.asarray(anchor_quality, dtype=float)
    qt = np.asarray(test_quality, dtype=float)
    ra = np.log(np.asarray(anchor_rates, dtype=float))
    rt = np.log(np.asarray(test_rates, dtype=float))
    if len(qa) < 4 or len(qt) < 4 or len(qa) != len(ra) or len(qt) != len(rt):
        return None
    low = max(qa.min(), qt.min())
    high = min(qa.max(), qt.max())
    if not high > low:
        return None
    fit_a = np.polyint(np.polyfit(qa, ra, 3))
    fit_t = np.polyint(np.polyfit(qt, rt, 3))
    mean_a = (np.polyval(fit_a, high) - np.polyval(fit_a, low)) / (high - low)
    mean_t = (np.polyval(fit_t, high) - np.polyval(fit_t, low)) / (high - low)
    return (math.exp(mean_t - mean_a) - 1) * 100


def ssim_db(ssim):
    """SSIM on a decibel scale, -10 log10(1 - SSIM): nearly linear in log-rate, so the cubic fits
    of BD-rate behave better than on raw SSIM, which crowds near 1."""
    return -10 * math.log10(max(1e-10, 1 - ssim))
