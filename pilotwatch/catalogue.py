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


def source_years(source: Source, years: list[int]) -> list[int]:
    """The requested years this source covers (all of them when it names none), as its load records them:
    the refresh's triage and the load itself must agree, or an unchanged source would look changed."""
    return sorted(set(years) & set(source.years)) if source.years else sorted(years)


def parse_year_range(text: str) -> list[int]:
    """``"2017-2020"`` → [2017, 2018, 2019, 2020]; ``"2021"`` → [2021]; ``"2017,2019"`` → [2017, 2019]."""
    years: list[int] = []
    for part in str(text).split(","):
        lo, _, hi = part.strip().partition("-")
        years.extend(range(int(lo), int(hi or lo) + 1))
    return sorted(set(years))


class Strict(BaseModel):
    """Unknown keys are errors; the docstring under each field is its entry in docs/catalogue.md.

    (``pilotwatch catalogue reference`` reads those docstrings itself: pydantic's
    ``use_attribute_docstrings`` would parse this module's source whenever it is imported, ~80 ms CPU
    of every refresh and ingest.)"""

    model_config = ConfigDict(extra="forbid", frozen=True)


class HttpOptions(Strict):
    """How an ``http`` source is fetched."""

    timeout_s: float = 30.0
    """Seconds a download may stall (no bytes) before it is retried."""
    deadline_s: float = Field(300.0, gt=0)
    """Total seconds for the whole fetch (every attempt, page and byte): a server trickling bytes
    never trips ``timeout_s`` but does trip this; the source then fails with the limit named."""
    retries: int = Field(3, ge=0, le=10)
    """Retries after a failed or stalled download (network errors, 5xx, 429)."""
    backoff_s: float = Field(1.0, ge=0)
    """First pause between retries, doubled each time."""
    max_bytes: int = Field(50 * 1024 * 1024, gt=0)
    """Largest download accepted; a larger one fails the source."""
    headers: dict[str, str] = Field(default_factory=dict)
    """Extra request headers (no secrets: use ``api_key_env``)."""
    api_key_env: str | None = None
    """Name of an environment variable holding an API key (never the key itself)."""
    paging: Literal["none", "opendata_kz"] = "none"
    """``opendata_kz``: the Kazakhstan open data portal's paged JSON API
    (``?apiKey=…&source={"from":0,"size":N}``, returns a JSON array per page)."""
    page_size: int = Field(100, gt=0, le=10000)
    """Records per page with ``paging: opendata_kz``."""
    max_pages: int = Field(1000, gt=0)
    """Pages fetched at most with ``paging: opendata_kz``."""


class CsvOptions(Strict):
    """How a CSV is read."""

    delimiter: str | None = None
    """None: the delimiter that splits most lines into the same number of fields."""
    encoding: Literal["auto", "utf-8", "utf-8-sig", "cp1251", "utf-16", "utf-32"] = "auto"
    """``auto``: UTF-16/UTF-32 by BOM or NUL pattern, else UTF-8 (with or without BOM), else cp1251; a file
    mixing UTF-8 and other lines is refused."""
    header_row: int | None = Field(None, ge=1)
    """Line of the header (title lines above it are skipped). None: the first line, of the first 30, that
    holds every mapped column (by name or a recognised Russian/Kazakh/English name)."""


class XlsxOptions(Strict):
    """How an XLSX workbook is read."""

    sheet: str | int = 0
    """Sheet name, or 0-based index. When it holds no table, the error lists the other sheets."""
    header_row: int | None = Field(None, ge=1)
    """Row of the header (report titles above it are skipped). None: the first row, of the first 30, that
    holds every mapped column (by name or a recognised Russian/Kazakh/English name)."""


class Limits(Strict):
    """What one source may make pilotwatch do; exceeding a limit fails the source, naming it.

    Sizing: a table of indicators is a few hundred rows and well under 1 MB unpacked. A zip bomb
    declaring more than ``max_unpacked_bytes`` is refused in well under a second, before parsing;
    below that, ``max_rows`` bounds the work: openpyxl read 20,000 sheet rows in 26 s on the loaded
    2-core development machine, so a workbook at the default row limit takes minutes — lower it
    for sources known to be small.
    """

    max_rows: int = Field(100_000, gt=0)
    """Rows read from one file (CSV lines, sheet rows, JSON records, Parquet rows)."""
    max_unpacked_bytes: int = Field(64 * 1024 * 1024, gt=0)
    """Total unpacked size an XLSX zip may declare, checked before parsing."""


class JsonOptions(Strict):
    """How a JSON document is read."""

    records_path: str = ""
    """Dotted path to the records array inside the document; empty when the document is the array."""


