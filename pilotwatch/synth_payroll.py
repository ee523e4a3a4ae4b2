"""Synthetic payroll records at national scale: one row per employee and month (``payroll_records``).

``pilotwatch synth payroll --employees N --years A-B --bodies K --seed S`` writes them to CSV or
Parquet, one year at a time, so memory stays bounded whatever N is.

What the data look like (so the derived aggregates tell the thesis' story):

* ``--employees N`` is the headcount: N positions, each filled every month, so the file has
  N x 12 x years rows (100,000 x 12 x 10 = 12 million). A position whose holder leaves gets a
  new hire the next month; the leaver's last record carries ``status = left`` and ``leave_date``.
* Bodies: the registry's pilot bodies first (``data/reference/bodies.csv``, in file order), then
  ``K - 9`` synthetic bodies with the reserved codes ``syn_c001``... (central, about a third) and
  ``syn_l001``... (local). Synthetic codes are registered on ingest as bodies with
  ``core.bodies.synthetic = true`` (see ``pilotwatch.payroll``): they never enter
  ``data/reference`` and real data never use the ``syn_`` prefix.
* Pay, monthly in KZT: before the pilot a local chief specialist earns about 305 USD and a local
  head of department about 670 USD, central bodies 70 % more (thesis 2.2.1, 2.3.2.5). A pilot body
  (from its ``pilot_start_year``; 2019 for pilots without one) moves to the grading scale: about
  800 and 2,000 USD, central pilots 10 % above local ones. Salaries are indexed by 4 % a year.
* Bonuses: outside the pilot a quarterly bonus of 10-40 % of a month's salary; in the pilot a
  December bonus of 0-3 monthly salaries by results. Other pay: allowances of 3 % plus 0.5 % per
  year of service (capped at 10 %).
* Turnover: about 6-7 % a year; in a pilot body it halves in the first pilot year and falls to
  about a third afterwards (thesis Table 18: Astana 5.3 -> 2.5 -> 1.6 %).
* ``--bad-rows M`` appends M faulty rows (negative salary, unknown body, impossible month, missing
  id, unknown currency or category, leave before hire, an exact duplicate, and in CSV a salary
  that is not a number): each must end in ``core.quarantine`` with its reason.

Employee ids are personnel numbers ``P000000001``... (not personal data, but unhashed: they
exercise the salted hashing at the door). No names are written.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import polars as pl

from schemas.payroll_records import POSITION_CATEGORIES

#: Column order of a payroll records file (the canonical names ``pilotwatch ingest payroll_records`` reads).
COLUMNS = [
    "employee_id", "body_code", "position_category", "grade", "month", "base_salary", "bonus",
    "other_pay", "currency", "hire_date", "leave_date", "status", "pilot",
]
#: Position categories, from the top (the schema's list).
CATEGORIES = list(POSITION_CATEGORIES)
_CATEGORY_SHARE = [0.08, 0.10, 0.30, 0.27, 0.25]
_GRADES = {  # factor-point grades per category (lowest, highest)
    "head_of_department": (13, 15), "deputy_head": (10, 12), "chief_specialist": (7, 9),
    "leading_specialist": (4, 6), "specialist": (1, 3),
}
#: Monthly base salary in 2017, KZT, local bodies outside the pilot (305 USD / 670 USD at 326 KZT).
_BASE_LOCAL = {"head_of_department": 218_000, "deputy_head": 160_000, "chief_specialist": 100_000,
               "leading_specialist": 92_000, "specialist": 82_000}
#: Monthly base salary on the pilot's grading scale in its first year, KZT (2,000 / 800 USD at 344.7).
_BASE_PILOT_LOCAL = {"head_of_department": 690_000, "deputy_head": 520_000, "chief_specialist": 276_000,
                     "leading_specialist": 232_000, "specialist": 190_000}
CENTRAL_PREMIUM = 1.70        # central over local before the pilot (thesis: a 70 % gap)
CENTRAL_PREMIUM_PILOT = 1.10  # ... and within the pilot (10 %)
INDEXATION = 0.04             # yearly salary indexation
BASE_YEAR = 2017
DEFAULT_PILOT_START = 2019    # pilots the registry gives no start year ("joined during the pilot")
_SYNTH_CENTRAL_SHARE = 1 / 3
SYNTHETIC_PREFIX = "syn_"
BAD_KINDS = ["negative_salary", "unknown_body", "bad_month", "missing_id", "unknown_currency",
             "leave_before_hire", "unknown_category", "duplicate", "not_a_number"]


@dataclass(frozen=True)
class Body:
    code: str
    level: str  # central | local
    pilot_start: int | None  # first year in pilot mode, None: never
    weight: float
    turnover: float  # yearly leaving probability outside the pilot


@dataclass
class SynthSpec:
    employees: int
    years: list[int]
    bodies: int
    seed: int = 0
    bad_rows: int = 0


@dataclass
class SynthResult:
    path: Path
    rows: int
    employees_ever: int
    bodies: list[Body] = field(default_factory=list)
    bad_rows: int = 0


def parse_years(text: str) -> list[int]:
    """``"2015-2024"`` or ``"2019"`` to a list of years."""
    lo, _, hi = text.partition("-")
    first, last = int(lo), int(hi or lo)
    if last < first:
        raise ValueError(f"years {text!r}: the range is empty")
    return list(range(first, last + 1))


def synthetic_code(level: str, n: int) -> str:
    return f"{SYNTHETIC_PREFIX}{'c' if level == 'central' else 'l'}{n:03d}"


def make_bodies(k: int, rng: np.random.Generator) -> list[Body]:
    """The registry's bodies (pilots first, file order), then synthetic ones up to ``k``."""
    from pilotwatch.registry import read_reference

    reg = read_reference()["bodies"].filter(pl.col("kind") == "body").sort("pilot", descending=True,
                                                                            maintain_order=True)
    known = {"acsa": 1.5, "justice": 4.0, "astana": 3.0, "mangystau": 2.5}
    out: list[Body] = []
    for row in reg.head(k).iter_rows(named=True):
        start = (row["pilot_start_year"] or DEFAULT_PILOT_START) if row["pilot"] else None
        out.append(Body(row["body_code"], row["level"], start, known.get(row["body_code"], 2.0),
                        float(rng.uniform(0.055, 0.075))))
    extra = k - len(out)
    n_central = round(extra * _SYNTH_CENTRAL_SHARE)
    for i in range(extra):
        level = "central" if i < n_central else "local"
        n = i + 1 if level == "central" else i - n_central + 1
        base = 0.055 if level == "central" else 0.065
        out.append(Body(synthetic_code(level, n), level, None, float(rng.lognormal(0.0, 0.7)),
                        float(rng.uniform(base - 0.01, base + 0.01))))
    return out


