"""Monitoring rules (pure): warehouse frames in, *observations* out, and which of them fire.

Every rule turns its inputs into observations, one per thing it watches (``state_key``), saying
whether the rule's condition holds now (``firing``) and, for the rows that do, the alert text.
:func:`decide` then compares the observations with the state remembered from the last run:

* *level* rules (indicator turned negative, behind target, stale data, grade band dropped) judge
  one year's values. They fire when the condition holds and either it was not holding at the last
  evaluation, or the values differ from the ones last alerted (a corrected figure that still
  crosses the rule). Re-running on unchanged data fires nothing.
* *transition* rules (factor flipped, verdict moved to H1) watch a state that has no year of its
  own. They fire only on a change seen between two runs (positive -> negative, H0 -> H1); the first
  run records the baseline.

No Prefect, no DuckDB here: the glue in ``pilotwatch.alerts`` reads the frames and writes results.
"""

from __future__ import annotations

import json
import math
from datetime import date
from typing import Any

import polars as pl

from transforms import series_breaks
from transforms.alerts.observations import OBSERVATION_SCHEMA, compose_key, empty_observations
from transforms.alerts.rule_config import (
    BehindTarget,
    Escalation,
    FactorFlipped,
    IndicatorTurnedNegative,
    StaleData,
    VerdictChanged,
)

#: Input columns each rule expects (the glue selects exactly these).
VALUE_COLUMNS = ["body_code", "body_name", "body_kind", "year", "factor", "indicator", "indicator_name", "role",
                 "value", "unit", "direction", "load_id", "source_uri"]
TARGET_COLUMNS = ["body_code", "year", "indicator", "target", "target_load_id"]
PRESENCE_COLUMNS = ["dataset", "year", "body_code"]
EFFECT_COLUMNS = ["body_code", "body_name", "factor", "rule", "effect", "year"]
VERDICT_COLUMNS = ["body_code", "body_name", "rule", "verdict", "negative_factors", "year"]
GRADE_COLUMNS = ["body_code", "body_name", "indicator", "year", "band", "score"]
BREAK_SCHEMA: dict[str, Any] = {"indicator": pl.String, "first_year": pl.Int32, "kind": pl.String}


# ---------------------------------------------------------------- formatting


def fmt_number(v: float | None) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "n/a"
    text = f"{v:.3f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def fmt_value(v: float | None, unit: str | None) -> str:
    return f"{fmt_number(v)} {unit}" if unit else fmt_number(v)


def fmt_change(delta: float, unit: str | None) -> str:
    sign = "+" if delta > 0 else ""
    step = "pp" if unit == "%" else (unit or "")
    return f"{sign}{fmt_number(delta)} {step}".rstrip()


def fmt_share(share: float, sign: float = 1.0) -> str:
    """A share as a percentage; ``sign`` < 0 prints it negative (a fall)."""
    if math.isinf(share):
        return "n/a"
    return f"{'-' if sign < 0 and share else ('+' if sign > 0 and share else '')}{share * 100:.1f} %"


def _who(name: str | None, code: str | None) -> str:
    if not code:
        return ""
    return f"{name} ({code})" if name and name != code else code


def _where(view: str, filters: dict[str, object], order: str = "") -> tuple[str, str]:
    """A human pointer ("mart.x where a = 'b'") and the CLI query that shows it."""
    cond = " and ".join(f"{k} = {v!r}" if isinstance(v, str) else f"{k} = {v}" for k, v in filters.items())
    pointer = f"{view} where {cond}" if cond else view
    query = f"select * from {pointer}{' order by ' + order if order else ''}"
    return pointer, f'pilotwatch query "{query}"'


def _dashboard(template: str | None, **fields: object) -> str | None:
    if not template:
        return None
    safe = {k: ("" if v is None else v) for k, v in fields.items()}
    try:
        return template.format(**safe)
    except (KeyError, IndexError, ValueError):
        return template


