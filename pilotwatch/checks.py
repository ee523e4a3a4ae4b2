"""Warehouse checks with great-expectations, and their Data Docs.

Why frames: great-expectations has no DuckDB engine, and its SQL path through duckdb-engine fails
every expectation (upstream issues 11579, 10738). So each checked relation is read through the
caller's DuckDB connection (the writer's working copy during a refresh, a read-only connection for
``pilotwatch docs``), written as a Parquet snapshot to a temporary directory, and validated by
great-expectations' pandas engine: one ``ValidationDefinition`` per relation, all in one
``Checkpoint``, then the Data Docs are built once. No private great-expectations API is touched.

The checks are data (``data/expectations/warehouse.yaml``); pandera guards the way in, this module
the warehouse, and no rule is written in both.
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
from typing import Any, Literal
from zoneinfo import ZoneInfo

import duckdb
import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

import warehouse
from pilotwatch import DATA_DIR, settings

log = logging.getLogger("pilotwatch.checks")

SPEC = DATA_DIR / "expectations" / "warehouse.yaml"
CHECKPOINT = "pilotwatch_warehouse"
SITE = "pilotwatch"


class Check(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    table: str | None = Field(None, pattern=r"^[a-z_]+\.[a-z_0-9]+$")
    sql: str | None = Field(None, pattern=r"^[a-z_0-9]+$")
    expect: Literal["unique", "not_null", "all_null", "in_registry", "in_set", "between", "fresh"]
    column: str | None = None
    columns: list[str] = Field(default_factory=list)
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


class Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    version: Literal[1] = 1
    checks: list[Check]


def load_spec(path: Path = SPEC) -> Spec:
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
        lo = c.min if c.min_years_from_now is None else _this_year() + c.min_years_from_now
        hi = c.max if c.max_years_from_now is None else _this_year() + c.max_years_from_now
        return gxe.ExpectColumnValuesToBeBetween(column=c.column, min_value=lo, max_value=hi, **kw)
    assert c.max_age_days is not None  # fresh
    oldest_ok = warehouse.utc_now() - timedelta(days=c.max_age_days)
    return gxe.ExpectColumnMinToBeBetween(column=c.column, min_value=oldest_ok, **kw)


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
    con: duckdb.DuckDBPyConnection, docs_dir: Path | None = None, spec_path: Path = SPEC
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
            by_relation: dict[str, list[Check]] = {}
            skipped: list[str] = []
            absent: list[Failure] = []
            for c in spec.checks:
                if c.table and not warehouse.has_relation(con, c.table):
                    if c.optional:
                        skipped.append(f"{c.table} (not in this warehouse yet)")
                    else:
                        absent.append(Failure(c.table, f"{c.expect}({c.column or ', '.join(c.columns)})", c.severity,
                                              "the relation is not in the warehouse"))
                    continue
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
    outcome = Outcome(checked=len(absent), failures=list(absent), skipped=skipped, docs_index=docs_dir / "index.html")
    results: list[tuple[Failure, bool, str]] = [(f, False, "") for f in absent]
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


def checkpoint(con: duckdb.DuckDBPyConnection, logger: Any = None) -> Outcome:
    """The refresh's gate: run the checks on the working copy; raise if a critical one failed.

    Called inside ``warehouse.writer()``: the exception makes the writer discard the working copy,
    so nothing is published and the previous warehouse stays as it was.
    """
    logger = logger or log
    outcome = run_checkpoint(con)
    for line in outcome.text().splitlines():
        (logger.warning if outcome.failures else logger.info)("%s", line)
    if not outcome.ok:
        raise WarehouseChecksFailed(outcome, published=False)
    return outcome
