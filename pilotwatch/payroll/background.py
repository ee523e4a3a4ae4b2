"""A step that runs beside DuckDB's work: sha256 while the file is staged, pandera while SQL checks run."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class Background(Generic[T]):
    """Run ``fn`` in a thread; ``join()`` returns its result or raises its exception."""

    def __init__(self, fn: Callable[[], T], name: str) -> None:
        self._result: T | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, args=(fn,), name=f"pilotwatch-{name}", daemon=True)
        self._thread.start()

    def _run(self, fn: Callable[[], T]) -> None:
        try:
            self._result = fn()
        except BaseException as exc:  # noqa: BLE001 - handed to the caller in join()
            self._error = exc

    def wait(self) -> None:
        self._thread.join()

    def join(self) -> T:
        self._thread.join()
        if self._error is not None:
            raise self._error
        assert self._result is not None
        return self._result