def _look(view: str, filters: dict[str, object], order: str, dashboard: str | None, **extra: object) -> tuple[str, str]:
    pointer, query = _where(view, filters, order)
    text = f"Look: {pointer}" + (f" ({dashboard})" if dashboard else "") + "."
    details = {"look": pointer, "query": query, **({"dashboard": dashboard} if dashboard else {}), **extra}
    return text, json.dumps(details, default=str, ensure_ascii=False, sort_keys=True)


def _severity(base: str, relative: float, absolute: float, critical: Escalation) -> str:
    if (critical.relative is not None and relative >= critical.relative) or (
        critical.absolute is not None and absolute >= critical.absolute
    ):
        return "critical"
    return base


def _relative(delta: float, reference: float) -> float:
    if reference == 0:
        return 0.0 if delta == 0 else math.inf
    return abs(delta) / abs(reference)


def _frame(rows: list[dict[str, Any]]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=OBSERVATION_SCHEMA) if rows else empty_observations()


def _obs(**kw: Any) -> dict[str, Any]:
    row = dict.fromkeys(OBSERVATION_SCHEMA)
    row.update(kw)
    return row


# ---------------------------------------------------------------- level rules


def indicator_turned_negative(values: pl.DataFrame, rule: IndicatorTurnedNegative,
                              dashboard: str | None = None, breaks: pl.DataFrame | None = None) -> pl.DataFrame:
    """The newest year of each body-indicator against the previous year with data, direction-aware.

    Firing needs a move the wrong way of at least ``absolute_floor`` *and* ``relative_floor``
    (relative to the previous value). Rows below the floors are observed as not firing. Two years on
    either side of a series break (``breaks``: indicator, first_year, kind) measure different things:
    the pair is observed as ``series_break`` and never fires, whatever the move.
    """
    if not rule.enabled or values.is_empty():
        return empty_observations()
    v = values.filter(pl.col("role").is_in(rule.roles) & pl.col("body_kind").is_in(rule.body_kinds))
    v = v.sort("body_code", "indicator", "year").with_columns(
        prev_year=pl.col("year").shift(1).over("body_code", "indicator"),
        prev_value=pl.col("value").shift(1).over("body_code", "indicator"),
        newest=pl.col("year").max().over("body_code", "indicator"),
    ).filter((pl.col("year") == pl.col("newest")) & pl.col("prev_year").is_not_null())
    v = series_breaks.mark(v, breaks if breaks is not None else pl.DataFrame(schema=BREAK_SCHEMA))
    rows = []
    for r in v.iter_rows(named=True):
        delta = r["value"] - r["prev_value"]
        worse = delta < 0 if r["direction"] == "higher_is_better" else delta > 0
        rel = _relative(delta, r["prev_value"])
        floors = rule.floors(r["indicator"])
        crossed = r["series_break"]
        firing = bool(not crossed and worse and abs(delta) >= floors.absolute_floor and rel >= floors.relative_floor)
        name = "indicator_turned_negative"
        row = _obs(
            state_key=compose_key(name, r["body_code"], r["indicator"], r["year"]), transition=False,
            observed="series_break" if crossed else ("negative" if firing else "ok"), rule=name, body_code=r["body_code"], factor=r["factor"],
            indicator=r["indicator"], subject=r["indicator"], year=r["year"], previous_value=r["prev_value"],
            value=r["value"], firing=firing, severity=rule.severity,
            fingerprint=compose_key(r["prev_year"], repr(r["prev_value"]), repr(r["value"])),
        )
        if crossed:
            row["details"] = json.dumps({"series_break": crossed, "previous_year": r["prev_year"],
                                         "look": "mart.series_breaks"}, sort_keys=True)
        if firing:
            verb = "fell" if delta < 0 else "rose"
            better = "higher" if r["direction"] == "higher_is_better" else "lower"
            look, details = _look(
                "mart.indicator_values", {"body_code": r["body_code"], "indicator": r["indicator"]}, "year",
                _dashboard(dashboard, body_code=r["body_code"], indicator=r["indicator"], year=r["year"],
                           factor=r["factor"]),
                load_id=r["load_id"], source=r["source_uri"], previous_year=r["prev_year"],
                floors={"absolute": floors.absolute_floor, "relative": floors.relative_floor},
            )
            row.update(
                severity=_severity(rule.severity, rel, abs(delta), rule.critical),
                message=(
                    f"{_who(r['body_name'], r['body_code'])}: {r['indicator_name']} ({r['factor']}) {verb} from "
                    f"{fmt_value(r['prev_value'], r['unit'])} in {r['prev_year']} to {fmt_value(r['value'], r['unit'])} "
                    f"in {r['year']} ({fmt_change(delta, r['unit'])}, {fmt_share(rel, delta)}); {better} is better. "
                    f"{look} Source: load {r['load_id']} ({r['source_uri']})."
                ),
                details=details,
            )
        rows.append(row)
    return _frame(rows)


