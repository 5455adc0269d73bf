"""Progress bars for long work, only where a person watches: on a terminal (stderr), never
in a pipe or a log file (no escape sequences, no bar remnants), and not at all when there is
nothing to do. The ETA covers the whole run: the bar counts what the run has to do in total
(characters to embed across all files), not one file at a time."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

Advance = Callable[[int], None]


def _nothing(_: int = 1) -> None:
    pass


def on_terminal() -> bool:
    return sys.stderr.isatty()


@contextmanager
def progress_bar(description: str, total: int, unit: str, enabled: bool = True) -> Iterator[Advance]:
    """A bar over ``total`` units with elapsed time and time remaining; yields ``advance(n)``.
    Disabled (a no-op) when not asked for, when stderr is not a terminal, or when total is 0."""
    if not enabled or total <= 0 or not on_terminal():
        yield _nothing
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        Progress,
        TaskProgressColumn,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    from assistant.core.lang import t

    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        TaskProgressColumn(),
        TextColumn("{task.completed:,.0f}/{task.total:,.0f} " + t(unit)),
        TimeElapsedColumn(),
        TextColumn(t("· còn")),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=Console(stderr=True), transient=False) as bar:
        task = bar.add_task(t(description), total=total)

        def advance(n: int = 1) -> None:
            bar.advance(task, n)

        yield advance


def step_log(enabled: bool = True) -> Callable[[str], None]:
    """Where no bar is drawn (a pipe, a log file), progress is one plain line per finished step
    on stderr, e.g. "Đã nạp 2/5: tep.txt (61 đoạn)". On a terminal the bar says it instead."""
    if not enabled or on_terminal():
        return lambda _: None

    from assistant.core.lang import t

    def log(line: str) -> None:
        print(t(line), file=sys.stderr, flush=True)

    return log
