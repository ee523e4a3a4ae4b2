"""One message per body and channel (or one digest per channel), in plain words, in English or Russian.

Why: a run that raised 20 alerts used to send 20 messages per channel, the same fact up to three times
(an indicator fell, so it is behind its target, so its grade band dropped), under titles made of codes.
Here a body's alerts become one :class:`Message`: the alerts about one indicator and year merge into one
line; each line says what changed, by how much, against what and why it matters; the message ends with
who owns it, where the report is and how to acknowledge or snooze. A :class:`Message` quacks like an
:class:`~pilotwatch.alerts.render.Alert` for the channels (``alert_id``, ``dedup_key``, ``severity``,
``title()``), so retries, backoff and deferral work on messages unchanged.
"""

from __future__ import annotations

import hashlib
import html
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pilotwatch.alerts.render import Alert, as_record, card_text
from transforms.alerts.rules import fmt_number

SEVERITY_ORDER = ("info", "warning", "critical")
#: A re-fire with changed values carries this in its dedup key (transforms.alerts.observations.correction_key).
CORRECTION = "|correction-"
#: Indicator and factor names in Russian (the registry, data/reference/indicators.csv, holds the English).
RU_INDICATORS = {
    "overall_effectiveness": "Оценка общей эффективности деятельности государственного органа",
    "goal_achievement": "Достижение целей",
    "organizational_development": "Организационное развитие",
    "interaction_with_citizens": "Взаимодействие с гражданами",
    "public_services_quality": "Качество оказания государственных услуг",
    "net_turnover": "Чистая текучесть кадров",
    "payroll_fund_musd": "Фонд оплаты труда",
    "payroll_fund_mkzt": "Фонд оплаты труда",
}
RU_FACTORS = {"Leadership": "Лидерство", "Strategy": "Стратегия", "Organization": "Организация",
              "Human Capital": "Человеческий капитал", "Citizen Centricity": "Ориентированность на граждан",
              "Resources": "Ресурсы"}
RU_DATASETS = {"evaluation_center": "оценки Центра оценки эффективности",
               "public_services_monitoring": "мониторинга государственных услуг",
               "payroll": "фонда оплаты труда", "macro": "макроэкономических рядов", "targets": "целевых значений"}
RU_UNITS = {"%": "%", "mln USD": "млн долл. США", "mln KZT": "млн тенге", "persons": "чел."}