def behind_target(values: pl.DataFrame, targets: pl.DataFrame, rule: BehindTarget,
                  dashboard: str | None = None) -> pl.DataFrame:
    """Every body-year-indicator with both an actual value and a target: is the actual worse?"""
    if not rule.enabled or values.is_empty() or targets.is_empty():
        return empty_observations()
    joined = values.join(targets, on=["body_code", "year", "indicator"], how="inner").sort(
        "body_code", "indicator", "year")
    rows = []
    name = "behind_target"
    for r in joined.iter_rows(named=True):
        gap = r["value"] - r["target"]
        worse = gap < 0 if r["direction"] == "higher_is_better" else gap > 0
        rel = _relative(gap, r["target"])
        floors = rule.floors(r["indicator"])
        firing = bool(worse and abs(gap) >= floors.absolute_floor and rel >= floors.relative_floor)
        row = _obs(
            state_key=compose_key(name, r["body_code"], r["indicator"], r["year"]), transition=False,
            observed="behind" if firing else "ok", rule=name, body_code=r["body_code"], factor=r["factor"],
            indicator=r["indicator"], subject=r["indicator"], year=r["year"], previous_value=r["target"],
            value=r["value"], firing=firing, severity=rule.severity,
            fingerprint=compose_key(repr(r["target"]), repr(r["value"])),
        )
        if firing:
            better = "higher" if r["direction"] == "higher_is_better" else "lower"
            look, details = _look(
                "mart.targets", {"body_code": r["body_code"], "indicator": r["indicator"]}, "year",
                _dashboard(dashboard, body_code=r["body_code"], indicator=r["indicator"], year=r["year"],
                           factor=r["factor"]),
                load_id=r["load_id"], source=r["source_uri"], target_load_id=r["target_load_id"],
                actuals="mart.indicator_values",
            )
            row.update(
                severity=_severity(rule.severity, rel, abs(gap), rule.critical),
                message=(
                    f"{_who(r['body_name'], r['body_code'])}: {r['indicator_name']} ({r['factor']}) in {r['year']} is "
                    f"{fmt_value(r['value'], r['unit'])}, behind its target of {fmt_value(r['target'], r['unit'])} "
                    f"({fmt_change(gap, r['unit'])}, {fmt_share(rel, 0)} {'short of' if gap < 0 else 'above'} the target); "
                    f"{better} is better. "
                    f"{look} Actual: load {r['load_id']} ({r['source_uri']}); target: load {r['target_load_id']}."
                ),
                details=details,
            )
        rows.append(row)
    return _frame(rows)


