"""Cronbach's alpha, item-total correlations and alpha-if-deleted against hand computations."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from transforms.survey.reliability import cronbach_alpha, reliability

# 6 respondents x 3 items
X = np.array([[5, 4, 5], [4, 4, 3], [3, 2, 3], [5, 5, 4], [2, 3, 2], [4, 3, 4]], dtype=float)


def hand_alpha(x: np.ndarray) -> float:
    n, k = x.shape
    item_vars = [sum((v - sum(col) / n) ** 2 for v in col) / (n - 1) for col in x.T]
    totals = x.sum(axis=1)
    total_var = sum((t - totals.mean()) ** 2 for t in totals) / (n - 1)
    return k / (k - 1) * (1 - sum(item_vars) / total_var)


def test_alpha_against_a_hand_computation():
    # by hand: item variances 41/30, 33/30, 33/30; variance of the sums 257/30
    # alpha = 3/2 * (1 - (107/30) / (257/30)) = 225/257
    assert hand_alpha(X) == pytest.approx(225 / 257, abs=1e-12)
    assert cronbach_alpha(X) == pytest.approx(225 / 257, abs=1e-12)


def test_item_total_and_alpha_if_deleted():
    df = pl.DataFrame({"A1": X[:, 0], "A2": X[:, 1], "A3": X[:, 2]})
    out = reliability(df, {"A": ("Construct A", ["A1", "A2", "A3"])})
    head = out.filter(pl.col("item").is_null()).row(0, named=True)
    assert head["alpha"] == pytest.approx(hand_alpha(X)) and head["n"] == 6 and head["n_items"] == 3
    for j, item in enumerate(["A1", "A2", "A3"]):
        row = out.filter(pl.col("item") == item).row(0, named=True)
        rest = np.delete(X, j, axis=1)
        assert row["item_total_r"] == pytest.approx(np.corrcoef(X[:, j], rest.sum(axis=1))[0, 1])
        assert row["alpha_if_deleted"] == pytest.approx(hand_alpha(rest))


def test_listwise_within_construct_single_item_and_two_items():
    df = pl.DataFrame({"A1": [5, 4, None, 5, 2, 4, 3], "A2": [4, 4, 2, 5, 3, 3, 3], "B": [1, 2, 3, 4, 5, 1, 2]})
    out = reliability(df, {"A": ("A", ["A1", "A2"]), "B": ("B", ["B"])})
    a = out.filter((pl.col("construct") == "A") & pl.col("item").is_null()).row(0, named=True)
    x = df.select("A1", "A2").drop_nulls().to_numpy().astype(float)
    assert a["n"] == 6 and a["alpha"] == pytest.approx(hand_alpha(x))
    assert out.filter(pl.col("item") == "A1")["alpha_if_deleted"][0] is None  # one item left: no alpha
    b = out.filter((pl.col("construct") == "B") & pl.col("item").is_null()).row(0, named=True)
    assert b["alpha"] is None and "single item" in b["note"]