class NumberOptions(Strict):
    """The source's separators, declared rather than guessed. Unset: the format's default
    (transforms/numbers.py FORMAT_DEFAULTS); ``auto`` reads a value only when one reading is possible."""

    decimal: Literal["auto", ",", "."] | None = None
    """Decimal separator: ``,`` or ``.``; ``auto`` reads a value only when it has one possible reading."""
    thousands: Literal["auto", "space", "'", ",", ".", "none"] | None = None
    """Thousands separator: ``space`` (also a no-break space), ``'``, ``,``, ``.`` or ``none``."""

    @model_validator(mode="after")
    def _distinct(self) -> NumberOptions:
        if self.decimal not in (None, "auto") and self.decimal == self.thousands:
            raise ValueError(f"numbers: decimal and thousands are both {self.decimal!r}")
        return self


class UnitOptions(Strict):
    """Units (transforms/units.py): a value without a unit in its cell, a unit column or its header is
    refused unless ``assume_declared`` says the source is in the indicators' declared units."""

    assume_declared: bool = False
    """Take a number without a unit in the indicator's declared unit (``data/reference/indicators.csv``)."""


class Columns(Strict):
    """Where the fields are in the source table, by header name.

    The names of ``body``, ``year``, ``indicator``, ``value`` and ``unit`` also match their
    Russian, Kazakh and English equivalents when the file does not use them (``Орган``,
    ``Год``, ``Показатель``, ``Значение``, ``Единица измерения``; see ``HEADER_SYNONYMS`` in
    ``pilotwatch/sources/readers.py``), and a header with a unit (``Значение, %``).
    """

    year: str | None = None
    """Header of the year column (or ``Год``/``Жыл``/``Year``)."""
    indicator: str | None = None
    """Header of the indicator column (or ``Показатель``/``Көрсеткіш``/``Indicator``)."""
    body: str | None = None
    """Header of the body column (or ``Орган``/``Государственный орган``/``Body``)."""
    value: str | None = None
    """Header of the value column in a long layout (or ``Значение``/``Мәні``/``Value``)."""
    unit: str | None = None
    """Header of the unit column (or ``Единица измерения``/``Unit``; found without a mapping too)."""
    bodies: dict[str, str] = Field(default_factory=dict)
    """Layout ``wide_bodies``: header -> body name or alias (resolved by the body registry). Empty: every
    column other than year/indicator/unit is a body, named by its header."""
    indicators: dict[str, str] = Field(default_factory=dict)
    """Layout ``wide_indicators``: header -> indicator code. Empty: every column other than year/body/unit
    is an indicator, named by its header (a unit in the header, "Фонд оплаты труда, млн. тенге", is read as
    the values' unit)."""


class Source(Strict):
    """One catalogue entry: a source feeding one dataset for some years."""

    id: str = Field(pattern=r"^[a-z0-9_]+$")
    """Unique name of the entry (lowercase letters, digits, ``_``); recorded with every load."""
    dataset: Literal["evaluation_center", "public_services_monitoring", "payroll", "macro", "targets"]
    """The dataset the values belong to; indicators of other datasets in the file are skipped."""
    years: list[int]
    """Years this source covers: a list or a range string (``"2017-2020"``)."""
    kind: Literal["http", "file", "bundled"]
    """Where the bytes come from: a URL, a file, or a file shipped in ``data/bundled``."""
    path: str | None = None
    """``file``: a path (relative to the catalogue file); ``bundled``: relative to data/bundled."""
    url: str | None = None
    """``http``: the URL (an API key goes in ``http.api_key_env``, never here)."""
    format: Literal["csv", "xlsx", "json", "parquet"]
    """File format."""
    layout: Literal["wide_bodies", "wide_indicators", "long"]
    """``long``: one value per row; ``wide_bodies``: a column per body; ``wide_indicators``: a column
    per indicator."""
    columns: Columns
    """Which header holds what (see ``columns.*``)."""
    fill_down: list[str] = Field(default_factory=list)
    """Columns whose blank cells repeat the value above (published tables merge cells)."""
    year: int | None = None
    """A fixed year for sources without a year column."""
    body: str | None = None
    """A fixed body for single-body sources without a body column."""
    csv: CsvOptions = Field(default_factory=CsvOptions)
    """CSV reading options (``csv.*``)."""
    xlsx: XlsxOptions = Field(default_factory=XlsxOptions)
    """XLSX reading options (``xlsx.*``)."""
    json_options: JsonOptions = Field(default_factory=JsonOptions, alias="json")
    """JSON reading options (``json.*``)."""
    http: HttpOptions = Field(default_factory=HttpOptions)
    """Download options for ``kind: http`` (``http.*``)."""
    limits: Limits = Field(default_factory=Limits)
    """Limits on what the file may make pilotwatch do (``limits.*``)."""
    numbers: NumberOptions = Field(default_factory=NumberOptions)
    """Decimal and thousands separators (``numbers.*``); unset: the format's default."""
    units: UnitOptions = Field(default_factory=UnitOptions)
    """How values without a unit are read (``units.*``)."""
    cite: str | None = None
    """Where the figures were published (cited in provenance and reports)."""
    max_reject_share: float | None = Field(None, ge=0, le=1)
    """Share of refused values above which the load fails and changes nothing (default:
    ``defaults.max_reject_share``)."""
    replace: Literal["body_years", "cells"] = "body_years"
    """What a load replaces: ``body_years`` (a delivery: every body-year of the dataset it covers is replaced;
    values it no longer has are removed and listed) or ``cells`` (a correction: only the body-year-indicator
    cells it names change). ``pilotwatch ingest`` defaults to ``cells``; see ``pilotwatch/revisions.py``."""

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
        if self.layout == "long" and not (self.columns.value and (self.columns.indicator or self.dataset == "macro")):
            raise ValueError(f"source {self.id!r}: layout long needs columns.value and columns.indicator")
        return self