#: Every sentence a message is made of, per language. Placeholders are filled by :func:`_say`.
TEMPLATES: dict[str, dict[str, str]] = {
    "en": {
        "correction": "Correction of an earlier alert: ",
        "fell": "{ind} fell from {prev} in {prev_year} to {now} in {year} ({delta}, {share})",
        "rose": "{ind} rose from {prev} in {prev_year} to {now} in {year} ({delta}, {share}; lower is better)",
        "behind": "below its {year} target of {target} by {gap}",
        "behind_alone": "{ind} in {year} is {now}, below its target of {target} by {gap}",
        "grade": "the Evaluation Center grade fell from “{prev_band}” to “{band}”",
        "grade_alone": "{ind}: the Evaluation Center grade fell from “{prev_band}” to “{band}” in {year}",
        "why_indicator": "Why it matters: it is part of the {factor} factor; a factor that turns negative "
                         "counts against the pilot in the thesis' cost-effectiveness verdict.",
        "flip": "The {factor} factor turned from positive to negative in {year} (comparison rule “{rule}”).",
        "why_flip": "Why it matters: one more factor now says the pilot made this body worse, which pushes "
                    "the verdict towards “the pilot does not pay off”.",
        "to_h1": "The thesis' hypothesis that the pilot pays off no longer holds ({year}): its results no "
                 "longer justify its cost (the verdict moved from H0 to H1).",
        "to_h0": "The pilot now pays off ({year}): its results justify its cost (the verdict moved from H1 to H0).",
        "why_verdict": "Why it matters: this is the thesis' conclusion for the body; it decides whether paying "
                       "by results is worth continuing here.{negatives}",
        "negatives": " Factors against: {factors}.",
        "stale": "{dataset} data for {year} have not arrived; they were due by {due}.",
        "why_stale": "Why it matters: without them the {year} indicators, verdicts and alerts cannot be computed.",
        "owner": "Owner: {owner}",
        "no_owner": "Owner: nobody yet (add one under owners: in the monitoring config)",
        "report": "Report: {report}",
        "look": "Details: {look}",
        "next": "What to do next: check the figures with the owner; acknowledge with `pilotwatch alerts ack {ids}`, "
                "or pause these alerts with `pilotwatch alerts snooze --body {body} --until YYYY-MM-DD`.",
        "title": "{severity}: {body} — {summary}",
        "sum_indicators": "{names} worse in {years}",
        "sum_flip": "{factors} turned negative",
        "sum_h1": "the pilot no longer pays off",
        "sum_h0": "the pilot now pays off",
        "sum_stale": "data late",
        "digest_title": "{severity}: pilotwatch {period} digest — {n} alert(s) for {bodies}",
        "daily": "daily", "weekly": "weekly",
        "no_body": "Data deliveries",
        "info": "Info", "warning": "Warning", "critical": "Critical",
        "footer": "pilotwatch alert(s) {ids}",
    },
    "ru": {
        "correction": "Исправление ранее отправленного оповещения: ",
        "fell": "{ind}: снижение с {prev} в {prev_year} г. до {now} в {year} г. ({delta}, {share})",
        "rose": "{ind}: рост с {prev} в {prev_year} г. до {now} в {year} г. ({delta}, {share}; лучше меньше)",
        "behind": "ниже целевого значения на {year} г. ({target}) на {gap}",
        "behind_alone": "{ind} в {year} г.: {now}, ниже целевого значения {target} на {gap}",
        "grade": "оценка Центра оценки эффективности понизилась с «{prev_band}» до «{band}»",
        "grade_alone": "{ind}: оценка Центра оценки эффективности понизилась с «{prev_band}» до «{band}» "
                       "в {year} г.",
        "why_indicator": "Почему это важно: показатель входит в фактор «{factor}»; фактор, ставший "
                         "отрицательным, говорит против пилота в итоговом выводе диссертации об экономической "
                         "эффективности.",
        "flip": "Фактор «{factor}» сменился с положительного на отрицательный в {year} г. (правило сравнения "
                "«{rule}»).",
        "why_flip": "Почему это важно: ещё один фактор показывает, что пилот ухудшил работу органа; это "
                    "смещает вывод к «пилот себя не окупает».",
        "to_h1": "Гипотеза диссертации о том, что пилот себя окупает, больше не подтверждается ({year} г.): "
                 "его результаты не оправдывают затрат (вывод сменился с H0 на H1).",
        "to_h0": "Пилот теперь себя окупает ({year} г.): результаты оправдывают затраты (вывод сменился с H1 на H0).",
        "why_verdict": "Почему это важно: это вывод диссертации по органу; от него зависит, стоит ли "
                       "продолжать оплату по результатам.{negatives}",
        "negatives": " Факторы против: {factors}.",
        "stale": "Данные {dataset} за {year} г. не поступили; срок — {due}.",
        "why_stale": "Почему это важно: без них нельзя рассчитать показатели, выводы и оповещения за {year} г.",
        "owner": "Ответственный: {owner}",
        "no_owner": "Ответственный: не назначен (раздел owners: в настройках мониторинга)",
        "report": "Отчёт: {report}",
        "look": "Подробности: {look}",
        "next": "Что делать: проверьте цифры с ответственным; подтвердите получение командой "
                "`pilotwatch alerts ack {ids}` или отложите эти оповещения: "
                "`pilotwatch alerts snooze --body {body} --until ГГГГ-ММ-ДД`.",
        "title": "{severity}: {body} — {summary}",
        "sum_indicators": "ухудшение в {years} г.: {names}",
        "sum_flip": "фактор стал отрицательным: {factors}",
        "sum_h1": "пилот больше не окупается",
        "sum_h0": "пилот теперь окупается",
        "sum_stale": "данные не поступили",
        "digest_title": "{severity}: сводка pilotwatch ({period}) — оповещений: {n}; {bodies}",
        "daily": "за день", "weekly": "за неделю",
        "no_body": "Поступление данных",
        "info": "Сведения", "warning": "Внимание", "critical": "Критично",
        "footer": "оповещения pilotwatch {ids}",
    },
}
LANGUAGES = tuple(TEMPLATES)


@dataclass(frozen=True)
class Names:
    """Full names from the registry: body code -> (English, Russian); indicator code -> (English, unit)."""

    bodies: dict[str, tuple[str, str]] = field(default_factory=dict)
    indicators: dict[str, tuple[str, str]] = field(default_factory=dict)

    def body(self, code: str | None, lang: str) -> str:
        if code is None:
            return TEMPLATES[lang]["no_body"]
        en, ru = self.bodies.get(code, (code, code))
        return (ru or en) if lang == "ru" else en

    def indicator(self, code: str | None, lang: str) -> str:
        en = self.indicators.get(code or "", (code or "", ""))[0]
        return RU_INDICATORS.get(code or "", en) if lang == "ru" else en

    def unit(self, code: str | None) -> str:
        return self.indicators.get(code or "", ("", ""))[1]


