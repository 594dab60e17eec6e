"""The one shape of progress reporting: `progress(stage, fraction)`.

Long computations (training, evaluation, review, reading a vault, writing a plan)
take an optional `Progress` callback and call it with what they are doing and how
far along they are (0.0 to 1.0). Drawing it is the command line's business
(`tagger.cli.progress.ProgressBar`); a server or a test passes its own callable.

>>> seen = []
>>> report: Progress = lambda stage, frac: seen.append((stage, frac))
>>> report("reading 3/10", 0.3); seen
[('reading 3/10', 0.3)]
"""

from __future__ import annotations

from collections.abc import Callable

#: `progress(stage, fraction)`: the stage in words (counts may be part of it), the share done in [0, 1].
Progress = Callable[[str, float], None]


def no_progress(stage: str, fraction: float) -> None:
    """A `Progress` that reports nothing (the default of every computation that takes one)."""


__all__ = ["Progress", "no_progress"]
