"""transforms.normal.inverse_cdf against scipy's ndtri (scipy is installed with semopy): the
probabilistic CER's draws must not move when the refresh stops importing scipy."""

from __future__ import annotations

import math
import statistics

import numpy as np
from scipy.special import ndtri

from transforms.normal import inverse_cdf


def test_it_matches_scipy_everywhere_from_the_far_tails_to_the_centre() -> None:
    rng = np.random.default_rng(7)
    p = np.concatenate([
        rng.random(200_000),                      # the draws' range
        10.0 ** -rng.uniform(1, 300, 5_000),      # both tails, down to 1e-300
        1 - 10.0 ** -rng.uniform(1, 16, 5_000),
        [0.5, 0.075, 0.925, 0.0749999, 0.9250001, 1e-11, 1 - 1e-11],  # the branches' edges
    ])
    ours, theirs = inverse_cdf(p), ndtri(p)
    assert np.all(np.isfinite(ours))
    np.testing.assert_allclose(ours, theirs, rtol=1e-14, atol=1e-15)
    # and CPython's scalar AS241 (the same algorithm) on a sample
    for x in p[::997]:
        assert math.isclose(inverse_cdf(np.array([x]))[0], statistics.NormalDist().inv_cdf(float(x)),
                            rel_tol=1e-15, abs_tol=1e-15)


def test_the_ends_and_outside_are_what_ndtri_gives() -> None:
    p = np.array([0.0, 1.0, -0.1, 1.1, np.nan])
    got = inverse_cdf(p)
    assert got[0] == -np.inf and got[1] == np.inf
    assert np.isnan(got[2:]).all()
    np.testing.assert_array_equal(got, ndtri(p))