def stale_data(presence: pl.DataFrame, rule: StaleData, as_of: date, body_names: dict[str, str] | None = None,
               dashboard: str | None = None) -> pl.DataFrame:
    """Each expected dataset-year (and body, when listed): has it arrived by its date?

    ``presence``: the (dataset, year, body_code) combinations the warehouse holds.
    Expectations not yet due are observed as not firing.
    """
    if not rule.enabled or not rule.expected:
        return empty_observations()
    have = {(d, y, b) for d, y, b in presence.select(PRESENCE_COLUMNS).iter_rows()}
    have_any = {(d, y) for d, y, _ in have}
    names = body_names or {}
    rows = []
    name = "stale_data"
    for exp in rule.expected:
        for year, due in exp.due():
            for body in exp.bodies or [None]:
                arrived = (exp.dataset, year, body) in have if body else (exp.dataset, year) in have_any
                firing = as_of > due and not arrived
                row = _obs(
                    state_key=compose_key(name, body, exp.dataset, year), transition=False,
                    observed="missing" if firing else "ok", rule=name, body_code=body, subject=exp.dataset,
                    year=year, firing=firing, severity=rule.severity, value_label=None,
                    fingerprint=compose_key(due.isoformat()),
                )
                if firing:
                    whose = f" for {_who(names.get(body), body)}" if body else ""
                    look, details = _look(
                        "mart.loads", {"dataset": exp.dataset}, "started_at desc",
                        _dashboard(dashboard, body_code=body, indicator=None, year=year, factor=None),
                        dataset=exp.dataset, expected_by=due.isoformat(), as_of=as_of.isoformat(),
                    )
                    row.update(
                        previous_label=f"expected by {due.isoformat()}", value_label="missing",
                        message=(
                            f"No {exp.dataset} data{whose} for {year} has arrived: it was expected by "
                            f"{due.isoformat()} ({(as_of - due).days} days overdue on {as_of.isoformat()}). "
                            f"{look}"
                        ),
                        details=details,
                    )
                rows.append(row)
    return _frame(rows)


def verdict_changed_grades(grades: pl.DataFrame, rule: VerdictChanged, dashboard: str | None = None) -> pl.DataFrame:
    """The newest year's Evaluation Center grade band against the previous year's (a level rule)."""
    if not rule.enabled or grades.is_empty():
        return empty_observations()
    rank = {b.casefold(): i for i, b in enumerate(rule.grade_bands)}
    over = ["body_code", "indicator"]
    g = grades.sort("body_code", "indicator", "year").with_columns(
        prev_year=pl.col("year").shift(1).over(over),
        prev_band=pl.col("band").shift(1).over(over),
        prev_score=pl.col("score").shift(1).over(over),
        newest=pl.col("year").max().over(over),
    ).filter((pl.col("year") == pl.col("newest")) & pl.col("prev_year").is_not_null())
    rows = []
    name = "verdict_changed"
    for r in g.iter_rows(named=True):
        now, before = rank.get(str(r["band"]).casefold()), rank.get(str(r["prev_band"]).casefold())
        firing = now is not None and before is not None and now < before
        subject = f"grade_band:{r['indicator']}"
        row = _obs(
            state_key=compose_key(name, r["body_code"], subject, r["year"]), transition=False,
            observed="dropped" if firing else "ok", rule=name, body_code=r["body_code"], subject=subject,
            indicator=r["indicator"], year=r["year"], previous_value=r["prev_score"], value=r["score"], previous_label=r["prev_band"],
            value_label=r["band"], firing=firing, severity=rule.grade_severity,
            fingerprint=compose_key(r["prev_year"], r["prev_band"], r["band"]),
        )
        if firing:
            look, details = _look(
                "mart.grades", {"body_code": r["body_code"], "indicator": r["indicator"]}, "year",
                _dashboard(dashboard, body_code=r["body_code"], indicator=None, year=r["year"], factor=None),
            )
            scores = (f" ({fmt_number(r['prev_score'])} -> {fmt_number(r['score'])})"
                      if r["score"] is not None and r["prev_score"] is not None else "")
            row.update(message=(
                f"{_who(r['body_name'], r['body_code'])}: Evaluation Center grade dropped from {r['prev_band']} in "
                f"{r['prev_year']} to {r['band']} in {r['year']}{scores}. {look}"
            ), details=details)
        rows.append(row)
    return _frame(rows)


