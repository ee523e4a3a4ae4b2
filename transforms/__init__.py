"""Pure transforms: polars frames in, polars frames out. No Prefect, no DuckDB, no I/O."""
