"""The survey instruments as typed, strictly validated objects (pure: no I/O).

``data/reference/survey_items.yaml`` is parsed into :class:`Instruments` by
``pilotwatch.survey.items.load_instruments``; everything else in the survey pipeline reads these
objects, so a new answer spelling or a renamed question is a row in the YAML, never code.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

INSTRUMENTS = ("model_test", "employees", "citizens")
#: The five factors of the conceptual model (thesis Figure 10), the mediator and the outcome.
FACTORS = ("L", "S", "HC", "O", "R")
MEDIATOR = "CC"
OUTCOME = "ICS"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Texts(_Strict):
    """Spellings of one answer or option in each language (several are allowed)."""

    en: list[str] = Field(default_factory=list)
    ru: list[str] = Field(default_factory=list)

    @field_validator("en", "ru", mode="before")
    @classmethod
    def _listify(cls, v: object) -> object:
        return [v] if isinstance(v, str) else v

    def all(self) -> list[str]:
        return [*self.en, *self.ru]


class Question(_Strict):
    en: str
    ru: str


class Demographic(_Strict):
    question: Question
    options: dict[str, Texts]


class Construct(_Strict):
    name: str
    items: list[str] = Field(min_length=1)


class ItemAnswer(_Strict):
    en: str
    ru: str


class Item(_Strict):
    """A Likert item. ``answers`` (5 texts, from the value 5 down to 1) when the item has its own
    answer wording (Annex H); otherwise the instrument's common scale applies (Annex G)."""

    en: str
    ru: str
    answers: list[ItemAnswer] | None = None

    @field_validator("answers")
    @classmethod
    def _five(cls, v: list[ItemAnswer] | None) -> list[ItemAnswer] | None:
        if v is not None and len(v) != 5:
            raise ValueError(f"an item lists its 5 answers from 5 down to 1; got {len(v)}")
        return v


class ClosedQuestion(_Strict):
    en: str
    ru: str
    options: dict[str, Texts]
    #: The thesis figure that shows this question's distribution (citizens, Figures 28-31).
    figure: int | None = None


class Instrument(_Strict):
    title: str
    demographics: list[str]
    body_question: Question | None = None
    scale: Literal["likert_5"] | None = None
    constructs: dict[str, Construct] = Field(default_factory=dict)
    items: dict[str, Item] = Field(default_factory=dict)
    questions: dict[str, ClosedQuestion] = Field(default_factory=dict)
    free_text: dict[str, Question] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _consistent(self) -> Instrument:
        listed = [i for c in self.constructs.values() for i in c.items]
        unknown = [i for i in listed if i not in self.items]
        unplaced = [i for i in self.items if i not in listed]
        if unknown or unplaced:
            raise ValueError(f"constructs and items disagree: unknown {unknown}, in no construct {unplaced}")
        if len(set(listed)) != len(listed):
            raise ValueError("an item belongs to more than one construct")
        for code, item in self.items.items():
            if item.answers is None and self.scale is None:
                raise ValueError(f"item {code} has no answers and the instrument no common scale")
        return self

    @property
    def likert_items(self) -> list[str]:
        """Item codes in construct order (the Likert block that screening looks at)."""
        return [i for c in self.constructs.values() for i in c.items]

    def construct_of(self) -> dict[str, str]:
        return {i: k for k, c in self.constructs.items() for i in c.items}


class Instruments(_Strict):
    version: Literal[1]
    likert_5: dict[int, Texts]
    demographics: dict[str, Demographic]
    instruments: dict[str, Instrument]

    @model_validator(mode="after")
    def _check(self) -> Instruments:
        if sorted(self.likert_5) != [1, 2, 3, 4, 5]:
            raise ValueError("likert_5 must list the values 1..5")
        missing = sorted(set(INSTRUMENTS) - set(self.instruments))
        if missing:
            raise ValueError(f"instruments missing: {missing}")
        for name, ins in self.instruments.items():
            unknown = [d for d in ins.demographics if d not in self.demographics]
            if unknown:
                raise ValueError(f"instrument {name}: unknown demographics {unknown}")
        return self

    def get(self, instrument: str) -> Instrument:
        if instrument not in self.instruments:
            raise KeyError(f"unknown survey instrument {instrument!r}; known: {sorted(self.instruments)}")
        return self.instruments[instrument]
