"""A small progress bar on stderr: shown only on a terminal, and only once a run has taken over a second.

tagger has no dependency for this; `tqdm` would be the only reason to add one.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import TracebackType
from typing import TextIO


class Progress:
    """`with Progress("training") as bar: bar.update(0.5, "stage")` — fractions in [0, 1], or counts of `total`.

    >>> with Progress("demo", enabled=False) as bar:
    ...     bar.update(1, "done")
    """

    def __init__(
        self, label: str, *, total: int | None = None, stream: TextIO | None = None, delay: float = 1.0, enabled: bool = True
    ) -> None:
        self.label = label
        self.total = total
        out = stream if stream is not None else sys.stderr  # looked up now: tests and callers may swap it
        self.stream = out if enabled and not out.closed and out.isatty() else None
        self.delay = delay
        self._start = time.monotonic()
        self._shown = False

    def __enter__(self) -> Progress:
        return self

    def update(self, done: float, note: str = "") -> None:
        """Redraw the bar at `done` (a fraction, or a count of `total`) with a short `note`.

        Nothing is drawn off a terminal or before `delay` seconds, so quick runs stay quiet.
        """
        if self.stream is None or time.monotonic() - self._start < self.delay:
            return
        frac = done / self.total if self.total else done
        frac = min(max(frac, 0.0), 1.0)
        bar = "#" * int(frac * 24)
        count = f" {int(done)}/{self.total}" if self.total else ""
        self.stream.write(f"\r{self.label} [{bar:<24}] {frac:4.0%}{count} {note[:40]:<40}")
        self.stream.flush()
        self._shown = True

    def __call__(self, note: str, frac: float) -> None:
        """Adapter for `TagModel.fit(progress=...)`."""
        self.update(frac, note)

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        if self._shown and self.stream is not None:
            self.stream.write("\r" + " " * 100 + "\r")
            self.stream.flush()



@contextmanager
def progress_bar(label: str, *, enabled: bool = True) -> Iterator[Callable[[str, int, int], None]]:
    """A `(stage, done, total)` callback drawing the shared progress bar (a terminal, runs over a second).

    >>> with progress_bar("retag", enabled=False) as report:
    ...     report("reading", 3, 10)
    """
    with Progress(label, enabled=enabled) as bar:

        def report(stage: str, done: int, total: int) -> None:
            bar.update(done / total if total else 1.0, f"{stage} {done}/{total}")

        yield report


__all__ = ["Progress", "progress_bar"]
