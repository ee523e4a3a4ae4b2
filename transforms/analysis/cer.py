"""Cost-effectiveness ratios (thesis 2.3.3, Table 19, formula (2)) and what CEA practice adds (pure).

For each pilot body and each year of its window:

* pilot mode: cost = that year's payroll fund, effectiveness = that year's overall effectiveness;
* standard mode: cost = the base-year payroll fund indexed by inflation from the base year to that
  year (a loaded series, compounded year by year, or a constant rate), effectiveness = the base-year
  value;
* CER = cost / effectiveness (mln USD per percentage point), not computed for the base year itself
  (the thesis' footnote to Table 19); formula (2) ``CER(pilot) > CER(standard)`` per later year.

Rounding is a parameter: the thesis rounds the standard-mode cost to 0.1 mln USD before dividing and
prints CER to 3 decimals (``round_half_up``, as printed tables round). Beyond the thesis: the
incremental cost per point gained over standard mode (with the CEA quadrant) and the constant inflation
at which the pilot would break even; one-way sensitivity over inflation and the base year.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

CER_COLUMNS = [
    "body_code", "year", "mode", "cost_musd", "effectiveness_pct", "cer", "base_year", "years_from_base",
    "inflation_index", "in_test", "pilot_cer_higher", "status", "missing",
]


@dataclass(frozen=True)
class CerParams:
    effectiveness_indicator: str = "overall_effectiveness"
    cost_indicator: str = "payroll_fund_musd"
    #: A macro series name (values looked up in ``inflation``) or None when ``constant_pct`` is used.
    inflation_series: str | None = None
    constant_pct: float | None = None
    standard_cost_step: float | None = None
    cer_decimals: int | None = None


def round_half_up(expr: pl.Expr, decimals: int | None) -> pl.Expr:
    """Round as printed tables do (0.0775 -> 0.078); ``None`` keeps full precision."""
    return expr if decimals is None else expr.round(decimals, mode="half_away_from_zero")


def round_to_step(expr: pl.Expr, step: float | None) -> pl.Expr:
    """Round to a multiple of ``step`` (0.1 mln USD), half away from zero; ``None`` keeps full precision."""
    if step is None:
        return expr
    return ((expr / step).round(9).round(0, mode="half_away_from_zero") * step).round(10)


def _series_index(pairs: pl.LazyFrame, name: str, inflation: pl.DataFrame | None) -> pl.LazyFrame:
    """``base_year, year, inflation_index, index_missing`` for each distinct pair, from a yearly series.

    Computed on the distinct (base year, year) pairs only (at most years², whatever the number of
    bodies), then joined back: the index is compounded year by year in order, as before.
    """
    rates = (inflation if inflation is not None else pl.DataFrame(schema={"year": pl.Int64, "pct": pl.Float64})).lazy().select(
        pl.col("year").cast(pl.Int64).alias("_y"), pl.col("pct").cast(pl.Float64)
    )
    distinct = pairs.select(pl.col("base_year").cast(pl.Int64), pl.col("year").cast(pl.Int64)).unique()
    steps = (
        distinct.with_columns(_y=pl.int_ranges(pl.col("base_year") + 1, pl.col("year") + 1))
        .explode("_y")
        .drop_nulls("_y")
        .join(rates, on="_y", how="left")
        .sort("base_year", "year", "_y")
        .group_by("base_year", "year", maintain_order=True)
        .agg(
            (1 + pl.col("pct") / 100).product().alias("_product"),
            pl.col("_y").filter(pl.col("pct").is_null()).alias("_gaps"),
        )
    )
    return distinct.join(steps, on=["base_year", "year"], how="left").select(
        "base_year", "year",
        pl.when(pl.col("year") == pl.col("base_year")).then(pl.lit(1.0))
        .when(pl.col("_gaps").list.len() == 0).then(pl.col("_product")).alias("_series_index"),
        pl.col("_gaps").fill_null(pl.lit([], dtype=pl.List(pl.Int64)))
        .list.eval(pl.format("{} {}", pl.lit(name), pl.element())).alias("_series_missing"),
    )


def _with_index(rows: pl.LazyFrame, params: CerParams, inflation: pl.DataFrame | None) -> pl.LazyFrame:
    """Add ``inflation_index`` and ``index_missing`` to rows carrying ``base_year, year, _const_pct``.

    ``_const_pct`` is a column so that one pass serves every scenario: a constant yearly rate where it
    is set (``(1 + pct / 100) ** years``), the configured series where it is null.
    """
    const = pl.col("_const_pct").is_not_null()
    power = (1 + pl.col("_const_pct") / 100) ** (pl.col("year") - pl.col("base_year"))
    empty = pl.lit([], dtype=pl.List(pl.String))
    if params.inflation_series is None:
        return rows.with_columns(inflation_index=power, index_missing=empty)
    series = _series_index(rows, params.inflation_series, inflation)
    return (
        rows.join(series, on=["base_year", "year"], how="left")
        .with_columns(
            inflation_index=pl.when(const).then(power).otherwise(pl.col("_series_index")),
            index_missing=pl.when(const).then(empty).otherwise(pl.col("_series_missing")),
        )
        .drop("_series_index", "_series_missing")
    )


def _const_pct(params: CerParams) -> float | None:
    """The constant rate the configured inflation source means (None: the series)."""
    return None if params.inflation_series is not None else (params.constant_pct or 0.0)


def inflation_index(pairs: pl.DataFrame, params: CerParams, inflation: pl.DataFrame | None) -> pl.DataFrame:
    """Add ``inflation_index`` (price level of ``year`` relative to ``base_year``) and ``index_missing``.

    ``pairs``: any frame with ``base_year`` and ``year``. ``inflation``: ``year, pct`` (% over the
    previous year, December to December), needed when ``params.inflation_series`` is set; a year
    after the base year without a value makes the index null and is listed in ``index_missing``.
    """
    rows = pairs.lazy().with_row_index("_row").with_columns(
        pl.col("base_year").cast(pl.Int64), pl.col("year").cast(pl.Int64),
        _const_pct=pl.lit(_const_pct(params), dtype=pl.Float64),
    )
    # a join does not keep row order: restore the caller's
    out = _with_index(rows, params, inflation).sort("_row").drop("_row", "_const_pct").collect()
    return out.with_columns(pl.col("base_year").cast(pairs.schema["base_year"]), pl.col("year").cast(pairs.schema["year"]))


def _missing(value: str, label: pl.Expr) -> pl.Expr:
    return pl.when(pl.col(value).is_null()).then(label)


def _values(facts: pl.DataFrame | pl.LazyFrame, params: CerParams) -> pl.LazyFrame:
    """``body_code, _y, _cost, _eff``: the two values formula (2) needs, one row per body-year."""
    eff, cost = params.effectiveness_indicator, params.cost_indicator
    return (
        facts.lazy().filter(pl.col("indicator").is_in([cost, eff]))
        .group_by("body_code", pl.col("year").cast(pl.Int64).alias("_y"))
        .agg(
            pl.col("value").filter(pl.col("indicator") == cost).first().alias("_cost"),
            pl.col("value").filter(pl.col("indicator") == eff).first().alias("_eff"),
        )
    )


def _wide(grid: pl.LazyFrame, facts: pl.DataFrame, params: CerParams, inflation: pl.DataFrame | None) -> pl.LazyFrame:
    """Formula (2) for every row of ``grid`` (``body_code, base_year, end_year, _const_pct`` and any
    scenario columns, carried through): one row per body, scenario and year of the window, with pilot
    and standard cost, effectiveness, CER and what is missing. Every body and scenario in one pass."""
    eff, cost = params.effectiveness_indicator, params.cost_indicator
    values = _values(facts, params)
    rows = grid.with_columns(
        pl.col("base_year").cast(pl.Int64),
        year=pl.int_ranges(pl.col("base_year"), pl.col("end_year") + 1),
    ).explode("year").drop("end_year")
    rows = (
        rows.join(values.rename({"_y": "year", "_cost": "pilot_cost", "_eff": "pilot_eff"}),
                  on=["body_code", "year"], how="left")
        .join(values.rename({"_y": "base_year", "_cost": "base_cost", "_eff": "base_eff"}),
              on=["body_code", "base_year"], how="left")
    )
    rows = _with_index(rows, params, inflation)
    in_test = pl.col("year") > pl.col("base_year")
    return rows.with_columns(
        years_from_base=(pl.col("year") - pl.col("base_year")).cast(pl.Int32),
        in_test=in_test,
        # 12 significant digits clear float noise (6.6 * 1.03 ** 3) without breaking scale: an
        # absolute .round(10) made CER non-linear in cost for tiny costs (hypothesis found it).
        standard_cost=round_to_step(
            pl.col("base_cost") * pl.col("inflation_index"), params.standard_cost_step
        ).round_sig_figs(12),
    ).with_columns(
        pilot_cer=pl.when(in_test).then(round_half_up(pl.col("pilot_cost") / pl.col("pilot_eff"), params.cer_decimals)),
        standard_cer=pl.when(in_test).then(
            round_half_up(pl.col("standard_cost") / pl.col("base_eff"), params.cer_decimals)
        ),
        missing=pl.concat_list(
            _missing("pilot_cost", pl.format("{} {}", pl.lit(cost), pl.col("year"))),
            _missing("pilot_eff", pl.format("{} {}", pl.lit(eff), pl.col("year"))),
            _missing("base_cost", pl.format("{} {} (base year)", pl.lit(cost), pl.col("base_year"))),
            _missing("base_eff", pl.format("{} {} (base year)", pl.lit(eff), pl.col("base_year"))),
        ).list.drop_nulls().list.concat(pl.col("index_missing")).list.unique(maintain_order=True),
    ).with_columns(
        pilot_cer_higher=pl.when(in_test).then(pl.col("pilot_cer") > pl.col("standard_cer")),
        status=pl.when(pl.col("missing").list.len() == 0).then(pl.lit("ok")).otherwise(pl.lit("insufficient_data")),
    )


def _usable(windows: pl.DataFrame) -> pl.LazyFrame:
    return windows.lazy().filter(pl.col("window_missing").list.len() == 0)


def cer_table(
    windows: pl.DataFrame, facts: pl.DataFrame, params: CerParams, inflation: pl.DataFrame | None = None
) -> pl.DataFrame:
    """Table 19 for every window: two rows (``pilot``, ``standard``) per body and year, see ``CER_COLUMNS``.

    ``windows``: from :func:`transforms.analysis.windows.pilot_windows`. ``facts``: body_code, year, indicator,
    value. A body without a usable window gets one ``insufficient_data`` row (year and mode null).
    """
    grid = _usable(windows).select(
        "body_code", "base_year", "end_year", _const_pct=pl.lit(_const_pct(params), dtype=pl.Float64)
    )
    wide = _wide(grid, facts, params, inflation)
    common = ["body_code", "year", "base_year", "years_from_base", "in_test", "pilot_cer_higher", "missing", "status"]
    pilot = wide.select(
        *common, pl.lit("pilot").alias("mode"), pl.col("pilot_cost").alias("cost_musd"),
        pl.col("pilot_eff").alias("effectiveness_pct"), pl.col("pilot_cer").alias("cer"),
        pl.lit(None, dtype=pl.Float64).alias("inflation_index"),
    )
    standard = wide.select(
        *common, pl.lit("standard").alias("mode"), pl.col("standard_cost").alias("cost_musd"),
        pl.col("base_eff").alias("effectiveness_pct"), pl.col("standard_cer").alias("cer"),
        pl.col("inflation_index").cast(pl.Float64),
    )
    gap_rows = windows.lazy().filter(pl.col("window_missing").list.len() > 0).select(
        "body_code", pl.col("window_missing").alias("missing"), "base_year", status=pl.lit("insufficient_data")
    )
    out = pl.concat([pilot, standard, gap_rows], how="diagonal_relaxed")
    return out.select(CER_COLUMNS).with_columns(
        pl.col("year").cast(pl.Int32), pl.col("base_year").cast(pl.Int32)
    ).sort("body_code", "year", "mode", nulls_last=True).collect()


def cost_test(cer: pl.DataFrame, years: str = "last") -> pl.DataFrame:
    """The cost side of the verdict per body, from formula (2).

    ``years = "last"``: the last year decides; ``"every"``: the pilot passes only if
    ``CER(pilot) <= CER(standard)`` in every year after the base year. Returns body_code,
    ``cost_test`` (``pilot_costlier`` / ``pilot_not_costlier`` / null when a needed year is missing),
    ``cost_years`` (tested years), ``cost_years_pilot_costlier`` and ``cost_missing``.
    """
    pilot = cer.filter(pl.col("mode") == "pilot")
    tested = pilot.filter(pl.col("in_test").fill_null(False))
    if years == "last":
        tested = tested.filter(pl.col("year") == pl.col("year").max().over("body_code"))
    summary = tested.group_by("body_code").agg(
        pl.col("year").sort().alias("cost_years"),
        pl.col("year").filter(pl.col("pilot_cer_higher").fill_null(False)).sort().alias("cost_years_pilot_costlier"),
        pl.col("missing").list.explode(keep_nulls=False, empty_as_null=False).unique(maintain_order=True).alias("cost_missing"),
        (pl.col("status") == "ok").all().alias("_complete"),
        pl.col("pilot_cer_higher").fill_null(False).any().alias("_costlier"),
    )
    bodies = cer.select("body_code").unique()
    window_gaps = cer.filter(pl.col("year").is_null()).select("body_code", pl.col("missing").alias("_wmissing"))
    return (
        bodies.join(summary, on="body_code", how="left")
        .join(window_gaps, on="body_code", how="left")
        .with_columns(
            cost_test=pl.when(pl.col("_costlier")).then(pl.lit("pilot_costlier"))
            .when(pl.col("_complete")).then(pl.lit("pilot_not_costlier")),
            cost_missing=pl.coalesce("_wmissing", "cost_missing").fill_null(pl.lit([], dtype=pl.List(pl.String))),
            cost_years=pl.col("cost_years").fill_null(pl.lit([], dtype=pl.List(pl.Int32))),
            cost_years_pilot_costlier=pl.col("cost_years_pilot_costlier").fill_null(pl.lit([], dtype=pl.List(pl.Int32))),
        )
        .select("body_code", "cost_test", "cost_years", "cost_years_pilot_costlier", "cost_missing")
        .sort("body_code")
    )


def incremental(cer: pl.DataFrame) -> pl.DataFrame:
    """Per body and tested year: what the pilot costs over standard mode per point gained.

    ``incremental_cost_per_point`` = (pilot cost - standard cost) / (pilot effectiveness - base
    effectiveness), reported where it means something (the pilot costs more and gains points, or
    saves money and loses points). ``outcome`` is the CEA quadrant: ``dominated`` (costs more, gains
    nothing), ``costs_more_gains_more``, ``dominant`` (cheaper and at least as effective),
    ``saves_loses``, ``same``. ``break_even_inflation_pct``: the constant yearly inflation at which the
    standard-mode CER would equal the pilot's (unrounded), i.e. how high inflation would have had to be
    for formula (2) not to hold.
    """
    key = ["body_code", "year"]
    base = cer.filter((pl.col("mode") == "pilot") & (pl.col("year") == pl.col("base_year"))).select(
        "body_code", pl.col("cost_musd").alias("base_cost")
    )
    p = cer.filter((pl.col("mode") == "pilot") & pl.col("in_test").fill_null(False)).select(
        *key, "years_from_base", "status", "missing", pl.col("cost_musd").alias("pilot_cost_musd"),
        pl.col("effectiveness_pct").alias("pilot_effectiveness_pct"), pl.col("cer").alias("pilot_cer"),
    )
    s = cer.filter(pl.col("mode") == "standard").select(
        *key, pl.col("cost_musd").alias("standard_cost_musd"),
        pl.col("effectiveness_pct").alias("standard_effectiveness_pct"), pl.col("cer").alias("standard_cer"),
    )
    d_cost = (pl.col("pilot_cost_musd") - pl.col("standard_cost_musd")).round(9)
    d_eff = (pl.col("pilot_effectiveness_pct") - pl.col("standard_effectiveness_pct")).round(9)
    out = p.join(s, on=key, how="left").join(base, on="body_code", how="left").with_columns(
        incremental_cost_musd=d_cost, points_gained=d_eff
    )
    dc, de = pl.col("incremental_cost_musd"), pl.col("points_gained")
    outcome = (
        pl.when(dc.is_null() | de.is_null()).then(pl.lit(None, dtype=pl.String))
        .when((dc == 0) & (de == 0)).then(pl.lit("same"))
        .when((dc >= 0) & (de <= 0)).then(pl.lit("dominated"))
        .when((dc <= 0) & (de >= 0)).then(pl.lit("dominant"))
        .when((dc > 0) & (de > 0)).then(pl.lit("costs_more_gains_more"))
        .otherwise(pl.lit("saves_loses"))
    )
    ratio = (pl.col("pilot_cost_musd") / pl.col("pilot_effectiveness_pct")) * pl.col("standard_effectiveness_pct") / pl.col(
        "base_cost"
    )
    return out.with_columns(outcome=outcome).with_columns(
        incremental_cost_per_point=pl.when(pl.col("outcome").is_in(["costs_more_gains_more", "saves_loses"])).then(dc / de),
        break_even_inflation_pct=pl.when((pl.col("base_cost") > 0) & (pl.col("years_from_base") > 0)).then(
            (ratio ** (1 / pl.col("years_from_base")) - 1) * 100
        ),
    ).select(
        "body_code", "year", "pilot_cost_musd", "standard_cost_musd", "incremental_cost_musd",
        "pilot_effectiveness_pct", "standard_effectiveness_pct", "points_gained", "incremental_cost_per_point",
        "outcome", "pilot_cer", "standard_cer", "break_even_inflation_pct", "status", "missing",
    ).sort(key)


def sensitivity(
    windows: pl.DataFrame,
    facts: pl.DataFrame,
    params: CerParams,
    inflation: pl.DataFrame | None,
    *,
    inflation_pcts: list[float],
    base_years: list[int] | None = None,
) -> pl.DataFrame:
    """One-way sensitivity of formula (2): constant inflation over ``inflation_pcts`` (the base year as
    configured), then each base year in ``base_years`` (None: every year with a value before a body's
    last year; inflation as configured). One row per body, scenario and tested year.

    The scenarios are rows of a small frame joined to the windows (``parameter``, ``value`` and the
    rate or base year they set), so every body and scenario is one lazy computation: its cost grows
    with bodies x scenarios x years, with no per-scenario pass.
    """
    usable = _usable(windows)
    if base_years is None:
        base_years = sorted(
            facts.join(windows.filter(pl.col("window_missing").list.len() == 0).select("body_code"), on="body_code")[
                "year"].cast(pl.Int64).unique().to_list()
        )
    if not inflation_pcts and not base_years:
        return pl.DataFrame()
    window = usable.select("body_code", pl.col("base_year").cast(pl.Int64), pl.col("end_year").cast(pl.Int64))
    by_pct = window.join(
        pl.LazyFrame({"value": [float(p) for p in inflation_pcts]}, schema={"value": pl.Float64}), how="cross"
    ).with_columns(parameter=pl.lit("inflation_pct"), _const_pct=pl.col("value"))
    by_base = (
        window.drop("base_year")
        .join(pl.LazyFrame({"base_year": [int(b) for b in base_years]}, schema={"base_year": pl.Int64}), how="cross")
        .filter(pl.col("base_year") < pl.col("end_year"))
        .with_columns(parameter=pl.lit("base_year"), value=pl.col("base_year").cast(pl.Float64),
                      _const_pct=pl.lit(_const_pct(params), dtype=pl.Float64))
    )
    grid = pl.concat([by_pct, by_base], how="diagonal_relaxed")
    tested = _wide(grid, facts, params, inflation).filter(pl.col("in_test").fill_null(False))
    configured_base = usable.select("body_code", pl.col("base_year").cast(pl.Int64).alias("_configured_base"))
    is_configured = (
        pl.when(pl.col("parameter") == "base_year").then(pl.col("value") == pl.col("_configured_base"))
        .otherwise(pl.lit(params.inflation_series is None) & (pl.col("value") == pl.lit(params.constant_pct)))
    )
    return (
        tested.join(configured_base, on="body_code", how="left")
        .select(
            "body_code", "parameter", "value", pl.col("base_year").cast(pl.Int32), pl.col("year").cast(pl.Int32),
            pl.col("standard_cost").alias("standard_cost_musd"), pl.col("base_eff").alias("standard_effectiveness_pct"),
            "standard_cer", "pilot_cer", (pl.col("pilot_cer") > pl.col("standard_cer")).alias("pilot_cer_higher"),
            "status", is_configured.fill_null(False).alias("is_configured"),
        )
        .sort("body_code", "parameter", "value", "year")
        .collect()
    )
