"""One exception base for everything a user can cause and fix.

The command line turns a `TaggerError` into one line on stderr and a non-zero exit;
anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

from pathlib import Path


class TaggerError(Exception):
    """Base of all errors a user can fix; `str(err)` is the one line they see."""

    exit_code = 2

    def __init__(self, message: str, *, path: Path | str | None = None) -> None:
        self.path = Path(path) if path is not None else None
        self.message = message
        super().__init__(f"{path}: {message}" if path is not None else message)


class InputError(TaggerError):
    """A note, digest or table that cannot be read as one."""


class NoteWarning(InputError):
    """Something odd about a note that was still read (a URL-only note, a tag line read as text).

    Reported like any problem, but a run is not failed for it.
    """


class ModelError(TaggerError):
    """A missing, damaged or incompatible model file."""


class NotTrainedError(ModelError):
    """No model exists yet where one was looked for."""


def missing_model(path: Path | str) -> NotTrainedError:
    """The one message for "no model at `path`", wherever it is noticed.

    >>> str(missing_model("models/tagger.joblib")).split(";")[0]
    'models/tagger.joblib: no model here'
    """
    return NotTrainedError(
        "no model here; train one with `tagger train VAULT` (or point --model / $TAGGER_MODEL at one)", path=path
    )


def output_closed() -> None:
    """Point stdout at /dev/null once its reader has gone (`tagger … | head`).

    Python flushes stdout again at exit; without this, that flush prints a
    BrokenPipeError traceback after the command has already finished.
    """
    import os
    import sys

    try:
        fd = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):  # not a real file (captured, replaced)
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, fd)
    os.close(devnull)


__all__ = ["InputError", "ModelError", "NoteWarning", "NotTrainedError", "TaggerError", "missing_model", "output_closed"]
