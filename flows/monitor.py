"""Alias kept for deployments registered before the alerts flow moved to ``flows/alerts.py``.

A Prefect deployment stores its entrypoint (``flows/monitor.py:monitor``) on the server; once the
deployments are re-created from ``prefect.yaml`` (``flows/alerts.py:monitor``) this module can go.
"""

from flows.alerts import deliver, monitor

__all__ = ["deliver", "monitor"]
