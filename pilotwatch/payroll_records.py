"""Payroll records at national scale: load employee-month microdata out of core, derive yearly figures.

``pilotwatch ingest payroll_records FILE_OR_URL`` (CSV, CSV.gz or Parquet; a file or HTTP) ends in
``core.payroll_records`` and, derived from it, ``core.payroll_aggregates`` /
``core.payroll_category_pay`` / ``core.payroll_pay_gap`` and indicator facts with basis
``derived`` (dataset ``payroll_records``; the analysis reads them where nothing is published).

Why it is not the small-table path of ``pilotwatch.ingest`` (which holds a source in memory as
strings): 100,000 civil servants x 12 months x 10 years is 12 million rows, over a gigabyte of CSV.
Every step here is out of core, so memory is bounded by ``PILOTWATCH_DUCKDB_MEMORY`` (default 1GB
for DuckDB) plus one validation chunk in Python, whatever the file size:

1. **fetch** — a file is read where it is; a URL is streamed to a private temporary directory
   (``pilotwatch.sources.fetch.fetch_to_path``: retries, size cap, conditional GET). An unchanged
   file (same sha256 as the last successful load) is not loaded again; a file read from a path for
   the first time is hashed while DuckDB stages it.
2. **stage** — DuckDB's own reader parses the file in parallel straight into a table of a scratch
   database in that temporary directory (never the warehouse file: it holds the ids as delivered;
   uncompressed, as it is read a few times and deleted). Values that do not parse (a salary
   "twelve thousand", a month "2019-13") are caught with the line and column — for CSV by
   ``read_csv(store_rejects=true)``, for Parquet text columns by ``TRY_CAST``.
3. **validate** — in SQL: a missing id, a body nobody knows (codes and every registered alias are
   accepted; see synthetic bodies below), USD without an exchange rate for its year; with pandera
   (``schemas/payroll_records.py``) on chunks streamed from DuckDB, in a thread beside DuckDB's own
   work: categories, ranges, dates; and one row per employee, body and month (one ``GROUP BY`` over
   a hash of the key; an exact repeat keeps the first row, disagreeing rows are all refused).
   pandera's own multi-column ``unique`` is not used: it needs the whole frame in memory (2.6-3 GB for
   12 million rows; ``benchmarks/payroll_ingest.py --design``).
4. **pseudonymise** — every distinct id is hashed once: hex HMAC-SHA256 with the secret salt
   ``PILOTWATCH_ID_SALT`` (an id that arrives as 64 hex digits is taken as already hashed). Only the
   hash is stored, mapped to a compact ``employee_key``; columns other than the record's own (a name,
   say) are never read into the warehouse, and quarantined rows show the hash, not the id.
5. **load** — one transaction: refused rows to ``core.quarantine`` with reasons (at most
   ``QUARANTINE_LIMIT`` listed, then one line counting the rest), the body-years in the file replace
   the stored ones (delete + insert; no composite primary key, which made the bulk insert 9-15 times
   slower), the audit row in ``meta.loads``. More than ``max_reject_share`` (20 %) refused: nothing
   but the quarantine and the audit is written.
6. **derive** — ``derive()``: SQL reduces the records to small summaries; the definitions live in
   ``transforms/payroll_aggregates.py``.

Synthetic bodies: codes ``syn_c001``/``syn_l001``... (``pilotwatch synth payroll``) are registered
on first sight as bodies with ``core.bodies.synthetic = true`` (level central/local from the
letter, in the matching peer group, not pilots). Real sources never use the reserved prefix.
"""

from __future__ import annotations

import bisect
import contextlib
import csv
import gzip
import hashlib
import hmac
import io
import json
import logging
import os
import re
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Generic, TypeVar

import duckdb
import pandera.polars as pa
import polars as pl
import pyarrow as pa_arrow

import warehouse
from pilotwatch import registry, settings
from pilotwatch.catalogue import Catalogue, Defaults, Source, load_catalogue
from pilotwatch.sources.fetch import Fetched, SourceError, fetch_to_path, safe_uri
from pilotwatch.sources.readers import _sniff_delimiter
from schemas.payroll_records import RULE_COLUMNS, PayrollRecords
from transforms import payroll_aggregates as agg
from transforms.registry import resolve_bodies
from warehouse import frame, one, sql

log = logging.getLogger("pilotwatch.payroll_records")
T = TypeVar("T")

DATASET = "payroll_records"
SOURCE_ID = "adhoc"
SALT_ENV = "PILOTWATCH_ID_SALT"
MEMORY_ENV = "PILOTWATCH_DUCKDB_MEMORY"
TMPDIR_ENV = "PILOTWATCH_TMPDIR"
DEFAULT_MEMORY = "1GB"
RATE_SERIES = "usd_kzt"
#: Rows per pandera chunk (about 100 MB of typed columns in polars).
CHUNK_ROWS = 1_000_000
#: Refused rows listed one by one in core.quarantine per load; the rest are counted in one line.
QUARANTINE_LIMIT = 10_000
MIN_SALT_LENGTH = 16
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
HASHED_ID = re.compile(r"^[0-9a-f]{64}$")
#: Up to this many unreadable CSV lines, row numbers are counted with comparisons, beyond with an ASOF join.
_FEW_BAD_LINES = 64
_CSV_REJECTS = {"_row": pl.Int64, "column_name": pl.String, "reason": pl.String, "csv_line": pl.String}
_KIND = {"DECIMAL(14,2)": "a number", "SMALLINT": "a whole number", "DATE": "a date (YYYY-MM-DD)",
         "BOOLEAN": "true or false"}


class _Background(Generic[T]):
    """Run ``fn`` in a thread; ``join()`` returns its result or raises its exception."""

    def __init__(self, fn: Callable[[], T], name: str) -> None:
        self._result: T | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, args=(fn,), name=f"pilotwatch-{name}", daemon=True)
        self._thread.start()

    def _run(self, fn: Callable[[], T]) -> None:
        try:
            self._result = fn()
        except BaseException as exc:  # noqa: BLE001 - handed to the caller in join()
            self._error = exc

    def wait(self) -> None:
        self._thread.join()

    def join(self) -> T:
        self._thread.join()
        if self._error is not None:
            raise self._error
        assert self._result is not None
        return self._result


class PayrollError(RuntimeError):
    """The load cannot run as configured (no salt, another salt than before, ...)."""


