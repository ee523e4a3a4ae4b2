"""Probabilistic CER: draws of the uncertain inputs, CER intervals, formula (2) probability, CEAC, EVPI (pure).

The thesis' Table 19 treats the Evaluation Center's scores, the payroll funds and inflation as exact.
Here each is drawn from a stated distribution (``UncertaintyParams``; docs/analysis.md justifies the
defaults) and everything formula (2) and cost-effectiveness practice read is recomputed per draw:

* effectiveness (pilot year and base year) ~ Normal(published score, ``score_sd``);
* payroll fund (pilot year and base year) = published x (1 + ``fund_share`` x U(-1, 1));
* inflation: a constant yearly rate ~ U(lo, hi) % common to every body and year of a draw (inflation is
  national), compounded from the base year; or, when ``inflation_pct`` is None, the configured index
  (loaded series or constant) kept exact.

Why the random numbers are *hashed* rather than taken from a generator: a body-year's draws depend
only on (seed, body code, year, draw number, which input), never on which other bodies are in the
run or in what order, so a chunk of bodies computed on another worker gives exactly the rows the
whole computation gives (tests/ops/test_ops_scaleout.py), and a body's figures do not move when another
body is added. The base year's draws are the same numbers in every tested year of a body (one
published value, one error), so a body's years are coherent. No Python loop runs over bodies or
draws: every step is a numpy operation over a body-years x draws matrix, taken in blocks of whole
bodies (:data:`BLOCK_ROWS`) so memory stays a few MB whatever the number of bodies.

Per tested body-year the results are the 2.5/50/97.5 % quantiles of CER in pilot and standard mode,
``p_formula2`` = P(CER(pilot) > CER(standard)), the cost-effectiveness acceptability curve (CEAC:
P(the pilot's net monetary benefit over standard mode > 0) at each willingness to pay per point) and
the expected value of perfect information (EVPI) at each willingness to pay. Per body, the probability
that the cost side of the verdict says ``pilot_costlier`` (over the configured years) gives the
verdict's probability together with the factor side (see :func:`verdict_probability`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from transforms.normal import inverse_cdf

#: Quantiles of the CER interval (a central 95 % interval and the median).
QUANTILES = (0.025, 0.5, 0.975)
#: Mixed into the seed for the inflation draws, so the rate never shares numbers with a body-year's errors.
_INFLATION = 0x5DEECE66D


@dataclass(frozen=True)
class UncertaintyParams:
    draws: int
    seed: int
    #: SD of the published effectiveness score, percentage points (0: exact).
    score_sd: float
    #: Half-width of the payroll fund's uniform error, as a share of the published value (0: exact).
    fund_share: float
    #: Range (lo, hi) of the constant yearly inflation rate, %; None keeps the configured index exact.
    inflation_pct: tuple[float, float] | None
    #: Willingness-to-pay grid, mln USD per percentage point, ascending.
    wtp: tuple[float, ...]


@dataclass(frozen=True)
class Simulation:
    """What :func:`simulate` returns: one frame per view."""

    intervals: pl.DataFrame      # body_code, year, mode, cer_p025, cer_median, cer_p975, cer_mean, p_formula2, ...
    acceptability: pl.DataFrame  # body_code, year, wtp, probability, evpi_musd
    cost_side: pl.DataFrame      # body_code, p_pilot_costlier, cost_years


# ---------------------------------------------------------------- random numbers by hash


def _mix(x: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser: a bijection on uint64 that scatters every input bit (wraps by design)."""
    with np.errstate(over="ignore"):
        x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


