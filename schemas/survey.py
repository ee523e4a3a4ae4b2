"""``staging.survey_<instrument>``: the pandera model of a survey's coded answers, generated.

The survey instrument is defined once, in ``data/reference/survey_items.yaml`` (parsed into
:class:`transforms.survey.spec.Instruments`): its demographics and their options, its Likert items
and its closed questions. The staging model follows from that definition, so a new item or option
is a row in the YAML and the validation cannot drift from the mapping that codes the answers.

One row per accepted respondent: ``_row`` (the source row), the registry body code, demographic
option codes, each Likert item as 1..5 and each closed question as an option code (null = not
answered). Free text never enters these tables (``staging.survey_free_text`` holds it, with no
respondent key). The migration's column lists (``warehouse/migrations/020_surveys.sql``) are
checked against these models by ``tests/survey/test_survey_schemas.py``.

Why :func:`rules` and :func:`may_fail` beside the model: importing pandera costs about 0.45 s, a
tenth of ``pilotwatch survey`` end to end, while answers that reach this model have been coded by
the same definition and nearly always pass. :func:`may_fail` evaluates the model's rules as polars
expressions; only when it finds a column, type, null, option, range or key that pandera could refuse
does the caller run the pandera model, which then decides and words every refusal exactly as before.
``tests/survey/test_survey_schemas.py`` holds that pandera never refuses a frame :func:`may_fail` passes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import polars as pl

from transforms.survey.spec import Instruments

if TYPE_CHECKING:
    import pandera.polars as pa

#: The Likert scale every item is coded to (Annex G's common scale, and Annex H's own wordings).
LIKERT = (1, 5)


@dataclass(frozen=True)
class Rule:
    """One column of a staging model: its name in the frame, type, and what it may hold."""

    column: str
    dtype: type | pl.DataType  # as pandera is given it: a Python type or a polars type
    nullable: bool = True
    isin: tuple[str, ...] | None = None
    ge: int | None = None
    le: int | None = None

    @property
    def polars_dtype(self) -> pl.DataType:
        """The polars type pandera's polars engine checks for (``int`` is Int64, ``str`` String)."""
        return {int: pl.Int64(), str: pl.String()}.get(self.dtype, self.dtype)  # type: ignore[call-overload]


#: The model's frame-wide rules: no column beyond the rules' (``strict``), one row per source row.
UNIQUE = ["_row"]


def model_name(instrument: str) -> str:
    """``model_test`` -> ``SurveyModelTest``: the class name of an instrument's staging model."""
    return "Survey" + "".join(part.title() for part in instrument.split("_"))


def rules(instruments: Instruments, instrument: str) -> dict[str, Rule]:
    """The columns of ``staging.survey_<instrument>`` by field name (``row`` is the frame's ``_row``)."""
    ins = instruments.get(instrument)
    out = {"row": Rule("_row", int, nullable=False), "body_code": Rule("body_code", str)}
    for name in ins.demographics:
        out[name] = Rule(name, str, isin=tuple(instruments.demographics[name].options))
    for item in ins.likert_items:
        out[item] = Rule(item, pl.Int8, ge=LIKERT[0], le=LIKERT[1])
    for code, question in ins.questions.items():
        out[code] = Rule(code, str, isin=tuple(question.options))
    return out


def staging_model(instruments: Instruments, instrument: str) -> type[pa.DataFrameModel]:
    """The pandera model of ``staging.survey_<instrument>``, built from the instrument's :func:`rules`."""
    import pandera.polars as pa

    ins = instruments.get(instrument)
    types: dict[str, Any] = {}
    fields: dict[str, Any] = {}
    for name, r in rules(instruments, instrument).items():
        types[name] = r.dtype
        checks: dict[str, Any] = {"isin": list(r.isin)} if r.isin is not None else {}
        checks |= {k: v for k, v in (("ge", r.ge), ("le", r.le)) if v is not None}
        fields[name] = pa.Field(nullable=r.nullable, **checks, **({"alias": r.column} if r.column != name else {}))
    config = type("Config", (), {"strict": True, "unique": UNIQUE})
    namespace = {"__annotations__": types, "__module__": __name__, "Config": config, **fields,
                 "__doc__": f"``staging.survey_{instrument}``: {ins.title}."}
    return type(model_name(instrument), (pa.DataFrameModel,), namespace)


def may_fail(frame: pl.DataFrame, instruments: Instruments, instrument: str) -> bool:
    """Whether the staging model could refuse anything in ``frame``: a missing or extra column, a type,
    a null where none is allowed, an option or a Likert value outside its rule, a repeated ``_row``.
    ``False`` means the pandera model passes ``frame`` without being imported (see the module docstring)."""
    expected = {r.column: r for r in rules(instruments, instrument).values()}
    if set(frame.columns) != set(expected) or any(frame.schema[c] != r.polars_dtype for c, r in expected.items()):
        return True
    broken: list[pl.Expr] = [pl.col(c).is_duplicated().any() for c in UNIQUE]
    for c, r in expected.items():
        if not r.nullable:
            broken.append(pl.col(c).is_null().any())
        if r.isin is not None:
            broken.append((pl.col(c).is_not_null() & ~pl.col(c).is_in(list(r.isin))).any())
        if r.ge is not None:
            broken.append((pl.col(c) < r.ge).any())
        if r.le is not None:
            broken.append((pl.col(c) > r.le).any())
    return bool(frame.select(pl.any_horizontal(broken)).item())
