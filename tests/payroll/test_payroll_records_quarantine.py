"""Bad payroll records are quarantined with their row and reason; the good ones load; a file that is
mostly bad changes nothing but the quarantine and the audit."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from payroll_records_fixtures import HAND_ROWS, HEADER, query, records_env, write_csv  # noqa: F401

from pilotwatch.payroll import ingest_records
from pilotwatch.payroll.model import FEW_BAD_LINES

GOOD = HAND_ROWS  # file lines 2-17
BAD = [
    # line 18 onwards: one problem each
    "B1,astana,chief_specialist,8,2019-01,-5,0,0,KZT,2010-01-01,,active,true,x",           # negative salary
    "B2,no_such_body,chief_specialist,8,2019-01,100000,0,0,KZT,2010-01-01,,active,true,x",  # unknown body
    "B3,astana,chief_specialist,8,2019-13,100000,0,0,KZT,2010-01-01,,active,true,x",        # no such month
    ",astana,chief_specialist,8,2019-01,100000,0,0,KZT,2010-01-01,,active,true,x",          # no id
    "B5,astana,chief_specialist,8,2019-01,100000,0,0,EUR,2010-01-01,,active,true,x",        # currency
    "B6,astana,janitor,8,2019-01,100000,0,0,KZT,2010-01-01,,active,true,x",                 # category
    "B7,astana,chief_specialist,8,2019-01,100000,0,0,KZT,2019-05-01,2019-04-01,left,true,x",  # hired after the month, left before hired
    "B8,astana,chief_specialist,8,2019-01,twelve thousand,0,0,KZT,2010-01-01,,active,true,x",  # not a number (the CSV reader)
    "B9,country_avg,chief_specialist,8,2019-01,100000,0,0,KZT,2010-01-01,,active,true,x",    # a peer group
    GOOD[0],                                                                                  # line 27: exact repeat of line 2
    "J1-800505700567,justice,chief_specialist,8,2019-01,999999,0,0,KZT,2011-01-01,,active,true,x",  # line 28: disagrees with line 12
    "B10,astana,chief_specialist,8,2019-01,100000,0,0,USD,2010-01-01,,active,true,x",        # line 29: a year without a rate? no: fine
]


def reasons(db: Path, load_id: int) -> dict[int, tuple[str, str]]:
    rows = query(db, "SELECT row_number, column_name, reason FROM mart.quarantine WHERE load_id = ? ORDER BY 1", [load_id])
    return {n: (c, r) for n, c, r in rows}


def test_each_bad_row_is_quarantined_with_row_and_reason(records_env: Path, tmp_path: Path) -> None:  # noqa: F811
    path = write_csv(tmp_path / "bad.csv", GOOD + BAD)
    r = ingest_records(str(path), max_reject_share=0.9)
    assert r.status == "loaded", r.message
    got = reasons(records_env, r.load_id)
    assert got[18] == ("base_salary", "base_salary -5.0 is below the minimum 0")
    assert got[19] == ("body_code", "unknown body 'no_such_body' (not in the body registry)")
    assert got[20] == ("month", "month '2019-13' is not a month (YYYY-MM)")
    assert got[21] == ("employee_id", "employee_id is missing")
    assert got[22] == ("currency", "currency 'EUR' is not one of KZT, USD")
    assert got[23][0] == "position_category" and got[23][1].startswith("position_category 'janitor' is not one of")
    assert got[24][0] == "hire_date, leave_date"  # two rules broken, both named
    assert "hired by the end of the month paid for" in got[24][1] and "leave date not before hire date" in got[24][1]
    assert got[25] == ("base_salary", "base_salary 'twelve thousand' is not a number")
    assert got[26] == ("body_code", "'country_avg' is a peer group, not a body")
    assert got[27] == ("employee_id", "duplicate of row 2 (same employee, body, month and values)")
    # two rows disagree: both refused, each naming the other
    assert got[12] == got[28] == ("employee_id", "rows 12, 28 give different values for the same employee, body and "
                                                 "month (all refused)")
    assert 29 not in got  # USD with a rate for 2019 is fine
    assert (r.rows_read, r.rows_rejected, r.rows_accepted) == (28, 12, 16)
    assert query(records_env, "SELECT count(*) FROM core.payroll_records") == [(16,)]
    load = query(records_env, "SELECT status, rows_read, rows_accepted, rows_rejected FROM mart.loads WHERE load_id = ?",
                 [r.load_id])
    assert load == [("loaded", 28, 16, 12)]


def test_quarantined_rows_show_the_hash_not_the_id(records_env: Path, tmp_path: Path) -> None:  # noqa: F811
    from payroll_records_fixtures import SALT

    from pilotwatch.payroll import hash_id

    path = write_csv(tmp_path / "bad.csv", GOOD + BAD)
    r = ingest_records(str(path), max_reject_share=0.9)
    raw = dict(query(records_env, "SELECT row_number, raw_row FROM mart.quarantine WHERE load_id = ?", [r.load_id]))
    row18, row25 = json.loads(raw[18]), json.loads(raw[25])  # one from validation, one from the CSV reader
    assert row18["employee_id"] == hash_id("B1", SALT.encode()) and row18["base_salary"] == "-5.00"
    assert row25["employee_id"] == hash_id("B8", SALT.encode()) and row25["base_salary"] == "twelve thousand"
    assert "full_name" not in row18 and "full_name" not in row25


def test_row_numbers_after_an_unreadable_line(records_env: Path, tmp_path: Path) -> None:  # noqa: F811
    # line 3 has a field too many and line 6 a salary that is not a number: the reader skips both,
    # yet every stored record and quarantined row keeps the line it has in the file.
    rows = list(GOOD[:8])
    rows.insert(1, GOOD[1] + ",surplus")
    rows.insert(4, "B8,astana,chief_specialist,8,2019-03,oops,0,0,KZT,2010-01-01,,active,true,x")
    rows.append(GOOD[0])  # line 12: a repeat of line 2, found after both skipped lines
    r = ingest_records(str(write_csv(tmp_path / "ragged.csv", rows)), max_reject_share=0.9)
    assert r.status == "loaded", r.message
    got = reasons(records_env, r.load_id)
    assert got[3][0] is None and got[3][1].startswith("unreadable CSV line (too many columns)")
    assert got[6] == ("base_salary", "base_salary 'oops' is not a number")
    assert got[12] == ("employee_id", "duplicate of row 2 (same employee, body, month and values)")
    stored = query(records_env, "SELECT row_number FROM core.payroll_records ORDER BY 1")
    assert [n for (n,) in stored] == [2, 4, 5, 7, 8, 9, 10, 11]


def test_mostly_bad_file_changes_nothing_but_quarantine_and_audit(records_env: Path, tmp_path: Path) -> None:  # noqa: F811
    first = ingest_records(str(write_csv(tmp_path / "good.csv", GOOD)))
    assert first.status == "loaded"
    before = query(records_env, "SELECT count(*), sum(base_salary) FROM core.payroll_records")
    facts = query(records_env, "SELECT count(*), sum(value) FROM core.indicator_facts")
    r = ingest_records(str(write_csv(tmp_path / "bad.csv", GOOD[:2] + BAD[:8])))
    assert r.status == "failed"
    assert "8 of 10 records rejected (80% > max_reject_share 20%); nothing loaded" in r.message
    assert query(records_env, "SELECT count(*), sum(base_salary) FROM core.payroll_records") == before
    assert query(records_env, "SELECT count(*), sum(value) FROM core.indicator_facts") == facts
    assert query(records_env, "SELECT count(*) FROM mart.quarantine WHERE load_id = ?", [r.load_id]) == [(8,)]
    assert query(records_env, "SELECT status FROM mart.loads WHERE load_id = ?", [r.load_id]) == [("failed",)]


def test_missing_required_column_fails_with_the_headers(records_env: Path, tmp_path: Path) -> None:  # noqa: F811
    header = HEADER.replace("base_salary", "salary")
    r = ingest_records(str(write_csv(tmp_path / "cols.csv", GOOD, header=header)))
    assert r.status == "failed"
    assert "missing column(s) ['base_salary']" in r.message and "'salary'" in r.message
    assert query(records_env, "SELECT count(*) FROM core.payroll_records") == [(0,)]


def test_usd_without_a_rate_for_its_year(records_env: Path, tmp_path: Path) -> None:  # noqa: F811
    rows = GOOD + ["U1,astana,chief_specialist,8,2030-01,700,0,0,USD,2010-01-01,,active,true,x"]
    r = ingest_records(str(write_csv(tmp_path / "usd.csv", rows)))
    got = reasons(records_env, r.load_id)
    assert got[18] == ("currency", "no usd_kzt rate for 2030 to convert USD (load the exchange-rate series first)")


def test_semicolons_decimal_commas_and_dotted_dates(records_env: Path, tmp_path: Path) -> None:  # noqa: F811
    """A Russian-locale export: ';' between fields, '250000,25', dates 10.01.2012."""
    def localise(line: str) -> str:
        cells = line.split(",")
        for i in (9, 10):
            if cells[i]:
                y, m, d = cells[i].split("-")
                cells[i] = f"{d}.{m}.{y}"
        cells[5] = cells[5].replace(".", ",")
        return ";".join(cells)

    path = tmp_path / "ru.csv"
    path.write_text(HEADER.replace(",", ";") + "\n" + "\n".join(localise(x) for x in GOOD) + "\n", encoding="utf-8")
    r = ingest_records(str(path))
    assert (r.status, r.rows_accepted, r.rows_rejected) == ("loaded", 16, 0), r.message
    assert query(records_env, "SELECT pay_tiyn FROM core.payroll_aggregates WHERE body_code = 'astana'") == [(389_000_050,)]
    assert query(records_env, "SELECT leave_date FROM core.payroll_records WHERE leave_date IS NOT NULL LIMIT 1")[0][0].isoformat() \
        == "2019-02-15"


@pytest.mark.parametrize("unconvertible", [2, FEW_BAD_LINES + 3])
def test_row_numbers_after_lines_only_the_full_parse_refuses(records_env: Path, tmp_path: Path,  # noqa: F811
                                                             unconvertible: int) -> None:
    """The first pass reads ids, labels and months only, so a salary that does not convert is refused by
    the parse alone: the rows after it are numbered again (a few: one UPDATE; many: a second parse),
    and every stored and quarantined row keeps its line in the file, as with lines both passes refuse."""
    lines: list[str] = []
    good_lines, bad_lines, ragged_lines = [], {}, []
    for i in range(unconvertible + 4):
        for j, good in enumerate(GOOD[:3]):  # three good rows of a distinct employee per block
            lines.append(good.replace("E1-880101300123", f"N{i}-{j}").replace("E2-900202400234", f"N{i}-{j}")
                         .replace("E3-850303500345", f"N{i}-{j}"))
            good_lines.append(len(lines) + 1)
        if i < unconvertible:
            lines.append(f"X{i},astana,chief_specialist,8,2019-01,n/a {i},0,0,KZT,2010-01-01,,active,true,x")
            bad_lines[len(lines) + 1] = f"base_salary 'n/a {i}' is not a number"
        if i % 3 == 1:  # and now and then a line neither pass can split
            lines.append(GOOD[0] + ",surplus")
            ragged_lines.append(len(lines) + 1)
    r = ingest_records(str(write_csv(tmp_path / "mixed.csv", lines)), max_reject_share=0.9)
    assert r.status == "loaded", r.message
    assert (r.rows_read, r.rows_rejected) == (len(lines), len(bad_lines) + len(ragged_lines))
    got = reasons(records_env, r.load_id)
    assert {n: why for n, (_, why) in got.items() if n in bad_lines} == bad_lines
    assert all(got[n][1].startswith("unreadable CSV line (too many columns)") for n in ragged_lines)
    stored = query(records_env, "SELECT row_number FROM core.payroll_records ORDER BY 1")
    assert [n for (n,) in stored] == good_lines
