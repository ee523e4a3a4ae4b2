"""``pilotwatch ingest payroll_records`` on a 16-row file, against figures worked out by hand.

Every derived figure is one correctly rounded division of exact numbers, so the hand computation is
written as an exact fraction and compared with ``==`` (to the last bit), not approximately.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import pytest
from payroll_records_fixtures import HAND_ROWS, query, records_env, write_csv  # noqa: F401

from pilotwatch.cli import main
from pilotwatch.payroll import ingest_records


def f(numerator: int, denominator: int = 1) -> float:
    """The correctly rounded double of an exact fraction (what a hand computation gives)."""
    return float(Fraction(numerator, denominator))


# --- the hand computation (amounts in tiyn: KZT x 100) ----------------------------------------
# astana, 2019 (three months reported):
#   pay E1 = 3 x (300,000 + 10,000) + 90,000 bonus          = 1,020,000.00
#       E2 = 2 x 250,000.25                                 =   500,000.50
#       E3 = 2 x 600,000 + 120,000 bonus                    = 1,320,000.00
#       E4 = 3 x 700 USD x 500 KZT/USD                      = 1,050,000.00
#   payroll fund = 3,890,000.50 KZT = 389,000,050 tiyn; bonuses 210,000 KZT
#   month-end headcounts: January E1 E2 E4 = 3; February E1 E3 E4 = 3 (E2 left on the 15th);
#   March E1 E3 E4 = 3 -> average headcount 9 / 3 = 3; leavers 1 (E2), hires 1 (E3)
#   net turnover = 1 / 3 x 100
# justice, 2019: pay J1 = 3 x 320,000 + 30,000 = 990,000; J2 = 3 x 660,000 = 1,980,000
#   payroll fund 2,970,000 KZT; bonuses 30,000; headcount 2 every month; no leavers
ASTANA_PAY, JUSTICE_PAY = 389_000_050, 297_000_000
EXPECTED = {
    ("astana", "payroll_fund_mkzt"): f(ASTANA_PAY, 10**8),            # 3.8900005
    ("astana", "payroll_fund_musd"): f(ASTANA_PAY, 500 * 10**8),      # 0.007780001
    ("astana", "bonus_share"): f(210_000 * 100 * 100, ASTANA_PAY),   # 5.3984...
    ("astana", "average_headcount"): 3.0,
    ("astana", "net_turnover"): f(100, 3),                           # 33.33...
    ("justice", "payroll_fund_mkzt"): 2.97,
    ("justice", "payroll_fund_musd"): f(JUSTICE_PAY, 500 * 10**8),    # 0.00594
    ("justice", "bonus_share"): f(30_000 * 100, 2_970_000),          # 1.0101...
    ("justice", "average_headcount"): 2.0,
    ("justice", "net_turnover"): 0.0,
}


@pytest.fixture
def loaded(records_env: Path, tmp_path: Path) -> Path:  # noqa: F811
    r = ingest_records(str(write_csv(tmp_path / "hand.csv", HAND_ROWS)))
    assert (r.status, r.rows_read, r.rows_accepted, r.rows_rejected) == ("loaded", 16, 16, 0), r.message
    return records_env


def test_derived_facts_match_the_hand_computation(loaded: Path) -> None:
    rows = query(loaded, "SELECT body_code, indicator, value, unit, basis, dataset FROM core.indicator_facts "
                         "WHERE year = 2019 AND body_code IN ('astana', 'justice')")
    got = {(b, i): v for b, i, v, *_ in rows}
    assert got == EXPECTED
    assert {(u, basis, ds) for _, i, _, u, basis, ds in rows if i == "bonus_share"} == {("%", "derived", "payroll_records")}


def test_aggregates_table_has_the_counts(loaded: Path) -> None:
    rows = query(loaded, "SELECT body_code, months_reported, records, employees, pay_tiyn, bonus_tiyn, "
                         "headcount_month_sum, hires, leavers, usd_kzt FROM core.payroll_aggregates ORDER BY 1")
    assert rows == [
        ("astana", 3, 10, 4, ASTANA_PAY, 21_000_000, 9, 1, 1, 500.0),
        ("justice", 3, 6, 2, JUSTICE_PAY, 3_000_000, 6, 0, 0, 500.0),
    ]
    fund = query(loaded, "SELECT payroll_fund_kzt FROM mart.payroll_aggregates WHERE body_code = 'astana'")
    assert str(fund[0][0]) == "3890000.50"


def test_median_pay_by_category(loaded: Path) -> None:
    # astana chief specialists' mean monthly pay: E1 1,020,000/3 = 340,000; E2 500,000.50/2 = 250,000.25;
    # E4 1,050,000/3 = 350,000 -> median 340,000. Head of department E3: 1,320,000/2 = 660,000.
    rows = query(loaded, "SELECT body_code, position_category, employees, median_monthly_pay_kzt, "
                         "median_monthly_pay_usd FROM mart.payroll_category_pay ORDER BY 1, 2")
    assert rows == [
        ("astana", "chief_specialist", 3, 340_000.0, 680.0),
        ("astana", "head_of_department", 1, 660_000.0, 1320.0),
        ("justice", "chief_specialist", 1, 330_000.0, 660.0),
        ("justice", "head_of_department", 1, 660_000.0, 1320.0),
    ]


def test_pay_gap_central_local(loaded: Path) -> None:
    # chief specialists: central (justice) 330,000 vs local (astana) 340,000 -> (330,000 - 340,000) / 340,000 x 100
    rows = query(loaded, "SELECT position_category, scope, central_employees, local_employees, central_median_kzt, "
                         "local_median_kzt, gap_pct FROM mart.pay_gap ORDER BY 1, 2")
    assert rows == [
        ("chief_specialist", "all", 1, 3, 330_000.0, 340_000.0, f(-10_000 * 100, 340_000)),
        ("chief_specialist", "pilot", 1, 3, 330_000.0, 340_000.0, f(-10_000 * 100, 340_000)),
        ("head_of_department", "all", 1, 1, 660_000.0, 660_000.0, 0.0),
        ("head_of_department", "pilot", 1, 1, 660_000.0, 660_000.0, 0.0),
    ]


def test_peer_groups_are_means_of_their_bodies(loaded: Path) -> None:
    got = {(b, i): v for b, i, v in query(
        loaded, "SELECT body_code, indicator, value FROM core.indicator_facts WHERE basis = 'derived' "
                "AND body_code IN ('central_avg', 'local_avg', 'country_avg')")}
    for (body, ind), value in EXPECTED.items():
        group = "central_avg" if body == "justice" else "local_avg"
        assert got[(group, ind)] == value
        assert got[("country_avg", ind)] == (EXPECTED[("astana", ind)] + EXPECTED[("justice", ind)]) / 2


def test_provenance_points_at_the_records_load(loaded: Path) -> None:
    rows = query(loaded, "SELECT DISTINCT f.load_id, l.dataset, l.status, l.rows_accepted FROM core.indicator_facts f "
                         "JOIN meta.loads l USING (load_id) WHERE f.basis = 'derived'")
    assert [(d, s, n) for _, d, s, n in rows] == [("payroll_records", "loaded", 16)]
    assert query(loaded, "SELECT DISTINCT load_id FROM core.payroll_records") == [(rows[0][0],)]


def test_published_and_derived_side_by_side(loaded: Path) -> None:
    import warehouse
    from pilotwatch.catalogue import load_catalogue
    from pilotwatch.ingest import load_source

    cat = load_catalogue(Path(__file__).resolve().parents[2] / "data" / "catalogue.yaml")
    source = next(s for s in cat.sources if s.id == "thesis_table18_payroll")
    with warehouse.writer("test") as con:
        load_source(con, cat, source, [2019])
    rows = query(loaded, "SELECT indicator, published_value, derived_value, difference FROM mart.published_vs_derived "
                         "WHERE body_code = 'astana' AND year = 2019 ORDER BY 1")
    # thesis Table 18: Astana 2019 payroll fund 14.1 mln USD, net turnover 1.6 %
    assert rows == [
        ("net_turnover", 1.6, EXPECTED[("astana", "net_turnover")], EXPECTED[("astana", "net_turnover")] - 1.6),
        ("payroll_fund_musd", 14.1, EXPECTED[("astana", "payroll_fund_musd")],
         EXPECTED[("astana", "payroll_fund_musd")] - 14.1),
    ]
    both = query(loaded, "SELECT count(*) FROM core.indicator_facts WHERE body_code = 'astana' AND year = 2019 "
                         "AND indicator = 'net_turnover'")
    assert both == [(2,)]  # published and derived kept side by side


def test_the_cli_command(records_env: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:  # noqa: F811
    path = write_csv(tmp_path / "hand.csv", HAND_ROWS)
    assert main(["ingest", "payroll_records", str(path)]) == 0
    out = capsys.readouterr().out
    assert "loaded: 16 accepted, 0 rejected" in out and "25 derived indicator values" in out
    assert main(["ingest", "payroll_records", str(path)]) == 0
    assert "unchanged" in capsys.readouterr().out
