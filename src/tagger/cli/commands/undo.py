"""Restore the notes a `tagger retag --write` run changed, from its undo log.

Only notes still exactly as the retag left them are restored (checked by hash);
notes edited since are listed and left alone.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from tagger.cli.options import add_format
from tagger.cli.render import plural
from tagger.cli.status import SOME_FAILED, SUCCESS
from tagger.errors import printable


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare `tagger undo`'s options on `parser` (cli builds one sub-parser per command)."""
    parser.add_argument("log", metavar="LOG", help="the undo log a retag wrote (VAULT/.tagger/retag-*.jsonl)")
    parser.add_argument("--vault", metavar="DIR", help="the vault, if it moved since the retag (default: the one the log names)")
    add_format(parser, "table", "jsonl")


def run(args: argparse.Namespace) -> int:
    """Run `tagger undo` with parsed `args`; returns the exit code (user errors raise `TaggerError`)."""
    from tagger.cli.progress import ProgressBar
    from tagger.edit.apply import undo_log

    with ProgressBar("undo") as bar:
        result = undo_log(Path(args.log), vault=Path(args.vault) if args.vault else None, progress=bar)
    out = sys.stdout
    if args.format == "jsonl":
        for rel in result.restored:
            out.write(json.dumps({"path": rel, "status": "restored"}, ensure_ascii=False) + "\n")
        for rel in result.unchanged:
            out.write(json.dumps({"path": rel, "status": "unchanged"}, ensure_ascii=False) + "\n")
        for rel in result.not_written:
            out.write(json.dumps({"path": rel, "status": "not written by the retag"}, ensure_ascii=False) + "\n")
        for rel, why in result.left:
            out.write(json.dumps({"path": rel, "status": "left", "reason": why}, ensure_ascii=False) + "\n")
    else:
        for rel, why in result.left:
            sys.stderr.write(f"tagger: {printable(rel)}: {why}\n")
        if not getattr(args, "quiet", False):
            parts = [f"restored {plural(len(result.restored), 'note')}"]
            if result.unchanged:
                parts.append(f"{len(result.unchanged)} already as before")
            if result.not_written:
                parts.append(f"{len(result.not_written)} not written by the retag")
            if result.left:
                parts.append(f"{len(result.left)} left alone (listed above)")
            out.write(", ".join(parts) + "\n")
    return SOME_FAILED if result.left else SUCCESS


__all__ = ["add_arguments", "run"]
