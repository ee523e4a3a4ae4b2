"""What the payroll records mean: yearly figures per body from employee-month summaries (pure).

The warehouse reduces the records (millions of rows) to small summaries with sums, counts and
medians (``warehouse/sql/payroll_summaries.sql``); everything that is a *definition* happens here,
on those summaries, and is tested on frames of a few rows.

Definitions (money in KZT; a record paid in USD is converted at its year's average usd_kzt rate,
rounded to the tiyn; "the body-year" is a body's records whose month falls in the year):

* **pay** of a record = base salary + bonus + other pay.
* **payroll fund** (``payroll_fund_mkzt``, mln KZT) = sum of pay over the body-year / 10^6;
  ``payroll_fund_musd`` (mln USD) = payroll fund in KZT / the year's average usd_kzt / 10^6.
* **bonus share** (``bonus_share``, %) = sum of bonuses / payroll fund x 100.
* **month-end headcount** of a month = employees with a record for the body that month who had not
  left by the month's end (leave date on or before the last day of the month, or status ``left``
  without a date, means gone).
* **average headcount** (``average_headcount``, persons) = mean of the month-end headcounts over the
  months the body reported in the year (``months_reported``; a full year has 12).
* **leavers** = employees of the body whose leave date (or, for status ``left`` without a date, the
  last day of that record's month) falls in the year; **hires** = employees whose hire date does.
* **net turnover** (``net_turnover``, %) = leavers / average headcount x 100. Every separation
  counts: records carry no reason for leaving, so this is wider than ACSA's published "net
  turnover", which leaves some reasons out — compare them in ``mart.published_vs_derived``.
* **monthly pay of an employee** in a body-year and category = their pay in it / their months in it;
  **median monthly pay** of a category = the median of that over employees (even counts: the
  mean of the two middle values).
* **pay gap** of a category in a year = (median monthly pay of central-body employees - that of
  local-body employees) / the local one x 100, pooled over all bodies of each level; per scope:
  all records, or only those in pilot / non-pilot mode.
* **peer groups** (``central_avg``, ``local_avg``, ``country_avg``): the unweighted mean of the
  member bodies' values, as the published averages are means over bodies.

Every ratio is computed as one division of exact integers (tiyn, counts), so a figure equals the
correctly rounded value of its exact fraction: a hand computation matches to the last bit. (The
divisions go through numpy: polars divides by a scalar by multiplying with its reciprocal, which
is off by one unit in the last place for about one value in eight.)
"""

from __future__ import annotations

import numpy as np
import polars as pl

#: Indicator code -> column of :func:`body_year_indicators` (written as facts with basis 'derived').
INDICATORS = {
    "payroll_fund_mkzt": "payroll_fund_mkzt",
    "payroll_fund_musd": "payroll_fund_musd",
    "bonus_share": "bonus_share",
    "average_headcount": "average_headcount",
    "net_turnover": "net_turnover",
}
SUMMARY_COLUMNS = [
    "body_code", "year", "months_reported", "records", "employees", "base_tiyn", "bonus_tiyn", "other_tiyn",
    "pay_tiyn", "headcount_month_sum", "hires", "leavers", "load_id",
]
TIYN_PER_MLN = 100 * 1_000_000


