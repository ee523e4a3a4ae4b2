"""Analysis configurations are validated strictly: a typo is an error, never a silent default."""

from __future__ import annotations

from pathlib import Path

import pytest

from pilotwatch.analysis.config import (
    RULES,
    AnalysisConfigError,
    configuration_names,
    load_all,
    load_analysis_config,
)


def test_bundled_configurations() -> None:
    configs = load_all()
    assert {"default", "thesis"} <= set(configs)
    d, t = configs["default"], configs["thesis"]
    assert d.inflation.series == "cpi_inflation_pct" and d.inflation.constant_pct is None
    assert d.rounding.standard_cost_step is None and d.rounding.cer_decimals is None
    assert d.effects.default_rule == "endpoint" and tuple(d.effects.rules) == RULES
    assert t.base_year == 2017 and t.inflation.series is None and t.inflation.constant_pct == 3.0
    assert t.rounding.standard_cost_step == 0.1 and t.rounding.cer_decimals == 3
    assert t.effects.default_rule == "first_pilot_step"
    assert t.grades == d.grades  # inherited through `extends`
    assert t.parameters()["name"] == "thesis"


def _write(tmp_path: Path, body: str) -> Path:
    p = tmp_path / "analysis.yaml"
    p.write_text("version: 1\nconfigurations:\n" + body, encoding="utf-8")
    return p


BASE = "  base:\n    inflation: {constant_pct: 3}\n"


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        (BASE + "    rounding: {standard_cost_stp: 0.1}\n", "standard_cost_stp"),
        (BASE + "    base_yaer: 2017\n", "base_yaer"),
        ("  base:\n    inflation: {series: cpi_inflation_pct, constant_pct: 3}\n", "exactly one"),
        ("  base:\n    inflation: {}\n", "exactly one"),
        (BASE + "    effects: {default_rule: trend}\n", "default_rule"),
        (BASE + "    effects: {default_rule: vs_peer, rules: [endpoint]}\n", "not in rules"),
        (BASE + "    verdict: {cost_side: maybe}\n", "cost_side"),
        (BASE + "    grades: {bands: {high: 50, average: 70, low: 90}}\n", "high > average > low"),
        (BASE + "    base_year: last_year\n", "base_year"),
        (BASE + "    rounding: {standard_cost_step: 0}\n", "standard_cost_step"),
    ],
)
def test_invalid_configurations_name_the_problem(tmp_path: Path, body: str, fragment: str) -> None:
    with pytest.raises(AnalysisConfigError, match=fragment):
        load_analysis_config("base", _write(tmp_path, body))


def test_unknown_top_level_key_and_unknown_name(tmp_path: Path) -> None:
    p = tmp_path / "a.yaml"
    p.write_text("version: 1\nconfigurations: {base: {inflation: {constant_pct: 1}}}\nconfigs: {}\n", encoding="utf-8")
    with pytest.raises(AnalysisConfigError, match="configs"):
        load_analysis_config("base", p)
    with pytest.raises(AnalysisConfigError, match="unknown analysis configuration 'thesys'"):
        load_analysis_config("thesys")


def test_extends_merges_and_detects_cycles(tmp_path: Path) -> None:
    p = _write(tmp_path, BASE + "    rounding: {cer_decimals: 3}\n"
                        "  child:\n    extends: base\n    rounding: {standard_cost_step: 0.1}\n"
                        "  a: {extends: b}\n  b: {extends: a}\n")
    child = load_analysis_config("child", p)
    assert child.rounding.cer_decimals == 3 and child.rounding.standard_cost_step == 0.1
    assert child.inflation.constant_pct == 3
    with pytest.raises(AnalysisConfigError, match="cycle"):
        load_analysis_config("a", p)
    assert configuration_names(p) == ["a", "b", "base", "child"]
