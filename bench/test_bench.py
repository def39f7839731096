"""Checks of the benchmark's own arithmetic: /usr/bin/python3 -m unittest bench/test_bench.py"""

import math
import os
import sys
import unittest

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from bdrate import bd_rate, ssim_db  # noqa: E402
from ssim import ssim  # noqa: E402


class BdRate(unittest.TestCase):
    def test_constant_factor_is_the_bd_rate(self):
        quality = [30.0, 33.0, 36.0, 39.0, 42.0]
        anchor = [1000.0, 1500.0, 2300.0, 3600.0, 5200.0]
        test = [r * 0.9 for r in anchor]
        self.assertAlmostEqual(bd_rate(anchor, quality, test, quality), -10.0, places=6)
        self.assertAlmostEqual(bd_rate(test, quality, anchor, quality), 100 / 0.9 - 100, places=6)

    def test_only_the_shared_quality_interval_counts(self):
        # log-rate linear in quality; the test curve is shifted by one quality unit, i.e. it needs
        # exp(-0.1) of the rate at the same quality wherever both curves exist.
        qa = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]
        qt = [q + 1 for q in qa]
        ra = [math.exp(0.1 * q) for q in qa]
        rt = [math.exp(0.1 * q) for q in qa]  # rate at qt = rate the anchor had one unit lower
        self.assertAlmostEqual(bd_rate(ra, qa, rt, qt), (math.exp(-0.1) - 1) * 100, places=6)

    def test_too_few_points_or_no_overlap(self):
        self.assertIsNone(bd_rate([1, 2, 3], [1, 2, 3], [1, 2, 3], [1, 2, 3]))
        self.assertIsNone(bd_rate([1, 2, 3, 4], [1, 2, 3, 4], [1, 2, 3, 4], [5, 6, 7, 8]))

    def test_ssim_db(self):
        self.assertAlmostEqual(ssim_db(0.99), 20.0, places=9)
        self.assertAlmostEqual(ssim_db(0.9), 10.0, places=9)


class Ssim(unittest.TestCase):
    def test_identical_images_score_one(self):
        rng = np.random.default_rng(1)
        image = rng.integers(0, 256, size=(40, 50)).astype(np.float64)
        self.assertAlmostEqual(ssim(image, image), 1.0, places=12)

    def test_constant_offset_lowers_only_luminance_term(self):
        image = np.full((32, 32), 100.0)
        shifted = image + 20
        c1 = (0.01 * 255) ** 2
        expected = (2 * 100 * 120 + c1) / (100**2 + 120**2 + c1)
        self.assertAlmostEqual(ssim(image, shifted), expected, places=9)

    def test_agrees_with_scikit_image(self):
        try:
            from skimage.metrics import structural_similarity
        except ImportError:
            self.skipTest("python3-skimage is not installed")
        rng = np.random.default_rng(3)
        image = rng.integers(0, 256, size=(48, 61)).astype(np.float64)
        blurred = (image + np.roll(image, 1, axis=0) + np.roll(image, 1, axis=1)) / 3
        expected = structural_similarity(image, blurred, gaussian_weights=True, sigma=1.5,
                                         use_sample_covariance=False, data_range=255)
        self.assertAlmostEqual(ssim(image, blurred), expected, places=10)

    def test_noise_scores_below_one(self):
        rng = np.random.default_rng(2)
        image = rng.integers(0, 256, size=(64, 64)).astype(np.float64)
        noisy = np.clip(image + rng.normal(0, 60, size=image.shape), 0, 255)
        value = ssim(image, noisy)
        self.assertLess(value, 0.9)
        self.assertGreater(value, 0.3)


if __name__ == "__main__":
    unittest.main()
