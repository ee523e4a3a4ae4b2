"""Tiny hand-made frames for the analysis tests (a pilot body ``b``, its peer group ``p``)."""

from __future__ import annotations

import polars as pl

YEARS = [2017, 2018, 2019, 2020]

BODIES = pl.DataFrame(
    {
        "body_code": ["b", "p", "nostart", "nodata"],
        "kind": ["body", "peer_group", "body", "body"],
        "peer_group": ["p", None, "p", "p"],
        "pilot": [True, False, True, True],
        "pilot_start_year": [2018, None, None, 2018],
    },
    schema_overrides={"pilot_start_year": pl.Int32},
)

INDICATORS = pl.DataFrame(
    {
        "indicator": ["x", "t", "c1", "c2", "pay"],
        "factor": ["F", "T", "C", "C", "Resources"],
        "role": ["effect", "effect", "mediator", "mediator", "cost"],
        "direction": ["higher_is_better", "lower_is_better", "higher_is_better", "higher_is_better", "lower_is_better"],
    }
)

#: indicator -> body -> values for 2017..2020 (the expectations in the tests are worked out by hand from these).
SERIES = {
    "x": {"b": [50, 60, 55, 58], "p": [40, 45, 50, 57]},
    "t": {"b": [6, 4, 5, 3], "p": [5, 5, 5, 2]},
    "c1": {"b": [10, 20, 30, 40], "p": [0, 0, 0, 0]},
    "c2": {"b": [10, 20, 30, 25], "p": [30, 30, 30, 30]},
    "pay": {"b": [10, 12, 13, 14], "p": [5, 5, 5, 5]},
}


def facts(series: dict[str, dict[str, list[float]]] | None = None) -> pl.DataFrame:
    rows = [
        {"body_code": body, "year": year, "indicator": ind, "value": float(v)}
        for ind, per_body in (series or SERIES).items()
        for body, values in per_body.items()
        for year, v in zip(YEARS, values, strict=True)
        if v is not None
    ]
    return pl.DataFrame(rows, schema={"body_code": pl.String, "year": pl.Int64, "indicator": pl.String, "value": pl.Float64})


def cell(frame: pl.DataFrame, **where: object) -> dict:
    """The single row of ``frame`` matching ``where`` as a dict (fails loudly if not exactly one)."""
    rows = frame.filter(pl.all_horizontal([pl.col(k) == v for k, v in where.items()])).to_dicts()
    assert len(rows) == 1, (where, rows)
    return rows[0]