def code_hash(codes: list[str] | np.ndarray) -> np.ndarray:
    """A stable 64-bit hash per body code (FNV-1a over its UTF-8 bytes), vectorised over codes.

    Stable across runs, platforms and library versions (unlike polars' ``hash``), so a seed means
    the same draws next year.
    """
    raw = np.char.encode(np.asarray(codes, dtype=str), "utf-8") if len(codes) else np.array([], dtype="S1")
    width = max(raw.dtype.itemsize, 1)
    grid = np.frombuffer(raw.astype(f"S{width}").tobytes(), dtype=np.uint8).reshape(len(codes), width)
    h = np.full(len(codes), 0xCBF29CE484222325, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for j in range(width):  # over byte positions (a code's length), not over bodies
            b = grid[:, j].astype(np.uint64)
            h = np.where(b > 0, (h ^ b) * np.uint64(0x100000001B3), h)
    return h


def _uniforms(seed: int, key: np.ndarray, draws: int) -> tuple[np.ndarray, np.ndarray]:
    """Two independent U(0, 1) arrays (never 0 or 1), each ``len(key) x draws``, from one 64-bit hash per
    cell (its high and low 32 bits): a function of (seed, key, draw number) only."""
    with np.errstate(over="ignore"):
        base = _mix(np.uint64(seed & 0xFFFFFFFFFFFFFFFF) ^ np.uint64(0x9E3779B97F4A7C15))
        row = _mix(key.astype(np.uint64) ^ base)
        d = _mix(np.arange(draws, dtype=np.uint64) * np.uint64(0x9E3779B97F4A7C15) + base)
        x = _mix(row[:, None] ^ d[None, :])
    scale = 1.0 / 4294967296.0
    high = ((x >> np.uint64(32)).astype(np.float64) + 0.5) * scale
    low = ((x & np.uint64(0xFFFFFFFF)).astype(np.float64) + 0.5) * scale
    return high, low


def _errors(seed: int, key: np.ndarray, draws: int, p: UncertaintyParams) -> tuple[np.ndarray, np.ndarray]:
    """The score error (Normal(0, score_sd), by inverse CDF) and the fund's relative error
    (U(-fund_share, fund_share)) of each keyed value, ``len(key) x draws`` each."""
    u_score, u_fund = _uniforms(seed, key, draws)
    return p.score_sd * inverse_cdf(u_score), p.fund_share * (2 * u_fund - 1)


def _key(body_hash: np.ndarray, year: np.ndarray) -> np.ndarray:
    with np.errstate(over="ignore"):
        return _mix(body_hash ^ (year.astype(np.uint64) * np.uint64(0xD6E8FEB86659FD93)))


# ---------------------------------------------------------------- the inputs, per tested body-year


def tested_rows(cer: pl.DataFrame) -> pl.DataFrame:
    """One row per tested body-year with a complete CER: the published inputs formula (2) reads.

    ``cer``: :func:`transforms.analysis.cer.cer_table`. Full precision: the standard-mode cost is the
    base-year payroll x the inflation index, unrounded (rounding is a way of printing, not a draw).
    """
    ok = cer.filter(pl.col("status") == "ok")
    pilot = ok.filter(pl.col("mode") == "pilot")
    base = pilot.filter(pl.col("year") == pl.col("base_year")).select(
        "body_code", pl.col("cost_musd").alias("base_cost"), pl.col("effectiveness_pct").alias("base_eff")
    )
    std = ok.filter((pl.col("mode") == "standard") & pl.col("in_test")).select("body_code", "year", "inflation_index")
    return (
        pilot.filter(pl.col("in_test"))
        .select("body_code", "year", "base_year", "years_from_base", pl.col("cost_musd").alias("pilot_cost"),
                pl.col("effectiveness_pct").alias("pilot_eff"))
        .join(base, on="body_code", how="inner")
        .join(std, on=["body_code", "year"], how="inner")
        .sort("body_code", "year")
    )


def _draw(rows: pl.DataFrame, p: UncertaintyParams) -> dict[str, np.ndarray]:
    """Cost and effectiveness of both modes, tested body-years x draws.

    The base year's errors are drawn once per body (its first row) and shared by its tested years.
    """
    n = p.draws
    body = rows["body_code"].to_numpy()
    first = np.flatnonzero(np.r_[True, body[1:] != body[:-1]])   # rows are sorted by body, year
    of_body = np.cumsum(np.r_[True, body[1:] != body[:-1]]) - 1    # each row's body number
    h = code_hash(body)
    k_y = _key(h, rows["year"].to_numpy().astype(np.int64))
    k_b = _key(h[first], rows["base_year"].to_numpy().astype(np.int64)[first])

    def col(name: str) -> np.ndarray:
        return rows[name].cast(pl.Float64).to_numpy()[:, None]

    e_p, e_b = col("pilot_eff"), col("base_eff")
    c_p, c_b = col("pilot_cost"), col("base_cost")
    if p.score_sd > 0 or p.fund_share > 0:
        score_y, fund_y = _errors(p.seed, k_y, n, p)
        score_b, fund_b = _errors(p.seed, k_b, n, p)
        e_p, e_b = e_p + score_y, e_b + score_b[of_body]
        c_p, c_b = c_p * (1 + fund_y), c_b * (1 + fund_b[of_body])
    if p.inflation_pct is None:
        index = col("inflation_index")
    else:
        lo, hi = p.inflation_pct
        # the key of no body-year (all bits set) gives the draws' common rate, 1 x draws
        rate = lo + (hi - lo) * _uniforms(p.seed ^ _INFLATION, np.full(1, 0xFFFFFFFFFFFFFFFF, dtype=np.uint64), n)[0]
        index = (1 + rate / 100) ** col("years_from_base")
    shape = (rows.height, n)
    return {"e_p": np.broadcast_to(e_p, shape), "e_b": np.broadcast_to(e_b, shape),
            "c_p": np.broadcast_to(c_p, shape), "c_s": np.broadcast_to(c_b * index, shape)}


# ---------------------------------------------------------------- CEAC and EVPI without a loop over WTP


def acceptability(d_cost: np.ndarray, d_eff: np.ndarray, wtp: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """P(net benefit > 0) and EVPI at each willingness to pay: two ``rows x len(wtp)`` arrays.

    ``d_cost``, ``d_eff``: pilot minus standard mode, ``rows x draws`` (a row is a body-year).

    The pilot's incremental net monetary benefit over standard mode at ``wtp`` = λ is
    ``INB = λ ΔE - ΔC``. A draw with ΔE > 0 favours the pilot exactly when λ > ΔC/ΔE, one with ΔE < 0
    when λ < ΔC/ΔE, one with ΔE = 0 when ΔC < 0 (at any λ). So each draw is put once into the bin of
    the grid where its answer changes, and cumulative sums over the bins give, for every λ at once,
    the count of draws favouring the pilot and the sums of ΔE and ΔC over them; hence the CEAC and
    E[max(INB, 0)] exactly, in one pass over the draws. EVPI(λ) = E[max(INB, 0)] - max(E[INB], 0), in
    mln USD (the expected loss of choosing on current information).
    """
    m, n = d_cost.shape
    k = len(wtp)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = d_cost / d_eff
    # group 0 favours the pilot at grid points i >= bin: ΔE > 0 (bin = #grid points <= ratio), or ΔE = 0
    # and ΔC < 0 (bin 0: everywhere); group 1 at i < bin: ΔE < 0 (bin = #grid points < ratio), or ΔE = 0
    # and ΔC >= 0 (bin 0: nowhere).
    pos = d_eff > 0
    flat = d_eff == 0
    left = np.searchsorted(wtp, np.where(flat, 0.0, ratio), side="left")
    tie = wtp[np.minimum(left, k - 1)] == ratio
    bins = np.where(flat, 0, left + (pos & tie))
    group = np.where(flat, d_cost >= 0, ~pos).astype(np.int64)
    idx = (np.arange(m)[:, None] * (2 * (k + 1)) + group * (k + 1) + bins).reshape(-1)
    sums = np.stack([np.bincount(idx, weights=w, minlength=m * 2 * (k + 1)).reshape(m, 2, k + 1)
                     for w in (None, d_eff.reshape(-1), d_cost.reshape(-1))])   # count, sum ΔE, sum ΔC
    up = np.cumsum(sums[:, :, 0], axis=2)[:, :, :k]                                # bins 0..i, for each i
    down = np.cumsum(sums[:, :, 1, ::-1], axis=2)[:, :, ::-1][:, :, 1:]            # bins i+1.., for each i
    total = up + down                                                              # 3 x rows x k
    prob = total[0] / n
    gain = (wtp[None, :] * total[1] - total[2]) / n                         # E[max(INB, 0)]
    mean_inb = wtp[None, :] * d_eff.mean(axis=1)[:, None] - d_cost.mean(axis=1)[:, None]
    evpi = np.maximum(gain - np.maximum(mean_inb, 0.0), 0.0)
    return prob, evpi


# ---------------------------------------------------------------- the whole simulation


#: Body-years simulated together (whole bodies, about this many rows): bounds the memory to a few
#: ``rows x draws`` arrays (64 x 10,000 x 8 bytes = 5 MB each) and keeps them in cache. The results do
#: not depend on it: the draws are hashed per body-year.
BLOCK_ROWS = 64


def _summarise(rows: pl.DataFrame, p: UncertaintyParams, wtp: np.ndarray, cost_years: str) -> dict[str, np.ndarray]:
    """Every per-row (and per-body) figure of one block of whole bodies, first axis = rows (bodies)."""
    d = _draw(rows, p)
    cer_p, cer_s = d["c_p"] / d["e_p"], d["c_s"] / d["e_b"]
    higher = cer_p > cer_s
    prob, evpi = acceptability(d["c_p"] - d["c_s"], d["e_p"] - d["e_b"], wtp)
    body = rows["body_code"].to_numpy()
    starts = np.flatnonzero(np.r_[True, body[1:] != body[:-1]])
    ends = np.r_[starts[1:], len(body)]
    costlier = np.logical_or.reduceat(higher, starts, axis=0) if cost_years == "every" else higher[ends - 1]
    return {
        "q_pilot": np.quantile(cer_p, QUANTILES, axis=1).T, "q_standard": np.quantile(cer_s, QUANTILES, axis=1).T,
        "mean_pilot": cer_p.mean(axis=1), "mean_standard": cer_s.mean(axis=1), "p_formula2": higher.mean(axis=1),
        "prob": prob, "evpi": evpi, "p_costlier": costlier.mean(axis=1),
    }


def simulate(cer: pl.DataFrame, p: UncertaintyParams, cost_years: str = "last") -> Simulation:
    """Draw the inputs of every tested body-year of ``cer`` and summarise (see the module docstring).

    ``cost_years``: as the verdict's ``cost_years`` (``last``: formula (2) in a body's last tested
    year decides the cost side; ``every``: any tested year where it holds makes the pilot costlier).
    Blocks of whole bodies are simulated in turn (:data:`BLOCK_ROWS`), each one vectorised.
    """
    rows = tested_rows(cer)
    wtp = np.asarray(p.wtp, dtype=np.float64)
    if rows.is_empty():
        return Simulation(_empty_intervals(), _empty_acceptability(), _empty_cost_side())
    body = rows["body_code"].to_numpy()
    new = np.r_[True, body[1:] != body[:-1]]
    block = (np.flatnonzero(new) // BLOCK_ROWS)[np.cumsum(new) - 1]
    edges = np.flatnonzero(np.r_[True, block[1:] != block[:-1]])
    parts = [_summarise(rows.slice(a, b - a), p, wtp, cost_years)
             for a, b in zip(edges, np.r_[edges[1:], rows.height], strict=True)]
    r = {name: np.concatenate([part[name] for part in parts]) for name in parts[0]}
    m = rows.height
    best = r["evpi"].argmax(axis=1)
    per_year = rows.select("body_code", pl.col("year").cast(pl.Int32)).with_columns(
        p_formula2=pl.Series(r["p_formula2"]),
        evpi_max_musd=pl.Series(r["evpi"][np.arange(m), best]),
        evpi_max_wtp=pl.Series(wtp[best]),
        draws=pl.lit(p.draws, dtype=pl.Int32), seed=pl.lit(p.seed, dtype=pl.Int64),
    )
    intervals = pl.concat([
        per_year.with_columns(
            mode=pl.lit(mode), cer_p025=pl.Series(r[f"q_{mode}"][:, 0]), cer_median=pl.Series(r[f"q_{mode}"][:, 1]),
            cer_p975=pl.Series(r[f"q_{mode}"][:, 2]), cer_mean=pl.Series(r[f"mean_{mode}"]),
        ) for mode in ("pilot", "standard")
    ]).select(
        "body_code", "year", "mode", "cer_p025", "cer_median", "cer_p975", "cer_mean", "p_formula2",
        "evpi_max_musd", "evpi_max_wtp", "draws", "seed",
    ).sort("body_code", "year", "mode")
    k = len(wtp)
    accept = pl.DataFrame({
        "body_code": np.repeat(body, k), "year": np.repeat(rows["year"].to_numpy(), k).astype(np.int32),
        "wtp": np.tile(wtp, m), "probability": r["prob"].reshape(-1), "evpi_musd": r["evpi"].reshape(-1),
    }).sort("body_code", "year", "wtp")
    last = pl.col("year").max().cast(pl.Int32).implode()
    years = rows.group_by("body_code").agg(
        (pl.col("year").sort().cast(pl.Int32) if cost_years == "every" else last).alias("cost_years")
    )
    cost_side = pl.DataFrame({"body_code": body[new], "p_pilot_costlier": r["p_costlier"]}).join(
        years, on="body_code", how="left"
    )
    return Simulation(intervals, accept, cost_side)


def verdict_probability(decisions: pl.DataFrame, cost_side: pl.DataFrame, p: UncertaintyParams) -> pl.DataFrame:
    """Per body and rule: the probability that H1 holds under the draws, and that the computed verdict does.

    The factor side is as computed from the published values (it rests on other indicators than the
    CER's, and their measurement error is not modelled); the draws move the cost side. With
    ``cost_side = veto``, H1 holds when the factor side says H1 or formula (2) says the pilot is
    costlier: P(H1) = 1 when the factor side is H1, else P(pilot costlier). With ``report`` the cost side
    does not decide, so P(H1) is 1 or 0. Undecided verdicts (insufficient data) get no probability.
    """
    veto = pl.col("cost_side") == "veto"
    p_h1 = (
        pl.when(pl.col("verdict").is_null()).then(pl.lit(None, dtype=pl.Float64))
        .when(pl.col("effects_verdict") == "H1").then(pl.lit(1.0))
        .when(veto).then(pl.col("p_pilot_costlier"))
        .otherwise(pl.lit(0.0))
    )
    return (
        decisions.select("body_code", "rule", "is_default_rule", "verdict", "effects_verdict", "cost_test", "cost_side")
        .join(cost_side, on="body_code", how="left")
        .with_columns(p_h1=p_h1)
        .with_columns(
            p_h0=1 - pl.col("p_h1"),
            p_verdict=pl.when(pl.col("verdict") == "H1").then(pl.col("p_h1"))
            .when(pl.col("verdict") == "H0").then(1 - pl.col("p_h1")),
            draws=pl.lit(p.draws, dtype=pl.Int32), seed=pl.lit(p.seed, dtype=pl.Int64),
        )
        .select("body_code", "rule", "is_default_rule", "verdict", "effects_verdict", "cost_test", "cost_side",
                "p_pilot_costlier", "cost_years", "p_h1", "p_h0", "p_verdict", "draws", "seed")
        .sort("body_code", "rule")
    )


def _empty_intervals() -> pl.DataFrame:
    return pl.DataFrame(schema={
        "body_code": pl.String, "year": pl.Int32, "mode": pl.String, "cer_p025": pl.Float64,
        "cer_median": pl.Float64, "cer_p975": pl.Float64, "cer_mean": pl.Float64, "p_formula2": pl.Float64,
        "evpi_max_musd": pl.Float64, "evpi_max_wtp": pl.Float64, "draws": pl.Int32, "seed": pl.Int64,
    })


def _empty_acceptability() -> pl.DataFrame:
    return pl.DataFrame(schema={"body_code": pl.String, "year": pl.Int32, "wtp": pl.Float64,
                                "probability": pl.Float64, "evpi_musd": pl.Float64})


def _empty_cost_side() -> pl.DataFrame:
    return pl.DataFrame(schema={"body_code": pl.String, "p_pilot_costlier": pl.Float64,
                                "cost_years": pl.List(pl.Int32)})
