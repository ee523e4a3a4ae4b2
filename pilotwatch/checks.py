"""Warehouse checks: a DuckDB gate for every refresh, great-expectations for the Data Docs.

The checks are data (``data/expectations/warehouse.yaml``), evaluated two ways from that one
definition:

* :func:`evaluate` — the refresh's publication gate (:func:`checkpoint`): each check is one query,
  generated from the SQL template of its kind (``data/expectations/sql/<expect>.sql``), run on the
  caller's connection. About 0.1 s, and great-expectations is never imported: the checkpoint below
  was 46 % of a refresh's CPU (4.5 s), 158 MB, and half of its import time (issue 14).
* :func:`run_checkpoint` — great-expectations' checkpoint and Data Docs, for people: ``pilotwatch
  docs``, and a refresh whose gate failed (so the failure can be read in the docs). Both must agree
  on every check; ``tests/ops/test_checks.py`` runs both on warehouses with a planted violation of each kind.

Why frames for great-expectations: great-expectations has no DuckDB engine, and its SQL path through duckdb-engine fails
every expectation (upstream issues 11579, 10738). So each checked relation is read through the
caller's DuckDB connection (the writer's working copy during a refresh, a read-only connection for
``pilotwatch docs``), written as a Parquet snapshot to a temporary directory, and validated by
great-expectations' pandas engine: one ``ValidationDefinition`` per relation, all in one
``Checkpoint``, then the Data Docs are built once. No private great-expectations API is touched.

pandera guards the way in, this module the warehouse, and no rule is written in both.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

import duckdb
import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

import warehouse
from pilotwatch import DATA_DIR, settings

log = logging.getLogger("pilotwatch.checks")

SPEC = DATA_DIR / "expectations" / "warehouse.yaml"
#: One SQL template per expectation kind (``<expect>.sql``), filled with the check's relation and columns.
TEMPLATES = DATA_DIR / "expectations" / "sql"
CHECKPOINT = "pilotwatch_warehouse"
SITE = "pilotwatch"


_NAME = r"^[a-z_][a-z_0-9]*$"


class Check(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    table: str | None = Field(None, pattern=r"^[a-z_]+\.[a-z_0-9]+$")
    sql: str | None = Field(None, pattern=r"^[a-z_0-9]+$")
    expect: Literal["unique", "not_null", "all_null", "in_registry", "in_set", "between", "fresh"]
    # identifiers are written into the generated SQL: plain lower-case names only
    column: str | None = Field(None, pattern=_NAME)
    columns: list[Annotated[str, Field(pattern=_NAME)]] = Field(default_factory=list)
    registry: str | None = Field(None, pattern=r"^[a-z_]+\.[a-z_]+\.[a-z_]+$")
    values: list[Any] = Field(default_factory=list)
    min: float | None = None
    max: float | None = None
    min_years_from_now: int | None = None
    max_years_from_now: int | None = None
    max_age_days: float | None = Field(None, gt=0)
    severity: Literal["critical", "warning"] = "critical"
    optional: bool = False

    @model_validator(mode="after")
    def _shape(self) -> Check:
        if (self.table is None) == (self.sql is None):
            raise ValueError("give exactly one of table or sql")
        needs = {"unique": "columns", "in_registry": "registry", "in_set": "values", "fresh": "max_age_days"}
        if self.expect in needs and not getattr(self, needs[self.expect]):
            raise ValueError(f"expect {self.expect} needs {needs[self.expect]}")
        if self.expect != "unique" and not self.column:
            raise ValueError(f"expect {self.expect} needs column")
        return self

    @property
    def relation(self) -> str:
        return self.table or f"sql:{self.sql}"

    @property
    def expectation(self) -> str:
        """The great-expectations expectation this check is, as its reports name it: ``type(columns)``."""
        if self.expect == "unique":
            kind = "expect_column_values_to_be_unique" if len(self.columns) == 1 else "expect_compound_columns_to_be_unique"
            return f"{kind}({', '.join(self.columns)})"
        kind = {
            "not_null": "expect_column_values_to_not_be_null", "all_null": "expect_column_values_to_be_null",
            "in_registry": "expect_column_values_to_be_in_set", "in_set": "expect_column_values_to_be_in_set",
            "between": "expect_column_values_to_be_between", "fresh": "expect_column_min_to_be_between",
        }[self.expect]
        return f"{kind}({self.column})"


class Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    version: Literal[1] = 1
    checks: list[Check]


def load_spec(path: Path | None = None) -> Spec:
    """The checks in ``path`` (default: ``SPEC``, read when called, so a test or a deployment can point elsewhere)."""
    path = path or SPEC
    try:
        return Spec.model_validate(yaml.safe_load(Path(path).read_text(encoding="utf-8")))
    except (OSError, ValueError) as exc:
        raise ValueError(f"expectations {path}: {exc}") from exc


@dataclass
class Failure:
    relation: str
    expectation: str
    severity: str
    detail: str

    def __str__(self) -> str:
        return f"{self.relation}: {self.expectation} — {self.detail}"


@dataclass
class Outcome:
    """What a checkpoint run found; ``ok`` ignores warnings."""

    checked: int
    failures: list[Failure] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    docs_index: Path | None = None
    #: Every evaluated check and whether it passed (``Failure.detail`` is empty when it did).
    results: list[tuple[Failure, bool]] = field(default_factory=list)

    @property
    def critical(self) -> list[Failure]:
        return [f for f in self.failures if f.severity == "critical"]

    @property
    def warnings(self) -> list[Failure]:
        return [f for f in self.failures if f.severity != "critical"]

    @property
    def ok(self) -> bool:
        return not self.critical

    def text(self) -> str:
        lines = [f"warehouse checks: {self.checked - len(self.failures)} of {self.checked} passed"
                 + (f", {len(self.warnings)} warning(s)" if self.warnings else "")
                 + (f", {len(self.critical)} FAILED" if self.critical else "")]
        lines += [f"  FAILED  {f}" for f in self.critical]
        lines += [f"  warning {f}" for f in self.warnings]
        lines += [f"  skipped {s}" for s in self.skipped]
        if self.docs_index:
            lines.append(f"Data Docs: {self.docs_index}")
            lines.append(f"  offline summary: {self.docs_index.with_name('checks.html')}")
        return "\n".join(lines)


class WarehouseChecksFailed(RuntimeError):
    """A critical warehouse expectation failed; in a refresh, nothing was published."""

    def __init__(self, outcome: Outcome, published: bool) -> None:
        self.outcome = outcome
        head = ("warehouse checks failed: the refresh was NOT published (the previous warehouse stays)"
                if not published else "warehouse checks failed on the published warehouse")
        super().__init__(head + "\n" + outcome.text())



def _this_year() -> int:
    return datetime.now(ZoneInfo(settings.timezone())).year


def _bounds(c: Check) -> tuple[float | None, float | None]:
    lo = c.min if c.min_years_from_now is None else _this_year() + c.min_years_from_now
    hi = c.max if c.max_years_from_now is None else _this_year() + c.max_years_from_now
    return lo, hi


def _oldest_ok(c: Check) -> datetime:
    assert c.max_age_days is not None
    return warehouse.utc_now() - timedelta(days=c.max_age_days)


def _relation_sql(relation: str) -> str:
    """A relation as it can follow ``FROM``: a table or view name, or a check query as a subquery."""
    if relation.startswith("sql:"):
        return "(" + warehouse.sql(relation[4:]).strip().rstrip(";") + ")"
    return relation


def check_query(c: Check) -> tuple[str, dict[str, Any]]:
    """The SQL and parameters that evaluate ``c``: its kind's template filled with its names.

    Every template returns one row ``unexpected`` (rows breaking the expectation; for ``fresh``, 1
    when the oldest value is too old) and ``sample`` (a few of them, as text).
    """
    template = (TEMPLATES / f"{c.expect}.sql").read_text(encoding="utf-8")
    names: dict[str, str] = {"relation": _relation_sql(c.relation), "column": c.column or ""}
    params: dict[str, Any] = {}
    if c.expect == "unique":
        names["key"] = ", ".join(c.columns)
        names["all_null"] = " and ".join(f"{k} is null" for k in c.columns)
        names["key_text"] = "concat_ws(' ', " + ", ".join(f"{k}::varchar" for k in c.columns) + ")"
    elif c.expect == "in_registry":
        assert c.registry
        schema, table, col = c.registry.split(".")
        names["registry_table"], names["registry_column"] = f"{schema}.{table}", col
    elif c.expect == "in_set":
        params["values"] = [str(v) for v in c.values]
    elif c.expect == "between":
        params["lo"], params["hi"] = _bounds(c)
    elif c.expect == "fresh":
        params["oldest"] = _oldest_ok(c)
    return template.format(**names), params


def _present(con: duckdb.DuckDBPyConnection, spec: Spec) -> tuple[list[Check], Outcome]:
    """The checks whose relation exists, and an outcome holding the others: skipped when optional, failed if not."""
    present = warehouse.relations(con)  # one catalogue query, not one per check: a third of the gate's time
    outcome = Outcome(checked=0)
    runnable = []
    for c in spec.checks:
        if c.table is None or c.table in present:
            runnable.append(c)
        elif c.optional:
            outcome.skipped.append(f"{c.table} (not in this warehouse yet)")
        else:
            f = Failure(c.table, f"{c.expect}({c.column or ', '.join(c.columns)})", c.severity,
                        "the relation is not in the warehouse")
            outcome.checked += 1
            outcome.failures.append(f)
            outcome.results.append((f, False))
    return runnable, outcome


def evaluate(con: duckdb.DuckDBPyConnection, spec_path: Path | None = None) -> Outcome:
    """Evaluate every check as a DuckDB query on ``con`` (the publication gate); never raises on failures.

    The verdicts are great-expectations' (the same expectations, the same NULL handling); only the
    engine differs, so :func:`run_checkpoint` stays the place for Data Docs.
    """
    spec = load_spec(spec_path)
    runnable, outcome = _present(con, spec)
    for c in runnable:
        query, params = check_query(c)
        try:
            row = con.execute(query, params).fetchall()[0]
            unexpected, sample = int(row[0]), list(row[1] or [])
            detail = (f"observed {sample[0]}" if c.expect == "fresh"
                      else f"{unexpected} unexpected row(s), e.g. {sample[:5]}") if unexpected else ""
        except duckdb.Error as exc:
            unexpected, detail = 1, f"could not be evaluated: {exc}"
        f = Failure(c.relation, c.expectation, c.severity, detail)
        outcome.checked += 1
        outcome.results.append((f, not unexpected))
        if unexpected:
            outcome.failures.append(f)
    return outcome


def _expectation(con: duckdb.DuckDBPyConnection, c: Check) -> Any:
    import great_expectations.expectations as gxe

    kw: dict[str, Any] = {"severity": c.severity, "meta": {"relation": c.relation}}
    if c.expect == "unique":
        if len(c.columns) == 1:
            return gxe.ExpectColumnValuesToBeUnique(column=c.columns[0], **kw)
        return gxe.ExpectCompoundColumnsToBeUnique(column_list=c.columns, **kw)
    if c.expect == "not_null":
        return gxe.ExpectColumnValuesToNotBeNull(column=c.column, **kw)
    if c.expect == "all_null":
        return gxe.ExpectColumnValuesToBeNull(column=c.column, **kw)
    if c.expect == "in_registry":
        assert c.registry
        schema, table, col = c.registry.split(".")
        values = [r[0] for r in con.execute(f"SELECT DISTINCT {col} FROM {schema}.{table}").fetchall()]
        return gxe.ExpectColumnValuesToBeInSet(column=c.column, value_set=values, **kw)
    if c.expect == "in_set":
        return gxe.ExpectColumnValuesToBeInSet(column=c.column, value_set=c.values, **kw)
    if c.expect == "between":
        lo, hi = _bounds(c)
        return gxe.ExpectColumnValuesToBeBetween(column=c.column, min_value=lo, max_value=hi, **kw)
    return gxe.ExpectColumnMinToBeBetween(column=c.column, min_value=_oldest_ok(c), **kw)  # fresh


def _describe(result: Any) -> str:
    r = result.result or {}
    if "unexpected_count" in r:
        sample = r.get("partial_unexpected_list") or []
        return f"{r['unexpected_count']} unexpected row(s), e.g. {sample[:5]}"
    if "observed_value" in r:
        return f"observed {r['observed_value']}"
    if result.exception_info and result.exception_info.get("raised_exception"):
        return f"could not be evaluated: {result.exception_info.get('exception_message')}"
    return "failed"


@contextmanager
def _quiet_gx() -> Iterator[None]:
    """great-expectations' per-metric progress bars and INFO chatter would drown the refresh log."""
    names = ["great_expectations"]
    levels = {n: logging.getLogger(n).level for n in names}
    for n in names:
        logging.getLogger(n).setLevel(logging.WARNING)
    try:
        with settings.gx_analytics_disabled():
            yield
    finally:
        for n, lvl in levels.items():
            logging.getLogger(n).setLevel(lvl)


