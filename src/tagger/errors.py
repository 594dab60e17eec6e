"""One exception base for everything a user can cause and fix.

The command line turns a `TaggerError` into one line on stderr and a non-zero exit;
anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

import re
from pathlib import Path

#: Characters that would break a one-line message: control characters (a newline, a
#: terminal escape), line and paragraph separators, and the bidirectional overrides
#: that make a terminal show a name reversed.
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(m: re.Match[str]) -> str:
    c = m.group()
    return _NAMED.get(c) or (f"\\x{ord(c):02x}" if ord(c) < 0x80 else f"\\u{ord(c):04x}")


def printable(text: object) -> str:
    r"""`text` (a file name, a message) with control characters escaped, so it prints as the one line it is.

    Every message naming a file goes through this (`TaggerError`, the hook, `tagger.cli`):
    a note named with a newline or a terminal escape must not split a report or colour it.

    >>> printable("a\nb.md"), printable("\x1b[31mred.md"), printable("2025/250701 New.md")
    ('a\\nb.md', '\\x1b[31mred.md', '2025/250701 New.md')
    """
    s = str(text)
    return _UNPRINTABLE.sub(_escape, s) if _UNPRINTABLE.search(s) else s


class TaggerError(Exception):
    """Base of all errors a user can fix; `str(err)` is the one line they see."""

    exit_code = 2

    def __init__(self, message: str, *, path: Path | str | None = None) -> None:
        self.path = Path(path) if path is not None else None
        self.message = message
        super().__init__(printable(f"{path}: {message}" if path is not None else message))


class InputError(TaggerError):
    """A note, digest or table that cannot be read as one."""


class NoteWarning(InputError):
    """Something odd about a note that was still read (a URL-only note, a tag line read as text).

    Reported like any problem, but a run is not failed for it. `summary` says what is
    odd in the plural, for a run that found it in several notes and says so in one line.

    >>> w = NoteWarning("has no text besides a URL", path="a.md", summary="have no text besides a URL")
    >>> str(w), w.summary
    ('a.md: has no text besides a URL', 'have no text besides a URL')
    """

    def __init__(self, message: str, *, path: Path | str | None = None, summary: str | None = None) -> None:
        super().__init__(message, path=path)
        self.summary = summary


class ModelError(TaggerError):
    """A missing, damaged or incompatible model file."""


class NotTrainedError(ModelError):
    """No model exists yet where one was looked for."""


class TagError(InputError, ValueError):
    """A tag tagger would not read back as one (`c++`, `has space`, `1`), asked to be written.

    Also a `ValueError`, so code that passes tags it built itself can catch it as one.
    """


class NotFittedError(ValueError, AttributeError):
    """A model used before `fit` (or loading): a programming error, not the user's input.

    Also an `AttributeError`, as scikit-learn's `NotFittedError` is, so `hasattr`-style
    checks and scikit-learn's `check_is_fitted` conventions hold.

    >>> issubclass(NotFittedError, AttributeError), issubclass(NotFittedError, TaggerError)
    (True, False)
    """


def missing_model(path: Path | str) -> NotTrainedError:
    """The one message for "no model at `path`", wherever it is noticed.

    >>> str(missing_model("models/tagger.joblib")).split(";")[0]
    'models/tagger.joblib: no model here'
    """
    return NotTrainedError(
        "no model here; train one with `tagger train VAULT` (or point --model / $TAGGER_MODEL at one)", path=path
    )


__all__ = [
    "InputError",
    "ModelError",
    "NoteWarning",
    "NotFittedError",
    "NotTrainedError",
    "TagError",
    "TaggerError",
    "missing_model",
    "printable",
]
