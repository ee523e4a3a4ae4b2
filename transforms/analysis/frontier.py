"""The cost-effectiveness plane and its efficiency frontier, with dominance and extended dominance (pure).

Each point is one pilot body in one year: its **incremental cost** (pilot cost minus standard-mode
cost) and **incremental points** (pilot effectiveness minus the base-year value), i.e. the pilot's
position relative to its own standard mode, which sits at the origin. Points are compared within a
*scope*: ``year`` (every body in one year: which bodies bought their points most cheaply) and
``body`` (one body across its years: which years of the pilot were worth their extra cost).

Dominance as health economics uses it (dampack's ``calculate_icers``, BCEA, Drummond et al.):

* **dominated** — another point (or standard mode, the origin) costs no more and gains at least as
  many points, one of the two strictly;
* **extended_dominance** — not dominated, but a mix of two other points would buy its gain more
  cheaply: along the points sorted by cost its ICER is higher than the next point's, so it lies
  above the line joining its neighbours; removed repeatedly until ICERs increase along the frontier;
* **frontier** — the rest: the lower-right convex boundary, where ``icer`` is the incremental cost
  per extra point over the previous frontier point (``compared_with``; ``standard`` is the origin).

Identical points are one point (same status and ICER); collinear frontier points (equal ICERs) stay
on the frontier. The origin takes part in the comparisons but gets no row of its own. Vectorised over
every scope and group at once; the extended-dominance pass repeats only while some point is removed
(at most as many passes as points in the largest group, in practice two or three).
"""

from __future__ import annotations

import polars as pl

#: Label of the origin (standard mode: no extra cost, no extra points) in ``dominated_by`` / ``compared_with``.
STANDARD = "standard"

STATUSES = ("frontier", "dominated", "extended_dominance", "insufficient_data")

PLANE_COLUMNS = [
    "scope", "group_key", "body_code", "year", "label", "incremental_cost", "incremental_points", "icer",
    "status", "dominated_by", "compared_with", "frontier_rank",
]

_GROUP = ["scope", "group_key"]


def frontier(points: pl.DataFrame, *, with_origin: bool = True) -> pl.DataFrame:
    """Classify every point of every group: ``status``, ``icer``, ``dominated_by``, ``compared_with``.

    ``points``: ``scope, group_key, label, incremental_cost, incremental_points`` (+ any columns,
    carried through). A point with a null coordinate gets ``insufficient_data`` and takes no part.
    ``with_origin``: standard mode (0, 0) competes in every group (a point that costs more and gains
    nothing is dominated by it; the first frontier point's ICER is against it).
    ``frontier_rank`` numbers the frontier points from the cheapest (the origin, when on the
    frontier, is rank 0 and has no row).
    """
    extra = [c for c in points.columns if c not in (*_GROUP, "label", "incremental_cost", "incremental_points")]
    usable = points.filter(pl.col("incremental_cost").is_not_null() & pl.col("incremental_points").is_not_null())
    gaps = points.filter(pl.col("incremental_cost").is_null() | pl.col("incremental_points").is_null())
    # one row per distinct point per group: identical points share a label list and a status
    distinct = usable.group_by(*_GROUP, "incremental_cost", "incremental_points").agg(
        pl.col("label").sort().alias("_labels")
    )
    if with_origin:
        origin = usable.select(_GROUP).unique().with_columns(
            incremental_cost=pl.lit(0.0), incremental_points=pl.lit(0.0), _labels=pl.lit([STANDARD])
        )
        distinct = (
            pl.concat([distinct, origin], how="vertical_relaxed")
            .group_by(*_GROUP, "incremental_cost", "incremental_points")
            .agg(pl.col("_labels").list.explode(keep_nulls=False, empty_as_null=False).unique().sort())
        )
    distinct = distinct.with_columns(_name=pl.col("_labels").list.join(" = "))
    classified = _classify(distinct)
    out = usable.join(
        classified, on=[*_GROUP, "incremental_cost", "incremental_points"], how="left"
    ).select(*_GROUP, "label", "incremental_cost", "incremental_points", "icer", "status", "dominated_by",
             "compared_with", "frontier_rank", *extra)
    gap_rows = gaps.with_columns(
        icer=pl.lit(None, dtype=pl.Float64), status=pl.lit("insufficient_data"),
        dominated_by=pl.lit(None, dtype=pl.String), compared_with=pl.lit(None, dtype=pl.String),
        frontier_rank=pl.lit(None, dtype=pl.Int32),
    ).select(out.columns)
    return pl.concat([out, gap_rows], how="vertical_relaxed").sort(*_GROUP, "label")


