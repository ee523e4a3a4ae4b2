"""``fetch`` against a real local HTTP server: retries, caps, truncation, paging, secrets."""

from __future__ import annotations

import hashlib
import json
import logging
import socket
import time
from pathlib import Path
from typing import Any

import http_fixture
import pytest
from http_fixture import HttpFixture, Reply

from pilotwatch.catalogue import Catalogue, Source
from pilotwatch.sources.fetch import Fetched, SourceError, fetch, safe_uri

KEY_ENV = "PILOTWATCH_TEST_OPENDATA_KEY"
SECRET = "s3cr3t-K3Y+/="

#: The shared server fixture, re-exported so pytest finds it in this module.
http_server = http_fixture.http_server  # characters that URL-encode, to catch encoded leaks too


def http_source(url: str, **http: Any) -> Source:
    """A minimal long-layout http source; tiny backoff keeps retry tests fast."""
    opts: dict[str, Any] = {"timeout_s": 2.0, "retries": 2, "backoff_s": 0.01, **http}
    return Source.model_validate(
        {
            "id": "test_src",
            "dataset": "macro",
            "years": [2020],
            "kind": "http",
            "url": url,
            "format": "csv",
            "layout": "long",
            "columns": {"value": "value", "indicator": "indicator"},
            "http": opts,
        }
    )


def get(source: Source, previous: dict[str, Any] | None = None) -> Fetched:
    return fetch(source, Catalogue(sources=[source]), previous)


def sha(b: bytes) -> str:
    return hashlib.sha256(b).hexdigest()


# -- plain downloads ----------------------------------------------------------------------


def test_200_returns_bytes_sha_and_validators(http_server: HttpFixture) -> None:
    body = b"year;value\n2020;89,8\n"
    http_server.add_static("/d.csv", body, etag='"v1"', last_modified="Wed, 01 Jan 2025 00:00:00 GMT")
    got = get(http_source(http_server.url("/d.csv")))
    assert got.content == body
    assert got.sha256 == sha(body)
    assert got.etag == '"v1"'
    assert got.last_modified == "Wed, 01 Jan 2025 00:00:00 GMT"
    assert not got.not_modified
    assert got.uri == http_server.url("/d.csv")


def test_304_when_etag_matches(http_server: HttpFixture) -> None:
    body = b"a,b\n1,2\n"
    http_server.add_static("/d.csv", body, etag='"v1"')
    src = http_source(http_server.url("/d.csv"))
    first = get(src)
    again = get(src, {"etag": first.etag, "sha256": first.sha256})
    assert again.not_modified
    assert again.content is None
    assert again.sha256 == sha(body)
    assert again.etag == '"v1"'
    assert http_server.requests[-1].headers.get("If-None-Match") == '"v1"'


def test_304_when_last_modified_matches(http_server: HttpFixture) -> None:
    lm = "Wed, 01 Jan 2025 00:00:00 GMT"
    http_server.add_static("/d.csv", b"a\n1\n", last_modified=lm)
    got = get(http_source(http_server.url("/d.csv")), {"last_modified": lm, "sha256": "abc"})
    assert got.not_modified and got.sha256 == "abc" and got.last_modified == lm


def test_changed_etag_downloads_again(http_server: HttpFixture) -> None:
    http_server.add_static("/d.csv", b"a\n2\n", etag='"v2"')
    got = get(http_source(http_server.url("/d.csv")), {"etag": '"v1"', "sha256": "old"})
    assert not got.not_modified and got.content == b"a\n2\n" and got.etag == '"v2"'


def test_404_is_not_retried(http_server: HttpFixture) -> None:
    http_server.add_status("/gone.csv", 404)
    with pytest.raises(SourceError, match="not found") as exc:
        get(http_source(http_server.url("/gone.csv"), retries=3))
    assert str(exc.value).startswith(f"source test_src ({http_server.url('/gone.csv')}): ")
    assert http_server.count("/gone.csv") == 1


def test_500_is_retried_then_fails(http_server: HttpFixture) -> None:
    http_server.add_status("/flaky", 500)
    with pytest.raises(SourceError, match=r"HTTP 500.*3 attempts"):
        get(http_source(http_server.url("/flaky"), retries=2))
    assert http_server.count("/flaky") == 3


