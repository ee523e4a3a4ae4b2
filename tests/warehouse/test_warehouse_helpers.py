"""The warehouse's small helpers: one transaction block and one clock for every writer."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest

import warehouse
from warehouse import transaction, utc_now


def test_a_transaction_commits_when_the_block_ends(tmp_path: Path) -> None:
    con = duckdb.connect(str(tmp_path / "t.duckdb"))
    con.execute("CREATE TABLE t (x INTEGER)")
    with transaction(con):
        con.execute("INSERT INTO t VALUES (1), (2)")
    assert con.execute("SELECT count(*) FROM t").fetchall() == [(2,)]


def test_a_transaction_rolls_back_everything_on_an_error_and_reraises_it(tmp_path: Path) -> None:
    con = duckdb.connect(str(tmp_path / "t.duckdb"))
    con.execute("CREATE TABLE t (x INTEGER PRIMARY KEY)")
    with pytest.raises(duckdb.ConstraintException), transaction(con):
        con.execute("INSERT INTO t VALUES (1)")
        con.execute("INSERT INTO t VALUES (1)")  # duplicate key: the first row must go too
    assert con.execute("SELECT count(*) FROM t").fetchall() == [(0,)]
    with transaction(con):  # the connection is usable again: no transaction left open
        con.execute("INSERT INTO t VALUES (3)")
    assert con.execute("SELECT x FROM t").fetchall() == [(3,)]


def test_utc_now_is_naive_utc_like_the_warehouse_timestamps() -> None:
    before = datetime.now(UTC).replace(tzinfo=None)
    now = utc_now()
    assert now.tzinfo is None
    assert before <= now <= datetime.now(UTC).replace(tzinfo=None)


def test_a_migration_that_redefines_a_view_keeps_the_comments_it_does_not_rewrite() -> None:
    """DuckDB drops a view's comments on CREATE OR REPLACE VIEW; migrate gives back those the migration
    did not write itself, and only where the view or column still exists."""
    con = duckdb.connect()
    con.execute("CREATE TABLE t (a INT, b INT, c INT)")
    con.execute("CREATE VIEW v AS SELECT a, b FROM t")
    con.execute("COMMENT ON VIEW v IS 'the view'")
    con.execute("COMMENT ON COLUMN v.a IS 'it''s a'")
    con.execute("COMMENT ON COLUMN v.b IS 'old b'")
    before = warehouse._view_comments(con)
    con.execute("CREATE OR REPLACE VIEW v AS SELECT a, c FROM t; COMMENT ON COLUMN v.c IS 'new c'")
    assert con.execute("SELECT comment FROM duckdb_views() WHERE view_name = 'v'").fetchone() == (None,)
    warehouse._restore_view_comments(con, before)
    got = dict(con.execute("SELECT column_name, comment FROM duckdb_columns() WHERE table_name = 'v'").fetchall())
    assert got == {"a": "it's a", "c": "new c"}  # b is gone with its column; c keeps the migration's text
    assert con.execute("SELECT comment FROM duckdb_views() WHERE view_name = 'v'").fetchone() == ("the view",)
