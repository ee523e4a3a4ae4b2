"""Analysts and the refresh never block each other (issue 8), proven with real processes.

- a reader process holds a read-only connection for the whole refresh and always sees the complete
  old state; a new connection afterwards sees the new one;
- two refreshes at once: one publishes, the other waits (or fails clearly); counts as after one;
- a refresh SIGKILLed at each failpoint leaves the published file byte-for-byte as it was, and the
  next refresh cleans up and succeeds.

Each refresh is its own process running ``pilotwatch.cli.main``, forked from one that imported the refresh
once (``FORKER``): the imports were most of what a refresh process cost here.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import select
import signal
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import duckdb
import pytest

import warehouse

STATE_SQL = "select count(*), round(sum(value), 6), count(distinct year) from mart.indicator_values"


def state(db: Path) -> tuple:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(STATE_SQL).fetchone()  # type: ignore[return-value]
    finally:
        con.close()


def sha(p: Path) -> str:
    return hashlib.sha256(p.read_bytes()).hexdigest()


def integrity(db: Path) -> None:
    """Every table and view of the published file can be read to the end."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        rels = con.execute("select table_schema, table_name from information_schema.tables "
                           "where table_schema in ('raw','staging','core','mart','meta')").fetchall()
        assert rels
        for schema, name in rels:
            con.execute(f'select count(*) from "{schema}"."{name}"').fetchall()
    finally:
        con.close()


@pytest.fixture
def api_env(prefect_server: None, db_path: Path) -> dict[str, str]:
    """Environment for child processes: the session's Prefect API and this test's warehouse."""
    from prefect.settings import PREFECT_API_URL

    env = dict(os.environ)
    env["PREFECT_API_URL"] = str(PREFECT_API_URL.value())
    env["PILOTWATCH_DB"] = str(db_path)
    env.pop("PILOTWATCH_FAILPOINTS", None)
    return env


#: A process that imports what ``pilotwatch refresh`` imports once, then forks one child per refresh
#: asked for on stdin (a JSON list of runs: environment, arguments, output files; the runs of one line
#: start together) and answers each line with the children's exit codes (``-9`` when SIGKILLed). A child
#: is a separate process running ``pilotwatch.cli.main`` — the same locks, failpoints, publish and exit
#: as ``python -m pilotwatch.cli refresh`` — without paying the imports again (about 6 s of CPU per
#: refresh, most of what this module's nine refreshes cost). Prefect reads its settings when it is
#: imported, so the forker starts with the session's API URL; pilotwatch reads its own at each use.
FORKER = textwrap.dedent("""
    import json, os, sys, threading
    import pilotwatch.cli, pilotwatch.commands.refresh, flows.refresh, flows.alerts, flows.analysis
    assert threading.active_count() == 1, "forking is only safe while the forker has one thread"
    print("ready", flush=True)
    for line in sys.stdin:
        pids = []
        for run in json.loads(line):
            pid = os.fork()
            if pid == 0:
                for fd, name in ((0, os.devnull), (1, run["stdout"]), (2, run["stderr"])):
                    os.dup2(os.open(name, os.O_RDWR | os.O_CREAT | os.O_TRUNC), fd)
                os.environ.clear()
                os.environ.update(run["env"])
                sys.exit(pilotwatch.cli.main(run["argv"]))  # exits as the command's own process would
            pids.append(pid)
        print(json.dumps([os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) for pid in pids]), flush=True)
""")


@pytest.fixture(scope="module")
def forker(prefect_server: None) -> Iterator[subprocess.Popen[str]]:
    """The refresh forker (``FORKER``), started once for this module with the session's Prefect API."""
    from prefect.settings import PREFECT_API_URL

    env = dict(os.environ, PREFECT_API_URL=str(PREFECT_API_URL.value()))
    proc = subprocess.Popen([sys.executable, "-c", FORKER], env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            text=True, start_new_session=True)  # its own process group: the refreshes join it
    try:
        assert proc.stdout is not None and proc.stdout.readline() == "ready\n", "the refresh forker did not start"
        yield proc
    finally:  # the forker and any refresh a failed test left running
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