def _num(v: float | None, lang: str) -> str:
    text = fmt_number(v)
    return text.replace(".", ",") if lang == "ru" else text


def _value(v: float | None, unit: str, lang: str) -> str:
    u = RU_UNITS.get(unit, unit) if lang == "ru" else unit
    return f"{_num(v, lang)} {u}".rstrip()


def _step(delta: float, unit: str, lang: str) -> str:
    """A difference: percentage points for % indicators, else the unit."""
    step = ("п.п." if lang == "ru" else "points") if unit == "%" else (RU_UNITS.get(unit, unit) if lang == "ru"
                                                                        else unit)
    return f"{_num(abs(delta), lang)} {step}".rstrip()


def _factor(name: str | None, lang: str) -> str:
    return RU_FACTORS.get(name or "", name or "") if lang == "ru" else (name or "")


def _say(lang: str, key: str, **kw: object) -> str:
    return TEMPLATES[lang][key].format(**kw)


# ---------------------------------------------------------------- one body's lines


@dataclass(frozen=True)
class Section:
    """One body's part of a message: its lines, owner(s) and report link."""

    body_code: str | None
    body_name: str
    lines: tuple[str, ...]
    owners: tuple[str, ...]
    report: str | None
    looks: tuple[str, ...]
    alert_ids: tuple[int, ...]
    summary: str


def _indicator_line(group: list[Alert], names: Names, lang: str) -> tuple[str, str]:
    """One line for the alerts about one indicator and year (fell + behind target + grade band)."""
    by_rule = {"grade" if (a.subject or "").startswith("grade_band") else a.rule: a for a in group}
    first = group[0]
    ind, unit, year = names.indicator(first.indicator, lang), names.unit(first.indicator), first.year
    parts: list[str] = []
    fell = by_rule.get("indicator_turned_negative")
    if fell is not None and fell.previous_value is not None and fell.value is not None:
        delta = fell.value - fell.previous_value
        share = abs(delta / fell.previous_value) * 100 if fell.previous_value else 0.0
        sign = "−" if delta < 0 else "+"
        parts.append(_say(lang, "fell" if delta < 0 else "rose", ind=ind, prev=_value(fell.previous_value, unit, lang),
                          prev_year=fell.details.get("previous_year", (year or 0) - 1), now=_value(fell.value, unit, lang),
                          year=year, delta=f"{sign}{_step(delta, unit, lang)}",
                          share=f"{sign}{_num(round(share, 1), lang)} %"))
    behind = by_rule.get("behind_target")
    if behind is not None and behind.previous_value is not None and behind.value is not None:
        gap = _step(behind.value - behind.previous_value, unit, lang)
        target = _value(behind.previous_value, unit, lang)
        parts.append(_say(lang, "behind", year=year, target=target, gap=gap) if parts else
                     _say(lang, "behind_alone", ind=ind, year=year, now=_value(behind.value, unit, lang),
                          target=target, gap=gap))
    grade = by_rule.get("grade")
    if grade is not None:
        kw = {"prev_band": grade.previous_label, "band": grade.value_label, "year": year, "ind": ind}
        parts.append(_say(lang, "grade", **kw) if parts else _say(lang, "grade_alone", **kw))
    text = "; ".join(parts)
    text += "" if text.endswith(".") else "."
    text = text[0].upper() + text[1:]
    if any(CORRECTION in a.dedup_key for a in group):
        text = _say(lang, "correction") + text
    return text, _say(lang, "why_indicator", factor=_factor(first.factor, lang))


def _other_line(a: Alert, names: Names, lang: str) -> tuple[str, str]:
    if a.rule == "factor_flipped":
        return (_say(lang, "flip", factor=_factor(a.factor, lang), year=a.year,
                     rule=a.details.get("analysis_rule") or a.details.get("rule") or "endpoint"),
                _say(lang, "why_flip"))
    if a.rule == "verdict_changed":
        negatives = a.details.get("negative_factors") or []
        neg = _say(lang, "negatives", factors=", ".join(_factor(f, lang) for f in negatives)) if negatives else ""
        return (_say(lang, "to_h1" if a.value_label == "H1" else "to_h0", year=a.year),
                _say(lang, "why_verdict", negatives=neg))
    if a.rule == "stale_data":
        dataset = RU_DATASETS.get(a.subject or "", a.subject) if lang == "ru" else (a.subject or "").replace("_", " ")
        text = _say(lang, "stale", dataset=dataset, year=a.year, due=a.details.get("expected_by", "?"))
        return text[0].upper() + text[1:], _say(lang, "why_stale", year=a.year)
    return a.message, ""


