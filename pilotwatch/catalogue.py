"""The source catalogue: which file or URL feeds which dataset for which years, and how to read it.

Column mappings live here (in the catalogue file), not in code, so a new source layout is a
catalogue edit. The catalogue is validated strictly: an unknown or misspelt key is an error,
never silently ignored.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from pilotwatch import DATA_DIR

DATASETS = ("evaluation_center", "public_services_monitoring", "payroll", "macro", "targets")


def parse_year_range(text: str) -> list[int]:
    """``"2017-2020"`` → [2017, 2018, 2019, 2020]; ``"2021"`` → [2021]; ``"2017,2019"`` → [2017, 2019]."""
    years: list[int] = []
    for part in str(text).split(","):
        lo, _, hi = part.strip().partition("-")
        years.extend(range(int(lo), int(hi or lo) + 1))
    return sorted(set(years))


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class HttpOptions(Strict):
    """How an ``http`` source is fetched."""

    timeout_s: float = 30.0
    retries: int = Field(3, ge=0, le=10)
    backoff_s: float = Field(1.0, ge=0)
    max_bytes: int = Field(50 * 1024 * 1024, gt=0)
    headers: dict[str, str] = Field(default_factory=dict)
    #: Name of an environment variable holding an API key (never the key itself).
    api_key_env: str | None = None
    #: ``opendata_kz``: the Kazakhstan open data portal's paged JSON API
    #: (``?apiKey=…&source={"from":0,"size":N}``, returns a JSON array per page).
    paging: Literal["none", "opendata_kz"] = "none"
    page_size: int = Field(100, gt=0, le=10000)
    max_pages: int = Field(1000, gt=0)


class CsvOptions(Strict):
    delimiter: str | None = None  # None: sniffed from the header line
    encoding: Literal["auto", "utf-8", "utf-8-sig", "cp1251"] = "auto"


class XlsxOptions(Strict):
    sheet: str | int = 0
    #: Rows above the header (report titles). None: found by looking for the first row that
    #: contains every mapped column name.
    header_row: int | None = None


class JsonOptions(Strict):
    #: Dotted path to the records array inside the document; empty when the document is the array.
    records_path: str = ""


class Columns(Strict):
    """Where the fields are in the source table, by header name."""

    year: str | None = None
    indicator: str | None = None
    body: str | None = None
    value: str | None = None
    unit: str | None = None
    #: Layout ``wide_bodies``: header -> body name or alias (resolved by the body registry).
    bodies: dict[str, str] = Field(default_factory=dict)
    #: Layout ``wide_indicators``: header -> indicator code.
    indicators: dict[str, str] = Field(default_factory=dict)


class Source(Strict):
    """One catalogue entry: a source feeding one dataset for some years."""

    id: str = Field(pattern=r"^[a-z0-9_]+$")
    dataset: Literal["evaluation_center", "public_services_monitoring", "payroll", "macro", "targets"]
    years: list[int]
    kind: Literal["http", "file", "bundled"]
    #: ``file``: a path (relative to the catalogue file); ``bundled``: relative to data/bundled.
    path: str | None = None
    url: str | None = None
    format: Literal["csv", "xlsx", "json", "parquet"]
    layout: Literal["wide_bodies", "wide_indicators", "long"]
    columns: Columns
    #: Columns whose blank cells repeat the value above (published tables merge cells).
    fill_down: list[str] = Field(default_factory=list)
    #: A fixed year for sources without a year column.
    year: int | None = None
    #: A fixed body for single-body sources without a body column.
    body: str | None = None
    csv: CsvOptions = Field(default_factory=CsvOptions)
    xlsx: XlsxOptions = Field(default_factory=XlsxOptions)
    json_options: JsonOptions = Field(default_factory=JsonOptions, alias="json")
    http: HttpOptions = Field(default_factory=HttpOptions)
    #: Where the figures were published (cited in provenance and reports).
    cite: str | None = None
    max_reject_share: float | None = Field(None, ge=0, le=1)
    #: What a load of this source replaces: ``body_years`` (a delivery: every body-year of the dataset it
    #: covers is replaced, and values it no longer has are removed and listed) or ``cells`` (a correction:
    #: only the body-year-indicator cells it names change). ``pilotwatch ingest`` defaults to ``cells``.
    replace: Literal["body_years", "cells"] = "body_years"

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    @field_validator("years", mode="before")
    @classmethod
    def _expand_years(cls, v: object) -> object:
        """Accept ``[2017, 2018]`` or a range string ``"2017-2020"``."""
        return parse_year_range(v) if isinstance(v, str) else v

    @model_validator(mode="after")
    def _check_location(self) -> Source:
        if self.kind == "http" and not self.url:
            raise ValueError(f"source {self.id!r}: kind http needs 'url'")
        if self.kind in ("file", "bundled") and not self.path:
            raise ValueError(f"source {self.id!r}: kind {self.kind} needs 'path'")
        if self.layout == "wide_bodies" and not self.columns.bodies:
            raise ValueError(f"source {self.id!r}: layout wide_bodies needs columns.bodies")
        if self.layout == "wide_indicators" and not self.columns.indicators:
            raise ValueError(f"source {self.id!r}: layout wide_indicators needs columns.indicators")
        if self.layout == "long" and not (self.columns.value and (self.columns.indicator or self.dataset == "macro")):
            raise ValueError(f"source {self.id!r}: layout long needs columns.value and columns.indicator")
        return self


class Defaults(Strict):
    max_reject_share: float = Field(0.2, ge=0, le=1)


class Catalogue(Strict):
    version: Literal[1] = 1
    defaults: Defaults = Field(default_factory=Defaults)
    sources: list[Source]
    #: Directory that relative ``file`` paths are resolved against (set by ``load_catalogue``).
    base_dir: str = ""

    @model_validator(mode="after")
    def _unique_ids(self) -> Catalogue:
        ids = [s.id for s in self.sources]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"duplicate source ids: {dupes}")
        return self

    def years(self) -> list[int]:
        return sorted({y for s in self.sources for y in s.years})

    def for_year(self, year: int) -> list[Source]:
        return [s for s in self.sources if year in s.years]

    def location(self, source: Source) -> str:
        """A URI for provenance: the URL, or the absolute path of the file."""
        if source.kind == "http":
            assert source.url
            return source.url
        assert source.path
        base = Path(DATA_DIR / "bundled") if source.kind == "bundled" else Path(self.base_dir or ".")
        return str((base / os.path.expanduser(source.path)).resolve())

    def max_reject_share(self, source: Source) -> float:
        return source.max_reject_share if source.max_reject_share is not None else self.defaults.max_reject_share


class CatalogueError(ValueError):
    """The catalogue file is malformed; the message names the file and the offending key."""


def load_catalogue(path: str | os.PathLike[str]) -> Catalogue:
    """Read and strictly validate a catalogue file (YAML)."""
    p = Path(path)
    try:
        raw = yaml.safe_load(p.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise CatalogueError(f"catalogue {p}: cannot read: {exc}") from exc
    if not isinstance(raw, dict):
        raise CatalogueError(f"catalogue {p}: expected a mapping at the top level")
    raw.setdefault("base_dir", str(p.resolve().parent))
    try:
        return Catalogue.model_validate(raw)
    except ValueError as exc:
        raise CatalogueError(f"catalogue {p}: {exc}") from exc


def adhoc_source(dataset: str, location: str, *, year: int | None, fmt: str | None = None, **layout: object) -> Source:
    """A one-off source for ``pilotwatch ingest``: a long table with the canonical column names."""
    is_url = location.startswith(("http://", "https://"))
    suffix = Path(location.split("?")[0]).suffix.lower().lstrip(".")
    fmt = fmt or {"xls": "xlsx", "pq": "parquet"}.get(suffix, suffix or "csv")
    spec: dict[str, object] = {
        "id": "adhoc",
        "dataset": dataset,
        "years": [year] if year else [],
        "kind": "http" if is_url else "file",
        "format": fmt,
        "layout": "long",
        "columns": {"body": "body", "year": "year", "indicator": "indicator", "value": "value"},
        "replace": "cells",
        ("url" if is_url else "path"): location,
    }
    spec.update(layout)
    return Source.model_validate(spec)
