"""What a records load knows, as small immutable values passed from one step to the next.

Each step of ``pilotwatch.payroll.load`` takes the values earlier steps returned and returns its
own; nothing is set on a shared object and read back later, so a reader sees from a step's
signature what it needs and what it adds.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path

import polars as pl

from pilotwatch.catalogue import Catalogue, Source
from pilotwatch.sources.fetch import Fetched
from warehouse import sql, utc_now

DATASET = "payroll_records"
SOURCE_ID = "adhoc"
RATE_SERIES = "usd_kzt"
#: The scratch database (ids as delivered live only there) as attached to the warehouse connection.
STAGE = "pr_stage"
#: The file parsed once into the warehouse, keyed; the load deletes its refused rows and makes it (or
#: inserts it into) ``core.payroll_records``.
STAGED = "core.payroll_records_staged"
#: Its columns after those of ``core.payroll_records``: what a refused row needs (warehouse/sql/payroll/staged_records.sql).
STAGED_EXTRAS = ("_label", "_errors", "_pilot_blank")
#: Target type of each column a records file may have (the canonical header names).
COLUMN_TYPES = {
    "employee_id": "VARCHAR",
    "body_code": "VARCHAR",
    "position_category": "VARCHAR",
    "grade": "SMALLINT",
    "month": "VARCHAR",
    "base_salary": "DECIMAL(14,2)",
    "bonus": "DECIMAL(14,2)",
    "other_pay": "DECIMAL(14,2)",
    "currency": "VARCHAR",
    "hire_date": "DATE",
    "leave_date": "DATE",
    "status": "VARCHAR",
    "pilot": "BOOLEAN",
}
REQUIRED = ("employee_id", "body_code", "position_category", "month", "base_salary")
#: Value when an optional column is absent or a cell is blank.
DEFAULTS = {"bonus": "0", "other_pay": "0", "currency": "'KZT'", "status": "'active'"}
SYNTHETIC_CODE = re.compile(r"^syn_([cl])(\d+)$")
#: What a value of each parsed type must look like (the words of a parse error).
KIND = {"DECIMAL(14,2)": "a number", "SMALLINT": "a whole number", "DATE": "a date (YYYY-MM-DD)",
        "BOOLEAN": "true or false"}
#: Up to this many unreadable CSV lines, row numbers are counted with comparisons, beyond with an ASOF join.
FEW_BAD_LINES = 64
#: The shape of a refused row before it has a file row number (one per reason).
REJECTS = {"_rowid": pl.Int64, "column_name": pl.String, "reason": pl.String}
CSV_REJECTS = {"_row": pl.Int64, "column_name": pl.String, "reason": pl.String, "csv_line": pl.String}


class PayrollError(RuntimeError):
    """The load cannot run as configured (no salt, another salt than before, ...)."""


class Stopped(Exception):  # noqa: N818 - a normal end of a load, not an error
    """A step ends the load early: ``unchanged`` (nothing to do) or ``failed`` (the source is unusable)."""

    def __init__(self, status: str, message: str, sha: str | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.sha = status, message, sha


#: UTC without a zone, how the warehouse stores times: the warehouse's one clock.
now = utc_now


def lit(text: str) -> str:
    """A SQL string literal (for file paths and options, which DuckDB takes only as literals)."""
    return "'" + text.replace("'", "''") + "'"


def query(name: str, **parts: str) -> str:
    """``warehouse/sql/payroll/<name>.sql`` with its ``{{part}}`` placeholders filled.

    Only identifiers and expressions generated from the file's layout are filled in this way;
    values always travel as bound parameters.
    """
    text = sql(f"payroll/{name}")
    for key, value in parts.items():
        text = text.replace("{{" + key + "}}", value)
    if "{{" in text:
        raise ValueError(f"payroll/{name}.sql: placeholder left unfilled in {text[text.index('{{'):][:40]!r}")
    return text


@dataclass(frozen=True)
class Request:
    """What the caller asked for."""

    location: str
    fmt: str
    year: int | None = None
    force: bool = False
    rate_series: str = RATE_SERIES
    max_reject_share: float = 0.2
    run_id: str | None = None
    chunk_rows: int = 1_000_000
    quarantine_limit: int = 10_000


@dataclass(frozen=True)
class Load:
    """A load's identity, fixed when it starts: its ledger id, source and where the scratch files go."""

    load_id: int
    started: datetime
    request: Request
    source: Source
    catalogue: Catalogue
    uri: str
    workdir: Path

    @property
    def years_key(self) -> str:
        return str(self.request.year) if self.request.year else ""


