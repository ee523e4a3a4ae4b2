"""pilotwatch: yearly monitoring of Kazakhstan's pay-by-results pilot in the civil service."""

from pathlib import Path

__version__ = "0.1.0"

#: Repository root (editable installs keep data files next to the code).
PROJECT_ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = PROJECT_ROOT / "data"
