"""Failpoints: named places where a process can be made to die on purpose, to prove crash safety.

``PILOTWATCH_FAILPOINTS=load,publish`` makes the process SIGKILL itself when it reaches one of the
named points — the same as an operator's ``kill -9`` or a power cut at that exact moment, but
reproducible. Unset (always, in production) a failpoint costs one environment lookup.

Points: ``fetch`` (source fetched, nothing read), ``validate`` (rows validated, nothing written),
``load`` (facts written inside the load's open transaction), ``publish`` (working copy complete and
synced, before it replaces the published file).
"""

from __future__ import annotations

import os
import signal

from pilotwatch import settings


def failpoint(name: str) -> None:
    """Die with SIGKILL here if ``name`` is listed in ``PILOTWATCH_FAILPOINTS``."""
    if name in settings.failpoints():
        os.kill(os.getpid(), signal.SIGKILL)
