"""``core.payroll_records``: one row per employee, body and month — the domain rules a record must meet.

The loader (``pilotwatch.payroll``) parses the file in DuckDB (a value that is not a
number or a date is refused there, with its text), resolves the body against the registry and
checks that each employee has one row per body and month in SQL; this schema holds the rules
about the values themselves and runs on bounded chunks of typed rows (polars), so its cost grows
linearly and its memory does not grow at all. pandera's own multi-column ``unique`` is
deliberately not used: it needs the whole frame in memory — 2.6-3 GB for the three key columns of
12 million rows, over the 2 GB goal (``benchmarks/payroll_ingest.py --design``); DuckDB does it in
one ``GROUP BY`` that spills to disk if it must.
"""

from __future__ import annotations

import datetime as dt

import pandera.polars as pa
import polars as pl

from schemas.facts import MAX_YEAR, MIN_YEAR

#: Position categories, comparable between central and local bodies (the pay gap is per category).
POSITION_CATEGORIES = ("head_of_department", "deputy_head", "chief_specialist", "leading_specialist", "specialist")
#: Currencies a record may be paid in; USD amounts are converted at the year's average usd_kzt rate.
CURRENCIES = ("KZT", "USD")
#: ``left``: this month is the employee's last in the body (``leave_date`` may give the day).
STATUSES = ("active", "on_leave", "left")
#: A monthly amount above this is a unit error (tiyn for tenge, a whole year in one month ...).
MAX_MONTHLY_AMOUNT = 100_000_000
MAX_GRADE = 40
#: The column a quarantine row names when a record breaks a rule about several columns.
RULE_COLUMNS = {
    "hired by the end of the month paid for": "hire_date",
    "leave date not before hire date": "leave_date",
}


#: The rules about several columns as SQL conditions that hold where the rule is broken (the load reads
#: only the rows where a rule may be broken into Python; ``pilotwatch.payroll.check.may_break``).
RULE_SQL = {
    "hired by the end of the month paid for": "hire_date > last_day(month)",
    "leave date not before hire date": "leave_date < hire_date",
}


class PayrollRecords(pa.DataFrameModel):
    """Typed records as parsed from the file (before the body and uniqueness checks in SQL)."""

    row_number: int = pa.Field(nullable=False)
    position_category: str = pa.Field(isin=POSITION_CATEGORIES)
    grade: int = pa.Field(ge=1, le=MAX_GRADE, nullable=True)
    month: dt.date = pa.Field(ge=dt.date(MIN_YEAR, 1, 1), le=dt.date(MAX_YEAR, 12, 1))
    base_salary: float = pa.Field(ge=0, le=MAX_MONTHLY_AMOUNT)
    bonus: float = pa.Field(ge=0, le=MAX_MONTHLY_AMOUNT)
    other_pay: float = pa.Field(ge=0, le=MAX_MONTHLY_AMOUNT)
    currency: str = pa.Field(isin=CURRENCIES)
    hire_date: dt.date = pa.Field(nullable=True, ge=dt.date(1950, 1, 1))
    leave_date: dt.date = pa.Field(nullable=True)
    status: str = pa.Field(isin=STATUSES)

    @pa.dataframe_check(name="hired by the end of the month paid for")
    def hired_before_pay(cls, data: pa.PolarsData) -> pl.LazyFrame:
        month_end = pl.col("month").dt.month_end()
        return data.lazyframe.select(pl.col("hire_date").is_null() | (pl.col("hire_date") <= month_end))

    @pa.dataframe_check(name="leave date not before hire date")
    def leave_after_hire(cls, data: pa.PolarsData) -> pl.LazyFrame:
        ok = pl.col("leave_date").is_null() | pl.col("hire_date").is_null() | (pl.col("leave_date") >= pl.col("hire_date"))
        return data.lazyframe.select(ok)

    class Config:
        strict = False  # ids and body codes are checked in SQL; the chunk carries only what is checked here
        coerce = False