class Defaults(Strict):
    """Catalogue-wide defaults."""

    max_reject_share: float = Field(0.2, ge=0, le=1)
    """Share of refused values above which a load fails and changes nothing."""


class Catalogue(Strict):
    """A catalogue file: ``version``, ``defaults`` and the list of ``sources``."""

    version: Literal[1] = 1
    """Catalogue format version."""
    defaults: Defaults = Field(default_factory=Defaults)
    """Values for keys a source leaves out (``defaults.*``)."""
    sources: list[Source]
    """The entries (keys below)."""
    base_dir: str = ""
    """Directory that relative ``file`` paths are resolved against (set by ``load_catalogue``)."""

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


def parse_option(text: str) -> tuple[list[str], object]:
    """``"xlsx.header_row=3"`` -> (["xlsx", "header_row"], 3): a catalogue key and its YAML value.

    Values are read as YAML so numbers, ``null`` and ``{a: b}`` mean what they mean in the
    catalogue file; an empty value is null (``columns.year=`` unmaps the year column).
    """
    key, sep, value = text.partition("=")
    if not sep or not key.strip():
        raise CatalogueError(f"option {text!r}: expected KEY=VALUE, for example xlsx.header_row=3")
    try:
        parsed = yaml.safe_load(value) if value.strip() else None
    except yaml.YAMLError as exc:
        raise CatalogueError(f"option {text!r}: the value is not valid YAML ({exc})") from None
    return [k for k in key.strip().split(".") if k], parsed


def _set_path(spec: dict[str, object], path: list[str], value: object) -> None:
    node = spec
    for k in path[:-1]:
        child = node.get(k)
        if not isinstance(child, dict):
            child = {}
            node[k] = child
        node = child
    node[path[-1]] = value


#: The columns ``pilotwatch ingest`` maps per layout when not told otherwise (each also matches
#: its Russian/Kazakh names, e.g. ``Орган``, ``Год``, ``Показатель``, ``Значение``).
ADHOC_COLUMNS: dict[str, dict[str, str]] = {
    "long": {"body": "body", "year": "year", "indicator": "indicator", "value": "value"},
    "wide_bodies": {"year": "year", "indicator": "indicator"},
    "wide_indicators": {"body": "body", "year": "year"},
}


def adhoc_source(
    dataset: str,
    location: str,
    *,
    year: int | None,
    fmt: str | None = None,
    options: list[str] | None = None,
    **layout: object,
) -> Source:
    """A one-off source for ``pilotwatch ingest``, validated by the same model as a catalogue entry.

    Without options: a long table with the columns body, year, indicator, value (or their
    Russian/Kazakh names). ``options`` are catalogue keys as ``KEY=VALUE`` (``layout=wide_bodies``,
    ``xlsx.sheet=Данные``, ``columns.value=Факт``, ``limits.max_rows=5000``), so both doors take
    the same formats and options.
    """
    is_url = location.startswith(("http://", "https://"))
    suffix = Path(location.split("?")[0]).suffix.lower().lstrip(".")
    fmt = fmt or {"xls": "xlsx", "pq": "parquet"}.get(suffix, suffix or "csv")
    parsed = [parse_option(o) for o in options or []]
    chosen = {tuple(p): v for p, v in parsed}
    lay = str(layout.get("layout") or chosen.get(("layout",)) or "long")
    spec: dict[str, object] = {
        "id": "adhoc",
        "dataset": dataset,
        "years": [year] if year else [],
        "kind": "http" if is_url else "file",
        "format": fmt,
        "layout": lay,
        "columns": dict(ADHOC_COLUMNS.get(lay, ADHOC_COLUMNS["long"])),
        "replace": "cells",
        ("url" if is_url else "path"): location,
        # the ingest door's contract: canonical codes, values in the indicators' declared units
        "units": {"assume_declared": True},
    }
    spec.update(layout)
    for path, value in parsed:
        if path == ["columns"] and isinstance(value, dict):
            spec["columns"] = value
        else:
            _set_path(spec, path, value)
    try:
        return Source.model_validate(spec)
    except ValueError as exc:
        raise CatalogueError(f"ingest options: {exc}") from None
