"""Screening of survey responses, as the thesis did (section 2.2.2.1), with reasons (pure).

A response is quarantined — never silently dropped — when

* too many Likert answers are missing: ``missing share >= max_missing_share`` (the thesis dropped
  questionnaires missing roughly 20-50 % of the answers; default 0.2, configurable);
* it is straight-lined: every answered Likert item has the same answer, with at least
  ``min_items_straightline`` answers given (the thesis dropped "duplication of the same answers for
  Section C").

Responses already refused by answer mapping (unknown answer text or body) are merged in by the
caller; each quarantined row carries one human-readable reason.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

ROW = "_row"


@dataclass(frozen=True)
class ScreeningRules:
    max_missing_share: float = 0.2
    straightline: bool = True
    min_items_straightline: int = 5

    def __post_init__(self) -> None:
        if not 0 < self.max_missing_share <= 1:
            raise ValueError(f"max_missing_share must be in (0, 1], got {self.max_missing_share}")
        if self.min_items_straightline < 2:
            raise ValueError("min_items_straightline must be at least 2")

    def describe(self) -> str:
        s = f"quarantine when >= {self.max_missing_share:.0%} of the answers are missing"
        if self.straightline:
            s += f"; or when all (>= {self.min_items_straightline}) answered Likert items are identical"
        return s


def screen(
    answers: pl.DataFrame, items: list[str], rules: ScreeningRules = ScreeningRules(), *, straightline_items: list[str] | None = None
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Split ``answers`` into kept rows and quarantined rows (``_row``, ``reason``).

    ``items`` are the answers that count for the missing share; ``straightline_items`` (default:
    ``items``) the Likert block checked for straight-lining (empty list: no check).
    """
    sl_items = items if straightline_items is None else straightline_items
    k = len(items)
    df = answers.with_columns(
        pl.sum_horizontal([pl.col(c).is_null().cast(pl.Int32) for c in items]).alias("_missing")
        if items else pl.lit(0).alias("_missing")
    )
    reasons = []
    for row in df.select(ROW, "_missing", *sl_items).iter_rows(named=True):
        why = []
        if k and row["_missing"] / k >= rules.max_missing_share:
            why.append(
                f"{row['_missing']} of {k} answers missing ({row['_missing'] / k:.0%}; threshold "
                f"{rules.max_missing_share:.0%})"
            )
        given = [row[c] for c in sl_items if row[c] is not None]
        if rules.straightline and sl_items and len(given) >= rules.min_items_straightline and len(set(given)) == 1:
            why.append(f"straight-lined: all {len(given)} answered Likert items are {given[0]}")
        reasons.append("; ".join(why) or None)
    df = df.with_columns(pl.Series("_reason", reasons, dtype=pl.String))
    kept = df.filter(pl.col("_reason").is_null()).drop("_missing", "_reason")
    quarantined = df.filter(pl.col("_reason").is_not_null()).select(ROW, pl.col("_reason").alias("reason"))
    return kept, quarantined
