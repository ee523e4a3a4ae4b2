"""What a source can make pilotwatch do is bounded, and what it writes holds no secret (issue 13).

- a server trickling a byte every 2 s fails at ``http.deadline_s``, with the limit named, although
  it never pauses long enough for ``timeout_s``;
- a file rewritten while it is read fails instead of loading part of it;
- credentials in a catalogue URL (query parameters and userinfo) reach neither ``mart.loads``, nor
  the logs, nor the warehouse file's bytes.
"""

from __future__ import annotations

import logging
import threading
import time
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import http_fixture
import pytest
import yaml
from http_fixture import HttpFixture, Request

import warehouse
from pilotwatch.catalogue import Catalogue, Source
from pilotwatch.ingest import LoadFailed, load_source
from pilotwatch.sources.fetch import SourceError, fetch, redact, safe_uri

http_server = http_fixture.http_server

BODY = b"body,year,indicator,value\nacsa,2020,overall_effectiveness,88.3\nastana,2020,overall_effectiveness,67.8\n"


def _source(location: str, *, kind: str = "http", **http: object) -> Source:
    return Source.model_validate({
        "id": "hardened", "dataset": "evaluation_center", "years": [2020], "kind": kind, "format": "csv",
        "layout": "long", "columns": {"body": "body", "year": "year", "indicator": "indicator", "value": "value"},
        ("url" if kind == "http" else "path"): location,
        "http": {"retries": 2, "backoff_s": 0.01, "timeout_s": 5.0, **http},
        "units": {"assume_declared": True},  # the values are in the indicators' declared units
        "limits": {"max_rows": 1_000_000},
    })


def _trickle(h: BaseHTTPRequestHandler, req: Request) -> None:
    h.send_response(200)
    h.send_header("Content-Type", "text/csv")
    h.send_header("Content-Length", str(len(BODY)))
    h.end_headers()
    for byte in BODY[:20]:  # one byte every 2 s: never a 5 s pause, never the end
        h.wfile.write(bytes([byte]))
        h.wfile.flush()
        time.sleep(2)


def test_a_trickling_server_fails_at_the_deadline(http_server: HttpFixture) -> None:
    http_server.route("/slow.csv", _trickle)
    src = _source(http_server.url("/slow.csv"), deadline_s=5)
    started = time.monotonic()
    with pytest.raises(SourceError, match=r"too slow: not finished within http\.deadline_s=5s") as exc:
        fetch(src, Catalogue(sources=[src]))
    elapsed = time.monotonic() - started
    assert 5 <= elapsed < 9, elapsed  # at the deadline (+ at most one 2 s trickle step), not ~200 s
    assert http_server.count("/slow.csv") == 1  # a deadline is not retried
    assert "bytes received" in str(exc.value)


def test_the_deadline_covers_every_retry(http_server: HttpFixture) -> None:
    http_server.add_sleep("/sleepy.csv", 1.5)
    src = _source(http_server.url("/sleepy.csv"), timeout_s=1.0, retries=10, backoff_s=0.5, deadline_s=3)
    started = time.monotonic()
    with pytest.raises(SourceError, match=r"http\.deadline_s=3s"):
        fetch(src, Catalogue(sources=[src]))
    assert time.monotonic() - started < 5


