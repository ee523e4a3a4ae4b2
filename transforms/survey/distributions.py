"""Answer distributions per body and factor, with small-cell suppression (pure).

Three measures, one output layout (``mart.survey_distributions``):

* ``answer_distribution`` — per body and item, the number and share of respondents giving each
  answer 5..1 (thesis Figures 17-21, 23-27); per body and closed question for citizens (Figures
  28-31, option codes instead of 5..1);
* ``top_answer_share`` — per body and factor, the share of all the factor's answers (respondent x
  item) that are the top answer 5 (thesis Figures 16 and 22: "distribution of the maximum
  responses points for each research factor").

Suppression (every output): a cell counting fewer than ``MIN_CELL`` = 5 respondents has its count
and share withheld (``suppressed`` true). Zero cells are withheld too (the rule is "fewer than 5").
When a group's published total would let a single withheld cell be recomputed by subtraction, the
next smallest cell is withheld as well (secondary suppression). A group with fewer than 5
respondents publishes nothing but the fact that it exists. Rows with body ``NULL`` cover all
respondents of the wave.
"""

from __future__ import annotations

import polars as pl

MIN_CELL = 5

SCHEMA = {
    "body_code": pl.String, "measure": pl.String, "factor": pl.String, "question": pl.String,
    "answer": pl.String, "n": pl.Int64, "base_n": pl.Int64, "share": pl.Float64, "suppressed": pl.Boolean,
}


def _suppress_group(cells: list[dict[str, object]], base_n: int) -> list[dict[str, object]]:
    if base_n < MIN_CELL:
        for c in cells:
            c.update(n=None, share=None, suppressed=True, base_n=None)
        return cells
    for c in cells:
        c["suppressed"] = c["n"] < MIN_CELL  # type: ignore[operator]
    hidden = [c for c in cells if c["suppressed"]]
    if len(hidden) == 1 and len(cells) > 1:
        shown = sorted((c for c in cells if not c["suppressed"]), key=lambda c: c["n"])  # type: ignore[arg-type,return-value]
        shown[0]["suppressed"] = True
    for c in cells:
        if c["suppressed"]:
            c.update(n=None, share=None)
        else:
            c["share"] = c["n"] / base_n  # type: ignore[operator]
    return cells


def _groups(answers: pl.DataFrame) -> list[tuple[str | None, pl.DataFrame]]:
    out: list[tuple[str | None, pl.DataFrame]] = [(None, answers)]
    if "body_code" in answers.columns:
        for (body,), g in answers.filter(pl.col("body_code").is_not_null()).group_by("body_code", maintain_order=True):
            out.append((body, g))  # type: ignore[arg-type]
    return sorted(out, key=lambda t: (t[0] is not None, t[0] or ""))


def item_distributions(answers: pl.DataFrame, constructs: dict[str, list[str]]) -> pl.DataFrame:
    """Answer 5..1 counts per body and Likert item, and the top-answer share per body and factor."""
    rows: list[dict[str, object]] = []
    for body, g in _groups(answers):
        for factor, items in constructs.items():
            pooled_n = pooled_top = 0
            for item in items:
                col = g[item].drop_nulls()
                base = col.len()
                counts = {v: int((col == v).sum()) for v in (5, 4, 3, 2, 1)}
                cells = [{"body_code": body, "measure": "answer_distribution", "factor": factor, "question": item,
                          "answer": str(v), "n": counts[v], "base_n": base} for v in (5, 4, 3, 2, 1)]
                rows += _suppress_group(cells, base)
                pooled_n += base
                pooled_top += counts[5]
            respondents = g.filter(pl.any_horizontal([pl.col(i).is_not_null() for i in items])).height
            top = {"body_code": body, "measure": "top_answer_share", "factor": factor, "question": None,
                   "answer": "5", "n": pooled_top, "base_n": pooled_n}
            if respondents < MIN_CELL or pooled_top < MIN_CELL or pooled_n - pooled_top < MIN_CELL:
                top.update(n=None, share=None, suppressed=True, base_n=pooled_n if respondents >= MIN_CELL else None)
            else:
                top.update(share=pooled_top / pooled_n, suppressed=False)
            rows.append(top)
    return pl.DataFrame(rows, schema=SCHEMA)


def question_distributions(answers: pl.DataFrame, questions: dict[str, list[str]]) -> pl.DataFrame:
    """Option counts per body and closed question (citizens' satisfaction, Figures 28-31)."""
    rows: list[dict[str, object]] = []
    for body, g in _groups(answers):
        for q, options in questions.items():
            col = g[q].drop_nulls()
            base = col.len()
            cells = [{"body_code": body, "measure": "answer_distribution", "factor": None, "question": q,
                      "answer": o, "n": int((col == o).sum()), "base_n": base} for o in options]
            rows += _suppress_group(cells, base)
    return pl.DataFrame(rows, schema=SCHEMA)
