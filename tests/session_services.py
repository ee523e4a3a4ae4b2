"""What the whole test session shares, built once for all pytest-xdist workers: a Prefect API server and
the bundled warehouse.

Why: a temporary Prefect server costs 10-30 s of CPU to start (Prefect's imports and about a hundred
Alembic migrations of a fresh SQLite file), and the bundled warehouse is one full annual refresh (about
25 s of CPU in the refresh plus as much in the server). Built per worker, ``make test`` paid each twice.
Now the first worker that collects a test needing one starts it *in the background* (the others find it
started), so it is ready, or nearly, by the time the first such test runs, and the workers keep testing
meanwhile instead of waiting.

How: the session's controller (the one ``pytest`` process, or xdist's controller) makes a directory and
names it in ``PILOTWATCH_TEST_SESSION_DIR``, which the workers inherit; an ``flock`` there decides who
starts what; a started service writes its state there (``prefect-api/url``, ``bundled/done``); the
controller stops the server at the end (``stop``). A server or build left behind by a killed session
stops itself: each watches the controller's pid (``--owner``) and exits when it is gone.

Run as a script it is one of the two background processes: ``serve`` (the Prefect API on a port the
kernel picked, written to ``prefect-api/url``) or ``bundle`` (the annual refresh into
``bundled/pilotwatch.duckdb``, then ``bundled/done`` or ``bundled/failed``).
"""

from __future__ import annotations

import fcntl
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

SESSION_DIR_VAR = "PILOTWATCH_TEST_SESSION_DIR"
OWNER_VAR = "PILOTWATCH_TEST_SESSION_OWNER"


def begin_session() -> None:
    """On the controller, before any worker starts: the shared directory and the owner's pid."""
    if SESSION_DIR_VAR not in os.environ:
        os.environ[SESSION_DIR_VAR] = tempfile.mkdtemp(prefix="pilotwatch-tests-")
        os.environ[OWNER_VAR] = str(os.getpid())


def session_dir() -> Path:
    return Path(os.environ[SESSION_DIR_VAR])


def end_session() -> None:
    """On the controller, after every worker has finished: stop the server, remove the directory."""
    if os.environ.get(OWNER_VAR) != str(os.getpid()):
        return
    shared = session_dir()
    for pid_file in (shared / "prefect-api" / "pid", shared / "bundled" / "pid"):
        _terminate(pid_file)
    _rmtree(shared)
    os.environ.pop(SESSION_DIR_VAR, None)
    os.environ.pop(OWNER_VAR, None)