def test_500_then_200_recovers(http_server: HttpFixture) -> None:
    http_server.add_sequence("/flaky", [Reply(503), Reply(500), Reply(200, b"ok,1\n")])
    got = get(http_source(http_server.url("/flaky"), retries=3))
    assert got.content == b"ok,1\n"
    assert http_server.count("/flaky") == 3


def test_timeout_is_retried_then_fails(http_server: HttpFixture) -> None:
    http_server.add_sleep("/slow", 1.0)
    t0 = time.monotonic()
    with pytest.raises(SourceError, match="timed out"):
        get(http_source(http_server.url("/slow"), timeout_s=0.2, retries=1))
    assert time.monotonic() - t0 < 1.5
    assert http_server.count("/slow") == 2


def test_connection_refused() -> None:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    with pytest.raises(SourceError, match="cannot connect") as exc:
        get(http_source(f"http://127.0.0.1:{port}/x.csv", retries=1))
    assert "2 attempts" in str(exc.value)


def test_truncated_download(http_server: HttpFixture) -> None:
    http_server.add_truncated("/cut.csv", b"a,b\n1,2\n", announced=1000)
    with pytest.raises(SourceError, match="truncated"):
        get(http_source(http_server.url("/cut.csv"), retries=0))


def test_size_cap_from_content_length(http_server: HttpFixture) -> None:
    http_server.add_static("/big.csv", b"x" * 5000)
    with pytest.raises(SourceError, match=r"too large.*5000 bytes"):
        get(http_source(http_server.url("/big.csv"), max_bytes=1000))


def test_size_cap_enforced_while_streaming(http_server: HttpFixture) -> None:
    # No Content-Length and ~1.3 GB on offer: only an early abort finishes quickly.
    http_server.add_endless("/endless.csv")
    t0 = time.monotonic()
    with pytest.raises(SourceError, match="too large.*max_bytes=100000"):
        get(http_source(http_server.url("/endless.csv"), max_bytes=100_000))
    assert time.monotonic() - t0 < 5


def test_size_cap_streaming_without_length_small_body_passes(http_server: HttpFixture) -> None:
    http_server.add_static("/small.csv", b"a\n1\n", send_length=False)
    assert get(http_source(http_server.url("/small.csv"), max_bytes=100)).content == b"a\n1\n"


def test_empty_body(http_server: HttpFixture) -> None:
    http_server.add_static("/empty.csv", b"")
    with pytest.raises(SourceError, match="empty"):
        get(http_source(http_server.url("/empty.csv")))


def test_html_page_is_fetched_as_bytes(http_server: HttpFixture) -> None:
    """fetch does not judge content (readers reject HTML); it must still not crash."""
    http_server.add_html("/page.csv")
    got = get(http_source(http_server.url("/page.csv")))
    assert got.content is not None and got.content.startswith(b"<!DOCTYPE html>")
    assert got.content_type == "text/html"


# -- paged open-data API and secrets ------------------------------------------------------

