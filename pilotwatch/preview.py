"""``--dry-run``: what a load would do, computed by the real pipeline, with nothing written.

Why a preview: an agency's new file is read with guesses that a person should see before they
become data — which row was the header, what each body and indicator name resolved to, which
unit was found, which values are refused and why, and which published values would be replaced
or removed. The preview runs the same steps as a load (``fetch`` → ``read_source`` →
``pilotwatch.ingest.stage``) against a read-only connection, so what it shows is what a load
would do; it records nothing (no ``meta.loads`` row, no quarantine, no source state).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass, field

import duckdb
import polars as pl

import warehouse
from pilotwatch import registry, settings
from pilotwatch.catalogue import Catalogue, Source
from pilotwatch.ingest import stage
from pilotwatch.sources.fetch import SourceError, fetch, safe_uri
from pilotwatch.sources.readers import read_source
from warehouse import frame, sql

#: How many rows of each section the preview prints before summarising the rest.
SHOW = 50


@dataclass
class Preview:
    """What loading one source would do."""

    source_id: str
    uri: str
    ok: bool
    lines: list[str] = field(default_factory=list)
    accepted: int = 0
    rejected: int = 0
    replaced: int = 0
    removed: int = 0
    rates: pl.DataFrame | None = None  # a macro source's values (series, year, value): later sources convert with them

    def text(self) -> str:
        return "\n".join(self.lines)


@contextlib.contextmanager
def read_connection() -> Iterator[duckdb.DuckDBPyConnection]:
    """The published warehouse, read-only; before the first refresh, a registry in memory."""
    if settings.db_path().exists():
        con = warehouse.connect(read_only=True)
    else:
        con = duckdb.connect(":memory:")
        warehouse.migrate(con)
        registry.seed(con)
    try:
        yield con
    finally:
        con.close()


def _more(n: int) -> list[str]:
    return [f"  … and {n - SHOW} more"] if n > SHOW else []


def preview_source(con: duckdb.DuckDBPyConnection, catalogue: Catalogue, source: Source, years: list[int],
                   max_reject_share: float | None = None, rates: pl.DataFrame | None = None) -> Preview:
    """Run the load pipeline for ``source`` and describe the result; write nothing.

    ``rates``: macro values previewed earlier in the same dry run (a refresh loads macro sources first,
    so a payroll file in tenge converts by a rate the same delivery brings)."""
    years = sorted(set(years) & set(source.years)) if source.years and years else sorted(years or source.years)
    uri = catalogue.location(source) if source.kind != "http" else safe_uri(source.url or "")
    head = f"source {source.id} → {source.dataset} ({uri}) — dry run, nothing written"
    try:
        got = fetch(source, catalogue, None)
        assert got.content is not None
        read = read_source(got.content, source)
    except SourceError as exc:
        return Preview(source.id, uri, False, [head, f"would FAIL: {exc.problem}"])
    staged = stage(con, source, read, years, rates)
    p = Preview(source.id, got.uri or uri, True, [head, *read.describe()])
    if source.dataset == "macro":
        p.rates = staged.valid.select("series", pl.col("year").cast(pl.Int32), pl.col("value").cast(pl.Float64))
    valid, rejects, long = staged.valid, staged.rejects, staged.long
    p.accepted, p.rejected = valid.height, rejects.height
    key = "series" if source.dataset == "macro" else "body_code"
    labels = long.select("_row", "_column", "body_label", "indicator_label", "unit_text")
    resolved = valid.rename({"row_number": "_row"}).join(labels, on=["_row", "_column"], how="left")
    if source.dataset != "macro":
        p.lines.append("bodies: " + "; ".join(
            f"{b!r} → {c}" for b, c in resolved.select("body_label", "body_code").unique(maintain_order=True).iter_rows()))
    p.lines.append("indicators: " + "; ".join(
        f"{i!r} → {c}" for i, c in resolved.select("indicator_label", key if key == "series" else "indicator")
        .unique(maintain_order=True).iter_rows()))
    units = resolved.select("indicator_label", "unit_text", "unit").unique(maintain_order=True)
    p.lines.append("units: " + "; ".join(
        f"{i!r}: {t!r} as found, stored in {u!r}" if t else f"{i!r}: none given, stored in {u!r}"
        for i, t, u in units.iter_rows()))
    total = valid.height + rejects.height
    p.lines.append(f"would load {valid.height} value(s) for years {years or 'any'}; refuse {rejects.height}")
    p.lines += [f"  refuse row {r}, column {c!r}: {why}" for r, c, why in rejects.head(SHOW).iter_rows()]
    p.lines += _more(rejects.height)
    threshold = catalogue.max_reject_share(source) if max_reject_share is None else max_reject_share
    if total == 0 or (total and rejects.height / total > threshold):
        p.ok = False
        p.lines.append(f"would FAIL: {rejects.height} of {total} values refused (max_reject_share {threshold:.0%})"
                       if total else "would FAIL: no values for the years asked")
    _replacements(con, source, valid, p)
    return p


def _replacements(con: duckdb.DuckDBPyConnection, source: Source, valid: pl.DataFrame, p: Preview) -> None:
    """Published values the load would overwrite (a different value) or remove (its body-year is replaced)."""
    if not warehouse.has_relation(con, "core.indicator_facts") or valid.is_empty():
        return
    if source.dataset == "macro":
        old = frame(con, "SELECT series, year, value FROM core.macro_series")
        new = valid.select("series", pl.col("year").cast(pl.Int64), pl.col("value").alias("new_value"))
        changed = old.with_columns(pl.col("year").cast(pl.Int64)).join(new, on=["series", "year"])
        changed = changed.filter((pl.col("value") - pl.col("new_value")).abs() > 1e-9)
        p.replaced = changed.height
        p.lines += [f"  would replace {s} {y}: {o:g} → {n:g}" for s, y, o, n in changed.head(SHOW).iter_rows()]
        return
    old = frame(con, sql("preview_published_facts"), [source.dataset]).with_columns(pl.col("year").cast(pl.Int64))
    new = valid.select("body_code", pl.col("year").cast(pl.Int64), "indicator", pl.col("value").alias("new_value"))
    scope = old.join(new.select("body_code", "year").unique(), on=["body_code", "year"])
    joined = scope.join(new, on=["body_code", "year", "indicator"], how="left")
    changed = joined.filter(pl.col("new_value").is_not_null() & ((pl.col("value") - pl.col("new_value")).abs() > 1e-9))
    # a correction (replace: cells) touches only the cells it names; a delivery replaces its body-years
    removed = joined.filter(pl.col("new_value").is_null() & pl.lit(source.replace == "body_years"))
    p.replaced, p.removed = changed.height, removed.height
    p.lines.append(f"would replace {changed.height} published value(s) and remove {removed.height} "
                   + ("(a load replaces the body-years it contains)" if source.replace == "body_years"
                      else "(a correction changes only the cells it names)"))
    p.lines += [f"  replace {b} {y} {i}: {o:g} ({s}) → {n:g}"
                for b, y, i, o, s, n in changed.select("body_code", "year", "indicator", "value", "source_id",
                                                       "new_value").sort("body_code", "year", "indicator")
                .head(SHOW).iter_rows()] + _more(changed.height)
    p.lines += [f"  remove {b} {y} {i}: {o:g} ({s})"
                for b, y, i, o, s in removed.select("body_code", "year", "indicator", "value", "source_id")
                .sort("body_code", "year", "indicator").head(SHOW).iter_rows()] + _more(removed.height)
