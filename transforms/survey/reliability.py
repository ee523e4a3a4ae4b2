"""Cronbach's alpha, corrected item-total correlations and alpha-if-item-deleted (pure).

The thesis' Table K.1 reports alpha per construct (SPSS "Reliability Statistics" and "Item-Total
Statistics"). Definitions used (the SPSS ones; variances with N-1):

* alpha = k/(k-1) * (1 - sum(var(item_i)) / var(sum of items)), on the respondents who answered
  every item of the construct (listwise within the construct);
* corrected item-total correlation = Pearson r between an item and the sum of the *other* items;
* alpha if item deleted = alpha of the construct without that item (needs k >= 3; with k = 2 the
  remaining single item has no alpha).

A one-item construct (Citizen centricity, ``CC``) has no alpha: it is reported as null with a note.
"""

from __future__ import annotations

import numpy as np
import polars as pl

SCHEMA = {
    "construct": pl.String, "construct_name": pl.String, "item": pl.String, "n": pl.Int64,
    "n_items": pl.Int64, "alpha": pl.Float64, "item_total_r": pl.Float64,
    "alpha_if_deleted": pl.Float64, "mean": pl.Float64, "sd": pl.Float64, "note": pl.String,
}


def cronbach_alpha(x: np.ndarray) -> float:
    """Alpha of the columns of ``x`` (rows: respondents, complete cases only)."""
    x = np.asarray(x, dtype=float)
    n, k = x.shape
    if k < 2 or n < 2:
        return float("nan")
    total_var = x.sum(axis=1).var(ddof=1)
    if total_var == 0:
        return float("nan")
    return float(k / (k - 1) * (1 - x.var(axis=0, ddof=1).sum() / total_var))


def _corr(a: np.ndarray, b: np.ndarray) -> float:
    if a.std() == 0 or b.std() == 0:
        return float("nan")
    return float(np.corrcoef(a, b)[0, 1])


def reliability(answers: pl.DataFrame, constructs: dict[str, tuple[str, list[str]]]) -> pl.DataFrame:
    """One row per construct (``item`` null) and one per item, in the Table K.1 layout.

    ``constructs``: ``{code: (name, [item, ...])}``.
    """
    rows: list[dict[str, object]] = []
    for code, (name, items) in constructs.items():
        x = answers.select(items).drop_nulls().to_numpy().astype(float) if items else np.empty((0, 0))
        n, k = x.shape if x.size else (0, len(items))
        if k < 2:
            note = "single item: Cronbach's alpha is undefined"
        elif n < 3:
            note = f"only {n} complete responses: alpha not computed"
        else:
            note = None
        alpha = cronbach_alpha(x) if note is None else float("nan")
        if note is None and np.isnan(alpha):
            note = "no variance in the summed score"
        rows.append({"construct": code, "construct_name": name, "item": None, "n": n, "n_items": k,
                     "alpha": None if np.isnan(alpha) else alpha, "item_total_r": None,
                     "alpha_if_deleted": None, "mean": float(x.sum(axis=1).mean()) if n else None,
                     "sd": float(x.sum(axis=1).std(ddof=1)) if n > 1 else None, "note": note})
        for j, item in enumerate(items):
            col = x[:, j] if n else np.empty(0)
            rest = np.delete(x, j, axis=1) if n else np.empty((0, 0))
            r = _corr(col, rest.sum(axis=1)) if n > 2 and k > 1 else float("nan")
            a_del = cronbach_alpha(rest) if n > 2 and k > 2 else float("nan")
            rows.append({"construct": code, "construct_name": name, "item": item, "n": n, "n_items": k,
                         "alpha": None, "item_total_r": None if np.isnan(r) else r,
                         "alpha_if_deleted": None if np.isnan(a_del) else a_del,
                         "mean": float(col.mean()) if n else None,
                         "sd": float(col.std(ddof=1)) if n > 1 else None, "note": None})
    return pl.DataFrame(rows, schema=SCHEMA)
