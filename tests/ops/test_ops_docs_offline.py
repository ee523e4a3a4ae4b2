"""`pilotwatch docs --open` opens a page that works without internet (issue 16)."""

from __future__ import annotations

import re
import shutil
import stat
from pathlib import Path

import pytest

from pilotwatch.cli import main

#: An attribute that would make the browser fetch something from the network to draw the page.
REMOTE = re.compile(r"""<(script|link|img|iframe|source)\b[^>]*\b(src|href)\s*=\s*["']?\s*(https?:)?//""", re.I)


def test_docs_open_opens_a_page_without_network_references(bundled_warehouse: Path, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    db = tmp_path / "wh" / "pilotwatch.duckdb"
    db.parent.mkdir()
    shutil.copyfile(bundled_warehouse, db)
    monkeypatch.setenv("PILOTWATCH_DB", str(db))
    monkeypatch.setenv("PILOTWATCH_DOCS_DIR", str(tmp_path / "docs"))
    # A real "browser": webbrowser runs $BROWSER with the URL; this one writes down what it was asked to open.
    opened = tmp_path / "opened.txt"
    browser = tmp_path / "browser.sh"
    browser.write_text(f'#!/bin/sh\nprintf "%s" "$1" > {opened}\n', encoding="utf-8")
    browser.chmod(browser.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("BROWSER", str(browser))
    import webbrowser

    monkeypatch.setattr(webbrowser, "_tryorder", None)  # re-read $BROWSER
    monkeypatch.setattr(webbrowser, "_browsers", {})

    assert main(["docs", "--open"]) == 0
    url = opened.read_text(encoding="utf-8")
    assert url.startswith("file://") and url.endswith("/checks.html"), url
    page = Path(url.removeprefix("file://")).read_text(encoding="utf-8")
    assert "<table>" in page and "passed" in page
    assert not REMOTE.findall(page), REMOTE.findall(page)
    # the index great-expectations builds does fetch from the network: the test can tell the two apart
    ge_index = (tmp_path / "docs" / "index.html").read_text(encoding="utf-8")
    assert REMOTE.search(ge_index)