def _is_indicator_fact(a: Alert) -> bool:
    return a.indicator is not None and a.rule in ("indicator_turned_negative", "behind_target", "verdict_changed")


def section(alerts: Sequence[Alert], names: Names, lang: str, owners: Sequence[str], report: str | None) -> Section:
    """The lines for one body's alerts: the same indicator-year reported once."""
    facts: dict[tuple[str | None, int | None], list[Alert]] = {}
    others: list[Alert] = []
    for a in sorted(alerts, key=lambda a: a.alert_id):
        (facts.setdefault((a.indicator, a.year), []) if _is_indicator_fact(a) else others).append(a)
    lines: list[str] = []
    for group in facts.values():
        what, why = _indicator_line(group, names, lang)
        lines += [what, why]
    for a in others:
        what, why = _other_line(a, names, lang)
        lines += [what] + ([why] if why else [])
    summary = []
    if facts:
        summary.append(_say(lang, "sum_indicators", names=", ".join(names.indicator(i, lang) for i, _ in facts),
                            years=", ".join(sorted({str(y) for _, y in facts}))))
    flips = [_factor(a.factor, lang) for a in others if a.rule == "factor_flipped"]
    if flips:
        summary.append(_say(lang, "sum_flip", factors=", ".join(flips)))
    summary += [_say(lang, "sum_h1" if a.value_label == "H1" else "sum_h0") for a in others
                if a.rule == "verdict_changed"]
    if any(a.rule == "stale_data" for a in others):
        summary.append(_say(lang, "sum_stale"))
    body = alerts[0].body_code
    looks = tuple(dict.fromkeys(a.look for a in alerts if a.look))
    return Section(body, names.body(body, lang), tuple(lines), tuple(dict.fromkeys(owners)), report, looks,
                   tuple(sorted(a.alert_id for a in alerts)), "; ".join(summary))


# ---------------------------------------------------------------- the message


def group_key(dedup_keys: Sequence[str]) -> str:
    """The idempotency key of a message: derived from its alerts' keys (same alerts -> same key)."""
    digest = hashlib.sha256("\n".join(sorted(dedup_keys)).encode()).hexdigest()[:16]
    return f"group-{digest}"


