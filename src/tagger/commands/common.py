"""Helpers shared by subcommands: reading inputs with one-line problem reports."""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass, field
from pathlib import Path

from tagger.entry import Entry
from tagger.errors import InputError
from tagger.read import entry_from_dict, read_entries


@dataclass
class Problems:
    """Collects per-file problems, printing each as one line as it comes."""

    items: list[InputError] = field(default_factory=list)
    quiet: bool = False

    @property
    def failed(self) -> list[InputError]:
        """The problems that mean a file was not read (warnings about notes that were read are not)."""
        from tagger.errors import NoteWarning

        return [e for e in self.items if not isinstance(e, NoteWarning)]

    def __call__(self, err: InputError) -> None:
        self.items.append(err)
        print(f"tagger: {err}", file=sys.stderr)


def add_inputs(parser: argparse.ArgumentParser, *, stdin: bool = True) -> None:
    """Add the `PATH...` positional every reading subcommand takes, so they all accept the same inputs.

    `stdin=False` leaves `-` out of the help, for commands (train) that need files.

    >>> p = argparse.ArgumentParser()
    >>> add_inputs(p)
    >>> p.parse_args(["a.md", "-"]).paths
    ['a.md', '-']
    """
    parser.add_argument(
        "paths",
        nargs="+",
        metavar="PATH",
        help="notes (.md), folders of notes, digests (.txt), tables (.jsonl, .csv)" + (", or - for a note on stdin" if stdin else ""),
    )


def read_inputs(paths: list[str], problems: Problems) -> list[Entry]:
    """Entries from the command line's paths; `-` reads one note from stdin."""
    from tagger.parse import parse_note

    out: list[Entry] = []
    for p in paths:
        if p == "-":
            data = sys.stdin.buffer.read()
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError:
                raise InputError("is not UTF-8", path="<stdin>") from None
            if not text.strip():
                raise InputError("is empty; pipe a note into it", path="<stdin>")
            out.append(parse_note(text))
        else:
            out.extend(read_entries(Path(p), on_problem=problems))
    return out


__all__ = ["Problems", "add_inputs", "entry_from_dict", "read_inputs"]