# ---------------------------------------------------------------- transition rules


def factor_flipped(effects: pl.DataFrame, rule: FactorFlipped, dashboard: str | None = None) -> pl.DataFrame:
    """Each body-factor effect under the configured rule; fires (in :func:`decide`) on a turn to negative."""
    if not rule.enabled or effects.is_empty():
        return empty_observations()
    e = effects.filter(pl.col("rule") == rule.analysis_rule)
    rows = []
    name = "factor_flipped"
    for r in e.sort("body_code", "factor").iter_rows(named=True):
        effect = None if r["effect"] is None else str(r["effect"]).casefold()
        if effect is None:
            continue
        firing = effect == "negative"
        row = _obs(
            state_key=compose_key(name, r["body_code"], r["factor"], rule.analysis_rule), transition=True,
            observed=effect, rule=name, body_code=r["body_code"], factor=r["factor"], subject=r["factor"],
            year=r["year"], value_label=effect, firing=firing, severity=rule.severity, fingerprint=effect,
        )
        if firing:
            look, details = _look(
                "mart.factor_effects", {"body_code": r["body_code"], "factor": r["factor"], "rule": rule.analysis_rule},
                "", _dashboard(dashboard, body_code=r["body_code"], indicator=None, year=r["year"], factor=r["factor"]),
                analysis_rule=rule.analysis_rule,
            )
            through = f" (analysis through {r['year']})" if r["year"] is not None else ""
            row.update(message=(
                f"{_who(r['body_name'], r['body_code'])}: the {r['factor']} factor turned from {{previous}} to negative "
                f"under the '{rule.analysis_rule}' rule{through}. {look}"
            ), details=details)
        rows.append(row)
    return _frame(rows)


VERDICT_TEXT = {
    "H0": "H0 (a positive change in all factors justifies the resources spent)",
    "H1": "H1 (at least one factor is negative: the pilot is insufficient)",
}


def verdict_changed(verdicts: pl.DataFrame, rule: VerdictChanged, dashboard: str | None = None) -> pl.DataFrame:
    """Each body's verdict (the supported hypothesis) under the configured rule; fires on a move to H1."""
    if not rule.enabled or verdicts.is_empty():
        return empty_observations()
    v = verdicts.filter(pl.col("rule") == rule.analysis_rule)
    rows = []
    name = "verdict_changed"
    for r in v.sort("body_code").iter_rows(named=True):
        verdict = r["verdict"]
        if verdict not in ("H0", "H1"):
            continue
        firing = verdict == "H1"
        row = _obs(
            state_key=compose_key(name, r["body_code"], "verdict", rule.analysis_rule), transition=True,
            observed=verdict, rule=name, body_code=r["body_code"], subject="verdict", year=r["year"],
            value_label=verdict, firing=firing, severity=rule.severity, fingerprint=verdict,
        )
        if firing:
            look, details = _look(
                "mart.verdicts", {"body_code": r["body_code"], "rule": rule.analysis_rule}, "",
                _dashboard(dashboard, body_code=r["body_code"], indicator=None, year=r["year"], factor=None),
                analysis_rule=rule.analysis_rule, factor_effects="mart.factor_effects",
            )
            through = f" (analysis through {r['year']})" if r["year"] is not None else ""
            negatives = list(r["negative_factors"] or [])
            because = f" Negative factors: {', '.join(negatives)}." if negatives else ""
            row.update(message=(
                f"{_who(r['body_name'], r['body_code'])}: the verdict under the '{rule.analysis_rule}' rule moved "
                f"from {{previous}} to {VERDICT_TEXT['H1']}{through}.{because} {look} The factors behind it: "
                f"mart.factor_effects where body_code = {r['body_code']!r}."
            ), details=details)
        rows.append(row)
    return _frame(rows)
