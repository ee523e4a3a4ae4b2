"""Answer texts -> 5..1 for every item, in English and Russian; headers; demographics; citizens."""

from __future__ import annotations

import polars as pl
import pytest

from pilotwatch.survey.items import load_instruments
from transforms.survey.mapping import (
    SurveyFormatError,
    answer_texts,
    code_answers,
    item_lookup,
    map_headers,
    option_lookup,
)

SPEC = load_instruments()


def _items(instrument: str) -> list[tuple[str, str]]:
    return [(instrument, code) for code in SPEC.get(instrument).items]


@pytest.mark.parametrize(("instrument", "code"), _items("model_test") + _items("employees"))
@pytest.mark.parametrize("lang", ["en", "ru"])
def test_every_answer_text_of_every_item_maps_to_its_value(instrument, code, lang):
    ins = SPEC.get(instrument)
    lookup = item_lookup(code, ins, SPEC)
    texts = answer_texts(code, ins, SPEC)
    assert sorted(texts) == [1, 2, 3, 4, 5]
    for value, by_lang in texts.items():
        assert by_lang[lang], f"{code}: no {lang} text for {value}"
        for t in by_lang[lang]:
            assert lookup(t) == value, (code, t)
            assert lookup(f"  {t.upper()} ") == value  # case and spacing do not matter
        assert lookup(str(value)) == value and lookup(f"{value}.0") == value
    assert lookup("6") is None and lookup("0") is None and lookup("something else") is None


def test_employee_answers_cut_after_the_first_comma_still_map():
    ins = SPEC.get("employees")
    lookup = item_lookup("HC2", ins, SPEC)
    assert lookup("Rather agree") == 4 and lookup("Скорее не согласен") == 2
    assert lookup("I totally agree") == 5  # HC2's 5 is a long text; its head is enough


def test_the_two_instruments_use_their_own_wording():
    # "Difficult to answer" is employees' 3; the model test's 3 is "Neutral or No opinion"
    assert item_lookup("L1", SPEC.get("employees"), SPEC)("Difficult to answer") == 3
    assert item_lookup("L1", SPEC.get("model_test"), SPEC)("Neutral or No opinion") == 3
    assert item_lookup("L1", SPEC.get("model_test"), SPEC)("Rather agree, this happens quite often") is None


def test_headers_by_code_prefix_and_question_text():
    ins = SPEC.get("model_test")
    item = ins.items["HC3"]
    headers = [
        "L1", "L2. The ability of the manager to hear", f"3) {item.en}", ins.items["S1"].ru,
        ins.items["O1"].en[:40], "What is your age?", "Ваш пол?", "Public authority", "ID", "unrelated",
    ]
    cols = map_headers(headers, ins, SPEC)
    assert cols["L1"] == "L1" and cols["L2"].startswith("L2.")
    assert cols["HC3"] == headers[2] and cols["S1"] == headers[3] and cols["O1"] == headers[4]
    assert cols["age_band"] == "What is your age?" and cols["gender"] == "Ваш пол?"
    assert cols["body"] == "Public authority" and cols["respondent"] == "ID"
    assert "unrelated" not in cols.values()


def test_header_problems_are_errors():
    ins = SPEC.get("model_test")
    with pytest.raises(SurveyFormatError, match="both look like L1"):
        map_headers(["L1", "L1: again"], ins, SPEC)
    with pytest.raises(SurveyFormatError, match="no answer column"):
        map_headers(["age", "gender"], ins, SPEC)


def test_demographics_and_citizen_options_in_both_languages():
    for name, d in SPEC.demographics.items():
        lookup = option_lookup(d.options)
        for code, texts in d.options.items():
            assert texts.en and texts.ru, (name, code)
            for t in texts.all():
                assert lookup(t) == code
    for q, question in SPEC.get("citizens").questions.items():
        lookup = option_lookup(question.options)
        for code, texts in question.options.items():
            assert texts.en and texts.ru, (q, code)
            assert all(lookup(t) == code for t in texts.all())


def test_code_answers_on_a_mixed_language_export():
    ins = SPEC.get("employees")
    row_en = {"age_band": "31-40 years", "gender": "Female", "body": "acsa"} | {
        c: ins.items[c].answers[1].en for c in ins.items}
    row_ru = {"age_band": "21-30 лет", "gender": "Мужской", "body": "astana"} | {
        c: ins.items[c].answers[4].ru for c in ins.items} | {"C2": "Меньше совещаний"}
    row_ru["C2"] = "Меньше совещаний"
    row_en["C2"] = None
    table = pl.DataFrame([row_en, row_ru]).with_columns(pl.Series("_row", [2, 3], dtype=pl.Int64))
    coded = code_answers(table, ins, SPEC, resolve_body=lambda labels: labels)
    a = coded.answers
    assert a.filter(pl.col("_row") == 2).select(list(ins.items)).row(0) == (4,) * 14
    assert a.filter(pl.col("_row") == 3).select(list(ins.items)).row(0) == (1,) * 14
    assert a["age_band"].to_list() == ["31_40", "21_30"] and a["gender"].to_list() == ["female", "male"]
    assert coded.problems.height == 0
    assert coded.free_text.to_dicts() == [{"question": "C2", "answer": "Меньше совещаний"}]
    assert "C2" not in a.columns  # free text never stays with the answers
