"""The alerts domain: configuration, channels, delivery and the warehouse glue around the pure rules
in ``transforms/alerts/rules.py``. The Prefect flow is ``flows/alerts.py``; docs: docs/monitoring.md."""
