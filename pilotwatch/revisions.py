"""Corrections patch, revisions are kept: how a load changes published indicator values.

A delivery (``replace: body_years``, every catalogue source by default) replaces the dataset's
body-years it covers, and any value it no longer has is removed — listed in the load's message and in
``mart.value_history``. A correction (``replace: cells``, the default of ``pilotwatch ingest``) changes
only the body-year-indicator cells it names.

The rule of precedence, written once: **a correction outranks a re-read of the delivery it corrected.**
When a delivery is loaded again (``--force``, or an unchanged file read anew) and its content — the same
sha256 — had already been loaded before a correction changed one of its cells, the corrected value stays
and the history records ``kept``. A delivery whose content is new (the agency revised its file) wins over
the correction, and the history records the change. Every change is one row of ``core.value_history``,
so what set a value, what it replaced and when is always visible.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

import duckdb
import polars as pl

from warehouse import sql

Mode = Literal["body_years", "cells"]


@dataclass(frozen=True)
class FactChanges:
    """What one load did to the published values (``same`` values are not counted)."""

    added: int
    changed: int
    removed: list[tuple[str, int, str, float]]
    kept: list[tuple[str, int, str, float, float]]

    def notes(self, limit: int = 5) -> list[str]:
        """Sentences for the load's message: removals and kept corrections are never silent."""
        out = []
        if self.removed:
            cells = "; ".join(f"{b} {y} {i} (was {v:g})" for b, y, i, v in self.removed[:limit])
            more = f" (+{len(self.removed) - limit} more)" if len(self.removed) > limit else ""
            out.append(
                f"{len(self.removed)} value(s) removed, the delivery replaces their body-years and no longer "
                f"has them: {cells}{more} (mart.value_history)"
            )
        if self.kept:
            cells = "; ".join(f"{b} {y} {i}: kept {old:g}, delivery says {new:g}" for b, y, i, old, new in self.kept[:limit])
            more = f" (+{len(self.kept) - limit} more)" if len(self.kept) > limit else ""
            out.append(
                f"{len(self.kept)} corrected value(s) kept, a correction outranks a re-read of the delivery "
                f"it corrected: {cells}{more} (mart.value_history)"
            )
        return out


def write_facts(
    con: duckdb.DuckDBPyConnection,
    facts: pl.DataFrame,
    *,
    source_id: str,
    sha256: str | None,
    mode: Mode,
    load_id: int,
    recorded_at: datetime,
) -> FactChanges:
    """Write ``facts`` (core.indicator_facts columns) by ``mode``, record each change; caller owns the transaction."""
    con.register("_new_facts", facts)
    try:
        con.execute(sql("fact_changes"), [source_id, sha256 or "", mode])
        con.execute(sql("apply_fact_changes"))
        con.execute(sql("insert_new_facts"))
        con.execute(sql("record_fact_changes"), [load_id, mode, recorded_at])
        made = con.execute(sql("revisions_made")).fetchall()  # one query for counts, removals and kept values
        con.execute("DROP TABLE _fact_changes")
    finally:
        con.unregister("_new_facts")
    counts = Counter(change for change, *_ in made)
    removed = [(b, y, i, old) for change, b, y, i, old, _ in made if change == "removed"]
    kept = [(b, y, i, old, new) for change, b, y, i, old, new in made if change == "kept"]
    return FactChanges(counts["added"], counts["changed"], removed, kept)
