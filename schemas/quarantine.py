"""``core.quarantine``: a refused cell as the warehouse stores it (the vocabulary is ``schemas.rejects``)."""

from __future__ import annotations

import pandera.polars as pa


class RejectedCell(pa.DataFrameModel):
    """A quarantined cell as ``core.quarantine`` stores it: whose, where, why, and the row as read."""

    source_id: str = pa.Field(nullable=False)
    row_number: int = pa.Field(nullable=True)  # null: the source as a whole (e.g. a payroll summary line)
    column_name: str = pa.Field(nullable=True)
    reason: str = pa.Field(nullable=False, str_length={"min_value": 1})
    raw_row: str = pa.Field(nullable=True)  # JSON of the strings read

    class Config:
        strict = True
