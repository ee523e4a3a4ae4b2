"""The CE plane's frontier: dominance and extended dominance on hand-made planes, and against a brute-force oracle.

Hand cases are worked out on paper (the ICER of a frontier point is its extra cost per extra point
over the previous frontier point; ``standard`` is the origin). The oracle applies the textbook
definitions pairwise (Drummond et al.; dampack's ``calculate_icers``): dominated when another point
costs no more and gains at least as much; extended-dominated when a mix of two non-dominated points
on either side of it in cost gains more at its cost.
"""

from __future__ import annotations

import random
import shutil
from pathlib import Path

import polars as pl
import pytest

import warehouse
from transforms.analysis.frontier import STANDARD, frontier, plane


def _plane(points: dict[str, tuple[float | None, float | None]], with_origin: bool = True) -> dict[str, dict]:
    df = pl.DataFrame(
        {"scope": ["s"] * len(points), "group_key": ["g"] * len(points), "label": list(points),
         "incremental_cost": [c for c, _ in points.values()], "incremental_points": [e for _, e in points.values()]},
        schema={"scope": pl.String, "group_key": pl.String, "label": pl.String,
                "incremental_cost": pl.Float64, "incremental_points": pl.Float64},
    )
    return {r["label"]: r for r in frontier(df, with_origin=with_origin).iter_rows(named=True)}


HAND = [
    # name, points, expected {label: (status, icer, dominated_by or compared_with)}
    ("strict dominance: b costs more and gains less than a",
     {"a": (1.0, 2.0), "b": (2.0, 1.0)},
     {"a": ("frontier", 0.5, STANDARD), "b": ("dominated", None, "a")}),
    ("equal cost, fewer points is dominated",
     {"a": (2.0, 3.0), "b": (2.0, 1.0)},
     {"a": ("frontier", 2 / 3, STANDARD), "b": ("dominated", None, "a")}),
    ("equal points, more cost is dominated",
     {"a": (1.0, 2.0), "b": (3.0, 2.0)},
     {"a": ("frontier", 0.5, STANDARD), "b": ("dominated", None, "a")}),
    ("extended dominance: a's ICER (1.0) exceeds b's over it (0.5)",
     {"a": (1.0, 1.0), "b": (2.0, 3.0), "c": (3.0, 4.0)},
     {"a": ("extended_dominance", None, None), "b": ("frontier", 2 / 3, STANDARD), "c": ("frontier", 1.0, "b")}),
    ("extended dominance found only on the second pass",
     # ICERs 1, 2, 0.5: b goes first; then a's 1 over standard vs c's (4-1)/(4.5-1) = 0.857 removes a
     {"a": (1.0, 1.0), "b": (3.0, 2.0), "c": (4.0, 4.5)},
     {"a": ("extended_dominance", None, None), "b": ("extended_dominance", None, None),
      "c": ("frontier", 4 / 4.5, STANDARD)}),
    ("collinear points stay on the frontier (equal ICERs do not dominate)",
     {"a": (1.0, 1.0), "b": (2.0, 2.0)},
     {"a": ("frontier", 1.0, STANDARD), "b": ("frontier", 1.0, "a")}),
    ("ties: identical points share status and ICER",
     {"a": (1.0, 2.0), "b": (1.0, 2.0), "c": (3.0, 1.0)},
     {"a": ("frontier", 0.5, STANDARD), "b": ("frontier", 0.5, STANDARD), "c": ("dominated", None, "a = b")}),
    ("a single point gaining points is on the frontier against standard mode",
     {"a": (2.0, 4.0)},
     {"a": ("frontier", 0.5, STANDARD)}),
    ("a single point costing more and gaining nothing is dominated by standard mode",
     {"a": (2.0, 0.0)},
     {"a": ("dominated", None, STANDARD)}),
    ("all dominated: every point costs more and loses points",
     {"a": (1.0, -1.0), "b": (3.0, -0.5), "c": (0.5, -2.0)},
     {"a": ("dominated", None, STANDARD), "b": ("dominated", None, STANDARD), "c": ("dominated", None, STANDARD)}),
    ("a dominant point (cheaper and better) dominates standard mode and opens the frontier",
     {"a": (-1.0, 2.0), "b": (1.0, 3.0)},
     {"a": ("frontier", None, None), "b": ("frontier", 2.0, "a")}),
    ("a point at the origin ties with standard mode",
     {"a": (0.0, 0.0), "b": (1.0, 1.0)},
     {"a": ("frontier", None, None), "b": ("frontier", 1.0, "a = standard")}),
    ("missing coordinates are insufficient_data and take no part",
     {"a": (None, 1.0), "b": (1.0, 1.0)},
     {"a": ("insufficient_data", None, None), "b": ("frontier", 1.0, STANDARD)}),
]


@pytest.mark.parametrize(("name", "points", "expected"), HAND, ids=[h[0] for h in HAND])
def test_frontier_on_hand_made_planes(name: str, points: dict, expected: dict) -> None:
    got = _plane(points)
    for label, (status, icer, other) in expected.items():
        row = got[label]
        assert row["status"] == status, (name, label, row)
        assert (row["icer"] is None) == (icer is None) and (icer is None or row["icer"] == pytest.approx(icer)), row
        ref = row["dominated_by"] if status == "dominated" else row["compared_with"]
        assert ref == other, (name, label, row)


