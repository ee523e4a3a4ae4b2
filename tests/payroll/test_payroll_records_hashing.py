"""Employee ids are hashed with a secret salt at the door; no id as delivered and no name is stored."""

from __future__ import annotations

import hashlib
import hmac
from pathlib import Path

import pytest
from payroll_records_fixtures import (  # noqa: F401
    HAND_ROWS,
    NAMES,
    RAW_IDS,
    SALT,
    query,
    records_env,
    text_columns_containing,
    write_csv,
)

from pilotwatch.payroll import PayrollError, hash_id, ingest_records


def test_hash_is_hmac_sha256_of_the_id_with_the_salt() -> None:
    expected = hmac.new(SALT.encode(), b"E1-880101300123", hashlib.sha256).hexdigest()
    assert hash_id("E1-880101300123", SALT.encode()) == expected
    assert hash_id(expected, b"another salt") == expected  # already a hash: kept


def test_only_hashes_are_stored(records_env: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setenv("PILOTWATCH_TMPDIR", str(scratch))
    bad = ["E9-RAW-ID-IN-A-BAD-ROW,astana,chief_specialist,8,2019-01,-1,0,0,KZT,2010-01-01,,active,true,Zarina Example"]
    r = ingest_records(str(write_csv(tmp_path / "hand.csv", HAND_ROWS + bad)))
    assert r.status == "loaded"
    stored = {h for (h,) in query(records_env, "SELECT employee_hash FROM core.payroll_employees")}
    assert stored == {hash_id(i, SALT.encode()) for i in RAW_IDS} | {hash_id("E9-RAW-ID-IN-A-BAD-ROW", SALT.encode())}
    assert text_columns_containing(records_env, [*RAW_IDS, "E9-RAW-ID-IN-A-BAD-ROW", *NAMES, "Zarina Example"]) == []
    assert text_columns_containing(records_env, sorted(stored)[:1])  # the search does find what is stored
    # not in the bytes of the published file either, nor left in a temporary directory
    data = records_env.read_bytes()
    assert all(i.encode() not in data for i in RAW_IDS)
    assert list(scratch.iterdir()) == []


def test_every_employee_keeps_one_key_across_loads(records_env: Path, tmp_path: Path) -> None:  # noqa: F811
    ingest_records(str(write_csv(tmp_path / "a.csv", HAND_ROWS[:5])))
    ingest_records(str(write_csv(tmp_path / "b.csv", HAND_ROWS)))
    assert query(records_env, "SELECT count(*), count(DISTINCT employee_hash), max(employee_key) FROM core.payroll_employees") \
        == [(6, 6, 6)]
    assert query(records_env, "SELECT count(DISTINCT employee_key) FROM core.payroll_records") == [(6,)]


def test_no_salt_no_load(records_env: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    monkeypatch.delenv("PILOTWATCH_ID_SALT")
    with pytest.raises(PayrollError, match="set PILOTWATCH_ID_SALT"):
        ingest_records(str(write_csv(tmp_path / "hand.csv", HAND_ROWS)))
    assert query(records_env, "SELECT count(*) FROM core.payroll_records") == [(0,)]


def test_ids_that_arrive_hashed_need_no_salt(records_env: Path, tmp_path: Path,  # noqa: F811
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PILOTWATCH_ID_SALT")
    hashed = [hash_id(r.split(",", 1)[0], b"the agency's own salt") + "," + r.split(",", 1)[1] for r in HAND_ROWS]
    r = ingest_records(str(write_csv(tmp_path / "hashed.csv", hashed)))
    assert (r.status, r.rows_accepted) == ("loaded", 16)
    assert query(records_env, "SELECT count(*) FROM core.payroll_employees") == [(6,)]


def test_another_salt_is_refused(records_env: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    ingest_records(str(write_csv(tmp_path / "a.csv", HAND_ROWS)))
    monkeypatch.setenv("PILOTWATCH_ID_SALT", "a-different-salt-of-enough-length")
    with pytest.raises(PayrollError, match="not the salt the stored employee hashes were made with"):
        ingest_records(str(write_csv(tmp_path / "b.csv", HAND_ROWS[:3])))
