"""The payroll benchmarks' parts are right, on a tiny file, in this process (the timed runs at 12 million
rows, each command a fresh process, are ``make bench``; figures in docs/payroll.md)."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from payroll_records_fixtures import query, records_env  # noqa: F401

from benchmarks import payroll_derive, payroll_ingest
from pilotwatch.payroll import ingest_records
from pilotwatch.synth_payroll import expected_rows

KEY = ["employee_id", "body_code", "month"]


@pytest.fixture
def tiny_csv(tmp_path: Path) -> Path:
    """40 employees x 12 months of 2019 in 4 bodies, and one faulty row of each of the nine kinds."""
    return payroll_ingest.generate(tmp_path, 40, "2019", 4, seed=3, bad_rows=9, fmt="csv")


def test_every_benchmark_child_does_its_job(tiny_csv: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    good = expected_rows(40, 1)
    monkeypatch.setenv("PILOTWATCH_DB", str(tmp_path / "pw.duckdb"))  # restored after the in-process child
    assert payroll_ingest.child("baseline", str(tiny_csv), str(tmp_path / "b.duckdb"))["rows"] == good + 9
    loaded = payroll_ingest.child("pilotwatch", str(tiny_csv), str(tmp_path / "pw.duckdb"))
    assert loaded["rows"] + loaded["rejected"] == good + 9  # every row accounted for
    assert loaded["rejected"] >= 8  # at most one faulty copy can be an exact repeat that is kept once
    assert "derive" in loaded["cpu_seconds"]  # the load was timed with the derivation, as the CLI runs it
    # the design measurements: a primary key accepts the deduplicated rows (it raises otherwise), and the
    # two uniqueness checks count what polars counts
    for mode in ("pk", "nopk"):
        payroll_ingest.child(mode, str(tiny_csv), str(tmp_path / f"{mode}.duckdb"))
    frame = pl.read_csv(tiny_csv, infer_schema=False)
    repeated = frame.group_by(KEY).len().filter(pl.col("len") > 1)
    assert payroll_ingest.child("duckdb_unique", str(tiny_csv), "")["failures"] == repeated.height > 0
    assert payroll_ingest.child("pandera_unique", str(tiny_csv), "")["failures"] >= repeated.height


def test_the_summary_divides_the_load_without_the_derivation_by_the_baseline(capsys: pytest.CaptureFixture[str]) -> None:
    def run(wall: float, cpu: float, rss: float, derive: tuple[float, float] | None = None) -> dict[str, object]:
        steps = {"seconds": {"stage": 1.0, "derive": derive[0]}, "cpu_seconds": {"stage": 1.0, "derive": derive[1]}} \
            if derive else {}
        return {"wall": wall, "cpu": cpu, "rss_mb": rss, **steps}

    runs = {"baseline": [run(10, 12, 300), run(14, 16, 320), run(12, 14, 310)],
            "pilotwatch": [run(30, 40, 900, (2, 3)), run(26, 36, 950, (2, 3)), run(28, 38, 920, (4, 5))]}
    s = payroll_ingest.summarise("csv", 100, runs)
    assert (s["baseline_cpu"], s["pilotwatch_cpu"], s["load_cpu"]) == (14, 38, 35)  # medians; derive cpu 3
    assert s["ratio_cpu"] == 35 / 14 and s["ratio_total"] == 28 / 12 and s["pilotwatch_rss_mb"] == 950
    assert "ingest+validate+load / baseline" in capsys.readouterr().out


def test_derive_agrees_with_the_plain_sql_of_the_benchmark(records_env: Path, tmp_path: Path,  # noqa: F811
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    path = payroll_ingest.generate(tmp_path, 60, "2019-2020", 6, seed=5, bad_rows=0, fmt="parquet")
    assert ingest_records(str(path)).status == "loaded"
    d = payroll_derive.measure(records_env, tmp_path, repeat=1)
    assert d["body_years"] == 12 and d["max_rel_diff"] < 1e-9  # the plain query and derive() agree
    assert "derive / plain SQL =" in capsys.readouterr().out