@dataclass(frozen=True)
class Layout:
    """How the file's columns map to the canonical ones."""

    fmt: str
    path: Path
    source_types: dict[str, str]  # canonical name -> type as read (CSV: the type we ask the reader for)
    source_names: dict[str, str]  # canonical name -> name in the reader's output
    headers: list[str]
    delimiter: str = ","
    read_options: str = ""

    @property
    def canonical(self) -> list[str]:
        return [h.replace("\ufeff", "").strip().lower() for h in self.headers]


@dataclass(frozen=True)
class Staged:
    """The file's readable rows and the lines the CSV reader refused: as the first pass saw them
    (``pr_stage.labels``: ids, body labels), then as the parse did (``parse_into_warehouse``)."""

    layout: Layout
    fetched: Fetched
    rows: int  # the file's readable rows
    badline_ks: tuple[int, ...] = ()  # CSV: good rows before each unreadable line
    csv_rejects: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=CSV_REJECTS))

    @property
    def csv_rejected(self) -> int:
        return self.csv_rejects["_row"].n_unique()

    def row_sql(self, alias: str) -> tuple[str, str]:
        """SQL for the file row of stage rows ``alias`` (and a join it needs)."""
        rowid = f"{alias}._rowid"
        if self.layout.fmt == "parquet":
            return f"{rowid} + 1", ""
        if not self.badline_ks:
            return f"{rowid} + 2", ""
        if len(self.badline_ks) <= FEW_BAD_LINES:  # a handful of skipped lines: count those before the row
            return f"{rowid} + 2 + (" + " + ".join(f"({rowid} >= {k})::BIGINT" for k in self.badline_ks) + ")", ""
        return f"{rowid} + 2 + coalesce(_b.n, 0)", f"ASOF LEFT JOIN _pr_badlines _b ON {rowid} >= _b.k"

    def row_number(self, rowid: int) -> int:
        """The line (CSV) or record (Parquet) of stage row ``rowid``."""
        if self.layout.fmt == "parquet":
            return rowid + 1
        return rowid + 2 + sum(1 for k in self.badline_ks if rowid >= k)


@dataclass(frozen=True)
class Scoped:
    """How many rows the file has, how many lie outside the requested year, and the years it covers."""

    rows_read: int
    rows_skipped: int
    years: tuple[int, ...]


@dataclass(frozen=True)
class Bodies:
    """``_pr_bodymap`` is built: each (label, year) to a body code or a reason."""

    synthetic: tuple[str, ...]  # synthetic codes seen for the first time
    one_name_each: bool  # every body has a single label in the file: the label can stand for it


@dataclass(frozen=True)
class Pseudonymised:
    """``pr_stage.ids`` holds id -> hash -> employee_key for every id of the file."""

    salt: bytes
    new_salt: bool


@dataclass(frozen=True)
class Counts:
    read: int
    accepted: int
    rejected: int
    skipped: int


@dataclass(frozen=True)
class RecordsResult:
    load_id: int
    status: str  # loaded | unchanged | failed
    source_uri: str
    dataset: str = DATASET
    source_id: str = SOURCE_ID
    rows_read: int = 0
    rows_accepted: int = 0
    rows_rejected: int = 0
    rows_skipped: int = 0  # outside --year
    years: list[int] = field(default_factory=list)
    body_years: int = 0
    derived_facts: int = 0
    message: str = ""
    seconds: dict[str, float] = field(default_factory=dict)  # wall time per step
    cpu_seconds: dict[str, float] = field(default_factory=dict)  # CPU time (all threads) per step

    def as_dict(self) -> dict[str, object]:
        return asdict(self)
