"""Distributions with small-cell suppression: no published cell counts fewer than 5 respondents."""

from __future__ import annotations

import polars as pl

from transforms.survey.distributions import MIN_CELL, item_distributions, question_distributions


def answers(body: str, values: list[int]) -> pl.DataFrame:
    return pl.DataFrame({"body_code": [body] * len(values), "A1": values, "A2": values[::-1]},
                        schema={"body_code": pl.String, "A1": pl.Int8, "A2": pl.Int8})


def test_cells_under_five_are_suppressed_with_secondary_suppression():
    # 30 answers: 5 x12, 4 x10, 3 x5, 2 x3 (small), 1 x0 (small)
    df = answers("acsa", [5] * 12 + [4] * 10 + [3] * 5 + [2] * 3)
    out = item_distributions(df, {"A": ["A1", "A2"]})
    a1 = out.filter((pl.col("body_code") == "acsa") & (pl.col("question") == "A1")).sort("answer", descending=True)
    # two cells withheld: only their sum (3) can be derived from the total, not either of them
    assert a1["n"].to_list() == [12, 10, 5, None, None]
    assert a1["suppressed"].to_list() == [False, False, False, True, True]
    assert a1["share"][0] == 12 / 30 and a1["base_n"][0] == 30
    published = out.filter(~pl.col("suppressed"))
    assert published["n"].min() >= MIN_CELL
    assert out.filter(pl.col("suppressed"))["n"].null_count() == out.filter(pl.col("suppressed")).height


def test_a_single_small_cell_is_protected_by_a_second_one():
    df = answers("acsa", [5] * 10 + [4] * 8 + [3] * 7 + [2] * 6 + [1] * 2)
    a1 = item_distributions(df, {"A": ["A1"]}).filter((pl.col("body_code") == "acsa") & (pl.col("question") == "A1"))
    hidden = a1.filter(pl.col("suppressed"))["answer"].sort().to_list()
    assert hidden == ["1", "2"]  # 1 is small; 2 (the smallest other cell) hides it


def test_small_groups_publish_nothing_and_top_share():
    df = pl.concat([answers("acsa", [5, 5, 4, 3]), answers("astana", [5] * 6 + [4] * 6)])
    out = item_distributions(df, {"A": ["A1", "A2"]})
    acsa = out.filter(pl.col("body_code") == "acsa")
    assert acsa["suppressed"].all() and acsa["n"].null_count() == acsa.height and acsa["base_n"].null_count() == acsa.height
    top = out.filter((pl.col("measure") == "top_answer_share") & (pl.col("body_code") == "astana")).row(0, named=True)
    assert (top["n"], top["base_n"], top["share"]) == (12, 24, 0.5)
    everyone = out.filter((pl.col("measure") == "top_answer_share") & pl.col("body_code").is_null()).row(0, named=True)
    assert everyone["n"] == 16 and everyone["base_n"] == 32


def test_citizen_questions():
    df = pl.DataFrame({"body_code": ["astana"] * 20, "Q6": ["full"] * 3 + ["partly"] * 9 + ["not_satisfied"] * 8})
    out = question_distributions(df, {"Q6": ["full", "partly", "not_satisfied"]}).filter(pl.col("body_code") == "astana")
    got = dict(zip(out["answer"], out["n"], strict=True))
    assert got == {"full": None, "partly": 9, "not_satisfied": None}  # "full" < 5; the smallest other cell hides it
