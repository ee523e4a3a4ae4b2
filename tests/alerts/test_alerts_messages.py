"""Messages a person can act on: one per body, the same fact once, full names, in English and Russian.

Built by hand from the alerts ACSA 2021 raises (tests/alerts/test_alerts_monitor.py), with names from the
registry files (data/reference), so every word a team reads is checked here without a warehouse.
"""

from __future__ import annotations

from datetime import date, datetime

import polars as pl
import pytest

from pilotwatch import DATA_DIR
from pilotwatch.alerts import messages
from pilotwatch.alerts.engine import due_on
from pilotwatch.alerts.render import Alert, payload_bytes


def names() -> messages.Names:
    ref = DATA_DIR / "reference"
    bodies = pl.read_csv(ref / "bodies.csv", infer_schema_length=0)
    ind = pl.read_csv(ref / "indicators.csv", infer_schema_length=0)
    return messages.Names({c: (en, ru) for c, en, ru in bodies.select("body_code", "name_en", "name_ru").iter_rows()},
                          {i: (n, u) for i, n, u in ind.select("indicator", "name", "unit").iter_rows()})


def acsa_2021() -> list[Alert]:
    t = datetime(2026, 11, 26, 12, 0)

    def a(n: int, rule: str, subject: str, prev: float | None, value: float | None, severity: str = "warning",
          **kw: object) -> Alert:
        return Alert(alert_id=n, rule=rule, severity=severity, message=f"message {n}", created_at=t,
                     dedup_key=f"{rule}|acsa|{subject}|2021", body_code="acsa", subject=subject, year=2021,
                     previous_value=prev, value=value, **kw)  # type: ignore[arg-type]

    return [
        a(1, "indicator_turned_negative", "goal_achievement", 95.5, 93.0, factor="Strategy",
          indicator="goal_achievement", details={"previous_year": 2020, "look": "mart.indicator_values where x"}),
        a(2, "behind_target", "goal_achievement", 95.6, 93.0, factor="Strategy", indicator="goal_achievement"),
        a(3, "indicator_turned_negative", "organizational_development", 92.3, 78.0, "critical",
          factor="Organization", indicator="organizational_development", details={"previous_year": 2020}),
        a(4, "behind_target", "organizational_development", 92.5, 78.0, "critical", factor="Organization",
          indicator="organizational_development"),
        a(5, "factor_flipped", "Organization", None, None, factor="Organization", previous_label="positive",
          value_label="negative"),
        a(6, "verdict_changed", "verdict", None, None, "critical", previous_label="H0", value_label="H1"),
        a(7, "verdict_changed", "grade_band:overall_effectiveness", 71.0, 69.0, indicator="overall_effectiveness",
          factor="Leadership", previous_label="average", value_label="low"),
    ]


def build(lang: str, digest: str | None = None) -> list[messages.Message]:
    return messages.build(acsa_2021(), names(), lang,
                          lambda body, rule: "Aigerim (aigerim@example.org)" if body == "acsa" else None,
                          lambda body: f"https://intranet.example.org/reports/{body}.html", digest)