@dataclass
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


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _lit(text: str) -> str:
    """A SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


# ---------------------------------------------------------------- ids


def id_salt() -> bytes:
    """The secret salt for hashing employee ids (``PILOTWATCH_ID_SALT``)."""
    salt = os.environ.get(SALT_ENV, "")
    if len(salt) < MIN_SALT_LENGTH:
        raise PayrollError(
            f"employee ids arrive unhashed: set {SALT_ENV} to a secret of at least {MIN_SALT_LENGTH} characters "
            "(keep it, and keep it the same: the same person must get the same hash every year)"
        )
    return salt.encode("utf-8")


def hash_id(employee_id: str, salt: bytes) -> str:
    """hex HMAC-SHA256(salt, id); an id that already is 64 lowercase hex digits is kept as it is."""
    if HASHED_ID.match(employee_id):
        return employee_id
    return hmac.new(salt, employee_id.encode("utf-8"), hashlib.sha256).hexdigest()


def salt_fingerprint(salt: bytes) -> str:
    """Identifies a salt without revealing it (stored in meta.payroll_id_salt)."""
    return hmac.new(salt, b"pilotwatch payroll id salt fingerprint", hashlib.sha256).hexdigest()[:16]


# ---------------------------------------------------------------- source


def records_source(location: str, fmt: str | None = None) -> Source:
    """A catalogue ``Source`` for fetching ``location`` (the fetch helpers need one).

    Only ``kind``, ``path``/``url`` and ``http`` matter for a records file; the layout fields are
    placeholders (records are not indicator tables), and the size cap is 50 GB.
    """
    is_url = location.startswith(("http://", "https://"))
    return Source.model_validate({
        "id": SOURCE_ID, "dataset": "payroll", "years": [], "kind": "http" if is_url else "file",
        ("url" if is_url else "path"): location, "format": "parquet" if records_format(location, fmt) == "parquet" else "csv",
        "layout": "long", "columns": {"indicator": "body_code", "value": "base_salary"},
        "http": {"max_bytes": 50 * 1024**3, "timeout_s": 120.0},
    })


def records_format(location: str, fmt: str | None = None) -> str:
    if fmt:
        if fmt not in ("csv", "parquet"):
            raise PayrollError(f"payroll records are read from CSV or Parquet, not {fmt}")
        return fmt
    name = location.split("?")[0].lower()
    return "parquet" if name.endswith((".parquet", ".pq")) else "csv"


@dataclass
class _Layout:
    """How the file's columns map to the canonical ones."""

    fmt: str
    path: Path
    source_types: dict[str, str]  # canonical name -> type as read (CSV: the type we ask the reader for)
    source_names: dict[str, str]  # canonical name -> name in the reader's output
    headers: list[str]
    delimiter: str = ","
    read_options: str = ""


def _open_text(path: Path) -> io.TextIOBase:
    raw = gzip.open(path, "rb") if path.name.lower().endswith(".gz") else open(path, "rb")  # noqa: SIM115
    return io.TextIOWrapper(raw, encoding="utf-8-sig", errors="replace", newline="")


def _canonical(header: str) -> str:
    return header.replace("\ufeff", "").strip().lower()


def _check_columns(headers: list[str], canon: list[str], uri: str) -> None:
    present = [c for c in canon if c in COLUMN_TYPES]
    dupes = sorted({c for c in present if present.count(c) > 1})
    if dupes:
        raise SourceError(SOURCE_ID, uri, f"column(s) {dupes} appear more than once; the file has: {headers}")
    missing = [c for c in REQUIRED if c not in present]
    if missing:
        raise SourceError(
            SOURCE_ID, uri, f"missing column(s) {missing} (required: {list(REQUIRED)}); the file has: {headers}"
        )


def _csv_layout(path: Path, uri: str) -> _Layout:
    with _open_text(path) as fh:
        head = fh.read(256 * 1024)
    lines = head.splitlines()
    if not lines or not lines[0].strip():
        raise SourceError(SOURCE_ID, uri, "empty: the CSV has no header line")
    if head.lstrip().lower().startswith(("<!doctype html", "<html")):
        raise SourceError(SOURCE_ID, uri, "got an HTML page, not CSV data — check the url")
    delimiter = _sniff_delimiter(lines[0])
    headers = next(csv.reader([lines[0]], delimiter=delimiter))
    canon = [_canonical(h) for h in headers]
    _check_columns(headers, canon, uri)
    names = {c: c for c in canon if c in COLUMN_TYPES}
    columns = {(c if c in COLUMN_TYPES else f"_ignored_{i}"): COLUMN_TYPES.get(c, "VARCHAR")
               for i, c in enumerate(canon)}
    # Russian-locale exports: "123456,78" with ";" between fields, dates as 31.12.2019.
    sample = list(csv.reader(lines[1:200], delimiter=delimiter))
    idx = {c: i for i, c in enumerate(canon)}
    options = [f"delim={_lit(delimiter)}", "quote='\"'", "escape='\"'", "header=true", "auto_detect=false",
               "store_rejects=true", "null_padding=false"]

    def values(col: str) -> list[str]:
        return [r[idx[col]] for r in sample if col in idx and len(r) > idx[col] and r[idx[col]]]

    if delimiter != "," and any(re.fullmatch(r"-?\d+,\d+", v.replace(" ", "")) for v in values("base_salary")):
        options.append("decimal_separator=','")
    if any(re.fullmatch(r"\d{2}\.\d{2}\.\d{4}", v) for v in values("hire_date") + values("leave_date")):
        options.append("dateformat='%d.%m.%Y'")
    spec = "{" + ", ".join(f"{_lit(k)}: {_lit(v)}" for k, v in columns.items()) + "}"
    options.append(f"columns={spec}")
    return _Layout("csv", path, {c: COLUMN_TYPES[c] for c in names}, names, headers, delimiter, ", ".join(options))


def _parquet_layout(con: duckdb.DuckDBPyConnection, path: Path, uri: str) -> _Layout:
    try:
        described = con.execute(f"DESCRIBE SELECT * FROM read_parquet({_lit(str(path))})").fetchall()
    except duckdb.Error as exc:
        raise SourceError(SOURCE_ID, uri, f"not a valid Parquet file ({exc})") from None
    headers = [r[0] for r in described]
    canon = [_canonical(h) for h in headers]
    _check_columns(headers, canon, uri)
    names = {c: h for h, c in zip(headers, canon, strict=True) if c in COLUMN_TYPES}
    types = {c: t for (h, t, *_), c in zip(described, canon, strict=True) if c in COLUMN_TYPES}
    return _Layout("parquet", path, types, names, headers)


def _parse(col: str, src: str, src_type: str) -> tuple[str, str | None]:
    """SQL for column ``col`` from expression ``src`` of type ``src_type``: (value, error-or-NULL).

    Cheap on purpose (it runs on every row): the CSV reader has already parsed numbers, dates and
    booleans and turned empty cells into NULL; ids are trimmed (the same person must hash the
    same), categorical text is trimmed and cased; body names are resolved later, once per name.
    """
    target = COLUMN_TYPES[col]
    text = f"CAST({src} AS VARCHAR)" if src_type != "VARCHAR" else src
    if col == "month":
        if src_type == "DATE" or src_type.startswith("TIMESTAMP"):
            return f"CAST(date_trunc('month', {src}) AS DATE)", None
        value = f"CAST(date_trunc('month', TRY_STRPTIME(trim({text}), ['%Y-%m', '%Y-%m-%d'])) AS DATE)"
        error = f"CASE WHEN {src} IS NOT NULL AND ({value}) IS NULL THEN 'month ''' || {text} || ''' is not a month (YYYY-MM)' END"
        return value, error
    if target == "VARCHAR":
        value = {
            "employee_id": f"nullif(trim({text}), '')",
            "position_category": f"lower(trim({text}))",
            "status": f"lower(trim({text}))",
            "currency": f"upper(trim({text}))",
        }.get(col, text)
        return value, None
    if src_type == target:
        return src, None
    if src_type == "VARCHAR":
        cleaned = f"replace(replace(trim({src}), ' ', ''), ',', '.')" if target.startswith("DECIMAL") else f"trim({src})"
        if target == "BOOLEAN":
            cleaned = f"lower(trim({src}))"
        value = f"TRY_CAST(nullif({cleaned}, '') AS {target})"
        kind = _KIND[target]
    else:
        value = f"TRY_CAST({src} AS {target})"
        kind = f"{_KIND[target]} in range"
    error = (f"CASE WHEN nullif(trim({text}), '') IS NOT NULL AND ({value}) IS NULL "
             f"THEN '{col} ''' || trim({text}) || ''' is not {kind}' END")
    return value, error


