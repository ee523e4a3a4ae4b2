"""The fact schemas' bounds, and a pandera-free screen that flags every row which may break one of them.

Why a screen: pandera costs about 2 s CPU in a refresh — 1.3 s to import (it imports pandas whenever
pandas is installed, see ``schemas/__init__.py``), then ~0.3 s registering its checks and ~25 ms per
validation — while almost every delivered row passes. :func:`may_break` asks the same questions of a
frame in one polars expression; only a frame with a flagged row goes through the pandera model
(``schemas.validate``), which then decides and words every refusal exactly as before. A frame whose
columns are not the schema's is always handed to pandera. The bounds are written once, here, and the
models (``schemas/facts.py``, ``evaluation_center.py``, ``payroll.py``, …) take them from here;
``tests/facts/test_schema_screen.py`` holds that the screen flags every row pandera refuses.
"""

from __future__ import annotations

import polars as pl

MIN_YEAR, MAX_YEAR = 1991, 2100  # Kazakhstan's civil service data start with independence
# Kazakhstan's worst year on record (1992-1994) ran to four digits; -50 guards sign errors.
MACRO_MIN, MACRO_MAX = -50, 5000
SERIES_PATTERN = r"^[a-z0-9_]+$"
#: The units a dataset's values may be stored in (none listed: any unit).
UNITS: dict[str, list[str]] = {
    "evaluation_center": ["%"],
    "public_services_monitoring": ["%", "points of 5"],
    "payroll": ["%", "mln USD", "mln KZT", "persons"],
}

_FACTS = {"row_number": pl.Int64, "body_code": pl.String, "year": pl.Int64, "indicator": pl.String,
          "value": pl.Float64, "unit": pl.String, "min_value": pl.Float64, "max_value": pl.Float64}
_MACRO = {"row_number": pl.Int64, "series": pl.String, "year": pl.Int64, "value": pl.Float64, "unit": pl.String}


def _not_true(expr: pl.Expr) -> pl.Expr:
    return ~expr.fill_null(False)


def may_break(dataset: str, frame: pl.DataFrame) -> pl.Series | None:
    """A boolean per row of ``frame``: may it break a rule of ``schemas.SCHEMAS[dataset]``? ``None`` when
    the frame's columns or types are not the schema's (then only pandera can say what is wrong)."""
    columns = _MACRO if dataset == "macro" else _FACTS
    if any(frame.schema.get(c) != t for c, t in columns.items()):
        return None
    v, year = pl.col("value"), pl.col("year")
    required = ["row_number", "series", "year", "value", "unit"] if dataset == "macro" else \
        ["row_number", "body_code", "year", "indicator", "value", "unit"]
    rules = [pl.col(c).is_null() for c in required]
    rules += [_not_true(year.is_between(MIN_YEAR, MAX_YEAR)), v.is_nan()]
    if dataset == "macro":
        rules += [_not_true(pl.col("series").str.contains(SERIES_PATTERN)), _not_true(v.is_between(MACRO_MIN, MACRO_MAX)),
                  pl.struct("series", "year").is_duplicated()]
    else:
        rules += [_not_true((pl.col("min_value").is_null() | (v >= pl.col("min_value")))
                            & (pl.col("max_value").is_null() | (v <= pl.col("max_value")))),
                  pl.struct("body_code", "year", "indicator").is_duplicated()]
        if dataset in UNITS:
            rules.append(_not_true(pl.col("unit").is_in(UNITS[dataset])))
    return frame.select(pl.any_horizontal(rules).alias("may_break")).to_series()
