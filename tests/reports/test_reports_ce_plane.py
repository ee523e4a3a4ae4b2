"""The CE plane in the HTML reports: one chart per year in the national summary, one per body across its years,
each mark matching a row of mart.ce_plane, parsed as SVG by headless chromium."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pytest
from test_reports import _chromium, needs_chromium, wh  # noqa: F401  (wh: a copy of the bundled warehouse as PILOTWATCH_DB)

from pilotwatch.cli import main
from pilotwatch.report.svg_plane import plane_chart


def _marks(svg: str) -> dict[str, int]:
    return {s: len(re.findall(f'class="pt-{s}"', svg)) for s in ("frontier", "dominated", "extended")}


def test_plane_chart_marks_every_status() -> None:
    pts = [
        {"label": "a", "incremental_cost": 2.0, "incremental_points": 3.0, "status": "frontier", "icer": 0.67,
         "compared_with": "standard", "dominated_by": None},
        {"label": "b", "incremental_cost": 1.0, "incremental_points": 1.0, "status": "extended_dominance", "icer": None,
         "compared_with": None, "dominated_by": None},
        {"label": "c", "incremental_cost": 3.0, "incremental_points": -1.0, "status": "dominated", "icer": None,
         "compared_with": None, "dominated_by": "standard"},
    ]
    svg = plane_chart("plane", pts, "mln USD")
    assert _marks(svg) == {"frontier": 1, "dominated": 1, "extended": 1}
    assert 'class="frontier"' in svg and "dominated by standard" in svg and "ICER 0.67" in svg
    assert "no points" in plane_chart("plane", [], "mln USD")


@pytest.mark.e2e  # the bundled warehouse, requested through getfixturevalue: conftest cannot see it
def test_reports_show_the_plane_as_stored(request: pytest.FixtureRequest, tmp_path: Path) -> None:
    db: Path = request.getfixturevalue("wh")
    out = tmp_path / "reports"
    assert main(["report", "--all", "--out", str(out)]) == 0
    con = duckdb.connect(str(db), read_only=True)
    try:
        by_scope = dict(con.execute(
            "SELECT scope, list(status) FROM mart.ce_plane WHERE config = 'default' GROUP BY scope").fetchall())
        acsa = con.execute("SELECT list(status) FROM mart.ce_plane WHERE config = 'default' AND scope = 'body' "
                           "AND body_code = 'acsa'").fetchone()[0]
        years = con.execute("SELECT count(DISTINCT group_key) FROM mart.ce_plane WHERE config = 'default' "
                            "AND scope = 'year'").fetchone()[0]
    finally:
        con.close()
    index = (out / "index.html").read_text(encoding="utf-8")
    assert index.count("<title>Cost-effectiveness plane 20") == years >= 3
    want = {"frontier": by_scope["year"].count("frontier"), "dominated": by_scope["year"].count("dominated"),
            "extended": by_scope["year"].count("extended_dominance")}
    assert _marks(index) == want and want["dominated"] > 0
    body = (out / "acsa.html").read_text(encoding="utf-8")
    assert _marks(body) == {"frontier": acsa.count("frontier"), "dominated": acsa.count("dominated"),
                            "extended": acsa.count("extended_dominance")}


@needs_chromium
@pytest.mark.usefixtures("wh")
def test_plane_charts_parse_in_headless_chromium(tmp_path: Path) -> None:
    out = tmp_path / "reports"
    assert main(["report", "--all", "--out", str(out)]) == 0
    for page in ("index", "acsa"):
        dom = _chromium(tmp_path, "--dump-dom", (out / f"{page}.html").as_uri()).stdout
        assert "<parsererror" not in dom
        assert "pt-frontier" in dom and "pt-dominated" in dom, page
        assert "cost-effectiveness plane" in dom.lower()
