"""What an annual refresh does, independent of the orchestrator (the Prefect flow only wires it).

Failures point at their cause: a source that fails is reported first, with its reason, and the
warehouse checks that then fail (a body-year left incomplete by that source) second, as its
consequence — never the other way round. Each reason is printed once, in :meth:`Summary.report`;
the orchestrator's own log lines and the command line name the failure without repeating it.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import duckdb

import warehouse
from pilotwatch import checks
from pilotwatch.catalogue import Catalogue, Source, parse_year_range, source_years
from pilotwatch.loads import Load, LoadFailed, LoadResult, is_unchanged, record_again, source_state
from warehouse import one, sql

if TYPE_CHECKING:
    from pilotwatch.sources.model import Fetched

log = logging.getLogger("pilotwatch.refresh")


class RefreshFailed(RuntimeError):
    """Some sources failed. What did load was published — unless warehouse checks failed as a
    consequence (``checks`` is then their outcome), in which case nothing was, except the record of
    the failed loads in ``mart.loads``."""

    def __init__(self, message: str, failed: list[LoadResult], checks: checks.Outcome | None = None) -> None:
        super().__init__(message)
        self.failed = failed
        self.checks = checks


def resolve_years(
    catalogue: Catalogue, year: int | None = None, years: list[int] | str | None = None
) -> list[int]:
    """``year`` alone, a list or ``"2017-2020"`` range, or every year the catalogue knows."""
    if year is not None and years:
        raise ValueError("give either year or years, not both")
    if year is not None:
        return [int(year)]
    if isinstance(years, str):
        return parse_year_range(years)
    if years:
        return sorted({int(y) for y in years})
    return catalogue.years()


def load_order(sources: list[Source]) -> list[Source]:
    """Macro series first, otherwise catalogue order: a payroll file in tenge converts by the year's
    ``usd_kzt``, which must be in the warehouse (or, in a dry run, staged) before it is read."""
    return sorted(sources, key=lambda s: s.dataset != "macro")


@dataclass
class Triage:
    """The refresh's sources sorted before anything is loaded: what is unchanged is already recorded
    (``unchanged``, one result each); what changed — or could not be fetched — waits for its own load,
    with the bytes fetched for the decision (None: fetch again, and fail there with the reason)."""

    unchanged: list[LoadResult] = field(default_factory=list)
    changed: list[tuple[Source, Fetched | None]] = field(default_factory=list)


def triage(con: duckdb.DuckDBPyConnection, catalogue: Catalogue, sources: list[Source], years: list[int],
           run_id: str, force: bool = False) -> Triage:
    """Fetch each source once (a conditional GET over HTTP) and record those whose bytes are what the
    last good load read, through the ledger, as ``unchanged``.

    Why here and not in each source's load: a no-op refresh then costs one step for every source —
    no parsing, validation or per-source orchestration — and imports nothing a load needs (pandera,
    the readers). With ``force`` nothing is unchanged and nothing is fetched twice.
    """
    from pilotwatch.sources.fetch import fetch, safe_uri
    from pilotwatch.sources.model import SourceError

    out = Triage()
    for source in sources:
        if force:
            out.changed.append((source, None))
            continue
        uri = catalogue.location(source) if source.kind != "http" else safe_uri(source.url or "")
        try:
            got = fetch(source, catalogue, source_state(con, uri))
        except SourceError:
            out.changed.append((source, None))  # its load fetches again and records why it failed
            continue
        wanted = source_years(source, years)
        if not is_unchanged(con, source_id=source.id, dataset=source.dataset, years=wanted, sha256=got.sha256,
                            not_modified=got.not_modified):
            out.changed.append((source, got))
            continue
        load = Load.start(con, dataset=source.dataset, source_id=source.id, source_kind=source.kind,
                          source_uri=got.uri or uri, years=wanted, run_id=run_id)
        done = load.unchanged(got.sha256, not_modified=got.not_modified)
        assert done is not None, source.id  # is_unchanged said so, on the same connection
        out.unchanged.append(done)
    return out


def registry_fingerprint(con: duckdb.DuckDBPyConnection) -> tuple[object, ...]:
    """An order-independent digest of the registry tables: equal before and after seeding means the
    reference files changed nothing (so the analysis need not be recomputed on that account)."""
    return tuple(one(con, sql("refresh_registry_fingerprint")) or ())


def analysis_current(con: duckdb.DuckDBPyConnection, config: str = "default") -> bool:
    """True when the latest run of ``config`` used today's configuration and analysis code and read
    exactly the loads the warehouse holds now (``mart.analysis_runs.inputs_current``): recomputing would
    write the same results. Reads the configuration only, never imports the computation."""
    from pilotwatch.analysis.config import code_version, load_analysis_config
    from warehouse import has_relation

    if not has_relation(con, "mart.analysis_runs"):
        return False
    row = one(con, sql("refresh_analysis_current"), [config])
    if row is None or not row[0] or row[2] != code_version():
        return False
    return bool(json.loads(row[1]) == json.loads(json.dumps(load_analysis_config(config).parameters())))


def pending_lines(con: duckdb.DuckDBPyConnection, years: list[int]) -> list[str]:
    """The partial years among ``years``: published as they are, the analysis waits (mart.pending_inputs)."""
    from warehouse import has_relation

    if not years or not has_relation(con, "mart.pending_inputs"):
        return []
    rows = con.execute(sql("refresh_pending_years"), [years]).fetchall()
    return [f"partial year: {y} still waits for {d} ({b}); published as it is, the analysis leaves these "
            "body-years out until they are complete (pilotwatch status, mart.pending_inputs)" for y, d, b in rows]


@dataclass
class Summary:
    years: list[int]
    loads: list[dict[str, object]] = field(default_factory=list)
    failures: list[LoadFailed] = field(default_factory=list)

    def add(self, outcome: object) -> None:
        """One source's outcome: its result, or the failure that carries it (any other error is raised)."""
        if isinstance(outcome, BaseException) and not isinstance(outcome, LoadFailed):
            raise outcome
        if isinstance(outcome, LoadFailed):
            self.failures.append(outcome)
            outcome = outcome.result
        assert isinstance(outcome, LoadResult), outcome
        self.loads.append(outcome.as_dict())

    @property
    def failed(self) -> list[dict[str, object]]:
        return [r for r in self.loads if r["status"] == "failed"]

    def text(self, con: duckdb.DuckDBPyConnection | None = None) -> str:
        """The per-source table (reasons of failures follow in :meth:`report`, once)."""
        lines = [
            f"pilotwatch refresh: years {self.years[0]}-{self.years[-1]}"
            if self.years
            else "pilotwatch refresh"
        ]
        for r in self.loads:
            lines.append(
                f"  {r['status']:<9} {r['dataset']:<27} {r['source_id']:<42} "
                f"accepted {r['rows_accepted']:>4}  rejected {r['rows_rejected']:>3}"
            )
        if con is not None:
            counts = one(
                con,
                "SELECT count(*), count(DISTINCT body_code), min(year), max(year) FROM mart.indicator_values",
            )
            q = one(con, "SELECT count(*) FROM core.quarantine")
            if counts:
                lines.append(
                    f"warehouse: {counts[0]} indicator values for {counts[1]} bodies and peer groups, "
                    f"{counts[2]}-{counts[3]}; {q[0] if q else 0} rows in quarantine (mart.quarantine)"
                )
            lines += pending_lines(con, self.years)
        return "\n".join(lines)

    def headline(self, outcome: checks.Outcome | None = None) -> str:
        """One line naming what failed, without the reasons (for the orchestrator's state)."""
        parts = []
        if self.failures:
            ids = ", ".join(f.result.source_id for f in self.failures)
            parts.append(f"{len(self.failures)} source(s) failed ({ids})")
        if outcome is not None and not outcome.ok:
            parts.append(f"{len(outcome.critical)} warehouse check(s) failed"
                         + (" as a consequence" if self.failures else ""))
        published = "nothing was published" if outcome is not None and not outcome.ok else "the others were published"
        return "refresh failed: " + "; ".join(parts) + f"; {published}"

    def report(self, outcome: checks.Outcome | None = None) -> str:
        """The final error: failed sources first, with their reasons; then the checks that failed."""
        lines = [self.headline(outcome)]
        if self.failures:
            lines.append("failed sources (recorded in mart.loads):")
            lines += [f"  {f.result.source_id}: {f.result.message}" for f in self.failures]
        if outcome is not None and not outcome.ok:
            lines.append("warehouse checks that failed" + (" as a consequence:" if self.failures else ":"))
            lines += [f"  {line.strip()}" for line in outcome.text().splitlines()[1:]]
        return "\n".join(lines)

    def error(self, outcome: checks.Outcome | None = None) -> Exception:
        """The exception a failed refresh ends with: :class:`RefreshFailed` when sources failed,
        ``WarehouseChecksFailed`` when only checks did."""
        if self.failures:
            return RefreshFailed(self.report(outcome), [f.result for f in self.failures], outcome)
        assert outcome is not None and not outcome.ok, "error() of a refresh that did not fail"
        return checks.WarehouseChecksFailed(outcome, published=False)


def run_checks(con: duckdb.DuckDBPyConnection, logger: logging.Logger | logging.LoggerAdapter | None = None
               ) -> checks.Outcome:
    """The warehouse checks on the refresh's working copy. A pass is logged; a failure is left to
    :meth:`Summary.report`, which prints it once, after the sources that caused it. The verdict is
    DuckDB's (:func:`checks.gate`); great-expectations builds the Data Docs only when it fails."""
    outcome = checks.gate(con, logger)
    if outcome.ok:
        for line in outcome.text().splitlines():
            (logger or log).info("%s", line)
    return outcome


def keep_failed_loads(summary: Summary) -> None:
    """Publish the failed loads of a refresh that was discarded (its checks failed): the facts stay
    as they were, but ``mart.loads`` must say which sources failed and why."""
    if not summary.failures:
        return
    try:
        with warehouse.writer("annual_refresh: record failed loads") as con:
            for failure in summary.failures:
                record_again(con, failure)
    except Exception as exc:  # noqa: BLE001 - never hide the refresh's own error behind this one
        log.warning("could not record the failed loads in mart.loads: %s", exc)
