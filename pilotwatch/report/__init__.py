"""Per-body organizational-diagnostics reports (thesis Annex N, tables 1-4) and the national summary."""

from __future__ import annotations

from pathlib import Path

import duckdb

from pilotwatch.report import render
from pilotwatch.report.data import ReportError, body_report, national, report_bodies

__all__ = ["ReportError", "write_body", "write_all", "report_bodies"]


def write_body(con: duckdb.DuckDBPyConnection, body: str, out_dir: Path, fmt: str = "html",
               config: str = "default") -> Path:
    r = body_report(con, body, config)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"{body}.{fmt}"
    text = render.html_body(r) if fmt == "html" else render.md_body(r)
    path.write_text(text, encoding="utf-8")
    return path


def write_all(con: duckdb.DuckDBPyConnection, out_dir: Path, fmt: str = "html", config: str = "default",
              progress=None) -> list[Path]:  # noqa: ANN001
    """Every pilot body with data, then the national summary (``index.<fmt>``) linking them."""
    out_dir.mkdir(parents=True, exist_ok=True)
    nat = national(con, config)
    paths = []
    for r in nat["bodies"]:
        path = out_dir / f"{r.code}.{fmt}"
        path.write_text(render.html_body(r) if fmt == "html" else render.md_body(r), encoding="utf-8")
        paths.append(path)
        if progress:
            progress(r.code)
    index = out_dir / f"index.{fmt}"
    index.write_text(render.html_national(nat) if fmt == "html" else render.md_national(nat), encoding="utf-8")
    return [index, *paths]
