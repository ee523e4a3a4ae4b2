"""The refresh's work as plain Python (no Prefect): seed the registry, load every source, publish."""

from __future__ import annotations

import sys

import warehouse
from pilotwatch import registry, settings
from pilotwatch.catalogue import load_catalogue
from pilotwatch.ingest import load_source


def main(force: bool = True) -> int:
    cat = load_catalogue(settings.catalogue_path())
    years = cat.years()
    n = 0
    with warehouse.writer("benchmark-plain") as con:
        registry.seed(con)
        for source in cat.sources:
            n += load_source(con, cat, source, years, force=force).rows_accepted
    return n


if __name__ == "__main__":
    print(main("--no-force" not in sys.argv))
