"""Shared pieces of the payroll records tests: the hand-computed file, a catalogue with a round
exchange rate, and a search of every text column of the warehouse (for the privacy tests)."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from warehouse_reads import rows

SALT = "test-salt-for-payroll-records"
HEADER = ("employee_id,body_code,position_category,grade,month,base_salary,bonus,other_pay,currency,"
          "hire_date,leave_date,status,pilot,full_name")

# Two bodies, three months of 2019. Worked out by hand in test_payroll_records_hand.py.
#   astana (local):  E1 chief specialist, all three months, a March bonus
#                    E2 chief specialist, leaves on 15 February (status left in February)
#                    E3 head of department, hired on 10 February
#                    E4 chief specialist paid 700 USD a month (500 KZT per USD in 2019)
#   justice (central, named by its English name on J2's rows): J1 chief specialist, J2 head of department
HAND_ROWS = [
    "E1-880101300123,astana,chief_specialist,8,2019-01,300000,0,10000,KZT,2010-05-03,,active,true,Aigerim Example",
    "E1-880101300123,astana,chief_specialist,8,2019-02,300000,0,10000,KZT,2010-05-03,,active,true,Aigerim Example",
    "E1-880101300123,astana,chief_specialist,8,2019-03,300000,90000,10000,KZT,2010-05-03,,active,true,Aigerim Example",
    "E2-900202400234,astana,chief_specialist,7,2019-01,250000.25,0,0,KZT,2012-01-10,2019-02-15,active,true,Berik Example",
    "E2-900202400234,astana,chief_specialist,7,2019-02,250000.25,0,0,KZT,2012-01-10,2019-02-15,left,true,Berik Example",
    "E3-850303500345,astana,head_of_department,14,2019-02,600000,0,0,KZT,2019-02-10,,active,true,Dana Example",
    "E3-850303500345,astana,head_of_department,14,2019-03,600000,120000,0,KZT,2019-02-10,,active,true,Dana Example",
    "E4-870404600456,astana,chief_specialist,8,2019-01,700,0,0,USD,2015-03-01,,active,true,Erlan Example",
    "E4-870404600456,astana,chief_specialist,8,2019-02,700,0,0,USD,2015-03-01,,active,true,Erlan Example",
    "E4-870404600456,astana,chief_specialist,8,2019-03,700,0,0,USD,2015-03-01,,active,true,Erlan Example",
    "J1-800505700567,justice,chief_specialist,8,2019-01,320000,0,0,KZT,2011-01-01,,active,true,Gulnar Example",
    "J1-800505700567,justice,chief_specialist,8,2019-02,320000,0,0,KZT,2011-01-01,,active,true,Gulnar Example",
    "J1-800505700567,justice,chief_specialist,8,2019-03,320000,30000,0,KZT,2011-01-01,,active,true,Gulnar Example",
    "J2-780606800678,Ministry of Justice,head_of_department,14,2019-01,660000,0,0,KZT,2008-01-01,,active,true,Ilyas Example",
    "J2-780606800678,Ministry of Justice,head_of_department,14,2019-02,660000,0,0,KZT,2008-01-01,,active,true,Ilyas Example",
    "J2-780606800678,Ministry of Justice,head_of_department,14,2019-03,660000,0,0,KZT,2008-01-01,,active,true,Ilyas Example",
]
RAW_IDS = sorted({r.split(",")[0] for r in HAND_ROWS})
NAMES = sorted({r.split(",")[-1] for r in HAND_ROWS})


def write_csv(path: Path, rows: list[str], header: str = HEADER) -> Path:
    path.write_text(header + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def records_env(seeded_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A seeded private warehouse, the salt, and a catalogue whose usd_kzt is 500 in 2018-2020."""
    monkeypatch.setenv("PILOTWATCH_ID_SALT", SALT)
    rates = tmp_path / "usd_kzt.csv"
    rates.write_text("Year;Unit;USD/KZT\n2018;KZT per USD;500,00\n2019;KZT per USD;500,00\n2020;KZT per USD;500,00\n",
                     encoding="utf-8")
    cat = tmp_path / "catalogue.yaml"
    cat.write_text(
        "version: 1\nsources:\n  - id: test_usd_kzt\n    dataset: macro\n    years: 2018-2020\n    kind: file\n"
        "    path: usd_kzt.csv\n    format: csv\n    layout: wide_indicators\n"
        "    columns: {year: Year, unit: Unit, indicators: {\"USD/KZT\": usd_kzt}}\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("PILOTWATCH_CATALOGUE", str(cat))
    return seeded_db


def text_columns_containing(db: Path, needles: list[str]) -> list[str]:
    """``schema.table.column: needle`` for every text (or JSON) column of the warehouse holding a needle.

    One scan per column for all the needles (a query per column and needle was most of the privacy
    test's time: the warehouse has hundreds of text columns)."""
    hits = []
    with duckdb.connect(str(db), read_only=True) as con:
        cols = con.execute(
            "SELECT table_schema, table_name, column_name FROM information_schema.columns "
            "WHERE data_type IN ('VARCHAR', 'JSON') AND table_schema NOT IN ('information_schema', 'pg_catalog') "
            "AND table_name IN (SELECT table_name FROM information_schema.tables WHERE table_type = 'BASE TABLE')"
        ).fetchall()
        for schema, table, col in cols:
            found = con.execute(
                f'SELECT DISTINCT needles.needle FROM "{schema}"."{table}" AS t, '
                f'(SELECT unnest(?::VARCHAR[]) AS needle) AS needles '
                f'WHERE contains(CAST(t."{col}" AS VARCHAR), needles.needle) ORDER BY 1', [needles]
            ).fetchall()
            hits += [f"{schema}.{table}.{col}: {n}" for (n,) in found]
    return hits


#: The payroll tests' name for reading the warehouse back (tests/warehouse_reads.py).
query = rows
