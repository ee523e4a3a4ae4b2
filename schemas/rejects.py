"""The reject vocabulary: what a refused cell is, and how a pandera failure becomes a reason in words.

Every step that refuses input (reading, resolving bodies and indicators, parsing numbers, the pandera
schemas, survey screening, payroll records) says so with the same small frame, ``REJECTS``:

- ``_row`` — the row as found in the source file (the reader's numbering, what an operator looks up);
- ``column_name`` — the source's own header of the refused cell (``body``, ``year``, ``Q5``; for a
  wide table the body's or indicator's column), or null when the whole row is refused;
- ``reason`` — why, in words an operator can act on.

The load ledger (``pilotwatch.loads``) adds the source and the raw row and writes them to
``core.quarantine`` (``mart.quarantine``) through ``schemas.quarantine.RejectedCell``, so a refused cell looks the same
whichever domain refused it.

Pandera failures are translated in exactly one place, :func:`pandera_rejects`: a schema column is
mapped back to the source header it came from, so an out-of-range year is reported in ``year`` and not
in the value's column.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

import polars as pl

if TYPE_CHECKING:  # pandera itself is imported by whoever validates (schemas/__init__.py says why)
    import pandera.polars as pa

#: The frame every refusing step returns (see the module docstring).
REJECTS: dict[str, pl.DataType] = {"_row": pl.Int64(), "column_name": pl.String(), "reason": pl.String()}

#: ``schemas.quarantine.RejectedCell``'s columns and types (its ``strict`` config: exactly these).
REJECTED_CELL: dict[str, pl.DataType] = {"source_id": pl.String(), "row_number": pl.Int64(), "column_name": pl.String(),
                                         "reason": pl.String(), "raw_row": pl.String()}


def rejected_cell_may_fail(frame: pl.DataFrame) -> bool:
    """Whether ``schemas.quarantine.RejectedCell`` could refuse ``frame`` (other columns or types, a missing
    source id, a missing or empty reason). ``False``: it passes without pandera being imported (0.45 s),
    which a load or a survey that refuses some rows paid otherwise; tests/facts/test_loads_ledger.py holds
    that pandera never refuses a frame this passes."""
    if dict(frame.schema) != REJECTED_CELL:
        return True
    return bool(frame.select(pl.col("source_id").is_null().any() | pl.col("reason").is_null().any()
                             | (pl.col("reason").str.len_chars() < 1).any()).item())


def empty_rejects() -> pl.DataFrame:
    """No refusals (the frame a step returns when all went well)."""
    return pl.DataFrame(schema=REJECTS)


def refuse(frame: pl.DataFrame, column: pl.Expr, reason: pl.Expr, row: str = "_row") -> pl.DataFrame:
    """Refuse every row of ``frame``: the source row from ``row``, the header and the reason from expressions."""
    return frame.select(
        pl.col(row).cast(pl.Int64).alias("_row"),
        column.cast(pl.String).alias("column_name"),
        reason.cast(pl.String).alias("reason"),
    )


# -- pandera failures -> reasons ----------------------------------------------------------------

_WORDS = {
    "greater_than_or_equal_to": "is below the minimum",
    "greater_than": "is not above",
    "less_than_or_equal_to": "is above the maximum",
    "less_than": "is not below",
    "in_range": "is outside the range",
    "isin": "is not one of",
    "str_length": "has the wrong length",
    "str_matches": "does not match",
    "multiple_fields_uniqueness": "repeats a key that must be unique",
    "field_uniqueness": "repeats a value that must be unique",
}

#: Explains a dataframe-wide check from the failing row (``None``: use the generic wording).
Explain = Callable[[str, dict[str, object]], str | None]


def _bound(check: str, base: str) -> str:
    inner = check[len(base):].strip().removeprefix("(").removesuffix(")")
    if base == "isin":
        return ", ".join(re.findall(r"'([^']*)'", inner)) or inner
    return inner


def reason(check: str, column: str, value: object, *, name_check: bool = True) -> str:
    """``column 104.5 is above the maximum 100 (less_than_or_equal_to(100))`` — a pandera check and the
    failing value, in words; ``name_check=False`` leaves out the check's own name in brackets."""
    base = check.split("(")[0]
    if base == "not_nullable":
        return f"{column} is missing"
    shown = "missing" if value is None else f"'{value}'" if isinstance(value, str) and not _numeric(value) else value
    word = _WORDS.get(base)
    if word:
        return f"{column} {shown} {word} {_bound(check, base)}".rstrip() + (f" ({check})" if name_check else "")
    return f"{column} {shown} fails check '{check}'"


