"""The acceptability curve in the per-body and national reports (issue 15 item 7), checked in headless Chromium."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from test_reports import _chromium, _self_contained, needs_chromium, wh  # noqa: F401  (wh: the fixture)

from pilotwatch.cli import main
from pilotwatch.report.svg_ceac import acceptability_chart, crossing_50


def test_the_50_percent_crossing_is_interpolated_and_absent_when_never_crossed() -> None:
    assert crossing_50([(0, 0.0), (1, 0.2), (2, 0.8)]) == pytest.approx(1.5)
    assert crossing_50([(0, 0.0), (1, 0.3)]) is None
    assert crossing_50([(0, 0.6), (1, 0.9)]) is None


def test_the_chart_plots_every_curve_and_says_so_when_there_is_none() -> None:
    chart = acceptability_chart("CEAC", [("2019", [(0, 0.0), (5, 0.7)]), ("2020", [(0, 0.1), (5, 0.2)])])
    assert chart.count("<path") == 2 and "2019" in chart and "2020" in chart and "<circle" in chart
    assert "no acceptability curve" in acceptability_chart("CEAC", [])


@needs_chromium
@pytest.mark.usefixtures("wh")  # a copy of the bundled warehouse as PILOTWATCH_DB
def test_body_and_national_reports_show_the_acceptability_curve(tmp_path: Path) -> None:
    out = tmp_path / "reports"
    assert main(["report", "--all", "--out", str(out)]) == 0
    for page in ("acsa", "index"):
        html = (out / f"{page}.html").read_text(encoding="utf-8")
        _self_contained(html)
        dom = _chromium(tmp_path, "--dump-dom", (out / f"{page}.html").as_uri()).stdout
        assert "<parsererror" not in dom
        charts = [s for s in re.findall(r"<svg.*?</svg>", dom, re.S) if "cceptability curve" in s]
        assert len(charts) == 1, page
        assert charts[0].count("<path") >= 1
    body = (out / "acsa.html").read_text(encoding="utf-8")
    assert re.search(r"Probability that H1 holds \(the project is insufficient\) under the draws: <strong>\d+\.\d %", body)
    # one curve per tested year in the body's report (2018-2020 on the bundled data)
    acsa_chart = [s for s in re.findall(r"<svg.*?</svg>", body, re.S) if "cceptability curve" in s][0]
    assert acsa_chart.count("<path") == 3
