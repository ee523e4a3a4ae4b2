"""Analysis domain: indicators, CER tables, factor effects, grades and verdicts for every body.

``steps.py`` reads the warehouse, computes (pure, with the transforms in ``transforms/analysis/``:
``cer``, ``effects``, ``grades``, ``verdicts``, ``windows``, ``uncertainty``) and stores a run; ``config.py`` loads the
named configurations of ``data/analysis.yaml``; ``reproduce.py`` compares a computation with the
thesis' printed Tables 19-21. The flow is ``flows/analysis.py``, the commands ``pilotwatch analyse``
and ``pilotwatch reproduce``.

The names below are :mod:`pilotwatch.analysis.steps`'s, loaded on first use (PEP 562): importing the
configuration alone (``pilotwatch.analysis.config``, what a refresh reads to decide whether the
analysis is current) must not import the computation and its numerics.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pilotwatch.analysis.steps import (
        MAX_CHUNKS,
        TABLES,
        AnalysisInputError,
        Inputs,
        Results,
        chunks,
        combine,
        compute,
        fail_run,
        for_bodies,
        for_body,
        pilot_bodies,
        read_inputs,
        start_run,
        store,
        summary,
    )

__all__ = [
    "MAX_CHUNKS", "TABLES", "AnalysisInputError", "Inputs", "Results", "chunks", "combine", "compute",
    "fail_run", "for_bodies", "for_body", "pilot_bodies", "read_inputs", "start_run", "store", "summary",
]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from pilotwatch.analysis import steps

        return getattr(steps, name)
    raise AttributeError(f"module 'pilotwatch.analysis' has no attribute {name!r}")