# ---------------------------------------------------------------- the load


@contextlib.contextmanager
def bounded_memory(con: duckdb.DuckDBPyConnection) -> Iterator[str]:
    """DuckDB's memory limit for the duration of a records load (``PILOTWATCH_DUCKDB_MEMORY``)."""
    limit = os.environ.get(MEMORY_ENV, DEFAULT_MEMORY)
    if not re.fullmatch(r"\d+(\.\d+)?\s*[KMGT]i?B", limit, re.IGNORECASE):
        raise PayrollError(f"{MEMORY_ENV}={limit!r}: give a size such as 1GB or 1500MB")
    setting = "SELECT current_setting('memory_limit'), current_setting('enable_progress_bar')"
    old, bar = one(con, setting)  # type: ignore[misc]
    con.execute("RESET memory_limit")
    # current_setting() rounds ("18.8 GiB"): restore the default exactly when it was the default
    restore = "RESET memory_limit" if one(con, setting)[0] == old else f"SET memory_limit = {_lit(str(old))}"  # type: ignore[index]
    con.execute(f"SET memory_limit = {_lit(limit)}")
    con.execute("SET enable_progress_bar = false")
    try:
        yield limit
    finally:
        con.execute(restore)
        con.execute(f"SET enable_progress_bar = {'true' if bar else 'false'}")