def ratio(numerator: pl.Series, denominator: pl.Series | float) -> pl.Series:
    """``numerator / denominator`` element by element as one IEEE division each (correctly rounded);
    null where either side is null or the denominator is 0."""
    n = numerator.cast(pl.Float64).to_numpy()
    d = (
        np.full(len(n), float(denominator))
        if isinstance(denominator, int | float)
        else denominator.cast(pl.Float64).to_numpy()
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.true_divide(n, d)
    out[~np.isfinite(out) | (d == 0)] = np.nan
    return pl.Series(out, dtype=pl.Float64, nan_to_null=True)


def rates_frame(rates: pl.DataFrame | None) -> pl.DataFrame:
    """``year, usd_kzt`` (Int32, Float64); an empty frame when no series is loaded."""
    if rates is None or rates.is_empty():
        return pl.DataFrame(schema={"year": pl.Int32, "usd_kzt": pl.Float64})
    return rates.select(pl.col("year").cast(pl.Int32), pl.col("usd_kzt").cast(pl.Float64))


def body_year_indicators(summaries: pl.DataFrame, rates: pl.DataFrame | None) -> pl.DataFrame:
    """Add the derived figures to per body-year summaries (columns :data:`SUMMARY_COLUMNS`)."""
    df = summaries.select(SUMMARY_COLUMNS).with_columns(pl.col("year").cast(pl.Int32))
    df = df.join(rates_frame(rates), on="year", how="left", maintain_order="left")
    return df.with_columns(
        payroll_fund_mkzt=ratio(df["pay_tiyn"], TIYN_PER_MLN),
        payroll_fund_musd=ratio(df["pay_tiyn"], df["usd_kzt"] * TIYN_PER_MLN),
        bonus_share=ratio(df["bonus_tiyn"] * 100, df["pay_tiyn"]),
        average_headcount=ratio(df["headcount_month_sum"], df["months_reported"]),
        # leavers / (headcount_month_sum / months) x 100, as a single division
        net_turnover=ratio(df["leavers"] * 100 * df["months_reported"], df["headcount_month_sum"]),
    ).sort("body_code", "year")


def indicator_facts(aggregates: pl.DataFrame, units: dict[str, str]) -> pl.DataFrame:
    """Long facts ``body_code, year, indicator, value, unit, load_id`` (null figures left out)."""
    long = aggregates.unpivot(
        index=["body_code", "year", "load_id"], on=list(INDICATORS.values()), variable_name="column", value_name="value"
    )
    codes = pl.DataFrame({"column": list(INDICATORS.values()), "indicator": list(INDICATORS)})
    return (
        long.join(codes, on="column")
        .filter(pl.col("value").is_not_null())
        .with_columns(unit=pl.col("indicator").replace_strict(units, return_dtype=pl.String))
        .select("body_code", pl.col("year").cast(pl.Int32), "indicator", pl.col("value").cast(pl.Float64), "unit",
                pl.col("load_id").cast(pl.Int64))
        .sort("body_code", "year", "indicator")
    )


def peer_group_facts(facts: pl.DataFrame, bodies: pl.DataFrame) -> pl.DataFrame:
    """Facts for peer groups: the mean of member bodies' values (same columns as ``facts``).

    ``bodies`` has ``body_code, kind, level, peer_group``. A peer group of level ``national`` has
    every body as member; any other has the bodies naming it as their ``peer_group``.
    """
    groups = bodies.filter(pl.col("kind") == "peer_group").select(pl.col("body_code").alias("group"), "level")
    members = bodies.filter(pl.col("kind") == "body").select("body_code", "peer_group")
    national = groups.filter(pl.col("level") == "national").select("group").join(members, how="cross")
    by_group = members.filter(pl.col("peer_group").is_not_null()).select(
        pl.col("peer_group").alias("group"), "body_code"
    ).join(groups.select("group"), on="group")
    membership = pl.concat([national.select("group", "body_code"), by_group])
    return (
        facts.join(membership, on="body_code")
        .group_by("group", "year", "indicator", "unit")
        .agg(pl.col("value").mean(), pl.col("load_id").max())
        .select(pl.col("group").alias("body_code"), "year", "indicator", "value", "unit", "load_id")
        .sort("body_code", "year", "indicator")
    )


def category_pay(medians: pl.DataFrame, rates: pl.DataFrame | None) -> pl.DataFrame:
    """``body_code, year, position_category, employees, median_monthly_pay_kzt, load_id`` plus USD."""
    df = medians.with_columns(pl.col("year").cast(pl.Int32)).join(
        rates_frame(rates), on="year", how="left", maintain_order="left"
    )
    return (
        df.with_columns(median_monthly_pay_usd=ratio(df["median_monthly_pay_kzt"], df["usd_kzt"]))
        .drop("usd_kzt")
        .sort("body_code", "year", "position_category")
    )


def pay_gap(level_medians: pl.DataFrame, rates: pl.DataFrame | None) -> pl.DataFrame:
    """Central-local gap per year, category and scope from pooled medians per level.

    ``level_medians``: ``year, position_category, scope, level ('central'|'local'), employees,
    median_kzt, load_id``. A side with no employees gives a null median and a null gap.
    """
    keys = ["year", "position_category", "scope"]
    lm = level_medians.with_columns(pl.col("year").cast(pl.Int32))

    def side(level: str) -> pl.DataFrame:
        return lm.filter(pl.col("level") == level).select(
            *keys,
            pl.col("employees").alias(f"{level}_employees"),
            pl.col("median_kzt").alias(f"{level}_median_kzt"),
            pl.col("load_id").alias(f"{level}_load_id"),
        )

    both = side("central").join(side("local"), on=keys, how="full", coalesce=True)
    both = both.join(rates_frame(rates), on="year", how="left", maintain_order="left")
    gap = ratio((both["central_median_kzt"] - both["local_median_kzt"]) * 100, both["local_median_kzt"])
    return both.select(
        *keys,
        pl.col("central_employees").fill_null(0),
        pl.col("local_employees").fill_null(0),
        "central_median_kzt",
        "local_median_kzt",
        gap.alias("gap_pct"),
        "usd_kzt",
        pl.max_horizontal("central_load_id", "local_load_id").alias("load_id"),
    ).sort(keys)
