"""A refresh whose source fails points at that source: a failed Prefect task, a ``failed`` row in
mart.loads with the reason, the failed source reported before the checks it made fail, and each
reason printed once (issue 12, item 9)."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

# Imported here, at collection: Prefect binds its console handler to the stderr of the moment it is
# first imported, which must not be a test's own capture (closed when that test ends).
from flows.refresh import annual_refresh
from pilotwatch import checks
from pilotwatch.cli import main
from pilotwatch.refresh import RefreshFailed

EC = "overall_effectiveness,goal_achievement,organizational_development,interaction_with_citizens"
COLUMNS = "columns: {body: body, year: year, indicator: indicator, value: value}, units: {assume_declared: true}"


def _catalogue(tmp_path: Path, broken: str, broken_dataset: str = "payroll") -> Path:
    """ACSA 2021 complete, but for the ``broken_dataset`` source, whose file is not the XLSX it claims to be."""
    (tmp_path / "ec.csv").write_text("body,year,indicator,value\n"
                                     + "".join(f"acsa,2021,{i},80\n" for i in EC.split(",")))
    (tmp_path / "psm.csv").write_text("body,year,indicator,value\nacsa,2021,public_services_quality,90\n")
    (tmp_path / "payroll.csv").write_text("body,year,indicator,value\nacsa,2021,net_turnover,3.1\n"
                                          "acsa,2021,payroll_fund_musd,12.5\n")
    (tmp_path / "broken.xlsx").write_bytes(b"body;year;indicator;value\nacsa;2021;net_turnover;3,1\n")
    entry = "- {{id: {id}, dataset: {ds}, years: [2021], kind: file, path: {path}, format: {fmt}, layout: long, "
    sources = [("ec_2021", "evaluation_center", "ec.csv", "csv"),
               ("psm_2021", "public_services_monitoring", "psm.csv", "csv"),
               ("payroll_2021", "payroll", "payroll.csv", "csv")]
    sources = [s for s in sources if s[1] != broken_dataset] + [(broken, broken_dataset, "broken.xlsx", "xlsx")]
    lines = ["version: 1", "sources:"]
    for sid, ds, path, fmt in sources:
        lines.append(entry.format(id=sid, ds=ds, path=path, fmt=fmt) + COLUMNS + "}")
    p = tmp_path / "catalogue.yaml"
    p.write_text("\n".join(lines) + "\n")
    return p


class _Lines(logging.Handler):
    """Every log line, as the console shows it (Prefect's console handler sits on the root logger)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


@pytest.fixture
def log_lines() -> Iterator[_Lines]:
    handler = _Lines()
    logging.getLogger().addHandler(handler)
    try:
        yield handler
    finally:
        logging.getLogger().removeHandler(handler)


def _task_states(names: list[str]) -> dict[str, str]:
    from prefect import get_client
    from prefect.client.schemas.filters import TaskRunFilter, TaskRunFilterName

    async def read() -> dict[str, str]:
        async with get_client() as client:
            runs = await client.read_task_runs(task_run_filter=TaskRunFilter(name=TaskRunFilterName(any_=names)))
        return {r.name: r.state.type.value for r in runs if r.state is not None}

    return asyncio.run(read())


def test_a_source_that_fails_to_parse_is_a_failed_task_reported_before_the_checks_it_broke(
    seeded_db: Path, tmp_path: Path, prefect_server: None, log_lines: _Lines, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Partial years publish, so completeness is a warning by default; an operator who wants complete
    body-years makes it critical, and then the failed source's missing values fail it as a consequence."""
    real = checks.load_spec

    def complete_body_years(path: Path = checks.SPEC) -> checks.Spec:
        spec = real(path)
        return spec.model_copy(update={"checks": [c.model_copy(update={"severity": "critical"})
                                                  if c.sql == "check_completeness" else c for c in spec.checks]})

    monkeypatch.setattr(checks, "load_spec", complete_body_years)
    broken = f"payroll_2021_{uuid.uuid4().hex[:8]}"  # task-run names are unique to this test on the shared server
    catalogue = str(_catalogue(tmp_path, broken))
    assert main(["refresh", "--catalogue", catalogue, "--no-analysis"]) == 1
    out, err = capsys.readouterr()
    printed = "\n".join(log_lines.lines) + "\n" + out + err

    # Prefect: the broken source's task failed, the others completed
    states = _task_states([f"load-{broken}", "load-ec_2021"])
    assert states[f"load-{broken}"] == "FAILED"
    assert states["load-ec_2021"] == "COMPLETED"

    # mart.loads: the failure and its reason are published, though the refresh (checks failed) was not
    con = duckdb.connect(str(seeded_db), read_only=True)
    try:
        loads = con.execute("select source_id, status, message from mart.loads").fetchall()
        facts = con.execute("select count(*) from core.indicator_facts").fetchone()
    finally:
        con.close()
    [(source_id, status, message)] = loads
    assert (source_id, status) == (broken, "failed")
    assert "not a valid XLSX workbook" in message and "broken.xlsx" in message
    assert facts == (0,)

    # the final error: the failed source first, then the check that failed because of it
    source_at = printed.index(f"  {broken}: {message}")
    check_at = printed.index("acsa 2021 net_turnover")
    assert printed.index("failed sources") < source_at < printed.index("checks that failed as a consequence") < check_at

    # each reason printed once
    assert printed.count("not a valid XLSX workbook") == 1, printed
    assert printed.count("acsa 2021 net_turnover") == 1, printed

    # called as a function, the refresh raises the same report, with the failed loads attached
    with pytest.raises(RefreshFailed) as exc:
        annual_refresh(catalogue=catalogue, analysis=False)
    assert [r.source_id for r in exc.value.failed] == [broken]
    assert exc.value.checks is not None and not exc.value.checks.ok
    assert str(exc.value).index(broken) < str(exc.value).index("acsa 2021 net_turnover")


def test_a_failed_source_that_breaks_no_check_leaves_the_others_published(
    seeded_db: Path, tmp_path: Path, prefect_server: None
) -> None:
    broken = f"macro_2021_{uuid.uuid4().hex[:8]}"
    with pytest.raises(RefreshFailed) as exc:
        annual_refresh(catalogue=str(_catalogue(tmp_path, broken, "macro")), analysis=False)
    assert exc.value.checks is not None and exc.value.checks.ok
    assert str(exc.value).startswith(f"refresh failed: 1 source(s) failed ({broken}); the others were published")
    con = duckdb.connect(str(seeded_db), read_only=True)
    try:
        loads = dict(con.execute("select source_id, status from mart.loads").fetchall())
        (facts,) = con.execute("select count(*) from core.indicator_facts").fetchone()  # type: ignore[misc]
    finally:
        con.close()
    assert loads == {"ec_2021": "loaded", "psm_2021": "loaded", "payroll_2021": "loaded", broken: "failed"}
    assert facts == 7
    assert _task_states([f"load-{broken}"]) == {f"load-{broken}": "FAILED"}