class _Load:
    """One records load (see the module docstring for the steps)."""

    def __init__(self, con: duckdb.DuckDBPyConnection, location: str, *, year: int | None, fmt: str | None,
                 force: bool, rate_series: str, max_reject_share: float, run_id: str | None) -> None:
        self.con = con
        self.location = location
        self.year = year
        self.fmt = records_format(location, fmt)
        self.force = force
        self.rate_series = rate_series
        self.max_reject_share = max_reject_share
        self.run_id = run_id
        self.started = _now()
        self.source = records_source(location, fmt)
        self.catalogue = Catalogue(sources=[self.source], base_dir=".")
        self.uri = safe_uri(self.catalogue.location(self.source))
        lid = one(con, "SELECT nextval('meta.load_id_seq')")
        self.load_id = int(lid[0])  # type: ignore[index]
        self.result = RecordsResult(self.load_id, "failed", self.uri)
        self.years_key = str(year) if year else ""
        self.sha: str | None = None
        self.got: Fetched | None = None
        self.stage = f"pr_stage_{self.load_id}"
        self.badline_ks: list[int] = []  # CSV: good rows before each unreadable line (row numbers)
        self.csv_rejects = pl.DataFrame(schema=_CSV_REJECTS)
        self._clock = (time.perf_counter(), time.process_time())

    def _lap(self, name: str) -> None:
        now = (time.perf_counter(), time.process_time())
        self.result.seconds[name] = round(now[0] - self._clock[0], 3)
        self.result.cpu_seconds[name] = round(now[1] - self._clock[1], 3)
        self._clock = now

    # -- audit -----------------------------------------------------------------------------

    def record(self) -> None:
        r = self.result
        self.con.execute(
            "INSERT INTO meta.loads VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [r.load_id, self.run_id, DATASET, SOURCE_ID, self.source.kind, r.source_uri, self.years_key, self.sha,
             r.rows_read, r.rows_accepted, r.rows_rejected, self.started, _now(), r.status, r.message or None],
        )

    def fail(self, message: str) -> RecordsResult:
        self.result.status, self.result.message = "failed", message
        self.record()
        return self.result

    # -- run -------------------------------------------------------------------------------

    def run(self) -> RecordsResult:
        tmp = tempfile.mkdtemp(prefix="pilotwatch-payroll-", dir=os.environ.get(TMPDIR_ENV) or None)
        workdir = Path(tmp)
        try:
            with bounded_memory(self.con):
                return self._run(workdir)
        finally:
            for t in ("rows", "ids"):  # dropped first, so that detaching has nothing to checkpoint
                with contextlib.suppress(duckdb.Error):
                    self.con.execute(f"DROP TABLE IF EXISTS {self.stage}.{t}")
            with contextlib.suppress(duckdb.Error):
                self.con.execute(f"DETACH DATABASE IF EXISTS {self.stage}")
            for t in ("_pr_rows", "_pr_rows_numbered"):
                with contextlib.suppress(duckdb.Error):
                    self.con.execute(f"DROP VIEW IF EXISTS {t}")
            for t in ("_pr_rejects", "_pr_badlines", "_pr_bodymap", "_pr_scope", "_pr_rates",
                      f"_pr_csv_rejects_{self.load_id}", f"_pr_csv_scans_{self.load_id}"):
                with contextlib.suppress(duckdb.Error):
                    self.con.execute(f"DROP TABLE IF EXISTS {t}")
            shutil.rmtree(workdir, ignore_errors=True)
            self._lap("cleanup")

    def _run(self, workdir: Path) -> RecordsResult:
        con = self.con
        # A local file loaded from this path for the first time (or forced) has nothing to be compared
        # with before reading it: its sha256 is computed while DuckDB stages it.
        overlap = self.source.kind == "file" and (self.force or not self._loaded_before())
        hashing: _Background[Fetched] | None = None
        if overlap:
            hashing = _Background(lambda: fetch_to_path(self.source, self.catalogue, workdir)[0], "sha256")
            path: Path | None = Path(self.catalogue.location(self.source))
        else:
            prev = None
            if self.source.kind == "http" and not self.force:
                row = one(con, "SELECT etag, last_modified, sha256 FROM meta.source_state WHERE source_uri = ?",
                          [self.uri])
                prev = dict(zip(("etag", "last_modified", "sha256"), row, strict=True)) if row else None
            try:
                self.got, path = fetch_to_path(self.source, self.catalogue, workdir, prev)
            except SourceError as exc:
                return self.fail(str(exc))
            self._lap("fetch")
            if self._unchanged():
                return self.result
        assert path is not None
        con.execute(f"ATTACH {_lit(str(workdir / 'stage.duckdb'))} AS {self.stage}")
        problem = None
        try:
            layout = _csv_layout(path, self.uri) if self.fmt == "csv" else _parquet_layout(con, path, self.uri)
            self._stage(layout)
        except SourceError as exc:
            problem = str(exc)
        except (duckdb.Error, OSError) as exc:
            problem = f"source {SOURCE_ID} ({self.uri}): cannot read the {self.fmt.upper()} file: {exc}"
        if hashing is not None:
            try:
                self.got = hashing.join()  # a missing or empty file says so here, before the reader's message
            except SourceError as exc:
                return self.fail(str(exc))
            self._lap("stage_and_sha256")
            if self._unchanged():  # the same bytes were loaded from another path
                return self.result
        else:
            self._lap("stage")
        if problem:
            return self.fail(problem)
        # pandera (Python, one core) runs beside everything DuckDB does until the uniqueness check
        pandera = _Background(self._check_pandera, "pandera")
        try:
            self._views()
            self._ensure_rates()
            self._check_sql()
            self._lap("validate_sql")
            self._dup_candidates()
            self._hash_ids()
            self._lap("validate_unique_hash_ids")
        except BaseException:
            pandera.wait()  # never leave the thread reading through a connection about to close
            raise
        self._add_rejects(pandera.join())
        self._lap("validate_pandera_wait")
        self._check_unique()
        self._lap("validate_unique")
        return self._write()

    def _loaded_before(self) -> bool:
        row = one(self.con, "SELECT 1 FROM meta.loads WHERE dataset = ? AND source_uri = ? "
                            "AND status IN ('loaded', 'unchanged') LIMIT 1", [DATASET, self.uri])
        return row is not None

    def _unchanged(self) -> bool:
        """Record an ``unchanged`` load when the source is what the last successful load read."""
        assert self.got is not None
        self.sha = self.got.sha256
        last = one(self.con, sql("last_loaded_sha"), [SOURCE_ID, DATASET, self.years_key])
        if self.force or not (self.got.not_modified or (last and last[0] == self.sha)):
            return False
        self.result.status, self.result.message = "unchanged", "source unchanged since the last load"
        self.record()
        return True

    # -- stage -----------------------------------------------------------------------------

    def _stage(self, layout: _Layout) -> None:
        """Parse the file into ``<stage>.rows``: typed columns, ``month_text`` (a month that did not
        parse, as written) and ``_errors`` (``[{c: column, r: reason}]`` for values that did not parse)."""
        inner, errors = [], []
        for col in COLUMN_TYPES:
            if col in layout.source_names:
                value, error = _parse(col, f'"{layout.source_names[col]}"', layout.source_types[col])
            else:
                value, error = ("NULL", None)
            if col in DEFAULTS:
                value = f"coalesce({value}, {DEFAULTS[col]})"
            inner.append(f"{value} AS {col}")
            if error:
                inner.append(f"{error} AS _err_{col}")
                errors.append(col)
        month_src = f'CAST("{layout.source_names["month"]}" AS VARCHAR)'
        inner.append(f"{month_src} AS _month_src")
        month_text = "CASE WHEN _err_month IS NOT NULL THEN _month_src END" if "month" in errors else "NULL::VARCHAR"
        err_list = (
            "CASE WHEN " + " OR ".join(f"_err_{c} IS NOT NULL" for c in errors) + " THEN list_filter(["
            + ", ".join(f"{{'c': '{c}', 'r': _err_{c}}}" for c in errors) + "], lambda x: x.r IS NOT NULL) END"
            if errors else "NULL"
        )
        if layout.fmt == "csv":
            reader = (f"read_csv({_lit(str(layout.path))}, {layout.read_options}, "
                      f"rejects_table='_pr_csv_rejects_{self.load_id}', rejects_scan='_pr_csv_scans_{self.load_id}')")
        else:
            reader = f"read_parquet({_lit(str(layout.path))})"
        # The stage is read twice and then deleted: not compressing it saves a quarter of the CPU the
        # whole load costs (the warehouse's own table is compressed as usual).
        old = one(self.con, "SELECT current_setting('force_compression')")[0]  # type: ignore[index]
        self.con.execute("SET force_compression = 'uncompressed'")
        try:
            self.con.execute(
                f"CREATE TABLE {self.stage}.rows AS SELECT {', '.join(COLUMN_TYPES)}, {month_text} AS month_text, "
                f"{err_list} AS _errors FROM (SELECT {', '.join(inner)} FROM {reader})"
            )
        finally:
            self.con.execute(f"SET force_compression = {_lit(str(old))}")
        self.layout = layout
        if layout.fmt == "csv":
            self._csv_rejects(layout)

    def _csv_rejects(self, layout: _Layout) -> None:
        """Lines the CSV reader refused (unreadable values, wrong field counts), with reasons."""
        rej = frame(self.con, f"SELECT line, column_idx, column_name, error_type, csv_line, error_message "
                              f"FROM _pr_csv_rejects_{self.load_id} ORDER BY line, column_idx")
        if rej.is_empty():
            return
        lines = sorted(set(rej["line"].to_list()))
        # the j-th refused line (1-based) has line - j - 1 good rows before it
        self.badline_ks = [line - j - 1 for j, line in enumerate(lines, start=1)]
        canon = [_canonical(h) for h in layout.headers]
        out = []
        for line, _idx, col, etype, text, msg in rej.iter_rows():
            if etype == "CAST" and col in COLUMN_TYPES:  # the reader names columns as we declared them
                fields = next(csv.reader([text or ""], delimiter=layout.delimiter), [])
                i = canon.index(col)
                value = fields[i] if i < len(fields) else ""
                reason = f"{col} '{value}' is not {_KIND.get(COLUMN_TYPES[col], 'readable')}"
            else:
                reason = f"unreadable CSV line ({etype.lower()}): {msg}"
                col = None
            out.append((int(line), col, reason, text))
        self.csv_rejects = pl.DataFrame(out, schema=_CSV_REJECTS, orient="row")

    def row_number(self, rowid: int) -> int:
        """The line (CSV) or record (Parquet) of stage row ``rowid``."""
        if self.layout.fmt == "parquet":
            return rowid + 1
        return rowid + 2 + bisect.bisect_right(self.badline_ks, rowid)

    def _row_sql(self, alias: str) -> tuple[str, str]:
        """SQL for the file row of stage rows ``alias`` (and a join it needs): ``row_number`` in SQL."""
        rowid = f"{alias}._rowid"
        if self.layout.fmt == "parquet":
            return f"{rowid} + 1", ""
        if not self.badline_ks:
            return f"{rowid} + 2", ""
        if len(self.badline_ks) <= _FEW_BAD_LINES:  # a handful of skipped lines: count those before the row
            return f"{rowid} + 2 + (" + " + ".join(f"({rowid} >= {k})::BIGINT" for k in self.badline_ks) + ")", ""
        return f"{rowid} + 2 + coalesce(_b.n, 0)", f"ASOF LEFT JOIN _pr_badlines _b ON {rowid} >= _b.k"

    def _views(self) -> None:
        con = self.con
        scope = ""
        if self.year:
            scope = f"WHERE month IS NULL OR year(month) = {int(self.year)}"
        con.execute(f"CREATE OR REPLACE TEMP VIEW _pr_rows AS SELECT rowid AS _rowid, * FROM {self.stage}.rows {scope}")
        if len(self.badline_ks) > _FEW_BAD_LINES:
            ks = pl.DataFrame({"k": self.badline_ks, "n": list(range(1, len(self.badline_ks) + 1))},
                              schema={"k": pl.Int64, "n": pl.Int64})
            con.register("_pr_badlines_frame", ks)
            con.execute("CREATE OR REPLACE TEMP TABLE _pr_badlines AS SELECT * FROM _pr_badlines_frame")
            con.unregister("_pr_badlines_frame")
        expr, join = self._row_sql("r")
        con.execute(f"CREATE OR REPLACE TEMP VIEW _pr_rows_numbered AS SELECT {expr} AS _row, r.* FROM _pr_rows r {join}")
        total = one(con, f"SELECT count(*) FROM {self.stage}.rows")[0]  # type: ignore[index]
        in_scope = one(con, "SELECT count(*) FROM _pr_rows")[0] if self.year else total  # type: ignore[index]
        self.result.rows_read = int(total) + self.csv_rejects["_row"].n_unique()
        self.result.rows_skipped = int(total - in_scope)
        con.execute("CREATE OR REPLACE TEMP TABLE _pr_rejects (_rowid BIGINT, column_name VARCHAR, reason VARCHAR)")

    # -- validation ------------------------------------------------------------------------

    def _ensure_rates(self) -> None:
        """The exchange-rate series for the file's years: loaded from the catalogue if missing."""
        con = self.con
        years = [r[0] for r in con.execute("SELECT DISTINCT year(month) FROM _pr_rows WHERE month IS NOT NULL").fetchall()]
        have = {r[0] for r in con.execute("SELECT year FROM core.macro_series WHERE series = ?", [self.rate_series]).fetchall()}
        if set(years) - have:
            load_rate_series(con, self.rate_series, run_id=self.run_id)
        con.execute("CREATE OR REPLACE TEMP TABLE _pr_rates AS SELECT year, value AS usd_kzt FROM core.macro_series "
                    "WHERE series = ?", [self.rate_series])
        self.file_years = sorted(years)

    def _check_sql(self) -> None:
        """Parse errors, missing ids and bodies, bodies nobody knows, USD without a rate."""
        con = self.con
        con.execute("INSERT INTO _pr_rejects SELECT _rowid, e.c, e.r FROM (SELECT _rowid, unnest(_errors) AS e "
                    "FROM _pr_rows WHERE _errors IS NOT NULL)")
        con.execute("INSERT INTO _pr_rejects SELECT _rowid, 'employee_id', 'employee_id is missing' "
                    "FROM _pr_rows WHERE employee_id IS NULL")
        con.execute("INSERT INTO _pr_rejects SELECT _rowid, 'body_code', 'body_code is missing' "
                    "FROM _pr_rows WHERE body_code IS NULL")
        self._resolve_bodies()
        con.execute("INSERT INTO _pr_rejects SELECT r._rowid, 'body_code', m.reason FROM _pr_rows r "
                    "JOIN _pr_bodymap m ON m.body_label = r.body_code AND m.year IS NOT DISTINCT FROM year(r.month) "
                    "WHERE m.reason IS NOT NULL")
        con.execute(f"INSERT INTO _pr_rejects SELECT r._rowid, 'currency', 'no {self.rate_series} rate for ' || "
                    "year(r.month) || ' to convert USD (load the exchange-rate series first)' FROM _pr_rows r "
                    "WHERE r.currency = 'USD' AND r.month IS NOT NULL AND year(r.month) NOT IN (SELECT year FROM _pr_rates)")

    def _resolve_bodies(self) -> None:
        """``_pr_bodymap``: each (body label, year) to a body code, or a reason it is refused."""
        con = self.con
        labels = frame(con, "SELECT DISTINCT body_code AS body_label, CAST(year(month) AS BIGINT) AS year "
                            "FROM _pr_rows WHERE body_code IS NOT NULL")
        reg = registry.registry_frames(con)
        kinds = dict(zip(reg["bodies"]["body_code"], reg["bodies"]["kind"], strict=True))
        labels = labels.with_columns(name=pl.col("body_label").str.strip_chars())
        resolved = resolve_bodies(labels, reg["aliases"], label_col="name") if labels.height else labels.with_columns(
            body_code=pl.lit(None, dtype=pl.String))
        out = []
        for label, name, year, alias_code in resolved.select("body_label", "name", "year", "body_code").iter_rows():
            code = name if (kinds.get(name) or SYNTHETIC_CODE.match(name)) else alias_code
            reason = None
            if not name:
                code, reason = None, "body_code is missing"
            elif code is None:
                reason = f"unknown body '{name}' (not in the body registry)"
            elif kinds.get(code) == "peer_group":
                code, reason = None, f"'{label}' is a peer group, not a body"
            out.append((label, year, code, reason))
        bodymap = pl.DataFrame(out, schema={"body_label": pl.String, "year": pl.Int64, "body_code": pl.String,
                                            "reason": pl.String}, orient="row")
        con.register("_pr_bodymap_frame", bodymap)
        con.execute("CREATE OR REPLACE TEMP TABLE _pr_bodymap AS SELECT * FROM _pr_bodymap_frame")
        con.unregister("_pr_bodymap_frame")
        self.synthetic = sorted({c for c in bodymap["body_code"].drop_nulls() if SYNTHETIC_CODE.match(c)
                                 and c not in kinds})

    def _check_pandera(self) -> pl.DataFrame:
        """The domain rules (schemas/payroll_records.py) on chunks of ``CHUNK_ROWS`` parsed rows.

        Runs in a thread on its own cursor (temporary views are per connection, so it reads the
        stage table itself); returns ``_rowid, column_name, reason``.
        """
        scope = f"AND year(month) = {int(self.year)}" if self.year else ""
        query = ("SELECT rowid AS row_number, position_category, CAST(grade AS BIGINT) AS grade, month, "
                 "CAST(base_salary AS DOUBLE) AS base_salary, CAST(bonus AS DOUBLE) AS bonus, "
                 "CAST(other_pay AS DOUBLE) AS other_pay, currency, hire_date, leave_date, status "
                 f"FROM {self.stage}.rows WHERE _errors IS NULL AND month IS NOT NULL {scope}")
        found = [pl.DataFrame(schema={"_rowid": pl.Int64, "column_name": pl.String, "reason": pl.String})]
        cur = self.con.cursor()
        try:
            for batch in cur.sql(query).to_arrow_reader(CHUNK_ROWS):
                chunk = pl.from_arrow(batch)
                assert isinstance(chunk, pl.DataFrame)
                try:
                    PayrollRecords.validate(chunk, lazy=True)
                except pa.errors.SchemaErrors as exc:
                    found.append(_pandera_reasons(exc.failure_cases, chunk))
        finally:
            cur.close()
        return pl.concat(found)

    def _add_rejects(self, rejects: pl.DataFrame) -> None:
        if rejects.height:
            self.con.register("_pr_found", rejects)
            self.con.execute("INSERT INTO _pr_rejects SELECT _rowid, column_name, reason FROM _pr_found")
            self.con.unregister("_pr_found")

    def _dup_candidates(self) -> None:
        """``_pr_dupkeys``: hashes of (employee, body, month) that occur more than once in the file.

        One ``GROUP BY`` over a 64-bit hash of the key finds the candidates (every repeat, plus the
        odd hash collision); ``_check_unique`` then compares only those few rows in full. When every
        body has one name in the file the name stands for the body and no join is needed.
        """
        con = self.con
        names = one(con, "SELECT count(*) > count(DISTINCT (body_code, year)) FROM _pr_bodymap WHERE body_code IS NOT NULL")
        if names and names[0]:  # some body under two names: hash the resolved code
            self._dup_src = ("_pr_rows r JOIN _pr_bodymap m ON m.body_label = r.body_code AND m.year = year(r.month)",
                             "m.body_code")
        else:
            self._dup_src = ("_pr_rows r", "r.body_code")
        src, body = self._dup_src
        con.execute(f"CREATE OR REPLACE TEMP TABLE _pr_dupkeys AS SELECT hash(r.employee_id, {body}, r.month) AS h "
                    f"FROM {src} WHERE r.employee_id IS NOT NULL AND r.month IS NOT NULL GROUP BY 1 HAVING count(*) > 1")

    def _check_unique(self) -> None:
        """One row per employee, body and month among the rows still accepted (candidates: ``_dup_candidates``)."""
        con = self.con
        src, body = self._dup_src
        dup = frame(con, "WITH c AS (SELECT r.* FROM " + src + " WHERE r.employee_id IS NOT NULL AND r.month IS NOT NULL "
                         f"AND hash(r.employee_id, {body}, r.month) IN (SELECT h FROM _pr_dupkeys)) "
                         "SELECT c._rowid, c.employee_id, m.body_code, c.month, c.position_category, c.grade, c.base_salary, "
                         "c.bonus, c.other_pay, c.currency, c.hire_date, c.leave_date, c.status, c.pilot FROM c "
                         "JOIN _pr_bodymap m ON m.body_label = c.body_code AND m.year = year(c.month) "
                         "WHERE m.body_code IS NOT NULL AND c._rowid NOT IN (SELECT _rowid FROM _pr_rejects) ORDER BY c._rowid")
        con.execute("DROP TABLE _pr_dupkeys")
        if dup.is_empty():
            return
        key = ["employee_id", "body_code", "month"]
        payload = [c for c in dup.columns if c not in ("_rowid", *key)]
        dup = dup.with_columns(
            _n=pl.len().over(key),
            _variants=pl.struct(payload).n_unique().over(key),
            _first=pl.col("_rowid").min().over(key),
        ).filter(pl.col("_n") > 1)
        rows = []
        for rowid, first, variants, members in dup.with_columns(
            _members=pl.col("_rowid").implode().over(key)
        ).select("_rowid", "_first", "_variants", "_members").iter_rows():
            if variants == 1:
                if rowid != first:
                    rows.append((rowid, "employee_id", f"duplicate of row {self.row_number(first)} "
                                                       "(same employee, body, month and values)"))
            else:
                listed = ", ".join(str(self.row_number(m)) for m in members)
                rows.append((rowid, "employee_id", f"rows {listed} give different values for the same employee, "
                                                   "body and month (all refused)"))
        if rows:
            frame_ = pl.DataFrame(rows, schema={"_rowid": pl.Int64, "column_name": pl.String, "reason": pl.String},
                                  orient="row")
            con.register("_pr_dups", frame_)
            con.execute("INSERT INTO _pr_rejects SELECT * FROM _pr_dups")
            con.unregister("_pr_dups")

    # -- ids -------------------------------------------------------------------------------

    def _hash_ids(self) -> None:
        """``<stage>.ids``: id as delivered -> hash -> employee_key (new keys after the largest)."""
        con = self.con
        ids = con.sql(f"SELECT DISTINCT employee_id FROM {self.stage}.rows WHERE employee_id IS NOT NULL").fetch_arrow_table()
        raw = ids.column("employee_id").to_pylist()
        extra = [r for r in (self._csv_ids()) if r]
        if all(HASHED_ID.match(i) for i in raw + extra):
            salt = b""
        else:
            salt = id_salt()
            self._check_salt(salt)
        self.salt = salt
        hashes = pa_arrow.table({"employee_id": raw, "employee_hash": [hash_id(i, salt) for i in raw]})
        con.register("_pr_hashes", hashes)
        try:
            base = one(con, "SELECT coalesce(max(employee_key), 0) FROM core.payroll_employees")[0]  # type: ignore[index]
            con.execute(
                f"CREATE TABLE {self.stage}.ids AS SELECT h.employee_id, h.employee_hash, "
                f"coalesce(e.employee_key, {int(base)} + row_number() OVER (PARTITION BY e.employee_key IS NULL "
                f"ORDER BY h.employee_hash)) AS employee_key, e.employee_key IS NULL AS is_new "
                f"FROM _pr_hashes h LEFT JOIN core.payroll_employees e USING (employee_hash)"
            )
        finally:
            con.unregister("_pr_hashes")

    def _csv_ids(self) -> list[str]:
        if self.csv_rejects.is_empty():
            return []
        canon = [_canonical(h) for h in self.layout.headers]
        if "employee_id" not in canon:
            return []
        i = canon.index("employee_id")
        out = []
        for text in self.csv_rejects["csv_line"].unique().drop_nulls().to_list():
            fields = next(csv.reader([text], delimiter=self.layout.delimiter), [])
            if i < len(fields) and fields[i].strip():
                out.append(fields[i].strip())
        return out

    def _check_salt(self, salt: bytes) -> None:
        fp = salt_fingerprint(salt)
        known = [r[0] for r in self.con.execute("SELECT DISTINCT fingerprint FROM meta.payroll_id_salt").fetchall()]
        if known and fp not in known:
            raise PayrollError(
                f"{SALT_ENV} is not the salt the stored employee hashes were made with: the same people would get "
                "new hashes and every employee would look like a leaver and a hire. Use the original salt."
            )
        self.new_salt = not known

    # -- write -----------------------------------------------------------------------------

    def _quarantine_frame(self) -> pl.DataFrame:
        """CSV lines the reader refused, as quarantine rows with a raw row whose id is hashed."""
        if self.csv_rejects.is_empty():
            return pl.DataFrame(schema={"row_number": pl.Int64, "column_name": pl.String, "reason": pl.String,
                                        "raw_row": pl.String})
        canon = [_canonical(h) for h in self.layout.headers]
        grouped = self.csv_rejects.group_by("_row").agg(
            pl.col("column_name").drop_nulls().unique().sort().str.join(", "),
            pl.col("reason").unique().sort().str.join("; "),
            pl.col("csv_line").first(),
        ).sort("_row").head(QUARANTINE_LIMIT)
        raws = []
        for text in grouped["csv_line"].to_list():
            fields = next(csv.reader([text or ""], delimiter=self.layout.delimiter), [])
            rec = {c: (v if v != "" else None) for c, v in zip(canon, fields, strict=False) if c in COLUMN_TYPES}
            if rec.get("employee_id"):
                rec["employee_id"] = hash_id(rec["employee_id"].strip(), self.salt)
            raws.append(json.dumps(rec, ensure_ascii=False))
        return grouped.select(
            pl.col("_row").alias("row_number"),
            pl.when(pl.col("column_name") == "").then(None).otherwise(pl.col("column_name")).alias("column_name"),
            "reason",
            pl.Series("raw_row", raws, dtype=pl.String),
        )

    def _write(self) -> RecordsResult:
        con = self.con
        r = self.result
        n_rej_stage = one(con, "SELECT count(DISTINCT _rowid) FROM _pr_rejects")[0]  # type: ignore[index]
        in_scope = r.rows_read - r.rows_skipped - self.csv_rejects["_row"].n_unique()
        r.rows_rejected = int(n_rej_stage) + self.csv_rejects["_row"].n_unique()
        r.rows_accepted = int(in_scope - n_rej_stage)
        total = r.rows_accepted + r.rows_rejected
        share = r.rows_rejected / total if total else 0.0
        failed = ""
        if total == 0:
            failed = f"source {SOURCE_ID} ({self.uri}): no records" + (f" for {self.year}" if self.year else "")
        elif share > self.max_reject_share:
            failed = (f"source {SOURCE_ID} ({self.uri}): {r.rows_rejected} of {total} records rejected "
                      f"({share:.0%} > max_reject_share {self.max_reject_share:.0%}); nothing loaded")
        con.execute(
            "CREATE OR REPLACE TEMP TABLE _pr_scope AS SELECT DISTINCT m.body_code, CAST(year(r.month) AS SMALLINT) AS year "
            "FROM _pr_rows r JOIN _pr_bodymap m ON m.body_label = r.body_code AND m.year = year(r.month) "
            "AND m.body_code IS NOT NULL WHERE r.employee_id IS NOT NULL AND r._rowid NOT IN (SELECT _rowid FROM _pr_rejects)"
        )
        scope = frame(con, "SELECT body_code, year FROM _pr_scope ORDER BY 1, 2")
        r.years = sorted(set(scope["year"].to_list()))
        r.body_years = scope.height
        csv_q = self._quarantine_frame()
        con.register("_pr_csv_quarantine", csv_q)
        con.execute("BEGIN TRANSACTION")
        try:
            self._insert_quarantine()
            if failed:
                first = self._first_problems()
                r.status, r.message = "failed", failed + (f". First problems: {first}" if first else "")
                r.rows_accepted = 0
                self.record()
                con.execute("COMMIT")
                return r
            self._register_synthetic()
            if getattr(self, "new_salt", False):
                con.execute("INSERT INTO meta.payroll_id_salt VALUES (?, ?, ?)",
                            [salt_fingerprint(self.salt), self.load_id, _now()])
            con.execute(f"INSERT INTO core.payroll_employees SELECT employee_key, employee_hash, {self.load_id} "
                        f"FROM {self.stage}.ids WHERE is_new")
            con.execute("DELETE FROM core.payroll_records p USING _pr_scope s "
                        "WHERE p.body_code = s.body_code AND p.year = s.year")
            order = one(con, "SELECT current_setting('preserve_insertion_order')")[0]  # type: ignore[index]
            con.execute("SET preserve_insertion_order = false")  # rows in any order: less memory, all cores
            con.execute(
                "INSERT INTO core.payroll_records SELECT i.employee_key, m.body_code, CAST(year(r.month) AS SMALLINT), "
                "r.month, r.position_category, r.grade, r.base_salary, r.bonus, r.other_pay, r.currency, r.hire_date, "
                "r.leave_date, r.status, coalesce(r.pilot, b.pilot AND b.pilot_start_year IS NOT NULL "
                f"AND year(r.month) >= b.pilot_start_year, false), {self.load_id}, r._row "
                f"FROM _pr_rows_numbered r JOIN _pr_bodymap m ON m.body_label = r.body_code AND m.year = year(r.month) "
                f"JOIN {self.stage}.ids i ON i.employee_id = r.employee_id "
                "LEFT JOIN core.bodies b ON b.body_code = m.body_code "
                "WHERE m.body_code IS NOT NULL AND r._rowid NOT IN (SELECT _rowid FROM _pr_rejects)"
            )
            con.execute(f"SET preserve_insertion_order = {'true' if order else 'false'}")
            if self.source.kind == "http" and self.got is not None:
                con.execute(sql("upsert_source_state"), [self.uri, self.got.etag, self.got.last_modified, self.sha, _now()])
            r.status = "loaded"
            notes = [f"{r.body_years} body-years of {', '.join(map(str, r.years))} replaced"]
            if r.rows_skipped:
                notes.append(f"{r.rows_skipped} records outside {self.year} skipped")
            if self.synthetic:
                notes.append(f"{len(self.synthetic)} synthetic bodies registered")
            if r.rows_rejected:
                notes.append(f"{r.rows_rejected} rejected: {self._first_problems()}")
            r.message = "; ".join(notes)
            self.record()
            con.execute("COMMIT")
        except Exception:
            con.execute("ROLLBACK")
            raise
        finally:
            con.unregister("_pr_csv_quarantine")
        self._lap("load")
        return r

    def _insert_quarantine(self) -> None:
        """Refused rows (one quarantine row each, at most ``QUARANTINE_LIMIT``) and a count of the rest."""
        con = self.con
        row_expr, asof = self._row_sql("q")
        con.execute(f"""
            CREATE OR REPLACE TEMP TABLE _pr_quarantine AS
            WITH q AS (
                SELECT _rowid, string_agg(DISTINCT column_name, ', ' ORDER BY column_name) AS column_name,
                       string_agg(DISTINCT reason, '; ' ORDER BY reason) AS reason
                FROM _pr_rejects GROUP BY _rowid
            ), numbered AS (
                SELECT {row_expr} AS row_number, q.* FROM q {asof}
            ), listed AS (
                SELECT row_number, column_name, reason, _rowid FROM numbered
                UNION ALL
                SELECT row_number, column_name, reason, NULL FROM _pr_csv_quarantine
                ORDER BY row_number LIMIT {QUARANTINE_LIMIT}
            )
            SELECT l.row_number, l.column_name, l.reason,
                   coalesce(c.raw_row, CASE WHEN s._rowid IS NOT NULL THEN CAST(json_object(
                       'employee_id', i.employee_hash, 'body_code', s.body_code,
                       'position_category', s.position_category, 'grade', s.grade,
                       'month', coalesce(strftime(s.month, '%Y-%m'), s.month_text),
                       'base_salary', CAST(s.base_salary AS VARCHAR), 'bonus', CAST(s.bonus AS VARCHAR),
                       'other_pay', CAST(s.other_pay AS VARCHAR), 'currency', s.currency,
                       'hire_date', CAST(s.hire_date AS VARCHAR), 'leave_date', CAST(s.leave_date AS VARCHAR),
                       'status', s.status, 'pilot', s.pilot) AS VARCHAR) END) AS raw_row
            FROM listed l
            LEFT JOIN _pr_rows s ON s._rowid = l._rowid
            LEFT JOIN {self.stage}.ids i ON i.employee_id = s.employee_id
            LEFT JOIN _pr_csv_quarantine c ON l._rowid IS NULL AND c.row_number = l.row_number
        """)
        now = _now()
        con.execute(
            "INSERT INTO core.quarantine (load_id, dataset, source_id, source_uri, row_number, column_name, reason, "
            "raw_row, created_at) SELECT ?, ?, ?, ?, row_number, column_name, reason, raw_row::JSON, ? "
            "FROM _pr_quarantine ORDER BY row_number",
            [self.load_id, DATASET, SOURCE_ID, self.uri, now],
        )
        listed = one(con, "SELECT count(*) FROM _pr_quarantine")[0]  # type: ignore[index]
        rest = self.result.rows_rejected - int(listed)
        if rest > 0:
            by = frame(con, "SELECT column_name, count(DISTINCT _rowid) AS n FROM _pr_rejects GROUP BY 1 ORDER BY 2 DESC")
            counts = ", ".join(f"{c}: {n}" for c, n in by.iter_rows())
            con.execute(
                "INSERT INTO core.quarantine (load_id, dataset, source_id, source_uri, row_number, column_name, reason, "
                "raw_row, created_at) VALUES (?, ?, ?, ?, NULL, NULL, ?, NULL, ?)",
                [self.load_id, DATASET, SOURCE_ID, self.uri,
                 f"{rest} more rejected records not listed (QUARANTINE_LIMIT {QUARANTINE_LIMIT}); "
                 f"rejected records by column: {counts}", now],
            )
        con.execute("DROP TABLE _pr_quarantine")

    def _first_problems(self, limit: int = 5) -> str:
        rows = self.con.execute(
            "SELECT row_number, column_name, reason FROM core.quarantine WHERE load_id = ? AND row_number IS NOT NULL "
            "ORDER BY row_number LIMIT ?", [self.load_id, limit]
        ).fetchall()
        more = self.result.rows_rejected - len(rows)
        text = "; ".join(f"row {n}, column '{c}': {why}" for n, c, why in rows)
        return text + (f" (+{more} more, see mart.quarantine)" if more > 0 else "")

    def _register_synthetic(self) -> None:
        """Synthetic body codes seen for the first time become bodies with ``synthetic = true``."""
        if not self.synthetic:
            return
        groups = {r[0] for r in self.con.execute("SELECT body_code FROM core.bodies WHERE kind = 'peer_group'").fetchall()}
        rows = []
        for code in self.synthetic:
            m = SYNTHETIC_CODE.match(code)
            assert m
            level = "central" if m.group(1) == "c" else "local"
            group = f"{level}_avg" if f"{level}_avg" in groups else None
            rows.append((code, f"Synthetic {level} body {int(m.group(2)):03d}", "body", level, group))
        self.con.executemany(
            "INSERT INTO core.bodies (body_code, name_en, kind, level, peer_group, pilot, pilot_start_year, synthetic) "
            "VALUES (?, ?, ?, ?, ?, false, NULL, true)", rows)


