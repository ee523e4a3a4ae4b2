"""A progress display for long work in a terminal, and nothing at all anywhere else.

Why: a 12-million-row payroll load or an analysis at national scale runs for minutes; a person at a
terminal wants to see it move, but logs, pipes and CI must not fill with spinner frames and carriage
returns. The display (rich, on stderr, erased when done) appears only when both stdout and stderr are
terminals and neither ``CI`` nor ``PILOTWATCH_PROGRESS=0`` is set.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TextIO

from pilotwatch import settings


def interactive(stream: TextIO | None = None) -> bool:
    """Whether a progress display may be drawn on ``stream`` (default stderr)."""
    if not settings.progress_enabled():
        return False
    stream = stream or sys.stderr
    try:
        return sys.stdout.isatty() and stream.isatty()
    except (AttributeError, ValueError):  # a closed or replaced stream
        return False


@contextmanager
def steps(description: str, total: int | None = None, *, stream: TextIO | None = None) -> Iterator[Callable[[str], None]]:
    """Yield ``advance(step_name)``: one call per finished step (of ``total``; None: unknown).

    Outside a terminal ``advance`` does nothing, so callers never test for a TTY themselves.
    """
    if not interactive(stream):
        yield lambda name="": None
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        SpinnerColumn,
        TextColumn,
        TimeElapsedColumn,
    )

    columns = (SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=Console(file=stream or sys.stderr), transient=True) as bar:
        task = bar.add_task(description, total=total)

        def advance(name: str = "") -> None:
            bar.update(task, advance=1, description=f"{description}: {name} done" if name else description)

        yield advance