@pytest.fixture
def refreshes(forker: subprocess.Popen[str], tmp_path: Path) -> Callable[..., list[subprocess.CompletedProcess[str]]]:
    """``refreshes(env, argv, ...)``: one ``pilotwatch refresh`` process per argument list, all started
    at once (by the forker) and waited for; each result has its exit code, stdout and stderr."""
    calls = itertools.count()

    def run(env: dict[str, str], *argvs: list[str], timeout: float = 400) -> list[subprocess.CompletedProcess[str]]:
        runs = []
        for argv in argvs:
            n = next(calls)
            runs.append({"env": env, "argv": ["refresh", *argv],
                         "stdout": str(tmp_path / f"refresh-{n}.out"), "stderr": str(tmp_path / f"refresh-{n}.err")})
        assert forker.stdin is not None and forker.stdout is not None
        forker.stdin.write(json.dumps(runs) + "\n")
        forker.stdin.flush()
        ready, _, _ = select.select([forker.stdout], [], [], timeout)
        assert ready, f"the refreshes did not finish in {timeout} s"
        line = forker.stdout.readline()
        assert line, f"the refresh forker died (exit code {forker.poll()})"
        return [subprocess.CompletedProcess(r["argv"], code, Path(r["stdout"]).read_text(),
                                            Path(r["stderr"]).read_text())
                for r, code in zip(runs, json.loads(line), strict=True)]

    return run


@pytest.fixture
def refresh(refreshes: Callable[..., list[subprocess.CompletedProcess[str]]]
            ) -> Callable[..., subprocess.CompletedProcess[str]]:
    """``refresh(env, *args)``: one ``pilotwatch refresh`` process, waited for."""
    return lambda env, *args: refreshes(env, list(args))[0]


@pytest.fixture
def old_state(api_env: dict[str, str], db_path: Path) -> tuple:
    """The published warehouse holds 2017-2018 only; a full refresh will add 2019-2020.

    Built in-process without Prefect (the same loads the refresh runs) to keep the suite quick;
    the refreshes under test below are real separate processes.
    """
    load_in_process([2017, 2018])
    return state(db_path)


def load_in_process(years: list[int] | None = None) -> None:
    """The refresh's loads of the bundled catalogue into ``PILOTWATCH_DB``, in this process without Prefect
    (every catalogued year when ``years`` is None)."""
    from pilotwatch import registry, settings
    from pilotwatch.catalogue import load_catalogue
    from pilotwatch.ingest import load_source

    cat = load_catalogue(settings.catalogue_path())
    with warehouse.writer("test-loads") as con:
        registry.seed(con)
        for source in cat.sources:
            wanted = source.years if years is None else [y for y in years if y in source.years]
            if wanted:
                load_source(con, cat, source, wanted)


READER = textwrap.dedent("""
    import sys, time, json, duckdb, pathlib
    db, out, ready, stop = sys.argv[1:5]
    con = duckdb.connect(db, read_only=True)
    pathlib.Path(ready).write_text("ok")
    with open(out, "w") as f:
        while not pathlib.Path(stop).exists():
            f.write(json.dumps(con.execute(sys.argv[5]).fetchone()) + "\\n"); f.flush()
            time.sleep(0.01)
    con.close()
""")


def test_reader_sees_complete_old_state_during_refresh(old_state: tuple, api_env: dict[str, str], db_path: Path,
                                                       tmp_path: Path, refresh: Callable) -> None:
    out, ready, stop = tmp_path / "reads.jsonl", tmp_path / "ready", tmp_path / "stop"
    reader = subprocess.Popen([sys.executable, "-c", READER, str(db_path), str(out), str(ready), str(stop), STATE_SQL])
    try:
        for _ in range(600):
            if ready.exists():
                break
            time.sleep(0.05)
        assert ready.exists(), "reader did not start"
        r = refresh(api_env)
        assert r.returncode == 0, r.stderr[-3000:]
    finally:
        stop.write_text("stop")
        reader.wait(timeout=60)
    assert reader.returncode == 0
    reads = [tuple(json.loads(line)) for line in out.read_text().splitlines()]
    assert len(reads) > 10
    assert set(reads) == {tuple(old_state)}  # never a half-finished or new state on the old connection
    new = state(db_path)
    assert new != old_state and new[2] > old_state[2]


