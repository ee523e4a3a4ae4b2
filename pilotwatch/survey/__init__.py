"""Survey domain: read a survey export, code and screen it, analyse it (reliability, distributions,
the CFA/SEM of the thesis' Figure 10), store it in the warehouse and print the results.

The package holds the domain's steps (``steps.py``: read, prepare, analyse, persist, ``run`` — the
recipe), the model fit (``model.py``), the instrument loader (``items.py``) and the synthetic demo
sample (``demo.py``). The pure computations are in ``transforms/survey/``, the staging schemas in
``schemas/survey.py``, the flow in ``flows/survey.py``, the command in ``pilotwatch/commands/survey.py``.
"""

from pilotwatch.survey.output import as_json, as_text, dumps
from pilotwatch.survey.steps import (
    Analysis,
    Export,
    Options,
    Prepared,
    analyse,
    analyse_with_bundled_spec,
    body_resolver,
    persist,
    prepare,
    read_export,
    registry,
    run,
    wave_year,
)

__all__ = [
    "Analysis", "Export", "Options", "Prepared", "analyse", "analyse_with_bundled_spec", "as_json",
    "as_text", "body_resolver", "dumps", "persist", "prepare", "read_export", "registry", "run",
    "wave_year",
]