def _classify(distinct: pl.DataFrame) -> pl.DataFrame:
    """Status per distinct point of each group (``_name`` is its label, origin included)."""
    # strong dominance: sorted by cost ascending and effect descending, a point is dominated exactly when
    # an earlier one (cheaper or as cheap) gains at least as many points
    d = distinct.sort(*_GROUP, "incremental_cost", pl.col("incremental_points"), descending=[False, False, False, True])
    prev_max = pl.col("incremental_points").cum_max().shift(1).over(_GROUP)
    is_new_max = pl.col("incremental_points") > prev_max.fill_null(float("-inf"))
    d = d.with_columns(
        _dominated=(prev_max >= pl.col("incremental_points")).fill_null(False),
        _max_holder=pl.when(is_new_max).then(pl.col("_name")).forward_fill().shift(1).over(_GROUP),
    ).with_columns(dominated_by=pl.when(pl.col("_dominated")).then(pl.col("_max_holder")))
    dominated = d.filter(pl.col("_dominated")).select(
        *_GROUP, "incremental_cost", "incremental_points", "_labels", "dominated_by",
        status=pl.lit("dominated"),
    )
    # extended dominance: among the rest (cost and effect now both strictly increasing), drop every
    # point whose ICER exceeds the next one's, and repeat until none does
    rest = d.filter(~pl.col("_dominated")).select(*_GROUP, "incremental_cost", "incremental_points", "_labels", "_name")
    removed: list[pl.DataFrame] = []
    while True:
        rest = rest.sort(*_GROUP, "incremental_cost").with_columns(_icer=_icer())
        nxt = pl.col("_icer").shift(-1).over(_GROUP)
        flag = (pl.col("_icer") > nxt).fill_null(False)
        if not rest.select(flag.any()).item():
            break
        removed.append(rest.filter(flag))
        rest = rest.filter(~flag)
    extended = (
        pl.concat(removed).select(*_GROUP, "incremental_cost", "incremental_points", "_labels",
                                  status=pl.lit("extended_dominance"))
        if removed else None
    )
    on_frontier = rest.with_columns(
        status=pl.lit("frontier"),
        icer=pl.col("_icer"),
        compared_with=pl.col("_name").shift(1).over(_GROUP),
        frontier_rank=pl.int_range(pl.len()).over(_GROUP).cast(pl.Int32),
    )
    # ranks count from the cheapest frontier point; with the origin on the frontier it is rank 0
    parts = [on_frontier.drop("_icer", "_name"), dominated]
    if extended is not None:
        parts.append(extended)
    return pl.concat(parts, how="diagonal_relaxed").drop("_labels")


def _icer() -> pl.Expr:
    """Incremental cost per extra point over the previous (cheaper) point of the group; null for the first."""
    dc = pl.col("incremental_cost") - pl.col("incremental_cost").shift(1).over(_GROUP)
    de = pl.col("incremental_points") - pl.col("incremental_points").shift(1).over(_GROUP)
    return dc / de


def plane(incremental: pl.DataFrame) -> pl.DataFrame:
    """The CE plane from ``cer_incremental`` rows (``body_code, year, incremental_cost_musd, points_gained``):
    every body-year twice, in scope ``year`` (compared with the other bodies that year) and in scope
    ``body`` (compared with the body's other years), classified by :func:`frontier`. See ``PLANE_COLUMNS``.
    """
    pts = incremental.filter(pl.col("year").is_not_null()).select(
        "body_code", pl.col("year").cast(pl.Int32),
        pl.col("incremental_cost_musd").cast(pl.Float64).alias("incremental_cost"),
        pl.col("points_gained").cast(pl.Float64).alias("incremental_points"),
    )
    by_year = pts.with_columns(scope=pl.lit("year"), group_key=pl.col("year").cast(pl.String), label=pl.col("body_code"))
    by_body = pts.with_columns(scope=pl.lit("body"), group_key=pl.col("body_code"), label=pl.col("year").cast(pl.String))
    out = frontier(pl.concat([by_year, by_body]))
    return out.select(PLANE_COLUMNS).sort("scope", "group_key", "incremental_cost", "label", nulls_last=True)