def test_two_refreshes_at_once(old_state: tuple, api_env: dict[str, str], db_path: Path, tmp_path: Path,
                               monkeypatch: pytest.MonkeyPatch, refreshes: Callable) -> None:
    env = dict(api_env, PILOTWATCH_LOCK_TIMEOUT="240")
    results = [(r.returncode, r.stderr) for r in refreshes(env, ["--no-analysis"], ["--no-analysis"])]
    assert any(code == 0 for code, _ in results), results
    for code, err in results:
        assert code == 0 or "is being written by" in err, err[-2000:]
    # counts are as after one refresh: compare with the same loads run once into another file (in this
    # process, as old_state is built: a third refresh process paid a whole start-up for a reference value)
    single = tmp_path / "single" / "pw.duckdb"
    single.parent.mkdir()
    monkeypatch.setenv("PILOTWATCH_DB", str(single))
    load_in_process()
    assert state(db_path) == state(single)
    integrity(db_path)


def test_waiting_writer_fails_clearly_and_changes_nothing(old_state: tuple, api_env: dict[str, str],
                                                          db_path: Path, refresh: Callable) -> None:
    before = sha(db_path)
    entered, release = threading.Event(), threading.Event()

    def hold() -> None:
        with warehouse.writer("test-holder"):
            entered.set()
            release.wait(120)

    t = threading.Thread(target=hold)
    t.start()
    try:
        assert entered.wait(30)
        r = refresh(dict(api_env, PILOTWATCH_LOCK_TIMEOUT="1"), "--no-analysis")
    finally:
        release.set()
        t.join(60)
    assert r.returncode != 0
    assert "is being written by test-holder" in r.stderr and f"pid {os.getpid()}" in r.stderr
    assert sha(db_path) == before


def test_kill_9_at_any_point_leaves_published_warehouse_as_it_was(old_state: tuple, api_env: dict[str, str],
                                                                   db_path: Path, refresh: Callable) -> None:
    """Killed at each failpoint in turn: the published file never changes, and each next refresh removes
    the working copy the killed one left (one recovery at the end instead of one per point: the
    clean-up is the same code at the start of every writer, and the kills after the first prove it)."""
    before = sha(db_path)
    for n, point in enumerate(["fetch", "validate", "load", "publish"]):
        r = refresh(dict(api_env, PILOTWATCH_FAILPOINTS=point), "--no-analysis")
        assert r.returncode == -9, (point, r.returncode, r.stderr[-2000:])
        assert sha(db_path) == before, point
        integrity(db_path)
        assert state(db_path) == old_state, point
        leftovers = list(db_path.parent.glob(db_path.name + ".work-*"))
        assert leftovers, f"the refresh killed at {point} should have left its working copy behind"
        if n:  # this refresh removed the copy the previous kill left before it was killed itself
            assert "removing stale working copy" in r.stderr, (point, r.stderr[-2000:])

    again = refresh(api_env, "--no-analysis")
    assert again.returncode == 0, again.stderr[-3000:]
    assert "removing stale working copy" in again.stderr
    assert not list(db_path.parent.glob(db_path.name + ".work-*"))
    assert state(db_path)[2] > old_state[2]
    integrity(db_path)


def test_disk_needs_at_most_twice_the_warehouse(old_state: tuple, db_path: Path) -> None:
    """Publishing holds the published file and one working copy: never more than two at once."""
    peak = 0

    def sizes() -> int:
        return sum(p.stat().st_size for p in db_path.parent.iterdir() if p.name.startswith(db_path.name)
                   and not p.name.endswith(".lock"))

    with warehouse.writer("disk-check") as con:
        con.execute("create table core.scratch as select * from range(200000)")
        con.execute("checkpoint")
        peak = max(peak, sizes())
        con.execute("drop table core.scratch")
    size_after = db_path.stat().st_size
    assert peak <= 2 * size_after + 1024 * 1024  # published + working copy (+ a little WAL)
