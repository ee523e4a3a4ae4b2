"""Series breaks: a method change or a change of scale starts a new series, and nothing compares
values across it without saying so (issue 12 item 8).

Pure tables first (transforms/series_breaks.py, the alert rule), then the bundled warehouse: the
Evaluation Center's 2020 methodology change is named by effects and verdicts, and the 2019 -> 2020
goal-achievement drop is no longer alerted as a decline.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import polars as pl
import pytest
from alert_rule_frames import IND, ITN, values
from warehouse_reads import rows as _rows

from pilotwatch import registry
from pilotwatch.alerts import engine
from transforms import series_breaks
from transforms.alerts import rules
from transforms.alerts.decision import decide
from transforms.alerts.observations import empty_state

BREAKS = pl.DataFrame(
    {"indicator": ["goal_achievement", "goal_achievement", "net_turnover"], "first_year": [2020, 2023, 2019],
     "kind": ["method", "scale", "method"]},
    schema={"indicator": pl.String, "first_year": pl.Int32, "kind": pl.String},
)


@pytest.mark.parametrize(("indicator", "years", "expected"), [
    ("goal_achievement", [2017, 2020], ["goal_achievement from 2020 (method)"]),
    ("goal_achievement", [2019, 2020], ["goal_achievement from 2020 (method)"]),
    ("goal_achievement", [2020, 2019], ["goal_achievement from 2020 (method)"]),  # order of the pair is free
    ("goal_achievement", [2020, 2021], []),  # both in the new series
    ("goal_achievement", [2017, 2019], []),  # both in the old series
    ("goal_achievement", [2018, 2018], []),  # one year against a peer: no break can lie between
    ("goal_achievement", [2017, 2018, 2024], ["goal_achievement from 2020 (method)",
                                              "goal_achievement from 2023 (scale)"]),
    ("goal_achievement", [2022, 2023], ["goal_achievement from 2023 (scale)"]),
    ("net_turnover", [2018, 2019], ["net_turnover from 2019 (method)"]),
    ("organizational_development", [2017, 2020], []),  # another indicator's break does not count
    ("goal_achievement", [], []),
])
def test_straddled(indicator: str, years: list[int], expected: list[str]) -> None:
    assert series_breaks.straddled(BREAKS, indicator, years) == expected


def test_mark_names_the_latest_break_between_the_two_years_and_keeps_every_row() -> None:
    pairs = pl.DataFrame({"indicator": ["goal_achievement", "goal_achievement", "net_turnover", "bonus_share"],
                          "prev_year": [2019, 2020, 2017, 2017], "year": [2024, 2021, 2018, 2024]})
    got = series_breaks.mark(pairs, BREAKS)
    assert got.columns == [*pairs.columns, "series_break"]
    assert got["series_break"].to_list() == ["goal_achievement from 2023 (scale)", None, None, None]
    empty = series_breaks.mark(pairs, BREAKS.clear())
    assert empty["series_break"].to_list() == [None] * 4


@pytest.mark.parametrize(("row", "problem"), [
    ({"indicator": "goal_achievment"}, "row 1: column indicator: unknown indicator 'goal_achievment'"),
    ({"kind": "methods"}, "row 1: column kind: 'methods' is not one of ['method', 'scale']"),
    ({"first_year": "20"}, "row 1: column first_year: '20' is not a year"),
    ({"first_year": None}, "row 1: column first_year: None is not a year"),
])
def test_check_names_row_and_column(row: dict[str, object], problem: str) -> None:
    good = {"indicator": "goal_achievement", "first_year": "2020", "kind": "method", "method_before": "a",
            "method_after": "b", "note": "n"}
    frame = pl.DataFrame([good | row], schema=dict.fromkeys(series_breaks.COLUMNS, pl.String))
    assert series_breaks.check(pl.DataFrame([good], schema=frame.schema), {"goal_achievement"}) == []
    assert [p.removeprefix("series_breaks.csv ") for p in series_breaks.check(frame, {"goal_achievement"})] == [problem]


def test_check_refuses_a_break_listed_twice() -> None:
    row = {"indicator": "goal_achievement", "first_year": "2020", "kind": "method", "method_before": "a",
           "method_after": "b", "note": "n"}
    assert series_breaks.check(pl.DataFrame([row, row]), {"goal_achievement"}) == [
        "series_breaks.csv: break goal_achievement 2020 is listed twice"]


def test_registry_refuses_a_bad_break_by_file_and_row(tmp_path: Path) -> None:
    ref = tmp_path / "reference"
    shutil.copytree(registry.REFERENCE_DIR, ref)
    with (ref / "series_breaks.csv").open("a", encoding="utf-8") as f:
        f.write("public_services_quality,2021,unit,%,points of 5,\n")
    with pytest.raises(registry.RegistryError, match=r"series_breaks.csv row 2: column kind: 'unit'"):
        registry.read_reference(ref)


# ---------------------------------------------------------------- the alert rule


@pytest.mark.parametrize(("rows", "observed", "firing"), [
    # a 2019 -> 2020 fall of goal achievement straddles the 2020 method change: not a decline
    ([("acsa", "goal_achievement", 2019, 97.0), ("acsa", "goal_achievement", 2020, 80.0)], "series_break", False),
    # the previous year with data may lie further back: still across the break
    ([("acsa", "goal_achievement", 2018, 97.0), ("acsa", "goal_achievement", 2021, 80.0)], "series_break", False),
    # within the new series the same fall is a decline
    ([("acsa", "goal_achievement", 2020, 97.0), ("acsa", "goal_achievement", 2021, 80.0)], "negative", True),
    # a rise across the break is observed as the break too (not as "ok": it is not comparable either)
    ([("acsa", "goal_achievement", 2019, 80.0), ("acsa", "goal_achievement", 2020, 97.0)], "series_break", False),
    # a lower-is-better indicator across its own break
    ([("acsa", "net_turnover", 2018, 2.0), ("acsa", "net_turnover", 2019, 9.0)], "series_break", False),
    # an indicator without a break in those years
    ([("acsa", "net_turnover", 2019, 2.0), ("acsa", "net_turnover", 2020, 9.0)], "negative", True),
])
def test_indicator_turned_negative_across_a_break(rows: list[tuple[str, str, int, float]], observed: str,
                                                  firing: bool) -> None:
    obs = rules.indicator_turned_negative(values(rows), ITN, breaks=BREAKS)
    assert obs.select("observed", "firing").rows() == [(observed, firing)]
    fired, _ = decide(obs, empty_state())
    assert fired.height == int(firing)
    if observed == "series_break":
        assert json.loads(obs["details"][0])["series_break"].startswith(rows[0][1] + " from ")
        (note,) = engine.series_break_notes(obs)
        assert f"{rows[0][1]} {rows[1][2]} not compared with {rows[0][2]}" in note and "not a decline" in note
    # without breaks the rule judges the move as before
    plain = rules.indicator_turned_negative(values(rows), ITN)
    worse = (rows[1][3] < rows[0][3]) == (IND[rows[0][1]][3] == "higher_is_better")
    assert plain["firing"].to_list() == [worse]


# ---------------------------------------------------------------- on the bundled warehouse


def test_bundled_warehouse_names_the_2020_method_change(bundled_warehouse: Path) -> None:
    db = bundled_warehouse
    label = "goal_achievement from 2020 (method)"
    assert _rows(db, "select indicator, first_year, kind, label, note like '%issue 12%' from mart.series_breaks") == [
        ("goal_achievement", 2020, "method", label, True)]
    assert _rows(db, "select series, from_year, to_year from mart.indicator_methods "
                     "where indicator = 'goal_achievement' order by series") == [(1, None, 2019), (2, 2020, None)]
    # Strategy (goal achievement) compares 2017 with 2020 under the endpoint rule: across the break, and says so;
    # the rows whose compared years all lie on one side say nothing
    effects = _rows(db, """
        select factor, rule, series_breaks,
               len(list_filter(inputs, lambda x: x.indicator = 'goal_achievement' and x.year < 2020)) > 0
               and len(list_filter(inputs, lambda x: x.indicator = 'goal_achievement' and x.year >= 2020)) > 0
        from mart.factor_effects where config = 'default'""")
    assert effects and {r[3] for r in effects} == {True, False}
    for factor, rule, breaks, straddles in effects:
        assert breaks == ([label] if straddles else []), (factor, rule)
    assert ("Strategy", "endpoint", [label], True) in effects
    verdicts = _rows(db, "select body_code, rule, series_breaks from mart.verdicts where config = 'default'")
    assert verdicts and all(v[2] in ([], [label]) for v in verdicts)
    assert [v for v in verdicts if v[1] == "endpoint" and v[2] == [label]]
    # the columns are documented like every mart column, and nothing else of the views changed
    assert _rows(db, "select count(*) from duckdb_columns() where table_name in ('factor_effects', 'verdicts', "
                     "'series_breaks', 'indicator_methods') and schema_name = 'mart' and comment is null") == [(0,)]
    # the 2019 -> 2020 goal-achievement fall of Astana (81.6 -> 79.6) is not alerted; organizational development
    # (no break) still is
    assert _rows(db, "select indicator from mart.alerts where rule = 'indicator_turned_negative' "
                     "and body_code = 'astana' order by 1") == [("organizational_development",)]


def test_a_user_added_break_is_read_on_the_next_refresh(bundled_warehouse: Path, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """Adding a break is a row of the reference file; the monitor then observes it and its note says so."""
    import warehouse
    from pilotwatch.alerts.config import load_config
    from pilotwatch.alerts.engine import observe
    from pilotwatch.settings import DATA_DIR

    db = tmp_path / "pilotwatch.duckdb"
    shutil.copyfile(bundled_warehouse, db)
    monkeypatch.setenv("PILOTWATCH_DB", str(db))
    ref = tmp_path / "reference"
    shutil.copytree(registry.REFERENCE_DIR, ref)
    with (ref / "series_breaks.csv").open("a", encoding="utf-8") as f:
        f.write("organizational_development,2020,method,old block,new block,test break\n")
    with warehouse.writer("test-break") as con:
        registry.seed(con, ref)
        from datetime import date

        obs, notes = observe(con, load_config(DATA_DIR / "monitoring.yaml"), date(2021, 6, 1))
    crossed = obs.filter(pl.col("observed") == "series_break").select("body_code", "indicator").sort("*").rows()
    assert ("astana", "organizational_development") in crossed and ("astana", "goal_achievement") in crossed
    assert not obs.filter(pl.col("firing") & (pl.col("rule") == "indicator_turned_negative")
                          & (pl.col("year") == 2020)).height
    assert any("astana organizational_development 2020 not compared with 2019 across the series break "
               "organizational_development from 2020 (method)" in n for n in notes)
