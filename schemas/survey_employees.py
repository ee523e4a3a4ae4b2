"""``staging.survey_employees``: coded answers of the employees' diagnostics survey (Annex H).

Demographics, body and the 14 factor items as 5..1 (each item's own answer wording mapped in
``transforms.survey_mapping``; null = not answered). Free text (Section C) is stored apart.
"""

from __future__ import annotations

import pandera.polars as pa
import polars as pl

from schemas.survey_model_test import AGE_BANDS, EDUCATION, EXPERIENCE, GENDERS, POSITIONS, likert

ITEMS = ["L1", "L2", "L3", "S1", "S2", "HC1", "HC2", "HC3", "O1", "O2", "O3", "O4", "R1", "R2"]


class SurveyEmployees(pa.DataFrameModel):
    row: int = pa.Field(nullable=False, alias="_row")
    body_code: str = pa.Field(nullable=True)
    age_band: str = pa.Field(isin=AGE_BANDS, nullable=True)
    gender: str = pa.Field(isin=GENDERS, nullable=True)
    education: str = pa.Field(isin=EDUCATION, nullable=True)
    experience: str = pa.Field(isin=EXPERIENCE, nullable=True)
    position: str = pa.Field(isin=POSITIONS, nullable=True)
    L1: pl.Int8 = likert()
    L2: pl.Int8 = likert()
    L3: pl.Int8 = likert()
    S1: pl.Int8 = likert()
    S2: pl.Int8 = likert()
    HC1: pl.Int8 = likert()
    HC2: pl.Int8 = likert()
    HC3: pl.Int8 = likert()
    O1: pl.Int8 = likert()
    O2: pl.Int8 = likert()
    O3: pl.Int8 = likert()
    O4: pl.Int8 = likert()
    R1: pl.Int8 = likert()
    R2: pl.Int8 = likert()

    class Config:
        strict = True
        unique = ["_row"]
