"""Screening rules on crafted bad responses: every refusal is quarantined with its reason."""

from __future__ import annotations

import polars as pl
import pytest

from pilotwatch import survey
from pilotwatch.survey.items import load_instruments
from transforms.survey.screening import ScreeningRules, screen

ITEMS = [f"I{i}" for i in range(1, 11)]


def frame(rows: list[list[int | None]]) -> pl.DataFrame:
    data = {"_row": list(range(2, 2 + len(rows)))} | {it: [r[j] for r in rows] for j, it in enumerate(ITEMS)}
    return pl.DataFrame(data, schema={"_row": pl.Int64} | dict.fromkeys(ITEMS, pl.Int8))


GOOD = [5, 4, 4, 3, 5, 4, 2, 4, 5, 3]


def test_missing_share_threshold():
    one_missing = [None, *GOOD[1:]]  # 10 % missing: kept
    two_missing = [None, None, *GOOD[2:]]  # 20 % missing: at the threshold, quarantined
    half = [None] * 5 + GOOD[5:]
    kept, q = screen(frame([GOOD, one_missing, two_missing, half, [None] * 10]), ITEMS)
    assert kept["_row"].to_list() == [2, 3]
    reasons = dict(zip(q["_row"], q["reason"], strict=True))
    assert reasons[4] == "2 of 10 answers missing (20%; threshold 20%)"
    assert reasons[5].startswith("5 of 10 answers missing (50%")
    assert reasons[6].startswith("10 of 10 answers missing")
    kept, _ = screen(frame([two_missing]), ITEMS, ScreeningRules(max_missing_share=0.5))
    assert kept.height == 1


def test_straight_lining():
    flat = [4] * 10
    flat_with_gap = [5] * 9 + [None]
    short = [3, 3, 3, 3, None, None, None, None, None, None]  # too few answers to judge; missing anyway
    kept, q = screen(frame([GOOD, flat, flat_with_gap, short]), ITEMS)
    reasons = dict(zip(q["_row"], q["reason"], strict=True))
    assert kept["_row"].to_list() == [2]
    assert reasons[3] == "straight-lined: all 10 answered Likert items are 4"
    assert reasons[4] == "straight-lined: all 9 answered Likert items are 5"
    assert "straight" not in reasons[5] and "6 of 10 answers missing" in reasons[5]
    kept, _ = screen(frame([flat]), ITEMS, ScreeningRules(straightline=False))
    assert kept.height == 1


def test_both_reasons_are_given():
    _, q = screen(frame([[2, 2, 2, 2, 2, 2, None, None, None, None]]), ITEMS, ScreeningRules(min_items_straightline=5))
    assert q["reason"][0] == "4 of 10 answers missing (40%; threshold 20%); straight-lined: all 6 answered Likert items are 2"


def test_rules_are_validated():
    with pytest.raises(ValueError):
        ScreeningRules(max_missing_share=0)
    with pytest.raises(ValueError):
        ScreeningRules(min_items_straightline=1)


def test_unknown_answers_and_bodies_are_quarantined_with_the_whole_response():
    spec = load_instruments()
    items = spec.get("model_test").likert_items
    good = dict.fromkeys(items, "Agree") | {"L1": "Strongly agree", "S2": "Disagree", "R3": "3"}
    rows = [
        good | {"body": "ACSA"},
        good | {"body": "ACSA", "HC2": "Maybe"},
        good | {"body": "Ministry of Magic"},
        good | {"body": "ACSA", "D1": "free text about my boss"},
    ]
    table = pl.DataFrame(rows).with_columns(pl.Series("_row", [2, 3, 4, 5], dtype=pl.Int64))
    resolve = survey.body_resolver(pl.DataFrame({"body_code": ["acsa", "astana"]}),
                                   pl.DataFrame({"alias": ["ACSA"], "body_code": ["acsa"], "valid_from": [None],
                                                 "valid_to": [None]}, schema={"alias": pl.String, "body_code": pl.String,
                                                                              "valid_from": pl.Int64, "valid_to": pl.Int64}), 2019)
    prep = survey.prepare(table, "model_test", spec, resolve, survey.Options(wave="2019"))
    assert prep.accepted["_row"].to_list() == [2, 5]
    reasons = dict(zip(prep.quarantine["_row"], prep.quarantine["reason"], strict=True))
    assert "item HC2: answer 'Maybe' is not one of its answers" in reasons[3]
    assert "unknown public authority 'Ministry of Magic'" in reasons[4]
    # the raw row kept for the operator never carries free text
    assert all("free text" not in r for r in prep.quarantine["raw_row"].to_list())
    assert prep.free_text.columns == ["question", "answer"]
    assert prep.free_text.row(0) == ("D1", "free text about my boss")
