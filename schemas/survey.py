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
"""

from __future__ import annotations

from typing import Any

import pandera.polars as pa
import polars as pl

from transforms.survey.spec import Instruments

#: The Likert scale every item is coded to (Annex G's common scale, and Annex H's own wordings).
LIKERT = (1, 5)


def model_name(instrument: str) -> str:
    """``model_test`` -> ``SurveyModelTest``: the class name of an instrument's staging model."""
    return "Survey" + "".join(part.title() for part in instrument.split("_"))


def staging_model(instruments: Instruments, instrument: str) -> type[pa.DataFrameModel]:
    """The pandera model of ``staging.survey_<instrument>``, built from the instrument's definition."""
    ins = instruments.get(instrument)
    types: dict[str, Any] = {"row": int, "body_code": str}
    fields: dict[str, Any] = {"row": pa.Field(nullable=False, alias="_row"), "body_code": pa.Field(nullable=True)}
    for name in ins.demographics:
        types[name] = str
        fields[name] = pa.Field(isin=list(instruments.demographics[name].options), nullable=True)
    for item in ins.likert_items:
        types[item] = pl.Int8
        fields[item] = pa.Field(ge=LIKERT[0], le=LIKERT[1], nullable=True)
    for code, question in ins.questions.items():
        types[code] = str
        fields[code] = pa.Field(isin=list(question.options), nullable=True)
    config = type("Config", (), {"strict": True, "unique": ["_row"]})
    namespace = {"__annotations__": types, "__module__": __name__, "Config": config, **fields,
                 "__doc__": f"``staging.survey_{instrument}``: {ins.title}."}
    return type(model_name(instrument), (pa.DataFrameModel,), namespace)
