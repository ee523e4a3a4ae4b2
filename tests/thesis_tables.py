"""Read Tables 15 and 18 straight from the thesis text (``../shared/seed``), independently of the
bundled CSV files, so tests compare the warehouse with the thesis itself, not with our transcription."""

from __future__ import annotations

import re

from pilotwatch import PROJECT_ROOT

SEED = PROJECT_ROOT.parent / "shared" / "seed" / "000_9e4367add784b4c7.txt"

INDICATORS = {
    "Evaluation of overall effectiveness of a state body": "overall_effectiveness",
    "Goal achievement": "goal_achievement",
    "Organizational development": "organizational_development",
    "Net turnover": "net_turnover",
    "Quality of public services delivery": "public_services_quality",
    "Interaction with citizens": "interaction_with_citizens",
    "Budget of Payroll Fund": "payroll_fund_musd",
}
TABLE_BODIES = {
    15: ["acsa", "central_avg", "country_avg"],
    18: ["astana", "mangystau", "local_avg", "country_avg"],
}


def available() -> bool:
    return SEED.exists()


def _number(cell: str) -> float:
    m = re.search(r"\d+(?:[,.]\d+)?", cell)
    assert m, cell
    return float(m.group(0).replace(",", "."))


def table(number: int) -> dict[tuple[str, int, str], float]:
    """``{(body_code, year, indicator): value}`` for thesis Table 15 or 18 as printed."""
    lines = SEED.read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(f"Table {number} –"))
    bodies = TABLE_BODIES[number]
    out: dict[tuple[str, int, str], float] = {}
    indicator = None
    for line in lines[start + 1:]:
        if line.startswith("Note –"):
            break
        cells = line.split("\t")
        for name, code in INDICATORS.items():
            if any(c.strip() == name for c in cells):
                indicator = code
        years = [c for c in cells if re.fullmatch(r"20\d\d", c.strip())]
        if not years or indicator is None:
            continue
        pos = next(i for i, c in enumerate(cells) if c.strip() == years[0])
        values = [c for c in cells[pos + 1:] if c.strip()]
        assert len(values) == len(bodies), line
        for body, cell in zip(bodies, values, strict=True):
            out[(body, int(years[0]), indicator)] = _number(cell)
    return out