def _clear_docs(docs_dir: Path) -> None:
    """Remove the previous build (only what great-expectations writes there), so no stale page lingers."""
    for sub in ("expectations", "validations", "static"):
        shutil.rmtree(docs_dir / sub, ignore_errors=True)
    (docs_dir / "index.html").unlink(missing_ok=True)
    docs_dir.mkdir(parents=True, exist_ok=True)


def run_checkpoint(
    con: duckdb.DuckDBPyConnection, docs_dir: Path | None = None, spec_path: Path | None = None
) -> Outcome:
    """Validate the warehouse behind ``con`` and build the Data Docs into ``docs_dir``; never raises on failures."""
    spec = load_spec(spec_path)
    docs_dir = Path(docs_dir or settings.docs_dir())
    with _quiet_gx():
        import great_expectations as gx
        from great_expectations.data_context.types.base import (
            DataContextConfig,
            InMemoryStoreBackendDefaults,
            ProgressBarsConfig,
        )

        snap = Path(tempfile.mkdtemp(prefix="pilotwatch-checks-"))
        try:
            _clear_docs(docs_dir)
            ctx = gx.get_context(mode="ephemeral", project_config=DataContextConfig(
                store_backend_defaults=InMemoryStoreBackendDefaults(init_temp_docs_sites=False),
                progress_bars=ProgressBarsConfig(globally=False),
                data_docs_sites={SITE: {
                    "class_name": "SiteBuilder",
                    "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(docs_dir)},
                    "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
                }},
            ))
            source = ctx.data_sources.add_pandas("warehouse")
            runnable, outcome = _present(con, spec)
            by_relation: dict[str, list[Check]] = {}
            for c in runnable:
                by_relation.setdefault(c.relation, []).append(c)
            definitions = []
            for relation, checks in by_relation.items():
                name = relation.replace("sql:", "sql_").replace(".", "_")
                query = f"SELECT * FROM {relation}" if not relation.startswith("sql:") else warehouse.sql(relation[4:])
                path = snap / f"{name}.parquet"
                con.execute(f"COPY ({query.strip().rstrip(';')}) TO '{path}' (FORMAT parquet)")
                asset = source.add_parquet_asset(name, path=path)
                batch = asset.add_batch_definition_whole_dataframe(name)
                suite = ctx.suites.add(gx.ExpectationSuite(name=f"warehouse.{name}"))
                for c in checks:
                    suite.add_expectation(_expectation(con, c))
                definitions.append(ctx.validation_definitions.add(
                    gx.ValidationDefinition(name=name, data=batch, suite=suite)))
            # No UpdateDataDocsAction: it rebuilds the whole site once per validation (15 relations: 15
            # rebuilds, ~25 s); one build after the run gives the same pages.
            checkpoint = ctx.checkpoints.add(gx.Checkpoint(
                name=CHECKPOINT, validation_definitions=definitions, actions=[],
                result_format={"result_format": "SUMMARY"},
            ))
            result = checkpoint.run()
            ctx.build_data_docs(site_names=[SITE])
        finally:
            shutil.rmtree(snap, ignore_errors=True)
    outcome.docs_index = docs_dir / "index.html"
    results: list[tuple[Failure, bool, str]] = [(f, False, "") for f, _ in outcome.results]
    for vr in result.run_results.values():
        suite = vr.suite_name
        for r in vr.results:
            outcome.checked += 1
            cfg = r.expectation_config
            cols = cfg.kwargs.get("column") or ", ".join(cfg.kwargs.get("column_list") or [])
            item = Failure(relation=(cfg.meta or {}).get("relation", "?"), expectation=f"{cfg.type}({cols})",
                           severity=str(getattr(cfg.severity, "value", cfg.severity) or "critical"),
                           detail=_describe(r) if not r.success else "")
            results.append((item, bool(r.success), suite))
            if not r.success:
                outcome.failures.append(item)
    outcome.results = [(f, ok) for f, ok, _ in results]
    _write_summary(docs_dir, outcome, results)
    return outcome