def test_without_the_origin_the_cheapest_point_opens_the_frontier() -> None:
    got = _plane({"a": (1.0, -1.0), "b": (2.0, 1.0)}, with_origin=False)
    assert got["a"]["status"] == "frontier" and got["a"]["icer"] is None and got["a"]["frontier_rank"] == 0
    assert got["b"]["status"] == "frontier" and got["b"]["icer"] == pytest.approx(0.5)
    assert _plane({"a": (1.0, -1.0), "b": (2.0, 1.0)})["a"]["dominated_by"] == STANDARD


def _oracle(points: dict[str, tuple[float, float]]) -> dict[str, str]:
    pts = {**points, STANDARD: (0.0, 0.0)}
    dominated = {
        i for i, (ci, ei) in pts.items()
        if any(j != i and cj <= ci and ej >= ei and (cj, ej) != (ci, ei) for j, (cj, ej) in pts.items())
    }
    rest = {i: p for i, p in pts.items() if i not in dominated}
    extended = set()
    for i, (ci, ei) in rest.items():
        for cj, ej in rest.values():
            for ck, ek in rest.values():
                if cj < ci < ck and ej + (ek - ej) * (ci - cj) / (ck - cj) > ei + 1e-12:
                    extended.add(i)
    return {i: "dominated" if i in dominated else "extended_dominance" if i in extended else "frontier" for i in points}


@pytest.mark.parametrize("seed", range(40))
def test_frontier_agrees_with_the_pairwise_definitions(seed: int) -> None:
    rng = random.Random(seed)
    n = rng.randint(1, 9)
    # integer grid so that ties and collinear points occur
    points = {f"p{i}": (float(rng.randint(-3, 8)), float(rng.randint(-4, 8))) for i in range(n)}
    got = _plane(points)
    assert {k: v["status"] for k, v in got.items()} == _oracle(points)
    front = sorted((v["incremental_cost"], v["icer"]) for v in got.values() if v["status"] == "frontier")
    icers = [i for _, i in front if i is not None]
    assert icers == sorted(icers), "ICERs increase along the frontier"


def test_plane_compares_bodies_within_a_year_and_years_within_a_body() -> None:
    inc = pl.DataFrame({
        "body_code": ["a", "a", "b", "b"], "year": [2018, 2019, 2018, 2019],
        "incremental_cost_musd": [1.0, 2.0, 2.0, 1.0], "points_gained": [2.0, 1.0, 3.0, -1.0],
    })
    p = {(r["scope"], r["group_key"], r["label"]): r["status"] for r in plane(inc).iter_rows(named=True)}
    assert p == {
        ("year", "2018", "a"): "frontier", ("year", "2018", "b"): "frontier",
        ("year", "2019", "a"): "frontier", ("year", "2019", "b"): "dominated",
        ("body", "a", "2018"): "frontier", ("body", "a", "2019"): "dominated",
        ("body", "b", "2018"): "frontier", ("body", "b", "2019"): "dominated",
    }


def test_ce_plane_view_after_a_real_analysis_run(bundled_warehouse: Path, tmp_path: Path) -> None:
    """The refresh stored the plane: every body-year of mart.cer_incremental in both scopes, frontier ICERs
    recomputable from the points they are compared with, every column documented."""
    db = tmp_path / "w.duckdb"
    shutil.copy(bundled_warehouse, db)
    con = warehouse.connect(read_only=True, path=db)
    try:
        plane_rows = warehouse.frame(con, "SELECT * FROM mart.ce_plane WHERE config = 'default'")
        inc = warehouse.frame(con, "SELECT body_code, year, incremental_cost_musd, points_gained FROM mart.cer_incremental "
                                   "WHERE config = 'default'")
        undocumented = warehouse.frame(con, "SELECT column_name FROM duckdb_columns() WHERE schema_name = 'mart' "
                                            "AND table_name = 'ce_plane' AND comment IS NULL")
    finally:
        con.close()
    assert undocumented.is_empty()
    assert inc.height >= 9 and plane_rows.height == 2 * inc.height
    assert set(plane_rows["body_code"]) >= {"acsa", "astana", "mangystau"}
    joined = plane_rows.join(inc, on=["body_code", "year"])
    assert (joined["incremental_cost"] == joined["incremental_cost_musd"]).all()
    assert (joined["incremental_points"] == joined["points_gained"]).all()
    assert set(plane_rows["status"]) <= {"frontier", "dominated", "extended_dominance"}
    coords = {(r["scope"], r["group_key"], r["label"]): (r["incremental_cost"], r["incremental_points"])
              for r in plane_rows.iter_rows(named=True)}
    for r in plane_rows.filter(pl.col("status") == "frontier").iter_rows(named=True):
        if r["compared_with"] is None:
            continue
        c0, e0 = (0.0, 0.0) if r["compared_with"] == STANDARD else coords[(r["scope"], r["group_key"], r["compared_with"])]
        assert r["icer"] == pytest.approx((r["incremental_cost"] - c0) / (r["incremental_points"] - e0))
    assert plane_rows["currency"].unique().to_list() == ["USD"] and plane_rows["price_year"].is_null().all()