_TEXT_COLUMNS = {"position_category", "currency", "status"}


def _pandera_reasons(failures: pl.DataFrame, chunk: pl.DataFrame) -> pl.DataFrame:
    """pandera failure cases of one chunk -> ``_rowid, column_name, reason``."""
    friendly = {
        "greater_than_or_equal_to": "is below the minimum",
        "less_than_or_equal_to": "is above the maximum",
        "not_nullable": "is missing",
        "isin": "is not one of",
    }
    fc = failures.filter(pl.col("index").is_not_null())
    ids = chunk["row_number"]
    out = []
    for case, context, column, check, index in fc.select(
        "failure_case", "schema_context", "column", "check", "index"
    ).iter_rows():
        rowid = int(ids[int(index)])
        if context == "DataFrameSchema":
            row = chunk.row(int(index), named=True)
            shown = ", ".join(f"{c} {row[c]}" for c in ("month", "hire_date", "leave_date") if row.get(c) is not None)
            out.append((rowid, RULE_COLUMNS.get(check, "month"), f"breaks the rule '{check}' ({shown})"))
            continue
        base = check.split("(")[0]
        bound = check[len(base):].strip("()")
        if base == "isin":
            bound = ", ".join(re.findall(r"'([^']*)'", bound))
        word = friendly.get(base)
        value = "missing" if case is None else f"'{case}'" if column in _TEXT_COLUMNS else str(case)
        reason = f"{column} is missing" if base == "not_nullable" else (
            f"{column} {value} {word} {bound}".strip() if word else f"{column} {value} fails check '{check}'")
        out.append((rowid, column, reason))
    return pl.DataFrame(out, schema={"_rowid": pl.Int64, "column_name": pl.String, "reason": pl.String}, orient="row")


