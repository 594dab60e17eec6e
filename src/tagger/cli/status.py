"""Exit codes, in one place, and the one way a command's failures become a line and a code.

Standard library only: the pre-commit hook imports it before anything heavy.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import TextIO

from tagger.errors import TaggerError

#: All done.
SUCCESS = 0
#: Done, but some notes were skipped (or, for the hook: notes need attention, or fix changed them).
SOME_FAILED = 1
#: Nothing done: a usage error or one the user can fix (a `TaggerError`: bad input, no model…).
ERROR = 2
#: Stopped by Ctrl-C.
INTERRUPTED = 130


def run_guarded(prog: str, run: Callable[[], int], *, on_closed_pipe: Callable[[], int], errors: TextIO | None = None) -> int:
    """`run()`'s exit code, with every user error as one line `prog: …` and its code, and no traceback.

    `on_closed_pipe` gives the code when the output's reader went away (`tagger … | head`):
    the work was still done, so what it found still counts. Anything else raised is a bug
    and keeps its traceback.

    >>> run_guarded("tagger", lambda: 1, on_closed_pipe=lambda: 0)
    1
    """
    try:
        code = run()
        sys.stdout.flush()  # here, where a closed pipe is caught, not at exit
        return code
    except TaggerError as err:
        print(f"{prog}: {err}", file=errors if errors is not None else sys.stderr)
        return err.exit_code
    except KeyboardInterrupt:
        print(f"{prog}: interrupted", file=sys.stderr)
        return INTERRUPTED
    except BrokenPipeError:
        output_closed()
        return on_closed_pipe()


def output_closed() -> None:
    """Point stdout at /dev/null once its reader has gone.

    Python flushes stdout again at exit; without this, that flush prints a
    BrokenPipeError traceback after the command has already finished.
    """
    try:
        fd = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):  # not a real file (captured, replaced)
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, fd)
    os.close(devnull)


__all__ = ["ERROR", "INTERRUPTED", "SOME_FAILED", "SUCCESS", "output_closed", "run_guarded"]
