"""The payroll benchmarks run end to end on tiny sizes (CI proves they work; the figures come from full
runs on this machine, see docs/payroll.md)."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks import payroll_derive, payroll_ingest, payroll_refresh

TINY = ["--employees", "300", "--years", "2019-2020", "--bodies", "12"]


def test_ingest_benchmark(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = payroll_ingest.main([*TINY, "--format", "both", "--bad-rows", "5", "--design", "--workdir", str(tmp_path)])
    text = capsys.readouterr().out
    for fmt in ("csv", "parquet"):
        s = out[fmt]
        assert s["rows"] in (7200, 7205)  # DuckDB's CSV reader skips the unreadable row
        assert s["ratio_load"] > 0 and s["pilotwatch_rss_mb"] > 0
        assert out[fmt + "_design"]["pk"] > 0
    assert "ingest+validate+load / baseline =" in text and "peak memory" in text
    assert "composite primary key" in text


@pytest.mark.slow
def test_derive_and_refresh_benchmarks(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    d = payroll_derive.main([*TINY, "--repeat", "1", "--workdir", str(tmp_path)])
    assert d["body_years"] == 24 and d["max_rel_diff"] < 1e-9  # the plain query and derive() agree
    r = payroll_refresh.main([*TINY, "--repeat", "1", "--workdir", str(tmp_path)])  # reuses the warehouses
    assert r["national"] > 0 and r["bundled"] > 0
    text = capsys.readouterr().out
    assert "derive / plain SQL =" in text and "national / bundled =" in text