# ---------------------------------------------------------------- exchange rates


def load_rate_series(con: duckdb.DuckDBPyConnection, series: str = RATE_SERIES, *, run_id: str | None = None) -> int:
    """Load the catalogue's macro source(s) that provide ``series`` (the exchange-rate series is
    configured there: swap the file or URL). Returns how many sources were loaded."""
    from pilotwatch.ingest import LoadFailed, load_source

    cat = load_catalogue(settings.catalogue_path())
    sources = [s for s in cat.sources if s.dataset == "macro" and series in s.columns.indicators.values()]
    n = 0
    for s in sources:
        try:
            load_source(con, cat, s, list(s.years), run_id=run_id)
            n += 1
        except LoadFailed as exc:
            log.warning("exchange-rate series %s: %s", series, exc)
    if not sources:
        log.warning("no catalogue source provides the macro series %s; USD figures cannot be derived", series)
    return n


# ---------------------------------------------------------------- derive


@dataclass
class Derived:
    years: list[int]
    body_years: int
    facts: int
    category_rows: int
    gap_rows: int
    seconds: float
    cpu_seconds: float = 0.0


def derive(con: duckdb.DuckDBPyConnection, years: list[int] | None = None, rate_series: str = RATE_SERIES) -> Derived:
    """Recompute the derived payroll figures for ``years`` (default: every year with records).

    Whole years are replaced: the pay gap and the peer-group means depend on every body of a year.
    """
    t0, c0 = time.perf_counter(), time.process_time()
    if years is None:
        years = [int(r[0]) for r in con.execute("SELECT DISTINCT year FROM core.payroll_records ORDER BY 1").fetchall()]
    years = sorted({int(y) for y in years})
    if not years:
        return Derived([], 0, 0, 0, 0, 0.0)
    con.execute(sql("payroll_employee_years"), [years, rate_series])
    try:
        summaries = frame(con, sql("payroll_body_years"), [years])
        medians = frame(con, sql("payroll_category_medians"))
        level = frame(con, sql("payroll_level_medians"))
    finally:
        con.execute("DROP TABLE IF EXISTS _pr_emp")
    rates = frame(con, "SELECT year, value AS usd_kzt FROM core.macro_series WHERE series = ?", [rate_series])
    aggregates = agg.body_year_indicators(summaries, rates)
    units = dict(con.execute("SELECT indicator, unit FROM core.indicators").fetchall())
    missing = [i for i in agg.INDICATORS if i not in units]
    if missing:
        raise PayrollError(f"indicator(s) {missing} are not in the registry (data/reference/indicators.csv)")
    facts = agg.indicator_facts(aggregates, units)
    bodies = frame(con, "SELECT body_code, kind, level, peer_group FROM core.bodies")
    facts = pl.concat([facts, agg.peer_group_facts(facts, bodies)])
    category = agg.category_pay(medians, rates)
    gap = agg.pay_gap(level, rates)
    con.execute("BEGIN TRANSACTION")
    try:
        for table, data in (("core.payroll_aggregates", aggregates), ("core.payroll_category_pay", category),
                            ("core.payroll_pay_gap", gap)):
            con.execute(f"DELETE FROM {table} WHERE year IN (SELECT unnest(?::INTEGER[]))", [years])
            _insert(con, table, data)
        con.execute("DELETE FROM core.indicator_facts WHERE basis = 'derived' AND dataset = ? "
                    "AND year IN (SELECT unnest(?::INTEGER[]))", [DATASET, years])
        _insert(con, "core.indicator_facts", facts.with_columns(basis=pl.lit("derived"), dataset=pl.lit(DATASET)))
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
    return Derived(years, aggregates.height, facts.height, category.height, gap.height,
                   round(time.perf_counter() - t0, 3), round(time.process_time() - c0, 3))


