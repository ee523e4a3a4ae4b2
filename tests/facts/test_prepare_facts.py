"""Every step of ``prepare_facts`` sets a row aside for one reason, in the order the steps decide: a year
that cannot be read, a year or dataset the load does not cover (skipped, not refused), an unknown indicator
or body, a missing or unreadable value, a repeat or a conflict. One long frame holds a row of each."""

from __future__ import annotations

import polars as pl

from pilotwatch.registry import all_aliases, read_reference
from transforms.facts import prepare_facts

REF = read_reference()
ROWS = [  # _row, body, year, indicator, value
    (1, "ACSA", "2020", "overall_effectiveness", "80 %"),
    (2, "ACSA", "20x0", "overall_effectiveness", "81 %"),      # year unreadable
    (3, "ACSA", "2015", "overall_effectiveness", "82 %"),      # another year: skipped
    (4, "ACSA", "2020", "payroll_fund_musd", "5 mln USD"),     # another dataset: skipped
    (5, "ACSA", "2020", "happiness", "83 %"),                  # unknown indicator
    (6, "Акимат Луны", "2020", "goal_achievement", "84 %"),    # unknown body
    (7, "", "2020", "goal_achievement", "85 %"),               # no body
    (8, "ACSA", "2020", "goal_achievement", ""),               # missing value
    (9, "ACSA", "2020", "organizational_development", "8..1 %"),  # unreadable value
    (10, "ACSA", "2020", "overall_effectiveness", "80 %"),     # repeat of row 1
    (11, "Astana", "2020", "goal_achievement", "70 %"),        # conflicts with row 12
    (12, "Astana", "2020", "goal_achievement", "71 %"),
    (13, "Mangystau", "2020", "goal_achievement", "60 %"),
]


def _prepare() -> object:
    long = pl.DataFrame(
        [(r, "value", b, y, i, v, None) for r, b, y, i, v in ROWS], orient="row",
        schema={"_row": pl.Int64, "_column": pl.String, "body_label": pl.String, "year_text": pl.String,
                "indicator_label": pl.String, "value_text": pl.String, "unit_text": pl.String},
    )
    return prepare_facts(long, "evaluation_center", all_aliases(REF), REF["labels"], REF["indicators"], [2020])


def test_each_row_is_accepted_skipped_or_refused_once_with_its_reason() -> None:
    got = _prepare()
    assert got.accepted.select("_row", "body_code", "indicator", "value").rows() == [
        (1, "acsa", "overall_effectiveness", 80.0), (13, "mangystau", "goal_achievement", 60.0)]
    assert (got.skipped_other_year, got.skipped_other_dataset) == (1, 1)
    refused = got.rejected.select("_row", "column_name", "reason").rows()
    assert [(r, c) for r, c, _ in refused] == [
        (2, "year"), (5, "indicator"), (6, "body"), (7, "body"), (8, "value"), (9, "value"), (10, "value"),
        (11, "value"), (12, "value")]
    reasons = {r: why for r, _, why in refused}
    assert reasons[2] == "cannot read a year from '20x0'"
    assert reasons[5] == "unknown indicator 'happiness'"
    assert reasons[6].startswith("unknown body 'Акимат Луны' (not in the body registry")
    assert reasons[7].startswith("no body: the cell is empty")
    assert reasons[8] == "missing value"
    assert "'8..1 %'" in reasons[9]
    assert reasons[10] == "duplicate of row 1 (same acsa/2020/overall_effectiveness and value)"
    assert reasons[11] == reasons[12] == "conflicting values for astana/2020/goal_achievement: row 11 = 70.0; row 12 = 71.0"