RECORDS = [{"year": 2020 + i // 5, "region": f"r{i}", "value": f"{i},5", "name": "Астана"} for i in range(10)]


def paged_source(url: str, **http: Any) -> Source:
    return http_source(url, paging="opendata_kz", page_size=4, api_key_env=KEY_ENV, **http)


def test_paged_api_reads_two_and_a_half_pages(
    http_server: HttpFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(KEY_ENV, SECRET)
    http_server.add_opendata("/api/data/v1", RECORDS, SECRET)
    got = get(paged_source(http_server.url("/api/data/v1")))
    assert http_server.count("/api/data/v1") == 3
    assert [json.loads(r.query["source"][0]) for r in http_server.requests] == [
        {"from": 0, "size": 4},
        {"from": 4, "size": 4},
        {"from": 8, "size": 4},
    ]
    assert got.content is not None
    assert json.loads(got.content.decode("utf-8")) == RECORDS
    assert "Астана".encode() in got.content  # UTF-8, not \u escapes
    assert got.sha256 == sha(got.content)
    assert SECRET not in got.uri and "apiKey" not in got.uri
    assert got.uri == http_server.url("/api/data/v1")


def test_paged_api_stops_on_empty_page(http_server: HttpFixture, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(KEY_ENV, SECRET)
    http_server.add_opendata("/api", RECORDS[:8], SECRET)
    got = get(paged_source(http_server.url("/api")))
    assert got.content is not None and len(json.loads(got.content)) == 8
    assert http_server.count("/api") == 3


def test_paged_api_respects_max_pages(http_server: HttpFixture, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(KEY_ENV, SECRET)
    http_server.add_opendata("/api", RECORDS, SECRET)
    got = get(paged_source(http_server.url("/api"), max_pages=2))
    assert got.content is not None and len(json.loads(got.content)) == 8
    assert http_server.count("/api") == 2


def test_paged_api_without_key_is_forbidden(
    http_server: HttpFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(KEY_ENV, raising=False)
    http_server.add_opendata("/api", RECORDS, SECRET)
    with pytest.raises(SourceError, match=rf"forbidden — API key missing or rejected \(set \${KEY_ENV}"):
        get(paged_source(http_server.url("/api")))
    assert http_server.count("/api") == 1  # 403 is not retried


def test_paged_api_error_object(http_server: HttpFixture, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(KEY_ENV, SECRET)
    http_server.add_opendata("/api", RECORDS, SECRET, error_at=4)
    with pytest.raises(SourceError, match="index temporarily unavailable") as exc:
        get(paged_source(http_server.url("/api")))
    assert SECRET not in str(exc.value)
    assert "from=4" in str(exc.value)


def test_key_never_in_errors_or_logs(
    http_server: HttpFixture, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Connection errors quote the request URL inside requests; the key must be redacted."""
    monkeypatch.setenv(KEY_ENV, SECRET)
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    caplog.set_level(logging.DEBUG)
    for url in (f"http://127.0.0.1:{port}/api", http_server.url("/api500")):
        http_server.add_status("/api500", 500)
        with pytest.raises(SourceError) as exc:
            get(paged_source(url, retries=1))
        text = str(exc.value) + repr(exc.value.args)
        assert SECRET not in text and "s3cr3t" not in text
        assert exc.value.__cause__ is None
        assert exc.value.__context__ is None or exc.value.__suppress_context__
    assert "s3cr3t" not in caplog.text
    # The key did reach the server (so it was sent as apiKey).
    assert http_server.requests[-1].query["apiKey"] == [SECRET]


def test_key_sent_for_plain_http_source(http_server: HttpFixture, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(KEY_ENV, SECRET)
    http_server.add_static("/d.csv", b"a\n1\n")
    got = get(http_source(http_server.url("/d.csv") + "?format=csv&apiKey=inline", api_key_env=KEY_ENV))
    assert http_server.requests[-1].query["apiKey"][-1] == SECRET
    assert "apiKey" not in got.uri and "format=csv" in got.uri


def test_safe_uri_strips_credentials() -> None:
    assert safe_uri("https://u:p@x.kz/a?apiKey=K&year=2020") == "https://x.kz/a?year=2020"


# -- files ----------------------------------------------------------------------------------


def file_source(path: str) -> Source:
    return Source.model_validate(
        {
            "id": "local",
            "dataset": "macro",
            "years": [2020],
            "kind": "file",
            "path": path,
            "format": "csv",
            "layout": "long",
            "columns": {"value": "value", "indicator": "indicator"},
        }
    )


def test_file_source(tmp_path: Path) -> None:
    (tmp_path / "m.csv").write_bytes(b"indicator,value\ngdp,1\n")
    src = file_source("m.csv")
    got = fetch(src, Catalogue(sources=[src], base_dir=str(tmp_path)))
    assert got.content == b"indicator,value\ngdp,1\n"
    assert got.uri == str((tmp_path / "m.csv").resolve())
    assert got.sha256 == sha(got.content)


def test_missing_file_names_path(tmp_path: Path) -> None:
    src = file_source("nope.csv")
    with pytest.raises(SourceError, match=r"file not found: .*nope\.csv") as exc:
        fetch(src, Catalogue(sources=[src], base_dir=str(tmp_path)))
    assert str(exc.value).startswith("source local (")


def test_empty_file(tmp_path: Path) -> None:
    (tmp_path / "e.csv").write_bytes(b"")
    src = file_source("e.csv")
    with pytest.raises(SourceError, match="empty"):
        fetch(src, Catalogue(sources=[src], base_dir=str(tmp_path)))