def _insert(con: duckdb.DuckDBPyConnection, table: str, data: pl.DataFrame) -> None:
    con.register("_pr_insert", data)
    try:
        cols = ", ".join(data.columns)
        con.execute(f"INSERT INTO {table} ({cols}) SELECT {cols} FROM _pr_insert")
    finally:
        con.unregister("_pr_insert")


# ---------------------------------------------------------------- entry points


def load_records(con: duckdb.DuckDBPyConnection, location: str, *, year: int | None = None, fmt: str | None = None,
                 force: bool = False, rate_series: str = RATE_SERIES, max_reject_share: float | None = None,
                 run_id: str | None = None) -> RecordsResult:
    """Load a records file or URL into the warehouse behind ``con`` (no derivation; see ``derive``)."""
    share = Defaults().max_reject_share if max_reject_share is None else max_reject_share
    return _Load(con, location, year=year, fmt=fmt, force=force, rate_series=rate_series,
                 max_reject_share=share, run_id=run_id).run()


def ingest_records(location: str, *, year: int | None = None, fmt: str | None = None, force: bool = False,
                   rate_series: str = RATE_SERIES, max_reject_share: float | None = None,
                   run_id: str | None = None) -> RecordsResult:
    """``pilotwatch ingest payroll_records``: load, derive, publish once."""
    import uuid

    with warehouse.writer(f"ingest {DATASET}") as con:
        registry.seed(con)
        with bounded_memory(con):
            result = load_records(con, location, year=year, fmt=fmt, force=force, rate_series=rate_series,
                                  max_reject_share=max_reject_share, run_id=run_id or str(uuid.uuid4()))
            if result.status == "loaded":
                d = derive(con, result.years, rate_series)
                result.derived_facts = d.facts
                result.seconds["derive"] = d.seconds
                result.cpu_seconds["derive"] = d.cpu_seconds
        t0, c0 = time.perf_counter(), time.process_time()
    result.seconds["publish"] = round(time.perf_counter() - t0, 3)
    result.cpu_seconds["publish"] = round(time.process_time() - c0, 3)
    return result
