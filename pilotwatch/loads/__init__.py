"""Loads: how anything enters the warehouse is recorded (``meta.loads``, ``core.quarantine``).

``ledger`` owns a load's life (see its docstring for the whole API); refused cells are described in
the vocabulary of ``schemas.rejects``.
"""

from pilotwatch.loads.ledger import (
    Load,
    LoadFailed,
    LoadResult,
    is_unchanged,
    now,
    record_again,
    source_state,
    write_row,
    years_key,
)

__all__ = ["Load", "LoadFailed", "LoadResult", "is_unchanged", "now", "record_again", "source_state", "write_row",
           "years_key"]