def _write_summary(docs_dir: Path, outcome: Outcome, results: list[tuple[Failure, bool, str]]) -> None:
    """``checks.html``: every expectation and its outcome in one self-contained page.

    great-expectations' own index fills its lists with scripts from public CDNs, so it is empty on a
    machine without network; its per-validation pages render offline and are linked from here.
    """
    from html import escape

    pages = {p.name.removesuffix(".html").replace("-", ".", 1): p.relative_to(docs_dir).as_posix()
             for p in docs_dir.glob("validations/**/*.html")}
    rows = []
    for f, ok, suite in results:
        status = "passed" if ok else ("FAILED" if f.severity == "critical" else "warning")
        link = pages.get(suite)
        rel = f'<a href="{escape(link)}">{escape(f.relation)}</a>' if link else escape(f.relation)
        rows.append(f'<tr class="{status.lower()}"><td>{rel}</td><td><code>{escape(f.expectation)}</code></td>'
                    f"<td>{status}</td><td>{escape(f.detail)}</td></tr>")
    head = escape(outcome.text().splitlines()[0])
    (docs_dir / "checks.html").write_text(
        "<!DOCTYPE html><html lang=en><head><meta charset=utf-8><title>pilotwatch warehouse checks</title><style>"
        "body{font:14px/1.45 system-ui,sans-serif;margin:24px;color:#222}table{border-collapse:collapse;width:100%}"
        "td,th{border:1px solid #ddd;padding:4px 8px;text-align:left;vertical-align:top}th{background:#f3f3f3}"
        "tr.failed td{background:#fdecea}tr.warning td{background:#fff8e1}code{font-size:12px}</style></head><body>"
        f"<h1>pilotwatch warehouse checks</h1><p>{head} · checkpoint <code>{CHECKPOINT}</code> · "
        f"{warehouse.utc_now():%Y-%m-%d %H:%M} UTC · rules: <code>data/expectations/warehouse.yaml</code> · "
        '<a href="index.html">great-expectations Data Docs</a></p>'
        "<table><thead><tr><th>relation</th><th>expectation</th><th>result</th><th>detail</th></tr></thead><tbody>"
        + "".join(rows) + "</tbody></table></body></html>",
        encoding="utf-8")


