"""Diagnostics reports: written from the warehouse, self-contained, checked in a real headless Chromium."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import duckdb
import pytest

from pilotwatch.cli import main

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None and not os.environ.get("CI"),
    reason="Debian's chromium is not installed here (`apt-get install -y chromium`; .ci/run installs it in CI)",
)


@pytest.fixture
def wh(bundled_copy: Path) -> Path:
    return bundled_copy


def _chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    assert CHROMIUM, "chromium is required in CI (.ci/run installs it)"
    profile = tmp_path / "chromium-profile"
    cmd = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
           "--disable-background-networking", "--disable-component-update", "--disable-sync",
           f"--user-data-dir={profile}",
           # any request the page made would go to a dead proxy and fail: the page must not need one
           "--proxy-server=http://127.0.0.1:9", "--proxy-bypass-list=<-loopback>", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120, env={**os.environ, "HOME": str(tmp_path)})


def _self_contained(html: str) -> None:
    assert "<script" not in html
    assert not re.search(r"""<(link|img|iframe)\b""", html)
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html)
    assert "url(" not in html
    assert "@import" not in html


def test_report_all_writes_bodies_and_national_summary(wh: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    note = "It is necessary to improve the mission & vision in the strategic documents."
    assert main(["note", "acsa", "structural_harmony", note, "--year", "2020", "--author", "analyst"]) == 0
    out = tmp_path / "reports"
    assert main(["report", "--all", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert str(out / "index.html") in printed
    names = sorted(p.name for p in out.iterdir())
    assert names == ["acsa.html", "astana.html", "index.html", "mangystau.html"]
    acsa = (out / "acsa.html").read_text(encoding="utf-8")
    _self_contained(acsa)
    _self_contained((out / "index.html").read_text(encoding="utf-8"))
    for heading in ["Table 1 — Indicators", "Table 2 — Effects by factor", "Total Result",
                    "Table 3 — Conclusions by diagnostics stage", "Table 4 — Transformation plan",
                    "Cost-effectiveness: pilot versus standard mode", "Robustness of the verdict"]:
        assert heading in acsa
    # the analyst's note is rendered in place (escaped), the other qualitative stages invite one
    assert "improve the mission &amp; vision" in acsa
    assert "pilotwatch note acsa life_cycle" in acsa
    # one chart per indicator, plus CER, effects and verdict
    assert acsa.count("<svg") >= 7 + 3
    # Table 1 carries the thesis' Table 15 figures (ACSA overall effectiveness 2017-2020)
    for v in ["89.8", "91.2", "87.2", "88.3"]:
        assert f">{v}<" in acsa
    index = (out / "index.html").read_text(encoding="utf-8")
    assert 'href="acsa.html"' in index and "Akimat of Astana" in index


def test_markdown_format(wh: Path, tmp_path: Path) -> None:
    out = tmp_path / "md"
    assert main(["report", "astana", "--format", "md", "--out", str(out)]) == 0
    md = (out / "astana.md").read_text(encoding="utf-8")
    assert md.startswith("# Organizational diagnostics: Akimat of Astana")
    assert "| Factor | Indicator | Unit | 2017 | 2018 | 2019 | 2020 |" in md
    assert "**Total Result**" in md
    assert "&#39;" not in md and "&gt;" not in md
    assert main(["report", "--all", "--format", "md", "--out", str(out)]) == 0
    assert "(acsa.md)" in (out / "index.md").read_text(encoding="utf-8")


def test_without_analysis_the_report_says_so(wh: Path, tmp_path: Path) -> None:
    con = duckdb.connect(str(wh))
    for view in ("mart.factor_effects", "mart.verdicts", "mart.cer"):
        con.execute(f"DROP VIEW IF EXISTS {view}")
    con.close()
    out = tmp_path / "r"
    assert main(["report", "acsa", "--out", str(out)]) == 0
    html = (out / "acsa.html").read_text(encoding="utf-8")
    assert "No analysis yet" in html
    assert "Table 1 — Indicators" in html and "Undecided" in html


def test_unknown_body_is_a_clear_error(wh: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", "atlantis"]) == 1
    assert "unknown body 'atlantis'" in capsys.readouterr().err


@pytest.mark.parametrize(("spelling", "code"), [("Nur-Sultan", "astana"), ("Агентство по делам государственной службы", "acsa"),
                                             ("MANGYSTAU", "mangystau")])
def test_note_accepts_body_names_and_aliases(wh: Path, spelling: str, code: str) -> None:
    assert main(["note", spelling, "as_is", f"written for {spelling}", "--author", "analyst"]) == 0
    con = duckdb.connect(str(wh), read_only=True)
    try:
        rows = con.execute("select body_code from mart.analyst_notes where note = ?", [f"written for {spelling}"]).fetchall()
    finally:
        con.close()
    assert rows == [(code,)]


def test_note_for_an_unknown_body_is_a_clear_error(wh: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["note", "Atlantis", "as_is", "x"]) == 1
    err = capsys.readouterr().err
    assert "unknown body 'Atlantis'" in err


@needs_chromium
def test_reports_render_in_headless_chromium(wh: Path, tmp_path: Path) -> None:
    out = tmp_path / "reports"
    assert main(["report", "--all", "--out", str(out)]) == 0
    shots = tmp_path / "screenshots"
    shots.mkdir()
    blank = tmp_path / "blank.html"
    blank.write_text("<!DOCTYPE html><html><body></body></html>")
    _chromium(tmp_path, "--window-size=1200,900", f"--screenshot={shots / 'blank.png'}", blank.as_uri())
    blank_size = (shots / "blank.png").stat().st_size
    for page, height in [("index", 1000), ("acsa", 4000), ("astana", 4000), ("mangystau", 4000)]:
        shot = shots / f"{page}.png"
        r = _chromium(tmp_path, f"--window-size=1200,{height}", f"--screenshot={shot}", (out / f"{page}.html").as_uri())
        assert shot.is_file(), r.stderr[-2000:]
        assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        # charts and tables drawn: far more than an empty page's pixels
        assert shot.stat().st_size > 10 * blank_size, (page, shot.stat().st_size, blank_size)
    # the DOM as the browser built it: every chart parsed as SVG, all tables present
    dom = _chromium(tmp_path, "--dump-dom", (out / "acsa.html").as_uri()).stdout
    assert dom.count("<svg") >= 10
    assert "Table 4 — Transformation plan" in dom
    assert "<parsererror" not in dom


def test_survey_summaries_when_present(wh: Path, tmp_path: Path) -> None:
    assert main(["survey", "model_test", "--demo"]) == 0
    out = tmp_path / "r"
    assert main(["report", "acsa", "--out", str(out)]) == 0
    html = (out / "acsa.html").read_text(encoding="utf-8")
    assert "Survey summaries" in html
    assert "SYNTHETIC demo sample" in html
    assert "share of top answers per factor" in html and "Human Capital" in html
    assert main(["report", "acsa", "--out", str(out), "--format", "md"]) == 0
    assert "## Survey summaries" in (out / "acsa.md").read_text(encoding="utf-8")


#: Run in the page by headless Chromium: every layout fault it finds, as JSON in body[data-layout].
LAYOUT_PROBE = """<script>
window.addEventListener('load', () => {
  const faults = [];
  const doc = document.documentElement;
  if (doc.scrollWidth > window.innerWidth + 1) faults.push(`page ${doc.scrollWidth}px wide in a ${window.innerWidth}px window`);
  document.querySelectorAll('svg.chart').forEach((svg, n) => {
    const box = svg.getBoundingClientRect();
    const name = svg.querySelector('title')?.textContent || `chart ${n}`;
    if (box.right > window.innerWidth + 1) faults.push(`${name}: runs off the page`);
    const texts = [...svg.querySelectorAll('text')].map(t => [t, t.getBoundingClientRect()]).filter(([, r]) => r.width > 0);
    for (const [t, r] of texts) {
      if (t.textContent.includes('\\u2026')) faults.push(`${name}: "${t.textContent}" is cut`);
      if (r.left < box.left - 1 || r.right > box.right + 1) faults.push(`${name}: "${t.textContent}" crosses the chart's edge`);
    }
    for (let i = 0; i < texts.length; i++) for (let j = i + 1; j < texts.length; j++) {
      const [a, ra] = texts[i], [b, rb] = texts[j];
      const w = Math.min(ra.right, rb.right) - Math.max(ra.left, rb.left);
      const h = Math.min(ra.bottom, rb.bottom) - Math.max(ra.top, rb.top);
      if (w > 1 && h > 1) faults.push(`${name}: "${a.textContent}" overlaps "${b.textContent}"`);
    }
    svg.querySelectorAll('text.legend').forEach(t => {
      if (/^[a-z_]+$/.test(t.textContent)) faults.push(`${name}: legend shows the code "${t.textContent}"`);
    });
  });
  document.body.setAttribute('data-layout', JSON.stringify(faults));
});
</script>"""


def _layout_faults(tmp_path: Path, page: Path, width: int) -> list[str]:
    import html
    import json

    probed = page.with_name(f"probed-{width}-{page.name}")
    probed.write_text(page.read_text(encoding="utf-8").replace("</body>", LAYOUT_PROBE + "</body>"), encoding="utf-8")
    dom = _chromium(tmp_path, f"--window-size={width},3000", "--virtual-time-budget=5000", "--dump-dom",
                    probed.as_uri()).stdout
    found = re.search(r'data-layout="([^"]*)"', dom)
    assert found, "the probe ran in the browser"
    return json.loads(html.unescape(found.group(1)))


@needs_chromium
def test_reports_stay_readable_at_two_widths_with_more_years(wh: Path, tmp_path: Path) -> None:
    """Names not codes in legends, titles wrapped not cut, no overlapping labels, no page wider than the window.

    A 2021 delivery adds a column to Table 1 (it overflowed the page before); screenshots at 1280 and
    600 px are kept beside the DOM checks for a person to look at.
    """
    delivery = tmp_path / "ec_2021.csv"
    delivery.write_text("body,year,indicator,value\n" + "".join(
        f"{b},2021,{i},{v}\n" for b in ("acsa", "astana", "mangystau")
        for i, v in (("overall_effectiveness", 71.5), ("goal_achievement", 66.0), ("organizational_development", 64.2))),
        encoding="utf-8")
    assert main(["ingest", "evaluation_center", str(delivery), "--year", "2021"]) == 0
    out = tmp_path / "reports"
    assert main(["report", "--all", "--out", str(out)]) == 0
    acsa = (out / "acsa.html").read_text(encoding="utf-8")
    assert "<th class=\"num\">2021</th>" in acsa, "Table 1 has the new year"
    shots = tmp_path / "screenshots"
    shots.mkdir()
    faults: dict[str, list[str]] = {}
    for width in (1280, 600):
        for page in ("index", "acsa", "astana", "mangystau"):
            shot = shots / f"{page}-{width}.png"
            _chromium(tmp_path, f"--window-size={width},4000", f"--screenshot={shot}", (out / f"{page}.html").as_uri())
            assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
            if found := _layout_faults(tmp_path, out / f"{page}.html", width):
                faults[f"{page} at {width}px"] = found
    assert not faults, faults


def test_the_layout_probe_sees_faults(tmp_path: Path) -> None:
    """The probe is not blind: a cut title, a code in a legend and two overlapping labels are all reported."""
    if CHROMIUM is None and not os.environ.get("CI"):
        pytest.skip("chromium is not installed here")
    page = tmp_path / "bad.html"
    page.write_text('<!DOCTYPE html><html><body><svg class="chart" width="300" height="100"><title>bad</title>'
                    '<text x="8" y="16">Evaluation of overall effectiveness of a state bo\u2026</text>'
                    '<text x="10" y="18">overlapping</text><text class="legend" x="8" y="80">acsa</text>'
                    "</svg></body></html>", encoding="utf-8")
    faults = " | ".join(_layout_faults(tmp_path, page, 1280))
    assert "is cut" in faults and "overlaps" in faults and 'legend shows the code "acsa"' in faults


@needs_chromium
def test_mediation_diagram_without_and_with_a_bootstrapped_survey(wh: Path, tmp_path: Path) -> None:
    """No survey: the section says so. After `survey model_test --demo --bootstrap`: the diagram (factors ->
    Citizen Centricity -> result) with the path estimates and the indirect effects' intervals, in the body
    and the national reports, parsed as SVG and laid out without faults by Chromium."""
    out = tmp_path / "before"
    assert main(["report", "--all", "--out", str(out)]) == 0
    for page in ("index", "acsa"):
        assert "No survey in this warehouse" in (out / f"{page}.html").read_text(encoding="utf-8")
    assert main(["survey", "model_test", "--demo", "--bootstrap", "100", "--seed", "3"]) == 0
    con = duckdb.connect(str(wh), read_only=True)
    try:
        a_l, lo, hi = con.execute(
            "SELECT (SELECT estimate FROM mart.survey_estimates WHERE model = 'sem' AND kind = 'regression' "
            "AND lhs = 'CC' AND rhs = 'L'), boot_lo, boot_hi FROM mart.survey_estimates "
            "WHERE op = 'effect' AND rhs = 'L' AND kind = 'indirect'").fetchone()
    finally:
        con.close()
    out = tmp_path / "after"
    assert main(["report", "--all", "--out", str(out)]) == 0
    for page in ("index", "acsa"):
        html = (out / f"{page}.html").read_text(encoding="utf-8")
        _self_contained(html)
        assert "No survey in this warehouse" not in html
        section = html[html.index('<section id="mediation">'):]
        section = section[:section.index("</section>")]
        assert "Citizen Centricity" in section and "SYNTHETIC demo sample" in section
        assert f"a {a_l:.2f}" in section  # the path estimate on Leadership's arrow
        assert f"[{lo:.3f}, {hi:.3f}]" in section  # Leadership's indirect effect with its percentile interval
    dom = _chromium(tmp_path, "--dump-dom", (out / "index.html").as_uri()).stdout
    assert "<parsererror" not in dom and "Mediation, survey wave demo-synthetic" in dom
    for width in (1280, 600):
        assert _layout_faults(tmp_path, out / "index.html", width) == []
