"""What a fetch returns (``Fetched``) and how it fails (``SourceError``): the values every reader and
loader of the sources domain passes around, apart from the code that fetches.
"""

from __future__ import annotations

from dataclasses import dataclass

from pilotwatch.sources.redaction import redact


@dataclass(frozen=True)
class Fetched:
    """The outcome of one fetch, with what provenance needs (never any secret).

    ``content`` is ``None`` only when ``not_modified`` is true (HTTP 304): the caller reuses
    the bytes it stored for ``sha256``.
    """

    uri: str
    content: bytes | None
    sha256: str | None
    etag: str | None = None
    last_modified: str | None = None
    not_modified: bool = False
    content_type: str | None = None


class SourceError(RuntimeError):
    """A source could not be fetched or read.

    The message always starts with ``source <id> (<uri without secrets>): `` so an operator
    reading a flow log knows which catalogue entry to look at.
    """

    def __init__(self, source_id: str, uri: str, problem: str) -> None:
        self.source_id = source_id
        self.uri = uri
        self.problem = problem
        super().__init__(redact(f"source {source_id} ({uri}): {problem}"))
