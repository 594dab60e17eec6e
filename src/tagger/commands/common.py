"""Helpers shared by subcommands: reading inputs with one-line problem reports."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from tagger.entry import Entry
from tagger.errors import InputError
from tagger.read import entry_from_dict, read_entries

if TYPE_CHECKING:
    from tagger.config import Config


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


def vault_config(paths: Sequence[str], *, aliases_file: str | None = None) -> tuple[Path | None, Config]:
    """The vault the command line's first path lies in (None outside any), and its settings.

    >>> vault_config(["data/example-vault"])[1].stale_after_notes
    50
    """
    from tagger.config import find_vault_root, load_config

    vault = find_vault_root(Path.cwd() if paths[0] == "-" else Path(paths[0]))
    return vault, load_config(vault, aliases_file=aliases_file)


def read_inputs(paths: list[str], problems: Problems, *, aliases: Mapping[str, str] | None = None) -> list[Entry]:
    """Entries from the command line's paths; `-` reads one note from stdin.

    With `aliases`, tags are read as `tagger train` learns them: aliases folded.
    """
    from tagger.parse import parse_note
    from tagger.tagnames import apply_aliases

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
    if aliases:
        out = [e.replace(tags=apply_aliases(e.tags, aliases)) for e in out]
    return out


__all__ = ["Problems", "add_inputs", "entry_from_dict", "read_inputs", "vault_config"]