def _allocate(n: int, weights: np.ndarray) -> np.ndarray:
    """``n`` positions over bodies proportionally to ``weights`` (largest remainder), at least one each."""
    k = len(weights)
    if n < k:
        raise ValueError(f"--employees ({n}) must be at least --bodies ({k}): every body needs staff")
    share = weights / weights.sum() * (n - k)
    counts = np.floor(share).astype(np.int64)
    rest = n - k - int(counts.sum())
    counts[np.argsort(-(share - counts), kind="stable")[:rest]] += 1
    return counts + 1


def _month_start(year: int, month: int) -> np.datetime64:
    return np.datetime64(dt.date(year, month, 1), "D")


class _Positions:
    """The state of every position: who holds it, since when, in which category and grade."""

    def __init__(self, bodies: list[Body], n: int, first_year: int, rng: np.random.Generator) -> None:
        counts = _allocate(n, np.array([b.weight for b in bodies]))
        self.rng = rng
        self.body = np.repeat(np.arange(len(bodies)), counts)
        self.central = np.array([b.level == "central" for b in bodies])[self.body]
        self.category = rng.choice(len(CATEGORIES), size=n, p=_CATEGORY_SHARE)
        lo = np.array([_GRADES[c][0] for c in CATEGORIES])[self.category]
        hi = np.array([_GRADES[c][1] for c in CATEGORIES])[self.category]
        self.grade = rng.integers(lo, hi + 1)
        self.employee = np.arange(1, n + 1, dtype=np.int64)
        self.next_id = n + 1
        start = np.datetime64("2000-01-01", "D")
        span = int((_month_start(first_year, 1) - start).astype(int))
        self.hired = start + rng.integers(0, max(span, 1), size=n).astype("timedelta64[D]")
        self.factor = rng.lognormal(0.0, 0.05, size=n)
        self.perf = self._performance(n)

    def _performance(self, n: int) -> np.ndarray:
        """Monthly salaries of the pilot's year-end bonus, by results (0-3)."""
        return self.rng.choice([0.0, 1.0, 2.0, 3.0], size=n, p=[0.1, 0.3, 0.4, 0.2])

    def replace(self, idx: np.ndarray, year: int, month: int) -> None:
        """New hires take the positions ``idx`` in ``year``-``month`` (on a day of that month)."""
        m = len(idx)
        if not m:
            return
        self.employee[idx] = np.arange(self.next_id, self.next_id + m)
        self.next_id += m
        self.hired[idx] = _month_start(year, month) + self.rng.integers(0, 28, size=m).astype("timedelta64[D]")
        self.factor[idx] = self.rng.lognormal(0.0, 0.05, size=m)
        self.perf[idx] = self._performance(m)


