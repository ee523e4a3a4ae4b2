"""``pilotwatch synth payroll``: the promised shape, determinism, the thesis' story, and synthetic bodies
that stay known bodies across registry reloads."""

from __future__ import annotations

import hashlib
from pathlib import Path

import polars as pl
import pytest
from payroll_records_fixtures import query, records_env  # noqa: F401

from pilotwatch.cli import main
from pilotwatch.payroll import ingest_records
from pilotwatch.synth_payroll import SynthSpec, expected_rows, generate, parse_years


def test_cli_writes_n_x_12_x_years_rows(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "r.csv"
    assert main(["synth", "payroll", "--employees", "50", "--years", "2017-2019", "--bodies", "12", "--seed", "3",
                 "--bad-rows", "4", "-o", str(out)]) == 0
    assert "wrote 1804 rows" in capsys.readouterr().out
    df = pl.read_csv(out, infer_schema=False)
    assert df.height == expected_rows(50, 3, 4) == 1804
    assert df.columns[:5] == ["employee_id", "body_code", "position_category", "grade", "month"]
    codes = df["body_code"].unique().to_list()
    assert {"acsa", "justice", "astana", "mangystau"} <= set(codes)
    assert {"syn_c001", "syn_l001", "syn_l002"} <= set(codes)  # 12 bodies: the 9 registry bodies and 3 synthetic


def test_same_seed_same_file(tmp_path: Path) -> None:
    def digest(name: str, seed: int) -> str:
        generate(SynthSpec(40, [2018, 2019], 10, seed), tmp_path / name)
        return hashlib.sha256((tmp_path / name).read_bytes()).hexdigest()

    assert digest("a.parquet", 1) == digest("b.parquet", 1) != digest("c.parquet", 2)


def test_employees_must_cover_bodies(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="at least --bodies"):
        generate(SynthSpec(5, [2019], 10), tmp_path / "x.csv")
    assert parse_years("2015-2024") == list(range(2015, 2025)) and parse_years("2019") == [2019]


@pytest.mark.slow
def test_thesis_story_survives_the_pipeline(records_env: Path, tmp_path: Path) -> None:  # noqa: F811
    """Pilot pay jumps in 2018, their turnover falls, the pilots' central-local gap is about 10 %."""
    path = tmp_path / "r.parquet"
    generate(SynthSpec(4000, parse_years("2016-2020"), 40, seed=5, bad_rows=9), path)
    r = ingest_records(str(path))
    assert (r.status, r.rows_rejected, r.rows_accepted) == ("loaded", 9, 4000 * 12 * 5), r.message
    pay = dict(query(records_env, "SELECT year, median_monthly_pay_kzt FROM mart.payroll_category_pay "
                                  "WHERE body_code = 'astana' AND position_category = 'head_of_department'"))
    assert pay[2017] < 300_000 and pay[2018] > 2 * pay[2017]  # thesis: about 670 -> 2,000 USD (218k -> 690k KZT)
    turnover = dict(query(records_env, "SELECT year, avg(net_turnover) FROM mart.payroll_aggregates "
                                       "WHERE body_code IN ('acsa', 'justice', 'astana', 'mangystau') GROUP BY 1"))
    assert turnover[2019] < turnover[2016] / 2
    gaps = dict(query(records_env, "SELECT scope, avg(gap_pct) FROM mart.pay_gap WHERE year >= 2019 "
                                   "AND scope IN ('pilot', 'non_pilot') GROUP BY 1"))
    assert 0 < gaps["pilot"] < 25 and 50 < gaps["non_pilot"] < 90   # thesis: 70 % before, 10 % in the pilot


def test_synthetic_bodies_stay_registered(records_env: Path, tmp_path: Path) -> None:  # noqa: F811
    import warehouse
    from pilotwatch import registry

    path = tmp_path / "r.csv"
    generate(SynthSpec(60, [2019], 14, seed=2), path)
    assert ingest_records(str(path)).status == "loaded"
    synthetic = query(records_env, "SELECT body_code, level, peer_group, pilot FROM core.bodies WHERE synthetic ORDER BY 1")
    assert synthetic == [("syn_c001", "central", "central_avg", False), ("syn_c002", "central", "central_avg", False),
                         ("syn_l001", "local", "local_avg", False), ("syn_l002", "local", "local_avg", False),
                         ("syn_l003", "local", "local_avg", False)]
    with warehouse.writer("test") as con:
        registry.seed(con)  # what every refresh does first
    assert query(records_env, "SELECT count(*) FROM core.bodies WHERE synthetic") == [(5,)]
    assert query(records_env, "SELECT count(DISTINCT body_code) FROM mart.indicator_values WHERE body_code LIKE 'syn_%'") \
        == [(5,)]
    assert query(records_env, "SELECT count(*) FROM core.bodies WHERE NOT synthetic") == [(12,)]  # bodies.csv as it is