@pytest.mark.parametrize("trial", range(3))
def test_a_file_rewritten_while_read_fails_and_loads_nothing(seeded_db: Path, tmp_path: Path, trial: int) -> None:
    path = tmp_path / "values.csv"
    rows = b"".join(b"acsa,2020,overall_effectiveness,88.3\n" for _ in range(400_000))
    path.write_bytes(BODY + rows)
    stop = threading.Event()

    def rewrite() -> None:  # another program rewriting the file in place (same size), as the attacker's did
        with open(path, "r+b") as fh:
            while not stop.is_set():
                fh.seek(len(BODY))
                for i in range(20):  # different values each pass: a mixed read is not the file
                    fh.write((rows if i % 2 else rows.replace(b"88.3", b"77.1"))[:100_000])
                    fh.flush()

    writer_thread = threading.Thread(target=rewrite, daemon=True)
    writer_thread.start()
    src = _source(str(path), kind="file")
    cat = Catalogue(sources=[src], base_dir="/")
    failure: LoadFailed | None = None
    try:
        with warehouse.writer("test") as con:
            try:
                load_source(con, cat, src, [2020])
            except LoadFailed as exc:
                failure = exc
    finally:
        stop.set()
        writer_thread.join()
    assert failure is not None and "changed while it was read" in str(failure)
    con = warehouse.connect(read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM core.indicator_facts").fetchall() == [(0,)]
        assert con.execute("SELECT status FROM mart.loads").fetchall() == [("failed",)]
    finally:
        con.close()


def test_an_unchanged_file_still_loads(seeded_db: Path, tmp_path: Path) -> None:
    path = tmp_path / "values.csv"
    path.write_bytes(BODY)
    src = _source(str(path), kind="file")
    with warehouse.writer("test") as con:
        result = load_source(con, Catalogue(sources=[src], base_dir="/"), src, [2020])
    assert result.status == "loaded" and result.rows_accepted == 2


SECRETS = ("SECRET123", "TOK456", "hunter2", "SIG789", "PW0RD")


def test_credentials_in_a_catalogue_url_are_never_stored(seeded_db: Path, tmp_path: Path, http_server: HttpFixture,
                                                         caplog: pytest.LogCaptureFixture) -> None:
    """The refresh's loads (as ``annual_refresh`` runs them, without Prefect) with credentials in two
    URLs, one that loads and one that fails; then grep the table, the messages, the logs and the
    warehouse file's bytes (the writer checkpoints before it publishes)."""
    from pilotwatch.catalogue import load_catalogue

    http_server.add_static("/values.csv", BODY)
    query = "?apiKey=SECRET123&token=TOK456&Signature=SIG789&password=PW0RD&year=2020"
    good = http_server.url("/values.csv").replace("http://", "http://bob:hunter2@") + query
    bad = http_server.url("/missing.csv") + query
    base = {"dataset": "evaluation_center", "years": [2020], "kind": "http", "format": "csv", "layout": "long",
            "columns": {"body": "body", "year": "year", "indicator": "indicator", "value": "value"},
            "http": {"retries": 0, "timeout_s": 5}, "units": {"assume_declared": True}}
    path = tmp_path / "cat.yaml"
    path.write_text(yaml.safe_dump({"sources": [{"id": "good", "url": good, **base}, {"id": "bad", "url": bad, **base}]}))
    cat = load_catalogue(path)
    caplog.set_level(logging.DEBUG)
    messages = []
    with warehouse.writer("annual_refresh") as con:
        for src in cat.sources:
            try:
                messages.append(str(load_source(con, cat, src, [2020]).message))
            except LoadFailed as exc:
                messages.append(str(exc))
    assert http_server.requests[0].query["apiKey"] == ["SECRET123"]  # it was sent…

    con = warehouse.connect(read_only=True)
    try:
        loads = con.execute("SELECT source_id, status, source_uri, message FROM mart.loads ORDER BY source_id").fetchall()
    finally:
        con.close()
    assert [(r[0], r[1]) for r in loads] == [("bad", "failed"), ("good", "loaded")]
    assert all(r[2].endswith("?year=2020") for r in loads)  # …the harmless part of the URL is kept…
    for blob in (seeded_db.read_bytes(), str(loads).encode(), str(messages).encode(), caplog.text.encode()):
        for secret in SECRETS:  # …and no credential is anywhere
            assert secret.encode() not in blob, secret


@pytest.mark.parametrize(("url", "expected"), [
    ("https://x.kz/a?apiKey=K&year=2020", "https://x.kz/a?year=2020"),
    ("https://x.kz/a?api_key=K&access_token=T&client_secret=C&format=csv", "https://x.kz/a?format=csv"),
    ("https://u:p@x.kz/a?X-Amz-Signature=S&X-Amz-Credential=C&sig=1&key=2", "https://x.kz/a"),
    ("https://x.kz/a?password=P&secret=S&token=T&page=3", "https://x.kz/a?page=3"),
])
def test_one_redaction_for_urls_and_text(url: str, expected: str) -> None:
    assert safe_uri(url) == expected
    text = redact(f"GET {url} failed")
    for value in ("=K", "=T", "=C", "=S", "=P", ":p@"):
        assert value not in text.replace(expected, "")
