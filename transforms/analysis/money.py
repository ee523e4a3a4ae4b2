"""Money over time: the price year, currency and discounting CER costs are expressed in (pure).

The published payroll funds are **nominal** millions of USD, each year converted from tenge at that
year's average rate; standard-mode cost is the base-year fund indexed by inflation, so it is nominal
too. A cost of year *t* is restated as cost-effectiveness practice does (deflate in the currency the
money was spent in, then convert at one year's rate; discount last):

1. to tenge of year *t*: × ``usd_kzt[t]`` (KZT per USD, the loaded exchange rate);
2. to the prices of the **price year** *P*: × ``CPI[P] / CPI[t]``, the price level compounded from
   the loaded yearly CPI inflation (December to December, the rate of year *y* moving *y-1* to *y*);
3. to the **currency**: tenge stay tenge; USD at the price year's rate, ÷ ``usd_kzt[P]``
   (without a price year, at each year's own rate: the published nominal figures);
4. **discounted** to the discount base year *D* at rate *r*: ÷ ``(1 + r)^(t - D)``.

Every step multiplies both modes of a year by the same factor, so formula (2) (a comparison within
a year) and the CEA quadrant do not change; what changes is every amount, the incremental cost per
point and how years compare with each other (the CE plane across years). With the defaults (nominal,
USD, rate 0) the factor is exactly 1 and the tables are left untouched, which keeps thesis Table 19
reproduced to the digit.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from transforms.analysis.cer import round_half_up

MONEY_COLUMNS = ["price_year", "currency", "discount_rate", "discount_base_year"]


@dataclass(frozen=True)
class MoneyParams:
    #: Express costs in this year's prices; None keeps each year's own (nominal) prices.
    price_year: int | None = None
    #: ``USD`` or ``KZT``: the currency the CER tables are in.
    currency: str = "USD"
    #: Yearly discount rate, %; 0 does not discount.
    discount_rate_pct: float = 0.0
    #: Year costs are discounted to; None: each body's CER base year.
    discount_base_year: int | None = None
    #: Currency of the cost indicator as loaded (the published payroll fund is mln USD).
    source_currency: str = "USD"
    deflator_series: str = "cpi_inflation_pct"
    exchange_rate_series: str = "usd_kzt"

    @property
    def is_identity(self) -> bool:
        """True when every factor is 1: the tables stay exactly as computed (nominal, source currency, no discount)."""
        return self.price_year is None and self.currency == self.source_currency and self.discount_rate_pct == 0

    @property
    def needs_rates(self) -> bool:
        return self.price_year is not None or self.currency != self.source_currency


def price_levels(cpi: pl.DataFrame) -> pl.DataFrame:
    """``year, level``: the price level of each year relative to the year before the series starts
    (level 1), compounding ``pct`` year by year. A gap ends the levels (later years would be wrong)."""
    c = cpi.select(pl.col("year").cast(pl.Int64), pl.col("pct").cast(pl.Float64)).drop_nulls().sort("year")
    if c.is_empty():
        return pl.DataFrame(schema={"year": pl.Int64, "level": pl.Float64})
    contiguous = c.filter((pl.col("year") - pl.col("year").first()) == pl.int_range(pl.len()))
    first = contiguous["year"][0]
    levels = contiguous.select("year", level=(1 + pl.col("pct") / 100).cum_prod())
    return pl.concat([pl.DataFrame({"year": [first - 1], "level": [1.0]}), levels])


def factors(keys: pl.DataFrame, money: MoneyParams, cpi: pl.DataFrame, fx: pl.DataFrame) -> pl.DataFrame:
    """Per ``body_code, year`` of ``keys`` (which also carries each body's ``base_year``): ``_money``, the
    factor that turns a nominal source-currency amount of that year into the configured money, the
    resolved ``discount_base_year`` and ``_money_missing`` (the CPI or rate years that were needed and
    not loaded). ``cpi``: ``year, pct``; ``fx``: ``year, pct`` read as the KZT-per-USD rate."""
    k = keys.select("body_code", pl.col("year").cast(pl.Int64), pl.col("base_year").cast(pl.Int64)).unique()
    d = pl.lit(money.discount_base_year, dtype=pl.Int64) if money.discount_base_year is not None else pl.col("base_year")
    k = k.with_columns(discount_base_year=d)
    r = money.discount_rate_pct / 100
    disc = (1 + r) ** (pl.col("year") - pl.col("discount_base_year")).cast(pl.Float64)
    missing: list[pl.Expr] = []
    f = 1 / disc
    if money.needs_rates:
        rate = fx.select(pl.col("year").cast(pl.Int64), pl.col("pct").cast(pl.Float64).alias("_fx_t"))
        k = k.join(rate, on="year", how="left")
        missing.append(pl.when(pl.col("_fx_t").is_null()).then(pl.format("{} {}", pl.lit(money.exchange_rate_series), "year")))
        to_kzt = pl.col("_fx_t") if money.source_currency == "USD" else pl.lit(1.0)
        f = f * to_kzt
        if money.price_year is not None:
            lv = price_levels(cpi)
            p_level = lv.filter(pl.col("year") == money.price_year)["level"]
            p_fx = fx.filter(pl.col("year") == money.price_year)["pct"]
            k = k.join(lv.rename({"level": "_level_t"}), on="year", how="left").with_columns(
                _level_p=pl.lit(p_level[0] if p_level.len() else None, dtype=pl.Float64),
                _fx_p=pl.lit(p_fx[0] if p_fx.len() else None, dtype=pl.Float64),
            )
            missing += [
                pl.when(pl.col("_level_t").is_null()).then(pl.format("{} {}", pl.lit(money.deflator_series), "year")),
                pl.when(pl.col("_level_p").is_null()).then(
                    pl.lit(f"{money.deflator_series} {money.price_year} (price year)")),
            ]
            f = f * pl.col("_level_p") / pl.col("_level_t")
            if money.currency == "USD":
                missing.append(pl.when(pl.col("_fx_p").is_null()).then(
                    pl.lit(f"{money.exchange_rate_series} {money.price_year} (price year)")))
                f = f / pl.col("_fx_p")
        elif money.currency == "USD":  # KZT source to nominal USD
            f = f / pl.col("_fx_t")
    gaps = pl.concat_list(missing).list.drop_nulls() if missing else pl.lit([], dtype=pl.List(pl.String))
    return k.select(
        "body_code", "year", "discount_base_year", _money=f, _money_missing=gaps,
    ).with_columns(pl.col("year").cast(pl.Int32), pl.col("discount_base_year").cast(pl.Int32))


def _labels(money: MoneyParams) -> list[pl.Expr]:
    return [
        pl.lit(money.price_year, dtype=pl.Int32).alias("price_year"),
        pl.lit(money.currency).alias("currency"),
        pl.lit(money.discount_rate_pct, dtype=pl.Float64).alias("discount_rate"),
    ]


def _join(frame: pl.DataFrame, f: pl.DataFrame, money: MoneyParams) -> pl.DataFrame:
    """``frame`` with the factor of its body-year (1 where the year is null: an insufficient_data row)."""
    out = frame.join(f, on=["body_code", "year"], how="left")
    if money.is_identity:
        out = out.with_columns(_money=pl.lit(1.0))
    return out.with_columns(
        pl.col("_money").fill_null(pl.when(pl.col("year").is_null()).then(pl.lit(1.0))),
        pl.col("_money_missing").fill_null(pl.lit([], dtype=pl.List(pl.String))),
    )


def _flag_gaps(frame: pl.DataFrame) -> pl.DataFrame:
    """Rows whose factor is missing become insufficient_data and say which CPI/rate year is missing."""
    has_gap = pl.col("_money_missing").list.len() > 0
    return frame.with_columns(
        status=pl.when(has_gap).then(pl.lit("insufficient_data")).otherwise(pl.col("status")),
        missing=pl.when(has_gap).then(
            pl.col("missing").fill_null(pl.lit([], dtype=pl.List(pl.String))).list.concat("_money_missing")
            .list.unique(maintain_order=True)
        ).otherwise(pl.col("missing")),
    )


def restate_cer(cer: pl.DataFrame, f: pl.DataFrame, money: MoneyParams, cer_decimals: int | None) -> pl.DataFrame:
    """The CER table (``transforms.analysis.cer.cer_table``) in the configured money, with the money columns.

    Costs are multiplied by their year's factor and CER recomputed from them (rounded as configured);
    formula (2) is re-read from the restated CERs (the same answer up to rounding). Identity: only the
    label columns are added.
    """
    out = _join(cer, f, money)
    if not money.is_identity:
        out = out.with_columns(cost_musd=pl.col("cost_musd") * pl.col("_money")).with_columns(
            cer=pl.when(pl.col("cer").is_not_null()).then(
                round_half_up(pl.col("cost_musd") / pl.col("effectiveness_pct"), cer_decimals))
        )
        higher = (
            pl.col("cer").filter(pl.col("mode") == "pilot").first()
            > pl.col("cer").filter(pl.col("mode") == "standard").first()
        ).over("body_code", "year")
        out = out.with_columns(pilot_cer_higher=pl.when(pl.col("in_test").fill_null(False)).then(higher))
        out = _flag_gaps(out)
    return out.with_columns(*_labels(money)).drop("_money", "_money_missing")


def restate_sensitivity(sens: pl.DataFrame, f: pl.DataFrame, money: MoneyParams, cer_decimals: int | None) -> pl.DataFrame:
    """The one-way sensitivity rows in the configured money (factor of the tested year), with the money columns."""
    if not sens.columns:  # no scenario at all
        return sens
    out = _join(sens, f, money)
    if not money.is_identity:
        out = out.with_columns(
            standard_cost_musd=pl.col("standard_cost_musd") * pl.col("_money"),
            standard_cer=round_half_up(pl.col("standard_cer") * pl.col("_money"), cer_decimals),
            pilot_cer=round_half_up(pl.col("pilot_cer") * pl.col("_money"), cer_decimals),
        ).with_columns(pilot_cer_higher=pl.col("pilot_cer") > pl.col("standard_cer"))
        out = out.with_columns(missing=pl.lit(None, dtype=pl.List(pl.String)))
        out = _flag_gaps(out).drop("missing")
    return out.with_columns(*_labels(money)).drop("_money", "_money_missing")


def label_incremental(inc: pl.DataFrame, f: pl.DataFrame, money: MoneyParams) -> pl.DataFrame:
    """Add the money columns to ``cer_incremental`` rows (computed from the restated CER table)."""
    return inc.join(f.select("body_code", "year", "discount_base_year"), on=["body_code", "year"], how="left").with_columns(
        *_labels(money)
    )


def restate(
    cer: pl.DataFrame, sensitivity: pl.DataFrame, incremental: object, money: MoneyParams,
    rates: pl.DataFrame, cer_decimals: int | None,
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """The CER, incremental and sensitivity tables in the configured money, and the factors used.

    ``incremental``: the function that derives ``cer_incremental`` from a CER table
    (``transforms.analysis.cer.incremental``). It runs on the restated table, so every amount and
    the cost per point are restated; ``break_even_inflation_pct`` is kept from the nominal table,
    because it is the inflation of nominal costs at which formula (2) would tip. ``rates``:
    ``series, year, pct`` holding the deflator and exchange-rate series.
    """
    cpi = rates.filter(pl.col("series") == money.deflator_series).select("year", "pct")
    fx = rates.filter(pl.col("series") == money.exchange_rate_series).select("year", "pct")
    base = cer.filter(pl.col("year").is_not_null()).select("body_code", "base_year").unique()
    years = pl.concat([
        cer.filter(pl.col("year").is_not_null()).select("body_code", pl.col("year").cast(pl.Int32)),
        *([sensitivity.select("body_code", pl.col("year").cast(pl.Int32))] if sensitivity.columns else []),
    ]).unique()
    f = factors(years.join(base, on="body_code"), money, cpi, fx)
    nominal_inc = incremental(cer)  # type: ignore[operator]
    cer_out = restate_cer(cer, f, money, cer_decimals)
    inc = nominal_inc if money.is_identity else incremental(cer_out.drop(MONEY_COLUMNS)).drop(  # type: ignore[operator]
        "break_even_inflation_pct").join(nominal_inc.select("body_code", "year", "break_even_inflation_pct"),
                                         on=["body_code", "year"], how="left")
    if not money.is_identity:
        inc = inc.select(nominal_inc.columns)
    sens_out = restate_sensitivity(sensitivity, f, money, cer_decimals)
    return cer_out, label_incremental(inc, f, money), sens_out, f


def label_plane(plane: pl.DataFrame, incremental: pl.DataFrame) -> pl.DataFrame:
    """The CE plane rows with the money columns of the body-year they come from."""
    labels = incremental.select("body_code", pl.col("year").cast(pl.Int32), *MONEY_COLUMNS)
    return plane.with_columns(pl.col("year").cast(pl.Int32)).join(labels, on=["body_code", "year"], how="left")