def _numeric(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def failed_index(exc: pa.errors.SchemaErrors) -> pl.Series:
    """Positions (``with_row_index``) of the validated frame's rows that failed any check."""
    return exc.failure_cases["index"].drop_nulls().cast(pl.UInt32).unique()


def shape_failures(exc: pa.errors.SchemaErrors, most: int = 5) -> list[str]:
    """The failures that name no row — a missing column, a column of another type, a check that could
    not run on it — as ``column: check (case)``; :func:`pandera_rejects` words only row failures."""
    whole = exc.failure_cases.filter(pl.col("index").is_null())
    return [f"{r['column']}: {r['check']} ({str(r['failure_case'])[:80]})" for r in whole.head(most).iter_rows(named=True)]


def pandera_rejects(
    exc: pa.errors.SchemaErrors,
    frame: pl.DataFrame,
    *,
    row: str = "_row",
    headers: Mapping[str, str | None] | None = None,
    header_column: str | None = None,
    explain: Explain | None = None,
    rule_headers: Mapping[str, str] | None = None,
    name_check: bool = True,
) -> pl.DataFrame:
    """Turn a lazy pandera validation's failures on ``frame`` into ``REJECTS`` rows, one per source cell.

    ``row`` names the column of ``frame`` holding the source row. A failing schema column is reported
    under ``headers[column]`` (the source's header for it); a column mapped to ``None`` — or missing
    from ``headers`` while ``header_column`` is given — is reported under the per-row header found in
    ``frame[header_column]`` (the value's column of a wide table). ``explain`` words dataframe-wide
    checks, which pandera reports without a failing value; ``rule_headers`` names the header a
    dataframe-wide check is refused under (by check name; else the row as a whole, or ``header_column``).
    ``name_check=False`` words a column check without the check's name (payroll's quarantine reads
    ``base_salary -5.0 is below the minimum 0``). Several failures of one cell are joined.
    """
    fc = exc.failure_cases.filter(pl.col("index").is_not_null())
    if fc.is_empty():
        return empty_rejects()
    indexed = frame.with_row_index("_idx")
    keep = [c for c in indexed.columns if c != "_idx"]
    bad = fc.with_columns(pl.col("index").cast(pl.UInt32)).join(indexed, left_on="index", right_on="_idx", how="inner",
                                                                 suffix="_frame")
    headers = headers or {}
    rule_headers = rule_headers or {}
    out: list[tuple[int, str | None, str]] = []
    for f in bad.iter_rows(named=True):
        check, column = str(f["check"]), str(f["column"])
        data = {k: f[k] for k in keep}
        target = column if column in data else None  # None: a dataframe-wide check
        words = explain(check, data) if explain else None
        if words is None:
            words = reason(check, target or "row", f["failure_case"], name_check=name_check)
        if target is None and check in rule_headers:
            header: str | None = rule_headers[check]
        else:
            header = headers.get(target, target) if target in headers or not header_column else None
        if header is None and header_column:
            header = data.get(header_column)  # type: ignore[assignment]
        out.append((int(data[row]), header, words))  # type: ignore[arg-type]
    found = pl.DataFrame(out, schema=REJECTS, orient="row")
    return (
        found.unique()
        .group_by("_row", "column_name", maintain_order=True)
        .agg(pl.col("reason").sort().str.join("; "))
        .sort("_row", "column_name", nulls_last=True)
    )
