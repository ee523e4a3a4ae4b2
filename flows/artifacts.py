"""Publish ``pilotwatch.artifacts`` to Prefect: the one place flows touch the artifacts API."""

from __future__ import annotations

from prefect.artifacts import create_markdown_artifact, create_table_artifact

from pilotwatch.artifacts import Artifact


def publish(artifacts: list[Artifact]) -> None:
    """Create each artifact on the current flow run (a table, or Markdown when it has text)."""
    for a in artifacts:
        if a.markdown is not None:
            create_markdown_artifact(markdown=a.markdown, key=a.key, description=a.description)
        else:
            create_table_artifact(table=a.rows, key=a.key, description=a.description)
