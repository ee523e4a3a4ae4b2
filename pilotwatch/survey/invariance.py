"""``pilotwatch survey model_test PATH --group COLUMN``: measurement invariance of the CFA across groups.

The pure models and tests are ``transforms.survey.invariance``; this module picks the groups out of a
prepared export, and turns the result into the JSON section ``invariance``, its lines in the text
report and the rows of ``core.survey_invariance`` (``mart.survey_invariance``).

Which column: ``body`` (or the export's own header for it) groups by the resolved body code; a
demographic code (``gender``, ``position``...) by its coded option; any other header of the export by
its text as written. Respondents without a group or with a missing CFA answer are left out (listwise:
a multi-group fit needs every group's complete covariance matrix), and the count is reported.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import polars as pl

from pilotwatch.survey import model as survey_model
from transforms.survey.mapping import norm

if TYPE_CHECKING:  # the multi-group models are imported where a --group run needs them, not by every survey
    from pilotwatch.survey.steps import Prepared
    from transforms.survey.invariance import Invariance

ROW_SCHEMA = {
    "group_column": pl.String, "groups": pl.String, "n_used": pl.Int64, "model": pl.String,
    "equal_constraints": pl.String, "chisq": pl.Float64, "df": pl.Float64, "pvalue": pl.Float64,
    "cfi": pl.Float64, "tli": pl.Float64, "rmsea": pl.Float64, "npar": pl.Float64, "aic": pl.Float64,
    "bic": pl.Float64, "converged": pl.Boolean, "compared_with": pl.String, "delta_chisq": pl.Float64,
    "delta_df": pl.Int64, "delta_pvalue": pl.Float64, "delta_cfi": pl.Float64, "delta_rmsea": pl.Float64,
    "holds": pl.Boolean, "rule": pl.String,
}


def group_labels(prep: Prepared, column: str) -> pl.Series:
    """The group of every accepted respondent (null when not answered); ``column`` as the user wrote it."""
    acc = prep.accepted
    key = norm(column)
    by_header = {norm(h): f for f, h in prep.columns.items()}
    name = "body" if key in ("body", "body_code") else by_header.get(key, column)
    if name == "body":
        return acc["body_code"].alias("group")
    if name in acc.columns and name != "_row":
        return acc[name].cast(pl.String).alias("group")
    extra = {norm(c): c for c in prep.extra.columns if c != "_row"}
    if key in extra:
        raw = prep.extra.select("_row", pl.col(extra[key]).str.strip_chars().alias("group"))
        return acc.select("_row").join(raw, on="_row", how="left")["group"]
    known = sorted({"body", *(c for c in acc.columns if c not in ("_row", "body_code")), *extra.values()})
    raise ValueError(f"--group {column!r}: the export has no such column; use one of {known}")


def analyse_groups(prep: Prepared, constructs: dict[str, list[str]], column: str,
                   missing: str) -> Invariance:
    """Split the accepted answers by ``column`` and fit the three invariance models."""
    from transforms.survey.invariance import invariance, measurement_model

    base = measurement_model(constructs)
    labels = group_labels(prep, column)
    frame = prep.accepted.select(base.observed).with_columns(labels)
    complete = frame.drop_nulls()
    data = {g: complete.filter(pl.col("group") == g).select(base.observed).to_numpy().astype(float)
            for g in sorted(complete["group"].unique().to_list())}
    with survey_model.limit_threads(survey_model.blas_threads()):  # as the single-group fits: 1 thread is fastest
        try:
            result = invariance(constructs, data, column)
        except np.linalg.LinAlgError as exc:  # a degenerate group the size checks let through
            raise ValueError(f"--group {column}: the multi-group CFA could not be fitted ({exc})") from exc
    left_out = frame.height - complete.height
    if left_out:
        result.warnings.insert(0, f"invariance: {left_out} respondent(s) without a {column} or with a missing "
                                  "answer left out (listwise deletion)")
    if missing != "listwise":
        result.warnings.insert(0, f"invariance: fitted with listwise deletion (--missing {missing} applies to "
                                  "the single-group models only)")
    return result


def as_json(res: Invariance) -> dict[str, object]:
    """The ``invariance`` section: ``configural``, ``metric``, ``scalar`` and ``tests``."""
    from transforms.survey.invariance import MODELS

    groups = list(res.groups)
    return {"group": res.group, "groups": res.groups, "reference_group": groups[0],
            **{m: res.models[m] for m in MODELS}, "tests": res.tests, "warnings": res.warnings}


def rows(doc: dict[str, object] | None) -> pl.DataFrame:
    """One row per model, with the test against the model before it (``core.survey_invariance``)."""
    if not doc:
        return pl.DataFrame(schema=ROW_SCHEMA)
    from transforms.survey.invariance import MODELS

    groups = doc["groups"]
    label = ", ".join(f"{g} ({n})" for g, n in groups.items())  # type: ignore[union-attr]
    tests = {t["comparison"].split("→")[1]: t for t in doc["tests"]}  # type: ignore[union-attr,index]
    out = []
    for m in MODELS:
        f = doc[m]
        t = tests.get(m, {})
        out.append({
            "group_column": doc["group"], "groups": label, "n_used": sum(groups.values()),  # type: ignore[union-attr]
            "model": m, "equal_constraints": f["equal"], "converged": f["converged"],  # type: ignore[index]
            **{k: _num(f[k]) for k in ("chisq", "df", "pvalue", "cfi", "tli", "rmsea", "npar", "aic", "bic")},  # type: ignore[index]
            "compared_with": t["comparison"].split("→")[0] if t else None,
            "delta_chisq": _num(t.get("delta_chisq")), "delta_df": t.get("delta_df"),
            "delta_pvalue": _num(t.get("pvalue")), "delta_cfi": _num(t.get("delta_cfi")),
            "delta_rmsea": _num(t.get("delta_rmsea")), "holds": t.get("holds"), "rule": t.get("rule"),
        })
    return pl.DataFrame(out, schema=ROW_SCHEMA)


def _num(v: object) -> float | None:
    if v is None:
        return None
    f = float(v)  # type: ignore[arg-type]
    return f if np.isfinite(f) else None


def _f(v: object, nd: int = 3) -> str:
    return "-" if v is None else f"{float(v):.{nd}f}"  # type: ignore[arg-type]


def as_text(doc: dict[str, object]) -> list[str]:
    """The report's lines for the invariance section."""
    from transforms.survey.invariance import MODELS

    groups = ", ".join(f"{g} N={n}" for g, n in doc["groups"].items())  # type: ignore[union-attr]
    out = [f"\nMeasurement invariance across {doc['group']} ({groups}; CFA, multi-group ML as lavaan)"]
    for m in MODELS:
        f = doc[m]
        out.append(f"  {m:<10} equal: {f['equal']:<20} chisq={_f(f['chisq'])} df={int(f['df'])} "  # type: ignore[index]
                   f"p={_f(f['pvalue'])} CFI={_f(f['cfi'])} RMSEA={_f(f['rmsea'])}"  # type: ignore[index]
                   + ("" if f["converged"] else "  NOT CONVERGED"))  # type: ignore[index]
    for t in doc["tests"]:  # type: ignore[union-attr]
        out.append(f"  {t['comparison']:<18} Δχ²={_f(t['delta_chisq'])} Δdf={t['delta_df']} "
                   f"p={_f(t['pvalue'], 4)} ΔCFI={_f(t['delta_cfi'])} -> "
                   + ("invariance holds" if t["holds"] else "invariance rejected"))
    out.append(f"  rule: {doc['tests'][0]['rule']}; latent means (scalar model) relative to "  # type: ignore[index]
               f"{doc['reference_group']}: "
               + "; ".join(f"{g}: " + ", ".join(f"{k} {v:+.3f}" for k, v in lm.items())
                           for g, lm in (doc["scalar"]["latent_means"] or {}).items()  # type: ignore[index]
                           if g != doc["reference_group"]))
    return out
