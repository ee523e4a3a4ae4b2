"""Seed the body and indicator registry from ``data/reference/*.csv`` into the warehouse.

The registry is data: a new body, alias or indicator is a row in a CSV file, loaded on every
refresh, never a code change.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import duckdb
import polars as pl

from pilotwatch import DATA_DIR
from transforms import series_breaks
from warehouse import frame, one, replace_rows, sql, transaction

REFERENCE_DIR = DATA_DIR / "reference"


class RegistryError(ValueError):
    """The reference files contradict each other (an alias for an unknown body, ...)."""


def read_reference(directory: Path = REFERENCE_DIR) -> dict[str, pl.DataFrame]:
    """The reference tables, checked for referential integrity (series breaks: known indicator, kind, year)."""
    opts = {"infer_schema_length": 0}  # read as strings; cast explicitly below
    bodies = pl.read_csv(directory / "bodies.csv", **opts).select(
        "body_code", "name_en", "name_ru", "name_kk", "kind", "level", "peer_group",
        (pl.col("pilot").str.to_lowercase() == "true").alias("pilot"),
        pl.col("pilot_start_year").cast(pl.Int32),
    )
    aliases = pl.read_csv(directory / "body_aliases.csv", **opts).with_columns(
        pl.col("valid_from").cast(pl.Int32), pl.col("valid_to").cast(pl.Int32)
    )
    indicators = pl.read_csv(directory / "indicators.csv", **opts).with_columns(
        pl.col("min_value").cast(pl.Float64), pl.col("max_value").cast(pl.Float64)
    )
    labels = pl.read_csv(directory / "indicator_labels.csv", **opts)
    breaks = pl.read_csv(directory / "series_breaks.csv", **opts)
    codes = set(bodies["body_code"])
    problems = [f"body_aliases.csv: alias {a!r} names unknown body {b!r}"
                for a, b in zip(aliases["alias"], aliases["body_code"], strict=True) if b not in codes]
    problems += [f"bodies.csv: {b!r} has unknown peer group {p!r}"
                 for b, p in zip(bodies["body_code"], bodies["peer_group"], strict=True) if p and p not in codes]
    known = set(indicators["indicator"])
    problems += [f"indicator_labels.csv: label {lab!r} names unknown indicator {i!r}"
                 for lab, i in zip(labels["label"], labels["indicator"], strict=True) if i not in known]
    problems += series_breaks.check(breaks, known)
    if bodies["body_code"].is_duplicated().any():
        problems.append("bodies.csv: duplicate body_code")
    if problems:
        raise RegistryError("; ".join(problems))
    breaks = breaks.select(series_breaks.COLUMNS).with_columns(pl.col("first_year").cast(pl.Int32))
    return {"bodies": bodies, "aliases": aliases, "indicators": indicators, "labels": labels,
            "series_breaks": breaks}


def all_aliases(ref: dict[str, pl.DataFrame]) -> pl.DataFrame:
    """The alias rows plus every body's code and registered names (sources may use either without an alias row)."""
    names = ref["bodies"].unpivot(index="body_code", on=["body_code", "name_en", "name_ru", "name_kk"],
                                  variable_name="lang", value_name="alias").drop_nulls("alias")
    own = names.select("alias", "body_code", pl.col("lang").str.replace("name_", "").replace("body_code", "code"),
                       pl.lit(None, dtype=pl.Int32).alias("valid_from"), pl.lit(None, dtype=pl.Int32).alias("valid_to"))
    return pl.concat([ref["aliases"].select(own.columns), own]).unique(maintain_order=True)


