"""Options shared by the `tagger` subcommands (and the hook), declared once: names, types, help texts.

Each `add_*` adds one option to a parser; each type function turns the text into a
value or an `argparse.ArgumentTypeError` that says what is allowed, so every
command refuses a bad value in the same words.
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
from collections.abc import Callable

_MODEL_HELP = "model file (default: $TAGGER_MODEL, the vault's tagger.toml [model] path, or VAULT/.tagger/tagger.model)"
_YYMMDD = re.compile(r"\d{6}")


# ---- types ----------------------------------------------------------------------------------


def at_least(low: int) -> Callable[[str], int]:
    """A whole number ≥ `low`.

    >>> at_least(1)("3"), at_least(0)("0")
    (3, 0)
    >>> at_least(1)("0")
    Traceback (most recent call last):
    argparse.ArgumentTypeError: must be at least 1, not 0
    """

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if value < low:
            raise argparse.ArgumentTypeError(f"must be at least {low}, not {value}")
        return value

    return parse


def fraction(text: str) -> float:
    """A number from 0 to 1 (a score).

    >>> fraction("0.7")
    0.7
    >>> fraction("2")
    Traceback (most recent call last):
    argparse.ArgumentTypeError: 2 is not between 0 and 1
    """
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"{text} is not between 0 and 1")
    return value


def _amount(text: str, unit: str, ok: Callable[[float], bool], allowed: str) -> float:
    """`text` as a number of `unit`, or an error saying it must be `allowed` (NaN is never allowed)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number of {unit}, not {text!r}") from None
    if not ok(value):
        raise argparse.ArgumentTypeError(f"must be {allowed} {unit}, not {text}")
    return value


def days(text: str) -> float:
    """A number of days, 0 or more.

    >>> days("180")
    180.0
    >>> days("-1")
    Traceback (most recent call last):
    argparse.ArgumentTypeError: must be 0 or more days, not -1
    """
    return _amount(text, "days", lambda v: v >= 0, "0 or more")


def positive_seconds(text: str) -> float:
    """A number of seconds, more than 0.

    >>> positive_seconds("0.5")
    0.5
    >>> positive_seconds("nan")
    Traceback (most recent call last):
    argparse.ArgumentTypeError: must be more than 0 seconds, not nan
    """
    return _amount(text, "seconds", lambda v: v > 0, "more than 0")


def date(text: str) -> dt.date:
    """A date written `yymmdd` (as in note file names) or ISO `yyyy-mm-dd`.

    >>> date("250101"), date("2024-07-01")
    (datetime.date(2025, 1, 1), datetime.date(2024, 7, 1))
    """
    s = text.strip()
    try:
        if _YYMMDD.fullmatch(s):
            return dt.date(2000 + int(s[:2]), int(s[2:4]), int(s[4:]))
        return dt.date.fromisoformat(s)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date: write yymmdd (250101) or yyyy-mm-dd (2025-01-01)") from None


# ---- options --------------------------------------------------------------------------------


def add_inputs(parser: argparse.ArgumentParser, *, stdin: bool = True) -> None:
    """The `PATH...` every reading subcommand takes, so they all accept the same inputs.

    `stdin=False` leaves `-` out of the help, for commands (train) that need files.

    >>> p = argparse.ArgumentParser(); add_inputs(p)
    >>> p.parse_args(["a.md", "-"]).paths
    ['a.md', '-']
    """
    parser.add_argument(
        "paths",
        nargs="+",
        metavar="PATH",
        help="notes (.md), folders of notes, digests (.txt), tables (.jsonl, .csv)" + (", or - for a note on stdin" if stdin else ""),
    )


def add_vault(parser: argparse.ArgumentParser) -> None:
    """The `VAULT` folder of the commands that work on a whole vault."""
    parser.add_argument("vault", metavar="VAULT", help="the vault's root folder")


def add_model(parser: argparse.ArgumentParser, *, saving: bool = False) -> None:
    """`--model PATH`: the model to use (or, with `saving`, where `train` saves it)."""
    help_text = _MODEL_HELP.replace("model file", "where to save the model") if saving else _MODEL_HELP
    parser.add_argument("--model", metavar="PATH", help=help_text)


def add_aliases(parser: argparse.ArgumentParser) -> None:
    """`--aliases FILE`: an alias table on top of the vault's `tagger.toml` [aliases]."""
    parser.add_argument("--aliases", metavar="FILE",
                        help="alias file mapping tags to their canonical form (adds to, and overrides, the vault's tagger.toml [aliases])")


def add_format(parser: argparse.ArgumentParser, *choices: str) -> None:
    """`--format`: the first choice (a table for people) is the default."""
    parser.add_argument("--format", choices=choices, default=choices[0], help=f"output format (default: {choices[0]})")


def add_top(parser: argparse.ArgumentParser, *, what: str = "how many tags to rank per entry") -> None:
    """`--top K` / `-k K`: how many ranked tags to show."""
    parser.add_argument("--top", "-k", type=at_least(1), default=5, metavar="K", help=f"{what} (default: 5)")


__all__ = ["add_aliases", "add_format", "add_inputs", "add_model", "add_top", "add_vault", "at_least", "date", "days", "fraction", "positive_seconds"]
