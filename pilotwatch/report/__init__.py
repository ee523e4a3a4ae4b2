"""Per-body organizational-diagnostics reports (thesis Annex N, tables 1-4) and the national summary."""

from __future__ import annotations

from pathlib import Path

import duckdb

from pilotwatch.report import render
from pilotwatch.report.data import ReportError, body_report, national, report_bodies

__all__ = ["ReportError", "write_body", "write_all", "report_bodies"]

BODY = {"html": render.html_body, "md": render.md_body}
NATIONAL = {"html": render.html_national, "md": render.md_national}


def _write(out_dir: Path, name: str, text: str) -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / name
    path.write_text(text, encoding="utf-8")
    return path


def write_body(con: duckdb.DuckDBPyConnection, body: str, out_dir: Path, fmt: str = "html",
               config: str = "default") -> Path:
    return _write(out_dir, f"{body}.{fmt}", BODY[fmt](body_report(con, body, config)))


def write_all(con: duckdb.DuckDBPyConnection, out_dir: Path, fmt: str = "html", config: str = "default",
              progress=None) -> list[Path]:  # noqa: ANN001
    """Every pilot body with data, then the national summary (``index.<fmt>``) linking them."""
    nat = national(con, config)
    paths = []
    for r in nat["bodies"]:
        paths.append(_write(out_dir, f"{r.code}.{fmt}", BODY[fmt](r)))
        if progress:
            progress(r.code)
    return [_write(out_dir, f"index.{fmt}", NATIONAL[fmt](nat)), *paths]
