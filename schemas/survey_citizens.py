"""``staging.survey_citizens``: coded closed answers of the citizens' survey (Annex I).

Profile and the closed questions as option codes (Q6 satisfaction with the akimat, Q8 contacted
the 109 centre, Q9 satisfaction with its advice, Q11 what hinders, Q12 involvement, Q14 list of
services). The free-text questions (Q7, Q10, Q13, Q15-Q17) are stored apart with no respondent key.
"""

from __future__ import annotations

import pandera.polars as pa

from schemas.survey_model_test import AGE_BANDS, EDUCATION, GENDERS

ACTIVITIES = ["student", "civil_servant", "entrepreneur", "private_employee", "quasi_public_employee",
              "self_employed", "other"]
OPTIONS = {
    "Q5": ["public_service", "complaint", "consultation", "other"],
    "Q6": ["full", "partly", "not_satisfied"],
    "Q8": ["yes", "no"],
    "Q9": ["full", "partly", "not_satisfied"],
    "Q11": ["tight_deadlines", "formalism", "knowledge", "competencies", "other"],
    "Q12": ["full", "partly", "not_involved"],
    "Q14": ["full", "partly", "not_satisfied"],
}


class SurveyCitizens(pa.DataFrameModel):
    row: int = pa.Field(nullable=False, alias="_row")
    body_code: str = pa.Field(nullable=True)
    age_band: str = pa.Field(isin=AGE_BANDS, nullable=True)
    gender: str = pa.Field(isin=GENDERS, nullable=True)
    education: str = pa.Field(isin=EDUCATION, nullable=True)
    activity: str = pa.Field(isin=ACTIVITIES, nullable=True)
    Q5: str = pa.Field(isin=OPTIONS["Q5"], nullable=True)
    Q6: str = pa.Field(isin=OPTIONS["Q6"], nullable=True)
    Q8: str = pa.Field(isin=OPTIONS["Q8"], nullable=True)
    Q9: str = pa.Field(isin=OPTIONS["Q9"], nullable=True)
    Q11: str = pa.Field(isin=OPTIONS["Q11"], nullable=True)
    Q12: str = pa.Field(isin=OPTIONS["Q12"], nullable=True)
    Q14: str = pa.Field(isin=OPTIONS["Q14"], nullable=True)

    class Config:
        strict = True
        unique = ["_row"]
