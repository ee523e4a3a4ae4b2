"""The standard normal's inverse CDF over arrays, in numpy alone.

The probabilistic CER turns hashed uniforms into normal score errors by the inverse CDF. scipy's
``ndtri`` did it, but importing ``scipy.special`` costs about 0.4 s CPU of every refresh that analyses,
for this one function. This is Wichura's algorithm AS241 (PPND16, Applied Statistics 37(3), 1988), the
one CPython's ``statistics.NormalDist.inv_cdf`` uses for a scalar, evaluated on whole arrays: about
1e-16 relative error, within a few ulps of scipy's ``ndtri`` (tests/analysis/test_normal.py).
"""

from __future__ import annotations

import numpy as np

# Coefficients as in AS241 (highest power first, for np.polyval); the central region |p - 0.5| <= 0.425.
_A = (2.5090809287301226727e3, 3.3430575583588128105e4, 6.7265770927008700853e4, 4.5921953931549871457e4,
      1.3731693765509461125e4, 1.9715909503065514427e3, 1.3314166789178437745e2, 3.3871328727963666080e0)
_B = (5.2264952788528545610e3, 2.8729085735721942674e4, 3.9307895800092710610e4, 2.1213794301586595867e4,
      5.3941960214247511077e3, 6.8718700749205790830e2, 4.2313330701600911252e1, 1.0)
# The intermediate tail: r = sqrt(-log(min(p, 1 - p))) <= 5.
_C = (7.74545014278341407640e-4, 2.27238449892691845833e-2, 2.41780725177450611770e-1,
      1.27045825245236838258e0, 3.64784832476320460504e0, 5.76949722146069140550e0,
      4.63033784615654529590e0, 1.42343711074968357734e0)
_D = (1.05075007164441684324e-9, 5.47593808499534494600e-4, 1.51986665636164571966e-2,
      1.48103976427480074590e-1, 6.89767334985100004550e-1, 1.67638483018380384940e0,
      2.05319162663775882187e0, 1.0)
# The far tail: r > 5 (p below about 1e-11).
_E = (2.01033439929228813265e-7, 2.71155556874348757815e-5, 1.24266094738807843860e-3,
      2.65321895265761230930e-2, 2.96560571828504891230e-1, 1.78482653991729133580e0,
      5.46378491116411436990e0, 6.65790464350110377720e0)
_F = (2.04426310338993978564e-15, 1.42151175831644588870e-7, 1.84631831751005468180e-5,
      7.86869131145613259100e-4, 1.48753612908506148525e-2, 1.36929880922735805310e-1,
      5.99832206555887937690e-1, 1.0)


def inverse_cdf(p: np.ndarray) -> np.ndarray:
    """Phi^-1(p) elementwise: -inf at 0, +inf at 1, nan outside [0, 1] (as scipy's ``ndtri``)."""
    p = np.asarray(p, dtype=np.float64)
    q = p - 0.5
    out = np.empty_like(p)
    central = np.abs(q) <= 0.425
    qc = q[central]
    rc = 0.180625 - qc * qc
    out[central] = qc * np.polyval(_A, rc) / np.polyval(_B, rc)

    tail = ~central
    pt = p[tail]
    with np.errstate(divide="ignore", invalid="ignore"):
        r = np.sqrt(-np.log(np.where(q[tail] <= 0.0, pt, 1.0 - pt)))
        near = r <= 5.0
        x = np.where(near, np.polyval(_C, r - 1.6) / np.polyval(_D, r - 1.6),
                     np.polyval(_E, r - 5.0) / np.polyval(_F, r - 5.0))
    x = np.where(np.isinf(r), np.inf, x)
    out[tail] = np.where(q[tail] < 0.0, -x, x)
    out[(p < 0.0) | (p > 1.0) | np.isnan(p)] = np.nan
    return out
