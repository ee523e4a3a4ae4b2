"""Prefect flows: thin wiring of tasks that call ``pilotwatch`` and ``transforms``."""
