"""Load ``data/reference/survey_items.yaml`` (strictly: an unknown or misspelt key is an error)."""

from __future__ import annotations

import functools
import os
from pathlib import Path

import yaml

from pilotwatch import settings
from transforms.survey.spec import Instruments

ITEMS_PATH = settings.DEFAULT_SURVEY_ITEMS


class SurveyItemsError(ValueError):
    """The survey items file is malformed; the message names the file and the key."""


@functools.cache
def _load(path: str) -> Instruments:
    p = Path(path)
    try:
        # libyaml when present: the pure-Python parser took ~0.1 s of every survey command for this file
        raw = yaml.load(p.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
        return Instruments.model_validate(raw)
    except (OSError, yaml.YAMLError, ValueError) as exc:
        raise SurveyItemsError(f"survey items {p}: {exc}") from exc


def load_instruments(path: str | os.PathLike[str] | None = None) -> Instruments:
    """The instruments (``PILOTWATCH_SURVEY_ITEMS`` overrides the bundled file)."""
    return _load(str(settings.survey_items_path(path)))
