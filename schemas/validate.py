"""Run a dataset's schema lazily (every problem at once); refusals in the reject vocabulary."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import polars as pl

from schemas.rejects import empty_rejects, failed_index, pandera_rejects, shape_failures
from schemas.screen import may_break

if TYPE_CHECKING:
    import pandera.polars as pa


def _bound(x: object) -> str:
    return "" if x is None else f"{x:g}"  # type: ignore[str-format]


def _explain(check: str, row: dict[str, object]) -> str | None:
    """The one dataframe-wide check of the fact schemas, worded with the indicator's registered range."""
    if check != "value_within_registered_range":
        return None
    return (f"value {row['value']:g} outside the registered range [{_bound(row.get('min_value'))}, "  # type: ignore[str-format]
            f"{_bound(row.get('max_value'))}] of {row.get('indicator')}")


class FrameShapeError(ValueError):
    """The frame handed to a schema lacks a column or has a column of another type: a defect in the code
    that built it (the readers refuse malformed files before this), never a refusal of delivered rows."""


def _refuse_shape(dataset: str, exc: pa.errors.SchemaErrors) -> None:
    """Failures with no row (a missing column, a wrong type and what follows from it) would otherwise
    pass unnoticed: the refusals are per row, and such a failure names none, so every row "passed"."""
    problems = shape_failures(exc)
    if problems:
        raise FrameShapeError(f"{dataset}: the staged frame does not fit its schema, nothing loaded: "
                              + "; ".join(problems))


def validate(
    dataset: str, frame: pl.DataFrame, headers: Mapping[str, str | None] | None = None
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Split ``frame`` into rows that pass ``SCHEMAS[dataset]`` and rejects (``schemas.rejects.REJECTS``).

    ``frame`` must carry ``row_number`` (the source row) and ``_column`` (the source header of the
    value). ``headers`` (``transforms.reshape.source_headers``) names the source header of each schema
    column, so an out-of-range year is refused in the year's column; unmapped columns and checks on the
    whole row are refused in the value's column.
    """
    flagged = may_break(dataset, frame)
    if flagged is not None and not flagged.any():  # no row can break a rule: pandera would accept them all
        return frame, empty_rejects()
    import pandera.polars as pa  # here, not at the top: schemas/__init__.py says why

    from schemas import SCHEMAS

    try:
        SCHEMAS[dataset].validate(frame, lazy=True)
        return frame, empty_rejects()
    except pa.errors.SchemaErrors as exc:
        _refuse_shape(dataset, exc)
        rejects = pandera_rejects(exc, frame, row="row_number", headers=headers or {"value": None},
                                  header_column="_column", explain=_explain)
        failed = failed_index(exc)
    valid = frame.with_row_index("_idx").filter(~pl.col("_idx").is_in(failed.implode())).drop("_idx")
    return valid, rejects
