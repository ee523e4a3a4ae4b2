"""From a source's table (as read, all strings) to one long row per value (pure).

Output columns: ``_row`` (row in the source file), ``_column`` (the header the value came from),
``body_label``, ``year_text``, ``indicator_label``, ``value_text``, ``unit_text``. Which header is
what comes from the catalogue's ``columns`` and ``layout``, never from code.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol

import polars as pl


class LayoutColumns(Protocol):
    """Which header holds what (``pilotwatch.catalogue.Columns`` satisfies it)."""

    @property
    def year(self) -> str | None: ...
    @property
    def indicator(self) -> str | None: ...
    @property
    def body(self) -> str | None: ...
    @property
    def value(self) -> str | None: ...
    @property
    def unit(self) -> str | None: ...
    @property
    def bodies(self) -> Mapping[str, str]: ...
    @property
    def indicators(self) -> Mapping[str, str]: ...


class Layout(Protocol):
    """The part of a catalogue source that says how its table is shaped.

    A structural type, so this pure module need not import the catalogue (``pilotwatch``): any
    object with these attributes, ``pilotwatch.catalogue.Source`` first of all, can be reshaped.
    """

    @property
    def layout(self) -> str: ...
    @property
    def columns(self) -> LayoutColumns: ...
    @property
    def fill_down(self) -> Sequence[str]: ...
    @property
    def year(self) -> int | None: ...
    @property
    def body(self) -> str | None: ...


LONG_COLUMNS = ["_row", "_column", "body_label", "year_text", "indicator_label", "value_text", "unit_text"]


def _blank_to_null(frame: pl.DataFrame, cols: list[str]) -> pl.DataFrame:
    return frame.with_columns(
        [pl.when(pl.col(c).str.strip_chars() == "").then(None).otherwise(pl.col(c)).alias(c) for c in cols]
    )


def fill_down(frame: pl.DataFrame, cols: list[str]) -> pl.DataFrame:
    """Repeat the value above into blank cells (merged cells in published tables)."""
    if not cols:
        return frame
    return _blank_to_null(frame, cols).with_columns([pl.col(c).forward_fill() for c in cols])


def _const_or_col(frame: pl.DataFrame, col: str | None, const: object, name: str) -> pl.Expr:
    if col:
        return pl.col(col).cast(pl.String).alias(name)
    return pl.lit(None if const is None else str(const), dtype=pl.String).alias(name)


def value_columns(frame: pl.DataFrame, source: Layout) -> dict[str, str]:
    """Wide layouts: header -> body (``wide_bodies``) or indicator (``wide_indicators``) label.

    The catalogue's mapping when it has one; otherwise every column that is not mapped to a role,
    filled down, or the optional ``unit`` column, labelled by its header (the registry resolves it).
    """
    c = source.columns
    mapping = c.bodies if source.layout == "wide_bodies" else c.indicators
    if mapping:
        return dict(mapping)
    skip = {c.year, c.indicator, c.body, c.value, c.unit, "_row", "unit", *source.fill_down}
    return {h: h for h in frame.columns if h not in skip}


def _unit_column(frame: pl.DataFrame, source: Layout) -> str | None:
    """The unit column: the mapped one, or a column the reader recognised as ``unit``."""
    return source.columns.unit or ("unit" if "unit" in frame.columns else None)


def _with_header_units(long: pl.DataFrame, units: dict[str, str] | None) -> pl.DataFrame:
    """Fill ``unit_text`` from a units row or header ("…, млн. тенге") where no unit column gave one."""
    if not units:
        return long
    mapping = pl.DataFrame({"_column": list(units), "_unit": list(units.values())},
                           schema={"_column": pl.String, "_unit": pl.String})
    return (long.join(mapping, on="_column", how="left")
            .with_columns(unit_text=pl.coalesce(pl.col("unit_text"), pl.col("_unit"))).drop("_unit"))


def source_headers(source: Layout) -> dict[str, str | None]:
    """Which source header holds each field of a fact, so a refusal names the cell that is wrong.

    ``None`` means "the value's own column" (``_column``): the bodies of a ``wide_bodies`` table, the
    indicators of a ``wide_indicators`` one, and the value itself. A field the catalogue gives as a
    constant (``body:``, ``year:``) is named by its catalogue key.
    """
    c = source.columns
    return {
        "body_code": None if source.layout == "wide_bodies" else c.body or "body",
        "year": c.year or "year",
        "indicator": None if source.layout == "wide_indicators" else c.indicator or "indicator",
        "series": None if source.layout == "wide_indicators" else c.indicator or "series",
        "unit": c.unit,  # else the unit was written in the value's cell
        "value": None,
    }


def to_long(frame: pl.DataFrame, source: Layout, units: dict[str, str] | None = None) -> pl.DataFrame:
    """Reshape a read table into long rows according to the source's layout.

    ``units`` (column -> unit text, from a units row or the header, see ``ReadTable.units``) fills
    ``unit_text`` where the row has no unit column; the text is kept as found, for
    ``transforms.units`` to interpret.
    """
    c = source.columns
    frame = fill_down(frame, list(source.fill_down))
    year = _const_or_col(frame, c.year, source.year, "year_text")
    unit = _const_or_col(frame, _unit_column(frame, source), None, "unit_text")
    if source.layout in ("wide_bodies", "wide_indicators"):
        columns = value_columns(frame, source)
        if source.layout == "wide_bodies":
            ids, label = _const_or_col(frame, c.indicator, None, "indicator_label"), "body_label"
        else:
            ids, label = _const_or_col(frame, c.body, source.body, "body_label"), "indicator_label"
        fixed = ids.meta.output_name()
        wide = frame.select("_row", year, ids, unit, *[pl.col(h) for h in columns])
        long = wide.unpivot(index=["_row", "year_text", fixed, "unit_text"], on=list(columns),
                            variable_name="_column", value_name="value_text")
        mapping = pl.DataFrame({"_column": list(columns), label: list(columns.values())},
                               schema={"_column": pl.String, label: pl.String})
        long = long.join(mapping, on="_column", how="left")
    else:
        assert c.value
        long = frame.select(
            "_row",
            pl.lit(c.value).alias("_column"),
            _const_or_col(frame, c.body, source.body, "body_label"),
            year,
            _const_or_col(frame, c.indicator, None, "indicator_label"),
            pl.col(c.value).cast(pl.String).alias("value_text"),
            unit,
        )
    long = _with_header_units(long, units)
    return long.select(LONG_COLUMNS).sort("_row", "_column", maintain_order=True)
