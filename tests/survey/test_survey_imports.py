"""What ``pilotwatch survey`` imports: only what the options given need (issue 14: start-up)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from pilotwatch.survey.demo import demo_export
from pilotwatch.survey.items import load_instruments

#: Imported by the options that use them (--bootstrap, --group, --estimator dwls|wlsmv, --missing fiml),
#: or by pandera only when a schema could refuse something: none of them by a plain run.
NOT_NEEDED = ("pandera", "hypothesis", "typeguard", "semopy", "transforms.survey.bootstrap",
              "transforms.survey.invariance", "transforms.survey.multigroup", "transforms.survey.polychoric",
              "transforms.survey.dwls")


def test_a_plain_survey_run_imports_neither_pandera_nor_the_options_models(seeded_db: Path, tmp_path: Path) -> None:
    """The demo export has refused responses, so the quarantine is written too: its ``RejectedCell`` rows
    pass the polars check, and pandera (0.45 s of imports) is not needed for a survey whose answers pass."""
    path = tmp_path / "model_test.csv"
    demo_export(load_instruments()).write_csv(path)
    code = ("import sys\nfrom pilotwatch.cli import main\nrc = main(sys.argv[1:])\n"
            f"print('IMPORTED', rc, sorted(m for m in sys.modules if m.startswith({NOT_NEEDED!r})))")
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"} | {"PILOTWATCH_DB": str(seeded_db)}
    r = subprocess.run([sys.executable, "-c", code, "survey", "model_test", str(path), "--wave", "t", "--json"],
                       capture_output=True, text=True, env=env, cwd=Path(__file__).resolve().parents[2], check=True)
    document, _, imported = r.stdout.rpartition("IMPORTED ")
    assert imported.strip() == "0 []"
    doc = json.loads(document)
    assert doc["respondents"]["quarantined"] > 0 and doc["fit"]["sem"]["converged"]
