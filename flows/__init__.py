"""Prefect flows: thin wiring of tasks that call ``pilotwatch`` and ``transforms``.

Importing this package gives Prefect pilotwatch's defaults (telemetry off, a start-up timeout for the
temporary server that holds on a busy machine) before any flow module imports Prefect."""

from pilotwatch import settings

settings.apply_prefect_defaults()
