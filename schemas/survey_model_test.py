"""``staging.survey_model_test``: coded answers of the model-test survey (thesis Annexes F, G).

One row per accepted respondent: registry body code, demographic option codes and the 19 Likert
items as 1..5 (null = not answered). Free text never enters this table (``staging.survey_free_text``
holds it with no respondent key).
"""

from __future__ import annotations

import pandera.polars as pa
import polars as pl

AGE_BANDS = ["under_20", "21_30", "31_40", "41_50", "over_50"]
GENDERS = ["male", "female"]
EDUCATION = ["high_school", "college", "bachelor", "master", "doctorate", "other"]
EXPERIENCE = ["under_3", "3_5", "5_10", "10_15", "15_20", "over_20"]
POSITIONS = ["executive", "managerial"]
ITEMS = ["L1", "L2", "S1", "S2", "S3", "HC1", "HC2", "HC3", "HC4", "HC5", "O1", "O2", "O3",
         "R1", "R2", "R3", "CC", "ICS1", "ICS2"]


def likert() -> pa.Field:  # type: ignore[valid-type]
    return pa.Field(ge=1, le=5, nullable=True)


class SurveyModelTest(pa.DataFrameModel):
    row: int = pa.Field(nullable=False, alias="_row")
    body_code: str = pa.Field(nullable=True)
    age_band: str = pa.Field(isin=AGE_BANDS, nullable=True)
    gender: str = pa.Field(isin=GENDERS, nullable=True)
    education: str = pa.Field(isin=EDUCATION, nullable=True)
    experience: str = pa.Field(isin=EXPERIENCE, nullable=True)
    position: str = pa.Field(isin=POSITIONS, nullable=True)
    L1: pl.Int8 = likert()
    L2: pl.Int8 = likert()
    S1: pl.Int8 = likert()
    S2: pl.Int8 = likert()
    S3: pl.Int8 = likert()
    HC1: pl.Int8 = likert()
    HC2: pl.Int8 = likert()
    HC3: pl.Int8 = likert()
    HC4: pl.Int8 = likert()
    HC5: pl.Int8 = likert()
    O1: pl.Int8 = likert()
    O2: pl.Int8 = likert()
    O3: pl.Int8 = likert()
    R1: pl.Int8 = likert()
    R2: pl.Int8 = likert()
    R3: pl.Int8 = likert()
    CC: pl.Int8 = likert()
    ICS1: pl.Int8 = likert()
    ICS2: pl.Int8 = likert()

    class Config:
        strict = True
        unique = ["_row"]
