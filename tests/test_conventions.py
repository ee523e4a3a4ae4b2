"""Project rules that a test can hold, so they are enforced rather than written down.

(The import layering is enforced by import-linter, ``lint-imports``, which ``make test`` runs first.)
"""

from __future__ import annotations

import ast
import re
import string
from pathlib import Path

import pytest

from pilotwatch import PROJECT_ROOT

PACKAGES = ("pilotwatch", "flows", "transforms", "schemas", "warehouse")
SQL_START = re.compile(r"\s*(with|select|insert|update|delete|create|alter|drop|copy|merge)\s", re.I)
#: Modules whose remaining multi-line statements are still to move (none left). Add one only with a reason,
#: and remove it once it is clean.
SQL_NOT_YET_MOVED: set[str] = set()
SQL_DIR = PROJECT_ROOT / "warehouse" / "sql"


def _python_files() -> list[Path]:
    return [p for pkg in PACKAGES for p in sorted((PROJECT_ROOT / pkg).rglob("*.py"))]


def _literal_text(node: ast.AST) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(v.value if isinstance(v, ast.Constant) else "{}" for v in node.values)
    return None


def multi_line_sql(source: str) -> list[int]:
    """Lines where a string literal that is SQL spans more than one line of Python."""
    tree = ast.parse(source)
    parts = {id(v) for node in ast.walk(tree) if isinstance(node, ast.JoinedStr) for v in node.values}
    return sorted({node.lineno for node in ast.walk(tree)
                   if id(node) not in parts and (text := _literal_text(node)) is not None
                   and SQL_START.match(text + " ") and node.end_lineno is not None and node.end_lineno > node.lineno})


def test_the_sql_detector_sees_both_spellings_of_a_long_statement() -> None:
    assert multi_line_sql('q = """\n    SELECT 1\n    FROM t"""\n') == [1]
    assert multi_line_sql('q = ("SELECT a, b "\n     "FROM t")\n') == [1]
    assert multi_line_sql('q = "SELECT count(*) FROM t"\nname = """not\nsql"""\n') == []
    assert multi_line_sql('m = (f"ambiguous: {a} with a decimal {b}, or "\n     "grouping")\n') == []


def test_sql_longer_than_one_line_is_a_named_file() -> None:
    offenders = {}
    for path in _python_files():
        rel = path.relative_to(PROJECT_ROOT).as_posix()
        if rel in SQL_NOT_YET_MOVED:
            continue
        lines = multi_line_sql(path.read_text(encoding="utf-8"))
        if lines:
            offenders[rel] = lines
    assert offenders == {}, f"move these statements to warehouse/sql/<domain>_<what>.sql: {offenders}"


@pytest.mark.parametrize("path", sorted(SQL_DIR.glob("*.sql")), ids=lambda p: p.name)
def test_every_named_sql_file_is_used(path: Path) -> None:
    """By name from Python (``sql("name")``) or from a warehouse check (``{sql: name}``)."""
    python = "\n".join(p.read_text(encoding="utf-8") for p in _python_files())
    checks = "\n".join(p.read_text(encoding="utf-8") for p in (PROJECT_ROOT / "data" / "expectations").glob("*.yaml"))
    assert f'sql("{path.stem}")' in python or f"sql: {path.stem}" in checks


@pytest.mark.parametrize("path", sorted(SQL_DIR.glob("*.sql")), ids=lambda p: p.name)
def test_a_template_names_its_slots(path: Path) -> None:
    """Slots filled at run time (identifiers found in the warehouse) are named, never positional."""
    slots = [f for _, f, _, _ in string.Formatter().parse(path.read_text(encoding="utf-8")) if f is not None]
    assert all(s.isidentifier() for s in slots), slots
