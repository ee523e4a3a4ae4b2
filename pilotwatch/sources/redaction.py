"""Keeping credentials out of provenance, logs and messages: the one redaction of the sources domain.

The open-data portal's API key travels in the query string; everything a load records (``mart.loads``,
flow logs, error messages that end up in reports and CI output) goes through :func:`safe_uri` or
:func:`redact` first, and the loggers that print request URLs get a filter that masks them.
"""

from __future__ import annotations

import logging
import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from pilotwatch.catalogue import Source

#: Query parameter names that carry credentials: ``apiKey``, ``api_key``, ``key``, ``token``,
#: ``access_token``, ``password``, ``secret``, ``client_secret``, ``signature``, ``sig``,
#: ``X-Amz-Credential``… (any name ending so, case-insensitively).
_SECRET_NAME = r"[\w.-]*(?:key|token|secret|password|passwd|pwd|signature|sig|credentials?|auth)"
_SECRET_PARAM = re.compile(rf"(?i)^{_SECRET_NAME}$")
_SECRET_IN_TEXT = re.compile(rf"(?i)\b({_SECRET_NAME})=([^&\s\"'#<>]+)")
_USERINFO_IN_TEXT = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)[^/@\s]+@")


def safe_uri(url: str) -> str:
    """``url`` without credentials: credential-looking query parameters (``apiKey``, ``token``,
    ``password``, ``signature``…) and any ``user:password@`` part are removed, so the result can go
    into provenance (``mart.loads.source_uri``), logs and messages. The one redaction for URLs."""
    parts = urlsplit(url)
    if not parts.scheme:  # a file path, not a URL
        return url
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _SECRET_PARAM.match(k)]
    netloc = parts.netloc.rsplit("@", 1)[-1]
    return urlunsplit((parts.scheme, netloc, parts.path, urlencode(query), parts.fragment))


def redact(text: str) -> str:
    """Free text (a log line, an exception) with every credential-looking ``name=value`` and URL
    userinfo masked: what :func:`safe_uri` does to one URL, for text that may quote several."""
    return _SECRET_IN_TEXT.sub(r"\1=***", _USERINFO_IN_TEXT.sub(r"\1***@", text))


def source_uri(source: Source) -> str:
    """The secret-free URI of a source without needing the catalogue (for reader errors)."""
    if source.kind == "http" and source.url:
        return safe_uri(source.url)
    return source.path or "?"


class _Redactor(logging.Filter):
    """Apply :func:`redact` to log lines: urllib3's debug log prints full request URLs.
    (Not the alerts' ``Redactor``: that one masks values it was given; this one masks by pattern,
    and the sources domain does not import the alerts domain.)"""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            return True
        if (clean := redact(message)) != message:
            record.msg, record.args = clean, ()
        return True


for _name in ("urllib3.connectionpool", "pilotwatch.sources.fetch", "pilotwatch.sources.http", "pilotwatch.ingest", "pilotwatch.refresh", "flows.refresh"):
    logging.getLogger(_name).addFilter(_Redactor())