@dataclass(frozen=True)
class Message:
    """What one channel receives: one body's alerts (``digest`` None) or a digest of several bodies."""

    sections: tuple[Section, ...]
    alerts: tuple[Alert, ...]
    language: str = "en"
    digest: str | None = None  # "daily" | "weekly"
    created_at: datetime = field(default_factory=lambda: datetime.now().replace(microsecond=0))

    @property
    def alert_id(self) -> int:
        """The message's representative alert id (its smallest); the engine maps it back to every alert."""
        return min(a.alert_id for a in self.alerts)

    @property
    def alert_ids(self) -> list[int]:
        return sorted(a.alert_id for a in self.alerts)

    @property
    def dedup_key(self) -> str:
        return group_key([a.dedup_key for a in self.alerts])

    @property
    def severity(self) -> str:
        return max((a.severity for a in self.alerts), key=SEVERITY_ORDER.index)

    @property
    def rule(self) -> str:
        return "group"

    def title(self) -> str:
        lang = self.language
        sev = _say(lang, self.severity)
        if self.digest is None:
            s = self.sections[0]
            return _say(lang, "title", severity=sev, body=s.body_name, summary=s.summary)
        return _say(lang, "digest_title", severity=sev, period=_say(lang, self.digest), n=len(self.alerts),
                    bodies=", ".join(s.body_name for s in self.sections))

    def _ids(self, s: Section) -> str:
        return " ".join(str(i) for i in s.alert_ids)

    def section_text(self, s: Section) -> list[str]:
        lang = self.language
        out = [f"• {line}" if not line.startswith(("Why", "Почему")) else f"  {line}" for line in s.lines]
        out.append(_say(lang, "owner", owner="; ".join(s.owners)) if s.owners else _say(lang, "no_owner"))
        if s.report:
            out.append(_say(lang, "report", report=s.report))
        out += [_say(lang, "look", look=look) for look in s.looks[:3]]
        out.append(_say(lang, "next", ids=self._ids(s), body=s.body_code or "BODY"))
        return out

    def text(self) -> str:
        lines = [self.title(), ""]
        for s in self.sections:
            if self.digest is not None:
                lines += [s.body_name, ""]
            lines += self.section_text(s) + [""]
        ids = ", ".join(f"#{i}" for i in self.alert_ids)
        lines.append(f"{_say(self.language, 'footer', ids=ids)} ({self.dedup_key}), {self.created_at.isoformat()} UTC")
        return "\n".join(lines) + "\n"

    def html(self) -> str:
        e = html.escape
        color = {"info": "#1f6feb", "warning": "#b08800", "critical": "#cf222e"}.get(self.severity, "#57606a")
        parts = [f"<!DOCTYPE html><html lang='{self.language}'><body style='font-family:sans-serif'>",
                 f"<h2 style='color:{color}'>{e(self.title())}</h2>"]
        for s in self.sections:
            if self.digest is not None:
                parts.append(f"<h3>{e(s.body_name)}</h3>")
            parts.append("<ul>" + "".join(f"<li>{e(x)}</li>" for x in self.section_text(s)) + "</ul>")
        parts.append(f"<p style='color:#57606a;font-size:small'>{e(self.text().splitlines()[-1])}</p></body></html>")
        return "".join(parts)

    def line(self) -> str:
        """For the file channel: the title, then each alert's own line (codes stay greppable in a log)."""
        from pilotwatch.alerts.render import line

        head = f"{self.created_at.isoformat()} [{self.severity}] {self.dedup_key} {self.title()}"
        return "\n".join([head] + [f"  {line(a)}" for a in sorted(self.alerts, key=lambda a: a.alert_id)])

    def record(self) -> dict[str, Any]:
        return {"source": "pilotwatch", "type": "alert_group" if self.digest is None else "alert_digest",
                "digest": self.digest or "immediate", "language": self.language, "title": self.title(),
                "severity": self.severity, "dedup_key": self.dedup_key, "alert_ids": self.alert_ids,
                "text": self.text(),
                "bodies": [{"body_code": s.body_code, "body_name": s.body_name, "lines": list(s.lines),
                            "owners": list(s.owners), "report": s.report, "alert_ids": list(s.alert_ids)}
                           for s in self.sections],
                "alerts": [as_record(a) for a in sorted(self.alerts, key=lambda a: a.alert_id)]}

    def slack(self) -> dict[str, Any]:
        def esc(s: str) -> str:
            return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")

        blocks: list[dict[str, Any]] = [
            {"type": "header", "text": {"type": "plain_text", "text": self.title()[:150], "emoji": True}}]
        for s in self.sections:
            text = (f"*{esc(s.body_name)}*\n" if self.digest else "") + "\n".join(esc(x) for x in self.section_text(s))
            blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": text[:3000]}})
        return {"text": esc(self.title())[:4000], "blocks": blocks[:50]}

    def teams(self) -> dict[str, Any]:
        # TextBlock renders Markdown: quoted text is escaped so it shows as written (render.card_text)
        body: list[dict[str, Any]] = [{"type": "TextBlock", "text": card_text(self.title()), "weight": "Bolder",
                                       "size": "Medium", "wrap": True}]
        for s in self.sections:
            if self.digest:
                body.append({"type": "TextBlock", "text": card_text(s.body_name), "weight": "Bolder", "wrap": True})
            body += [{"type": "TextBlock", "text": card_text(x), "wrap": True} for x in self.section_text(s)]
        card = {"$schema": "http://adaptivecards.io/schemas/adaptive-card.json", "type": "AdaptiveCard",
                "version": "1.4", "body": body}
        return {"type": "message", "attachments": [
            {"contentType": "application/vnd.microsoft.card.adaptive", "contentUrl": None, "content": card}]}

    def payload(self, fmt: str) -> dict[str, Any]:
        return {"slack": self.slack, "teams": self.teams, "json": self.record}[fmt]()


def build(alerts: Sequence[Alert], names: Names, lang: str, owner_of: Any, report_of: Any,
          digest: str | None = None) -> list[Message]:
    """Messages for one channel: one per body (``digest`` None) or one digest with a section per body.

    ``owner_of(body_code, rule) -> str | None`` and ``report_of(body_code) -> str | None`` come from the
    monitoring config; bodies keep the order of their first alert.
    """
    by_body: dict[str | None, list[Alert]] = {}
    for a in sorted(alerts, key=lambda a: a.alert_id):
        by_body.setdefault(a.body_code, []).append(a)
    sections = []
    for body, group in by_body.items():
        owners = [o for o in (owner_of(body, a.rule) for a in group) if o]
        sections.append((section(group, names, lang, owners, report_of(body) if body else None), group))
    if digest is None:
        return [Message((s,), tuple(g), lang) for s, g in sections]
    if not sections:
        return []
    return [Message(tuple(s for s, _ in sections), tuple(a for _, g in sections for a in g), lang, digest)]
