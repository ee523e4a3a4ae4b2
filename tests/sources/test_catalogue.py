"""The catalogue is validated strictly: typos fail loudly instead of being ignored."""

from __future__ import annotations

from pathlib import Path

import pytest

from pilotwatch.catalogue import CatalogueError, load_catalogue
from pilotwatch.settings import DEFAULT_CATALOGUE


def test_bundled_catalogue_loads() -> None:
    cat = load_catalogue(DEFAULT_CATALOGUE)
    assert {s.dataset for s in cat.sources} >= {"evaluation_center", "public_services_monitoring", "payroll", "macro"}
    assert {2017, 2018, 2019, 2020} <= set(cat.years())
    for s in cat.sources:
        if s.kind == "bundled":
            assert Path(cat.location(s)).exists(), s.id


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("version: 1\nsources: []\nsourcse: []\n", "sourcse"),
        ("version: 1\nsources:\n- {id: a, dataset: payroll, years: [2020], kind: file, path: x.csv, format: csv,"
         " layout: long, columns: {body: b, year: y, indicator: i, value: v}, colums: {}}\n", "colums"),
        ("version: 1\nsources:\n- {id: a, dataset: payrol, years: [2020], kind: file, path: x.csv, format: csv,"
         " layout: long, columns: {body: b, year: y, indicator: i, value: v}}\n", "dataset"),
        ("version: 1\nsources:\n- {id: a, dataset: payroll, years: [2020], kind: http, format: csv,"
         " layout: long, columns: {body: b, year: y, indicator: i, value: v}}\n", "needs 'url'"),
        ("- just a list\n", "mapping"),
    ],
)
def test_bad_catalogue_is_rejected_with_the_key(tmp_path: Path, text: str, fragment: str) -> None:
    p = tmp_path / "cat.yaml"
    p.write_text(text)
    with pytest.raises(CatalogueError) as exc:
        load_catalogue(p)
    assert str(p) in str(exc.value)
    assert fragment in str(exc.value)


def test_year_ranges_expand(tmp_path: Path) -> None:
    p = tmp_path / "cat.yaml"
    p.write_text("version: 1\nsources:\n- {id: a, dataset: payroll, years: 2017-2019, kind: file, path: x.csv,"
                 " format: csv, layout: long, columns: {body: b, year: y, indicator: i, value: v}}\n")
    assert load_catalogue(p).sources[0].years == [2017, 2018, 2019]