def seed(con: duckdb.DuckDBPyConnection, directory: Path = REFERENCE_DIR) -> dict[str, int]:
    """Replace the registry tables with the reference files, in one transaction."""
    from transforms.registry import normalize_label

    ref = read_reference(directory)
    aliases = all_aliases(ref).with_columns(
        alias_norm=pl.col("alias").map_elements(normalize_label, return_dtype=pl.String)
    ).select("alias_norm", "alias", "body_code", "lang", "valid_from", "valid_to")
    labels = ref["labels"].with_columns(
        label_norm=pl.col("label").map_elements(normalize_label, return_dtype=pl.String)
    ).select("label_norm", "label", "indicator")
    with transaction(con):
        for table, frame in (("core.bodies", ref["bodies"]), ("core.body_aliases", aliases),
                             ("core.indicators", ref["indicators"]), ("core.indicator_labels", labels),
                             ("core.series_breaks", ref["series_breaks"])):
            # synthetic bodies (registered by loading synthetic payroll records) are not in the files: keep them
            con.execute(f"DELETE FROM {table}" + (" WHERE NOT synthetic" if table == "core.bodies" else ""))
            replace_rows(con, table, frame, key=list(frame.columns)[:1])
    return {k: v.height for k, v in ref.items()}


def registry_frames(con: duckdb.DuckDBPyConnection) -> dict[str, pl.DataFrame]:
    """The registry as loaded in the warehouse (what ingestion resolves against).

    ``aliases`` include the analysts' local aliases (``pilotwatch bodies alias add``); ``rates`` are
    the macro series units convert with (``usd_kzt``).
    """
    return {
        "aliases": frame(con, sql("registry_aliases")),
        "labels": frame(con, "SELECT label, indicator FROM core.indicator_labels"),
        "indicators": frame(con, "SELECT * FROM core.indicators"),
        "bodies": frame(con, "SELECT * FROM core.bodies"),
        "rates": frame(con, "SELECT series, year, value FROM core.macro_series"),
    }


def resolve_body(con: duckdb.DuckDBPyConnection, name: str, year: int | None = None) -> tuple[str | None, str]:
    """``name`` (a code, an English/Russian/Kazakh name or an alias) as a body code, or ``(None, hint)``.

    Why one function: every command that takes a body from a person accepts the spellings ingestion
    accepts; the hint names the nearest candidates when the name is unknown.
    """
    from transforms.registry import body_candidates, resolve_bodies

    aliases = registry_frames(con)["aliases"]
    probe = pl.DataFrame({"body_label": [name], "year": [year]}, schema={"body_label": pl.String, "year": pl.Int64})
    code = resolve_bodies(probe, aliases)["body_code"][0]
    return (code, "") if code else (None, body_candidates([name], aliases)[name])


class AliasError(ValueError):
    """An alias that cannot be added: unknown body, or a spelling that already names another body."""


def add_alias(con: duckdb.DuckDBPyConnection, alias: str, body_code: str, *, by: str, note: str | None = None) -> str:
    """Accept ``alias`` as a spelling of ``body_code`` in this warehouse; return what was done, in words.

    Refused when the body is unknown or when the spelling already resolves to a *different* body
    (a local alias never overrides the registry: that would hide a false friend).
    """
    from transforms.registry import normalize_label, resolve_bodies

    norm = normalize_label(alias)
    if not norm:
        raise AliasError("the alias is empty")
    if not one(con, "SELECT 1 FROM core.bodies WHERE body_code = ?", [body_code]):
        codes = ", ".join(r[0] for r in con.execute("SELECT body_code FROM core.bodies ORDER BY 1").fetchall())
        raise AliasError(f"unknown body {body_code!r}; body codes: {codes}")
    probe = pl.DataFrame({"body_label": [alias], "year": [None]}, schema={"body_label": pl.String, "year": pl.Int64})
    current = resolve_bodies(probe, registry_frames(con)["aliases"])["body_code"][0]
    if current is not None and current != body_code:
        raise AliasError(f"{alias!r} already names {current!r}; a local alias cannot re-point it to {body_code!r}")
    if current == body_code:
        return f"{alias!r} already resolves to {body_code}; nothing to add"
    con.execute("INSERT INTO core.local_body_aliases VALUES (?, ?, ?, ?, ?, ?)",
                [alias, norm, body_code, by, datetime.now(UTC).replace(tzinfo=None), note])
    return f"added {alias!r} -> {body_code} (by {by}); it resolves from the next load on"


def list_aliases(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """The local aliases, oldest first."""
    return frame(con, "SELECT alias, body_code, added_by, added_at, note FROM mart.local_body_aliases ORDER BY added_at")