def _pay_tables(bodies: list[Body]) -> tuple[np.ndarray, np.ndarray]:
    """Base salary per (body, category) outside and inside the pilot, in ``BASE_YEAR`` KZT."""
    std = np.array([[_BASE_LOCAL[c] * (CENTRAL_PREMIUM if b.level == "central" else 1.0) for c in CATEGORIES]
                    for b in bodies])
    pilot = np.array([[_BASE_PILOT_LOCAL[c] / (1 + INDEXATION)  # the pilot scale is set in 2018 money
                       * (CENTRAL_PREMIUM_PILOT if b.level == "central" else 1.0) for c in CATEGORIES]
                      for b in bodies])
    return std, pilot


def _turnover(body: Body, year: int) -> float:
    if body.pilot_start is None or year < body.pilot_start:
        return body.turnover
    return body.turnover * (0.5 if year == body.pilot_start else 0.33)


def _year_frame(pos: _Positions, bodies: list[Body], year: int, tables: tuple[np.ndarray, np.ndarray],
                months: list[int]) -> pl.DataFrame:
    """Twelve months of records for every position, leavers replaced the month after they go."""
    rng = pos.rng
    std, pilot_tab = tables
    codes = np.array([b.code for b in bodies])
    start = np.array([b.pilot_start if b.pilot_start is not None else 10_000 for b in bodies])
    hazard = np.array([1 - (1 - _turnover(b, year)) ** (1 / 12) for b in bodies])
    index = (1 + INDEXATION) ** (year - BASE_YEAR)
    in_pilot_body = year >= start  # per body
    parts: list[dict[str, np.ndarray]] = []
    for month in months:
        n = len(pos.employee)
        month_start = _month_start(year, month)
        pilot = in_pilot_body[pos.body]
        base = np.where(pilot, pilot_tab[pos.body, pos.category], std[pos.body, pos.category])
        step = 1 + 0.04 * (pos.grade - np.array([sum(_GRADES[c]) / 2 for c in CATEGORIES])[pos.category])
        base = np.round(base * index * step * pos.factor, 0)
        service = (month_start - pos.hired).astype(int) / 365.25
        other = np.round(base * np.minimum(0.03 + 0.005 * np.floor(np.maximum(service, 0)), 0.10), 0)
        if month in (3, 6, 9, 12):
            bonus_std = np.round(base * rng.uniform(0.10, 0.40, size=n), 0)
        else:
            bonus_std = np.zeros(n)
        bonus_pilot = base * pos.perf if month == 12 else np.zeros(n)
        bonus = np.where(pilot, bonus_pilot, bonus_std)
        leaving = rng.random(n) < hazard[pos.body]
        leave_day = rng.integers(0, 28, size=n).astype("timedelta64[D]")
        leave = np.where(leaving, np.maximum(month_start + leave_day, pos.hired), np.datetime64("NaT", "D"))
        bonus = np.where(leaving & pilot, 0.0, bonus)  # the year-end bonus goes to those who stay
        parts.append({
            "employee": pos.employee.copy(), "body": pos.body.copy(), "category": pos.category.copy(),
            "grade": pos.grade.copy(), "month": np.full(n, month, dtype=np.int8), "base": base,
            "bonus": bonus, "other": other, "hired": pos.hired.copy(), "leave": leave,
            "pilot": pilot,
        })
        nxt = (year, month + 1) if month < 12 else (year + 1, 1)
        pos.replace(np.flatnonzero(leaving), *nxt)
    cols = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
    df = pl.DataFrame({
        "employee_id": pl.Series(cols["employee"]).cast(pl.String).str.zfill(9),
        "body_code": codes[cols["body"]],
        "position_category": np.array(CATEGORIES)[cols["category"]],
        "grade": pl.Series(cols["grade"]).cast(pl.Int16),
        "month": pl.Series(cols["month"]).cast(pl.String).str.zfill(2),
        "base_salary": cols["base"], "bonus": cols["bonus"], "other_pay": cols["other"],
        "hire_date": cols["hired"], "leave_date": cols["leave"], "pilot": cols["pilot"],
    })
    return df.select(
        ("P" + pl.col("employee_id")).alias("employee_id"),
        "body_code", "position_category", "grade",
        (pl.lit(f"{year}-") + pl.col("month")).alias("month"),
        pl.col("base_salary").cast(pl.Float64), pl.col("bonus").cast(pl.Float64),
        pl.col("other_pay").cast(pl.Float64), pl.lit("KZT").alias("currency"),
        pl.col("hire_date").cast(pl.Date), pl.col("leave_date").cast(pl.Date),
        pl.when(pl.col("leave_date").is_null()).then(pl.lit("active")).otherwise(pl.lit("left")).alias("status"),
        "pilot",
    )