@pytest.mark.parametrize(
    ("lang", "title", "lines"),
    [
        ("en",
         "Critical: Agency for Civil Service Affairs — Goal achievement, Organizational development, Evaluation of "
         "overall effectiveness of a state body worse in 2021; Organization turned negative; the pilot no longer "
         "pays off",
         ["• Goal achievement fell from 95.5 % in 2020 to 93 % in 2021 (−2.5 points, −2.6 %); below its 2021 "
          "target of 95.6 % by 2.6 points.",
          "  Why it matters: it is part of the Strategy factor; a factor that turns negative counts against the "
          "pilot in the thesis' cost-effectiveness verdict.",
          "• Organizational development fell from 92.3 % in 2020 to 78 % in 2021 (−14.3 points, −15.5 %); below "
          "its 2021 target of 92.5 % by 14.5 points.",
          "• Evaluation of overall effectiveness of a state body: the Evaluation Center grade fell from “average” "
          "to “low” in 2021.",
          "• The Organization factor turned from positive to negative in 2021 (comparison rule “endpoint”).",
          "• The thesis' hypothesis that the pilot pays off no longer holds (2021): its results no longer justify "
          "its cost (the verdict moved from H0 to H1).",
          "Owner: Aigerim (aigerim@example.org)",
          "Report: https://intranet.example.org/reports/acsa.html",
          "What to do next: check the figures with the owner; acknowledge with `pilotwatch alerts ack 1 2 3 4 5 6 "
          "7`, or pause these alerts with `pilotwatch alerts snooze --body acsa --until YYYY-MM-DD`."]),
        ("ru",
         "Критично: Агентство Республики Казахстан по делам государственной службы — ухудшение в 2021 г.: "
         "Достижение целей, Организационное развитие, Оценка общей эффективности деятельности государственного "
         "органа; фактор стал отрицательным: Организация; пилот больше не окупается",
         ["• Достижение целей: снижение с 95,5 % в 2020 г. до 93 % в 2021 г. (−2,5 п.п., −2,6 %); ниже целевого "
          "значения на 2021 г. (95,6 %) на 2,6 п.п.",
          "• Фактор «Организация» сменился с положительного на отрицательный в 2021 г. (правило сравнения "
          "«endpoint»).",
          "• Гипотеза диссертации о том, что пилот себя окупает, больше не подтверждается (2021 г.): его "
          "результаты не оправдывают затрат (вывод сменился с H0 на H1).",
          "Ответственный: Aigerim (aigerim@example.org)",
          "Отчёт: https://intranet.example.org/reports/acsa.html"]),
    ],
)
def test_one_message_per_body_in_plain_words(lang: str, title: str, lines: list[str]) -> None:
    (msg,) = build(lang)
    assert msg.title() == title
    text = msg.text().splitlines()
    for line in lines:
        assert line in text
    # the same fact once: 7 alerts, 5 facts (fell + behind target merged per indicator-year)
    assert sum(1 for x in text if x.startswith("• ")) == 5
    assert msg.severity == "critical" and msg.alert_ids == [1, 2, 3, 4, 5, 6, 7]
    assert "_" not in msg.title()  # no codes in the title


def test_the_message_key_is_derived_from_its_alerts_keys() -> None:
    (msg,) = build("en")
    keys = [a.dedup_key for a in acsa_2021()]
    assert msg.dedup_key == messages.group_key(list(reversed(keys))) and msg.dedup_key.startswith("group-")
    assert msg.dedup_key != messages.group_key(keys[:-1])
    assert msg.alert_id == 1  # the representative id the channels report back


@pytest.mark.parametrize("fmt", ["slack", "teams", "json"])
def test_payloads_carry_every_alert(fmt: str) -> None:
    (msg,) = build("ru")
    body = payload_bytes(fmt, msg).decode()
    assert "Агентство Республики Казахстан по делам государственной службы" in body
    if fmt == "json":
        import json

        doc = json.loads(body)
        assert doc["type"] == "alert_group" and doc["alert_ids"] == [1, 2, 3, 4, 5, 6, 7]
        assert [a["dedup_key"] for a in doc["alerts"]] == [a.dedup_key for a in acsa_2021()]


def test_a_digest_has_a_section_per_body() -> None:
    other = Alert(alert_id=9, rule="stale_data", severity="warning", message="m", created_at=datetime(2026, 1, 1),
                  dedup_key="stale_data|astana|payroll|2021", body_code="astana", subject="payroll", year=2021,
                  details={"expected_by": "2022-06-30"})
    (msg,) = messages.build([*acsa_2021(), other], names(), "en", lambda b, r: None, lambda b: None, "weekly")
    assert msg.title() == ("Critical: pilotwatch weekly digest — 8 alert(s) for Agency for Civil Service Affairs, "
                           "Akimat of Astana")
    text = msg.text()
    assert "• Payroll data for 2021 have not arrived; they were due by 2022-06-30." in text
    assert text.count("Owner: nobody yet") == 2


@pytest.mark.parametrize(
    ("digest", "as_of", "due"),
    [
        ("immediate", date(2026, 11, 25), None),
        ("daily", date(2026, 11, 25), date(2026, 11, 26)),
        ("weekly", date(2026, 11, 25), date(2026, 11, 30)),  # a Wednesday: the next Monday
        ("weekly", date(2026, 11, 30), date(2026, 12, 7)),  # a Monday: the one after
        ("weekly", date(2026, 11, 29), date(2026, 11, 30)),  # a Sunday: tomorrow
    ],
)
def test_digest_due_dates(digest: str, as_of: date, due: date | None) -> None:
    assert due_on(digest, as_of) == due
