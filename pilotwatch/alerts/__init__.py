"""Monitoring alerts: configuration, channels, delivery and the warehouse glue around the pure rules
in ``transforms/alert_rules.py``. The Prefect flow is ``flows/monitor.py``; docs: docs/monitoring.md."""