def gate(con: duckdb.DuckDBPyConnection, logger: Any = None) -> Outcome:
    """The publication gate's verdict on the working copy (DuckDB queries); never raises on failures.

    Only when a critical check failed are the Data Docs built (great-expectations: importing it
    alone is several seconds and ~150 MB), so the failure can be read there; a passing refresh
    leaves them to ``pilotwatch docs``.
    """
    outcome = evaluate(con)
    if not outcome.ok:
        try:
            outcome.docs_index = run_checkpoint(con).docs_index
        except Exception as exc:  # the gate's verdict stands even if the docs cannot be built
            (logger or log).warning("Data Docs not built: %s", exc)
    return outcome


def checkpoint(con: duckdb.DuckDBPyConnection, logger: Any = None) -> Outcome:
    """The gate of a single load (``flows.ingest``): :func:`gate`, logged; raise if a critical check failed.

    Called inside ``warehouse.writer()``: the exception makes the writer discard the working copy,
    so nothing is published and the previous warehouse stays as it was.
    """
    logger = logger or log
    outcome = gate(con, logger)
    for line in outcome.text().splitlines():
        (logger.warning if outcome.failures else logger.info)("%s", line)
    if not outcome.ok:
        raise WarehouseChecksFailed(outcome, published=False)
    return outcome
