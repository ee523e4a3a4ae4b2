"""What an annual refresh does, independent of the orchestrator (the Prefect flow only wires it)."""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb

from pilotwatch.catalogue import Catalogue, parse_year_range
from warehouse import one


class RefreshFailed(RuntimeError):
    """Some sources failed; what did load was published, the failed ones changed nothing."""


def resolve_years(
    catalogue: Catalogue, year: int | None = None, years: list[int] | str | None = None
) -> list[int]:
    """``year`` alone, a list or ``"2017-2020"`` range, or every year the catalogue knows."""
    if year is not None and years:
        raise ValueError("give either year or years, not both")
    if year is not None:
        return [int(year)]
    if isinstance(years, str):
        return parse_year_range(years)
    if years:
        return sorted({int(y) for y in years})
    return catalogue.years()


@dataclass
class Summary:
    years: list[int]
    loads: list[dict[str, object]] = field(default_factory=list)

    @property
    def failed(self) -> list[dict[str, object]]:
        return [r for r in self.loads if r["status"] == "failed"]

    def text(self, con: duckdb.DuckDBPyConnection | None = None) -> str:
        lines = [
            f"pilotwatch refresh: years {self.years[0]}-{self.years[-1]}"
            if self.years
            else "pilotwatch refresh"
        ]
        for r in self.loads:
            lines.append(
                f"  {r['status']:<9} {r['dataset']:<27} {r['source_id']:<42} "
                f"accepted {r['rows_accepted']:>4}  rejected {r['rows_rejected']:>3}"
            )
            if r["status"] == "failed":
                lines.append(f"            {r['message']}")
        if con is not None:
            counts = one(
                con,
                "SELECT count(*), count(DISTINCT body_code), min(year), max(year) FROM mart.indicator_values",
            )
            q = one(con, "SELECT count(*) FROM core.quarantine")
            if counts:
                lines.append(
                    f"warehouse: {counts[0]} indicator values for {counts[1]} bodies and peer groups, "
                    f"{counts[2]}-{counts[3]}; {q[0] if q else 0} rows in quarantine (mart.quarantine)"
                )
        return "\n".join(lines)
