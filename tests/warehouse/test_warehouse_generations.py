"""The published warehouse keeps previous versions; a damaged one is detected and restored (issue 13)."""

from __future__ import annotations

import os
from pathlib import Path

import duckdb
import pytest

import warehouse
from pilotwatch.cli import main


def _publish(tag: int) -> None:
    with warehouse.writer(f"test-{tag}") as con:
        con.execute("CREATE TABLE IF NOT EXISTS core.marker (tag INTEGER)")
        con.execute("DELETE FROM core.marker")
        con.execute("INSERT INTO core.marker VALUES (?)", [tag])


def _marker(db: Path) -> int:
    con = warehouse.connect(read_only=True, path=db)
    try:
        return int(con.execute("SELECT tag FROM core.marker").fetchall()[0][0])
    finally:
        con.close()


@pytest.fixture
def three_publishes(seeded_db: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("PILOTWATCH_GENERATIONS", "2")
    for tag in (1, 2, 3):
        _publish(tag)
    return seeded_db


def test_publishing_keeps_the_configured_number_of_recorded_generations(three_publishes: Path) -> None:
    db = three_publishes
    gens = warehouse.generation_files(db)
    assert len(gens) == 2  # four publishes (seed + 3), two previous versions kept
    found = warehouse.versions(db)
    assert [v.path for v in found] == [db, *gens]
    assert all(v.good and v.published_at for v in found), found
    assert _marker(db) == 3
    assert [_marker(g) for g in gens] == [2, 1]
    assert len(warehouse.read_versions(db)) <= 2 + 2  # records of the current file and its generations (+1)


def test_a_truncated_warehouse_is_detected_and_restored(three_publishes: Path,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    db = three_publishes
    size = db.stat().st_size
    os.truncate(db, size // 2)
    with pytest.raises(warehouse.WarehouseDamaged, match="pilotwatch warehouse restore"):
        warehouse.connect(read_only=True)
    assert main(["query", "select 1"]) == 1
    assert "pilotwatch warehouse restore" in capsys.readouterr().err
    damaged = warehouse.file_sha256(db)
    with pytest.raises(warehouse.WarehouseDamaged, match="pilotwatch warehouse restore"), \
            warehouse.writer("must-not-start"):
        pass
    assert warehouse.file_sha256(db) == damaged  # the writer changed nothing

    assert main(["warehouse", "list"]) == 1
    assert "DAMAGED" in capsys.readouterr().out
    assert main(["warehouse", "restore"]) == 0
    out = capsys.readouterr().out
    assert "restored" in out and "damaged file was moved" in out
    assert _marker(db) == 2  # the newest good previous version
    assert list(db.parent.glob(db.name + ".damaged-*"))
    _publish(4)  # and writers work again
    assert _marker(db) == 4


def test_a_truncated_file_is_detected_without_records(db_path: Path) -> None:
    """A file no pilotwatch recorded (copied in by hand, or from before records): its header says
    how many blocks it has, and a shorter file is refused, although DuckDB itself would open it."""
    con = duckdb.connect(str(db_path))
    con.execute("CREATE SCHEMA core; CREATE TABLE core.marker AS SELECT range AS tag FROM range(300000)")
    con.close()
    os.truncate(db_path, db_path.stat().st_size - 200_000)
    for sandbox in (True, False):
        with pytest.raises(warehouse.WarehouseDamaged, match=r"truncated.*pilotwatch warehouse restore"):
            warehouse.connect(read_only=True, sandbox=sandbox)
    with pytest.raises(warehouse.WarehouseDamaged, match="truncated"), warehouse.writer("must-not-start"):
        pass


def test_a_same_size_corruption_stops_the_next_writer(three_publishes: Path) -> None:
    db = three_publishes
    with open(db, "r+b") as fh:  # flip bytes in the middle: the size stays, the hash does not
        fh.seek(db.stat().st_size // 2)
        chunk = fh.read(64)
        fh.seek(db.stat().st_size // 2)
        fh.write(bytes(b ^ 0xFF for b in chunk))
    with pytest.raises(warehouse.WarehouseDamaged, match="sha256 matches no published version"), \
            warehouse.writer("must-not-start"):
        pass
    assert not list(db.parent.glob(db.name + ".work-*"))


def test_restore_a_chosen_generation(three_publishes: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = three_publishes
    oldest = warehouse.generation_files(db)[-1]
    assert main(["warehouse", "restore", oldest.name]) == 0
    assert _marker(db) == 1
    assert main(["warehouse", "restore", "no-such-file"]) == 1
    assert "no generation 'no-such-file'" in capsys.readouterr().err


def test_published_files_use_a_storage_version_duckdb_1x_reads(seeded_db: Path) -> None:
    con = duckdb.connect(str(seeded_db), read_only=True)
    try:
        assert warehouse._storage_version(con) == warehouse.STORAGE_VERSION
    finally:
        con.close()


def test_a_warehouse_in_the_newest_format_is_converted_by_the_next_writer(db_path: Path) -> None:
    con = duckdb.connect(str(db_path))  # as an older pilotwatch wrote it: DuckDB 2.0's own format
    con.execute("CREATE SCHEMA core; CREATE TABLE core.marker AS SELECT 7 AS tag")
    before = warehouse._storage_version(con)
    con.close()
    assert before != warehouse.STORAGE_VERSION
    with warehouse.writer("convert"):
        pass
    con = duckdb.connect(str(db_path), read_only=True)
    try:
        assert warehouse._storage_version(con) == warehouse.STORAGE_VERSION
        assert con.execute("SELECT tag FROM core.marker").fetchall() == [(7,)]
    finally:
        con.close()


def test_a_new_connection_sees_the_newest_version_while_an_old_one_is_open(seeded_db: Path) -> None:
    """DuckDB shares one instance per path in a process; connect() does not, so it sees new publishes."""
    import pilotwatch

    _publish(1)
    old = pilotwatch.connect()
    assert old.execute("SELECT tag FROM core.marker").fetchall() == [(1,)]
    _publish(2)
    new = pilotwatch.connect()
    try:
        assert new.execute("SELECT tag FROM core.marker").fetchall() == [(2,)]
        assert old.execute("SELECT tag FROM core.marker").fetchall() == [(1,)]  # the version it opened
    finally:
        old.close()
        new.close()
