"""End to end: ``pilotwatch survey`` and the ``survey_analysis`` flow on the demo and on exports
of each instrument (XLSX file, CSV over a real local HTTP server), results in the warehouse."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from pathlib import Path

import http_fixture
import openpyxl
import polars as pl
import pytest
from http_fixture import HttpFixture

from pilotwatch.cli import main
from pilotwatch.survey.items import load_instruments

http_server = http_fixture.http_server
SPEC = load_instruments()
pytestmark = pytest.mark.e2e


@pytest.fixture
def cli_logging() -> Iterator[None]:
    """``main()`` configures the root logger with a handler on the (captured) stderr of the test;
    remove it afterwards, or later log records are written to a closed capture file."""
    before, level = logging.root.handlers[:], logging.root.level
    yield
    for h in logging.root.handlers[:]:
        if h not in before:
            logging.root.removeHandler(h)
    logging.root.setLevel(level)


def query(sql: str) -> list[tuple]:
    import warehouse

    con = warehouse.connect(read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_demo_via_cli_json(db_path: Path, prefect_server: None, capsys: pytest.CaptureFixture[str], tmp_path: Path,
                           cli_logging: None):
    out_csv = tmp_path / "demo.csv"
    assert main(["survey", "model_test", "--demo", "--json", "--demo-out", str(out_csv)]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert {"alpha", "fit", "estimates", "verdicts"} <= set(doc)
    assert doc["synthetic"] is True and "SYNTHETIC" in doc["notice"]
    assert doc["respondents"] == {"read": 120, "accepted": 100, "quarantined": 20}
    assert set(doc["fit"]) == {"cfa", "sem"} and doc["fit"]["sem"]["df"] == 132
    assert [v["hypothesis"] for v in doc["verdicts"]] == ["H1", "H2", "H3", "H4", "H5"]
    assert all(v["verdict"] in ("supported", "not supported", "undetermined") for v in doc["verdicts"])
    assert out_csv.exists() and pl.read_csv(out_csv).height == 120
    # persisted, labelled synthetic everywhere
    assert query("SELECT count(*), bool_and(synthetic) FROM mart.survey_verdicts") == [(5, True)]
    assert query("SELECT n_accepted, synthetic FROM mart.survey_runs") == [(100, True)]
    assert query("SELECT count(*) FROM mart.quarantine WHERE dataset = 'survey_model_test'") == [(20,)]
    assert query("SELECT count(*) FROM mart.survey_fit WHERE model = 'sem' AND measure = 'gfi'") == [(1,)]
    assert query("SELECT count(*) FROM mart.survey_estimates WHERE op = 'effect'") == [(15,)]
    assert query("SELECT min(n) FROM mart.survey_distributions WHERE NOT suppressed")[0][0] >= 5
    assert query("SELECT count(*) FROM staging.survey_model_test WHERE wave = 'demo-synthetic'") == [(100,)]
    # a second run of the same wave replaces, never duplicates
    assert main(["survey", "model_test", "--demo"]) == 0
    assert "SYNTHETIC DEMO SAMPLE" in capsys.readouterr().out
    assert query("SELECT count(*) FROM mart.survey_verdicts") == [(5,)]


def _employees_xlsx() -> bytes:
    ins = SPEC.get("employees")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Опрос государственных служащих, октябрь 2020"])  # a title above the table
    header = ["Ваш возраст?", "Ваш пол?", "Укажите полное наименование вашего государственного органа",
              *[f"{c}. {ins.items[c].ru}" for c in ins.items], "Что бы вы хотели изменить в вашем государственном органе?"]
    ws.append(header)
    for i in range(30):
        body = "Агентство по делам государственной службы" if i < 18 else "Акимат города Астаны"
        values = [ins.items[c].answers[(i + j) % 3].ru for j, c in enumerate(ins.items)]
        ws.append(["31-40 лет", "Женский" if i % 2 else "Мужской", body, *values, f"предложение {i}" if i % 4 == 0 else None])
    ws.append(["31-40 лет", "Женский", "Акимат города Астаны", *(["Затрудняюсь ответить"] * 14), None])  # straight-lined
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_employees_xlsx_distributions_and_anonymity(db_path: Path, prefect_server: None, tmp_path: Path):
    from flows.survey import survey_analysis

    path = tmp_path / "employees_2020.xlsx"
    path.write_bytes(_employees_xlsx())
    doc = survey_analysis(str(path), "employees", "2020")
    assert doc["respondents"] == {"read": 31, "accepted": 30, "quarantined": 1}
    assert "straight-lined" in doc["quarantine"][0]["reason"]
    assert doc["fit"] == {} and doc["estimates"] == [] and doc["verdicts"] == []
    alpha = {a["construct"]: a for a in doc["alpha"] if a["item"] is None}
    assert set(alpha) == {"L", "S", "HC", "O", "R"}
    rows = query("SELECT body_code, base_n FROM mart.survey_distributions WHERE instrument = 'employees' "
                 "AND question = 'L1' AND answer = '5'")
    assert sorted(rows, key=lambda r: (r[0] is not None, r[0] or "")) == [(None, 30), ("acsa", 18), ("astana", 12)]
    # free text is stored apart: no respondent, no body, no demographics next to it
    cols = [r[0] for r in query("SELECT column_name FROM information_schema.columns "
                                "WHERE table_schema = 'staging' AND table_name = 'survey_free_text'")]
    assert set(cols) == {"load_id", "instrument", "wave", "question", "answer"}
    assert query("SELECT count(*) FROM staging.survey_free_text WHERE instrument = 'employees'") == [(8,)]
    assert "предложение" not in json.dumps(doc, ensure_ascii=False)


def test_citizens_csv_over_http(db_path: Path, prefect_server: None, http_server: HttpFixture):
    from flows.survey import survey_analysis

    lines = ["What is your age?;What is your gender?;Q6;Q8;Q9;Q12;Q14;Q5;Q11;Q7"]
    for i in range(40):
        q6 = ["To the full extent", "Partly", "Not satisfied"][i % 3]
        q8 = "Yes" if i % 2 else "No"
        q9 = "Partly, incomplete information received" if i % 2 else ""
        lines.append(f"21-30 years;{'Female' if i % 3 else 'Male'};{q6};{q8};{q9};Partly;Not satisfied;"
                     f"Receiving a public service;Formalism of responses;{'more parks' if i == 7 else ''}")
    http_server.add_static("/citizens.csv", ("\n".join(lines) + "\n").encode("cp1251"))
    doc = survey_analysis(http_server.url("/citizens.csv"), "citizens", "2020", body="Акимат города Астаны")
    assert doc["respondents"]["accepted"] == 40
    dist = {(d["question"], d["answer"]): d for d in doc["distributions"] if d["body_code"] == "astana"}
    assert dist[("Q6", "partly")]["n"] == 13 and dist[("Q6", "partly")]["base_n"] == 40
    assert dist[("Q9", "partly")]["base_n"] == 20  # asked only after "yes" to Q8
    assert query("SELECT answer FROM staging.survey_free_text WHERE instrument = 'citizens'") == [("more parks",)]
    assert query("SELECT count(*) FROM staging.survey_citizens WHERE body_code = 'astana'") == [(40,)]