def _bad_rows(good: pl.DataFrame, count: int, offset: int, rng: np.random.Generator,
              csv: bool) -> pl.DataFrame:
    """``count`` faulty copies of random rows of ``good`` (kinds cycle; ``offset`` continues the cycle)."""
    kinds = [k for k in BAD_KINDS if csv or k != "not_a_number"]
    picks = rng.integers(0, good.height, size=count)
    rows = good[picks.tolist()].with_columns(pl.all().cast(pl.String))
    out = []
    for i in range(count):
        r = rows.row(i, named=True)
        kind = kinds[(offset + i) % len(kinds)]
        if kind == "negative_salary":
            r["base_salary"] = "-" + r["base_salary"]
        elif kind == "unknown_body":
            r["body_code"] = "no_such_body"
        elif kind == "bad_month":
            r["month"] = r["month"][:4] + "-13"
        elif kind == "missing_id":
            r["employee_id"] = None
        elif kind == "unknown_currency":
            r["currency"] = "EUR"
        elif kind == "leave_before_hire":
            r["leave_date"] = (dt.date.fromisoformat(r["hire_date"]) - dt.timedelta(days=30)).isoformat()
            r["status"] = "left"
        elif kind == "unknown_category":
            r["position_category"] = "janitor"
        elif kind == "not_a_number":
            r["base_salary"] = "twelve thousand"
        out.append(r)  # "duplicate": the row exactly as it is
    return pl.DataFrame(out, schema=dict.fromkeys(COLUMNS, pl.String), orient="row")


def _typed(bad: pl.DataFrame, like: pl.DataFrame) -> pl.DataFrame:
    """Bad rows cast back to the good rows' types (for Parquet; no kind here needs a string number)."""
    def cast(c: str, t: pl.DataType) -> pl.Expr:
        if t == pl.Boolean:
            return pl.col(c) == "true"
        if t == pl.Date:
            return pl.col(c).str.to_date("%Y-%m-%d")
        return pl.col(c).cast(t)

    return bad.with_columns([cast(c, t) for c, t in like.schema.items()])


def generate(spec: SynthSpec, out: str | Path, fmt: str | None = None) -> SynthResult:
    """Write ``spec`` as CSV or Parquet to ``out`` (format from ``fmt`` or the file name)."""
    path = Path(out)
    fmt = fmt or ("parquet" if path.suffix.lower() in (".parquet", ".pq") else "csv")
    if fmt not in ("csv", "parquet"):
        raise ValueError(f"format {fmt!r}: use csv or parquet")
    if spec.employees < 1 or spec.bodies < 1 or not spec.years:
        raise ValueError("need at least one employee, one body and one year")
    rng = np.random.default_rng(spec.seed)
    bodies = make_bodies(spec.bodies, rng)
    pos = _Positions(bodies, spec.employees, spec.years[0], rng)
    tables = _pay_tables(bodies)
    path.parent.mkdir(parents=True, exist_ok=True)
    per_year = [spec.bad_rows // len(spec.years) + (1 if i < spec.bad_rows % len(spec.years) else 0)
                for i in range(len(spec.years))]
    rows = 0
    writer = None
    try:
        with open(path, "wb") as fh:
            for i, year in enumerate(spec.years):
                good = _year_frame(pos, bodies, year, tables, list(range(1, 13)))
                bad = _bad_rows(good, per_year[i], sum(per_year[:i]), rng, fmt == "csv") if per_year[i] else None
                rows += good.height + (bad.height if bad is not None else 0)
                if fmt == "csv":
                    good.write_csv(fh, include_header=(i == 0), float_precision=2, date_format="%Y-%m-%d")
                    if bad is not None:
                        bad.write_csv(fh, include_header=False)
                else:
                    import pyarrow.parquet as pq

                    frame = pl.concat([good, _typed(bad, good)]) if bad is not None else good
                    table = frame.to_arrow()
                    if writer is None:
                        writer = pq.ParquetWriter(fh, table.schema, compression="zstd")
                    writer.write_table(table, row_group_size=256 * 1024)
            if writer is not None:
                writer.close()
                writer = None
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return SynthResult(path, rows, int(pos.next_id - 1), bodies, spec.bad_rows)


def expected_rows(employees: int, years: int, bad_rows: int = 0) -> int:
    return employees * 12 * years + bad_rows


__all__ = ["COLUMNS", "CATEGORIES", "SynthSpec", "SynthResult", "generate", "parse_years", "make_bodies",
           "synthetic_code", "expected_rows"]
