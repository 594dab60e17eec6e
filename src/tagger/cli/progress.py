"""A progress bar on stderr for the command line: drawn only on a terminal, and only once a run has taken over a second.

tagger has no dependency for this; `tqdm` would be the only reason to add one.
"""

from __future__ import annotations

import sys
import time
from types import TracebackType
from typing import TextIO


class ProgressBar:
    """A `tagger.progress.Progress` that draws a bar: `with ProgressBar("training") as bar: model.fit(..., progress=bar)`.

    >>> with ProgressBar("demo", enabled=False) as bar:
    ...     bar("reading 3/10", 0.3)
    """

    def __init__(self, label: str, *, stream: TextIO | None = None, delay: float = 1.0, enabled: bool = True) -> None:
        self.label = label
        out = stream if stream is not None else sys.stderr  # looked up now: tests and callers may swap it
        self.stream = out if enabled and not out.closed and out.isatty() else None
        self.delay = delay
        self._start = time.monotonic()
        self._shown = False

    def __enter__(self) -> ProgressBar:
        return self

    def __call__(self, stage: str, fraction: float) -> None:
        """Redraw the bar at `fraction` with `stage`; nothing off a terminal or before `delay` seconds."""
        if self.stream is None or time.monotonic() - self._start < self.delay:
            return
        frac = min(max(fraction, 0.0), 1.0)
        bar = "#" * int(frac * 24)
        self.stream.write(f"\r{self.label} [{bar:<24}] {frac:4.0%} {stage[:40]:<40}")
        self.stream.flush()
        self._shown = True

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        if self._shown and self.stream is not None:
            self.stream.write("\r" + " " * 100 + "\r")
            self.stream.flush()


__all__ = ["ProgressBar"]
