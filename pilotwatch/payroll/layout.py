"""Reading a records file: where it is, how its header maps to the canonical columns, how each
column is parsed (SQL expressions for DuckDB's reader, with the words of a parse error)."""

from __future__ import annotations

import csv
import gzip
import io
import re
from pathlib import Path

import duckdb

from pilotwatch.catalogue import Source
from pilotwatch.payroll.model import COLUMN_TYPES, KIND, REQUIRED, SOURCE_ID, Layout, PayrollError, lit
from pilotwatch.sources.csv_files import _sniff_delimiter
from pilotwatch.sources.fetch import SourceError
from schemas.payroll_records import CURRENCIES, POSITION_CATEGORIES, STATUSES

#: Categorical columns and their values as the schema spells them.
CANONICAL = {"position_category": POSITION_CATEGORIES, "status": STATUSES, "currency": CURRENCIES}


def records_format(location: str, fmt: str | None = None) -> str:
    if fmt:
        if fmt not in ("csv", "parquet"):
            raise PayrollError(f"payroll records are read from CSV or Parquet, not {fmt}")
        return fmt
    name = location.split("?")[0].lower()
    return "parquet" if name.endswith((".parquet", ".pq")) else "csv"


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


def layout(con: duckdb.DuckDBPyConnection, fmt: str, path: Path, uri: str) -> Layout:
    return csv_layout(path, uri) if fmt == "csv" else parquet_layout(con, path, uri)


def csv_layout(path: Path, uri: str) -> Layout:
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
    options = [f"delim={lit(delimiter)}", "quote='\"'", "escape='\"'", "header=true", "auto_detect=false",
               "store_rejects=true", "null_padding=false"]

    def values(col: str) -> list[str]:
        return [r[idx[col]] for r in sample if col in idx and len(r) > idx[col] and r[idx[col]]]

    if delimiter != "," and any(re.fullmatch(r"-?\d+,\d+", v.replace(" ", "")) for v in values("base_salary")):
        options.append("decimal_separator=','")
    if any(re.fullmatch(r"\d{2}\.\d{2}\.\d{4}", v) for v in values("hire_date") + values("leave_date")):
        options.append("dateformat='%d.%m.%Y'")
    spec = "{" + ", ".join(f"{lit(k)}: {lit(v)}" for k, v in columns.items()) + "}"
    options.append(f"columns={spec}")
    return Layout("csv", path, {c: COLUMN_TYPES[c] for c in names}, names, headers, delimiter, ", ".join(options))


def parquet_layout(con: duckdb.DuckDBPyConnection, path: Path, uri: str) -> Layout:
    try:
        described = con.execute(f"DESCRIBE SELECT * FROM read_parquet({lit(str(path))})").fetchall()
    except duckdb.Error as exc:
        raise SourceError(SOURCE_ID, uri, f"not a valid Parquet file ({exc})") from None
    headers = [r[0] for r in described]
    canon = [_canonical(h) for h in headers]
    _check_columns(headers, canon, uri)
    names = {c: h for h, c in zip(headers, canon, strict=True) if c in COLUMN_TYPES}
    types = {c: t for (h, t, *_), c in zip(described, canon, strict=True) if c in COLUMN_TYPES}
    return Layout("parquet", path, types, names, headers)


def parse(col: str, src: str, src_type: str) -> tuple[str, str | None]:
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
        # 'YYYY-MM', by far the usual form, is cast as its first day (cheaper than strptime per row)
        value = (f"CASE WHEN length({text}) = 7 AND {text}[5] = '-' THEN TRY_CAST({text} || '-01' AS DATE) "
                 f"ELSE CAST(date_trunc('month', TRY_STRPTIME(trim({text}), ['%Y-%m', '%Y-%m-%d'])) AS DATE) END")
        error = f"CASE WHEN {src} IS NOT NULL AND ({value}) IS NULL THEN 'month ''' || {text} || ''' is not a month (YYYY-MM)' END"
        return value, error
    if target == "VARCHAR":
        value = {
            "employee_id": f"nullif(trim({text}), '')",
            "position_category": f"lower(trim({text}))",
            "status": f"lower(trim({text}))",
            "currency": f"upper(trim({text}))",
        }.get(col, text)
        if col in CANONICAL:  # a value already as the schema spells it is kept without trimming and casing it
            value = f"CASE WHEN {text} IN ({', '.join(map(lit, CANONICAL[col]))}) THEN {text} ELSE {value} END"
        return value, None
    if src_type == target:
        return src, None
    if src_type == "VARCHAR":
        cleaned = f"replace(replace(trim({src}), ' ', ''), ',', '.')" if target.startswith("DECIMAL") else f"trim({src})"
        if target == "BOOLEAN":
            cleaned = f"lower(trim({src}))"
        value = f"TRY_CAST(nullif({cleaned}, '') AS {target})"
        kind = KIND[target]
    else:
        value = f"TRY_CAST({src} AS {target})"
        kind = f"{KIND[target]} in range"
    error = (f"CASE WHEN nullif(trim({text}), '') IS NOT NULL AND ({value}) IS NULL "
             f"THEN '{col} ''' || trim({text}) || ''' is not {kind}' END")
    return value, error