@contextmanager
def _exclusive(name: str) -> Iterator[Path]:
    """One process at a time in ``session_dir()/name`` (a directory), across the workers."""
    d = session_dir() / name
    d.mkdir(parents=True, exist_ok=True)
    with open(d / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield d
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _spawn(d: Path, *args: str, env: dict[str, str] | None = None) -> None:
    """Start this module as a background process whose output goes to ``d/log``; its pid to ``d/pid``."""
    tests = Path(__file__).resolve().parent
    path = os.pathsep.join(p for p in (str(tests.parent), str(tests), os.environ.get("PYTHONPATH")) if p)
    with open(d / "log", "ab") as log:
        proc = subprocess.Popen([sys.executable, __file__, *args, "--owner", os.environ[OWNER_VAR]],
                                stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                env={**os.environ, "PYTHONPATH": path, **(env or {})})
    (d / "pid").write_text(str(proc.pid))
    proc.returncode = 0  # never waited for here (it may outlive this worker): no "still running" warning


def _log_tail(d: Path, chars: int = 4000) -> str:
    try:
        return (d / "log").read_text(errors="replace")[-chars:]
    except FileNotFoundError:
        return "(no log)"


def _alive(pid_file: Path) -> bool:
    """The process named in ``pid_file`` still runs (an exited child of this process is reaped here)."""
    try:
        pid = int(pid_file.read_text())
    except (FileNotFoundError, ValueError):
        return False
    try:
        if os.waitpid(pid, os.WNOHANG)[0] == pid:
            return False
    except ChildProcessError:
        pass  # started by another worker: ask the kernel
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # exited but not yet reaped by whoever adopted it (a zombie) is not running
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return True


def _terminate(pid_file: Path, grace_s: float = 10.0) -> None:
    try:
        pid = int(pid_file.read_text())
        os.kill(pid, signal.SIGTERM)
    except (FileNotFoundError, ValueError, ProcessLookupError):
        return
    deadline = time.monotonic() + grace_s
    while time.monotonic() < deadline and _alive(pid_file):
        time.sleep(0.05)
    if _alive(pid_file):
        os.kill(pid, signal.SIGKILL)


def _rmtree(p: Path) -> None:
    import shutil

    shutil.rmtree(p, ignore_errors=True)


# --- the Prefect API ---------------------------------------------------------------------------------------

def start_prefect_api() -> None:
    """Start the session's Prefect server in the background unless a worker already did (returns at once)."""
    with _exclusive("prefect-api") as d:
        if (d / "pid").exists():
            return
        _spawn(d, "serve", str(d), env={
            "PREFECT_HOME": str(d / "home"),
            "PREFECT_SERVER_DATABASE_CONNECTION_URL": f"sqlite+aiosqlite:///{d / 'prefect.db'}",
            # what Prefect's own temporary server sets: API only, ephemeral mode's few services
            "PREFECT_UI_ENABLED": "0", "PREFECT__SERVER_EPHEMERAL": "1", "PREFECT__SERVER_FINAL": "1",
        })


def prefect_api_url(timeout_s: float) -> str:
    """The API URL of the session's server once it answers (started now if nobody has yet)."""
    start_prefect_api()
    d = session_dir() / "prefect-api"
    deadline = time.monotonic() + timeout_s
    while True:
        url_file = d / "url"
        if url_file.exists() and _healthy(url := url_file.read_text()):
            return url
        if not _alive(d / "pid"):
            raise RuntimeError(f"the session's Prefect server exited; its log:\n{_log_tail(d)}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"the session's Prefect server did not answer within {timeout_s:.0f} s; "
                               f"its log:\n{_log_tail(d)}")
        time.sleep(0.1)


def _healthy(api_url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{api_url}/health", timeout=5) as r:
            return r.status == 200
    except OSError:
        return False


def _serve(d: Path) -> None:
    """The server process: uvicorn on a socket bound to a free port first (no race for the port)."""
    import socket

    import uvicorn

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config("prefect.server.api.server:create_app", factory=True, host="127.0.0.1", port=port,
                            log_level="error", lifespan="on")
    (d / "url.tmp").write_text(f"http://127.0.0.1:{port}/api")
    (d / "url.tmp").replace(d / "url")
    uvicorn.Server(config).run(sockets=[sock])


# --- the bundled warehouse ---------------------------------------------------------------------------------

def start_bundled_warehouse(prefect_timeout_s: float) -> None:
    """Build the bundled warehouse in the background unless a worker already started it (returns at once)."""
    start_prefect_api()
    with _exclusive("bundled") as d:
        if (d / "pid").exists():
            return
        _spawn(d, "bundle", str(d), str(prefect_timeout_s), env={"PREFECT_HOME": str(d / "home"),
                                                                  "PILOTWATCH_DB": str(d / "pilotwatch.duckdb")})


def bundled_warehouse(prefect_timeout_s: float, timeout_s: float = 1800.0) -> Path:
    """The bundled warehouse once built (the build started now if nobody has yet); read-only."""
    start_bundled_warehouse(prefect_timeout_s)
    d = session_dir() / "bundled"
    deadline = time.monotonic() + timeout_s
    while not (d / "done").exists():
        if (d / "failed").exists() or not _alive(d / "pid") and not (d / "done").exists():
            raise RuntimeError(f"building the bundled warehouse failed; its log:\n{_log_tail(d)}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"the bundled warehouse was not built within {timeout_s:.0f} s; "
                               f"its log:\n{_log_tail(d)}")
        time.sleep(0.1)
    return d / "pilotwatch.duckdb"


def _bundle(d: Path, prefect_timeout_s: float) -> None:
    """The build process: one ``annual_refresh`` on the bundled data against the session's server."""
    try:
        os.environ["PREFECT_API_URL"] = prefect_api_url(prefect_timeout_s)
        from flows.refresh import annual_refresh

        annual_refresh()
    except BaseException:
        (d / "failed").touch()
        raise
    (d / "done").touch()


def _watch_owner(owner: int) -> None:
    """Exit when the session that started this process is gone (killed, crashed): nothing left behind."""
    def watch() -> None:
        while True:
            try:
                os.kill(owner, 0)
            except ProcessLookupError:
                os._exit(0)
            time.sleep(1.0)

    threading.Thread(target=watch, daemon=True).start()


def main(argv: list[str]) -> None:
    *args, flag, owner = argv
    assert flag == "--owner", argv
    _watch_owner(int(owner))
    what, d, *rest = args
    if what == "serve":
        _serve(Path(d))
    elif what == "bundle":
        _bundle(Path(d), float(rest[0]))
    else:
        raise SystemExit(f"unknown service {what!r}")


if __name__ == "__main__":
    main(sys.argv[1:])
