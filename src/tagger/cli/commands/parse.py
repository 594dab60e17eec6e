"""Show what tagger reads in each entry: title, date, fields found, tags."""

from __future__ import annotations

import argparse
import json
import sys

from tagger.cli.inputs import read_inputs
from tagger.cli.options import add_format, add_inputs
from tagger.cli.render import plural, printable
from tagger.cli.status import SOME_FAILED, SUCCESS
from tagger.notes.tables import entry_record


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add `tagger parse`'s arguments: the inputs and `--format`."""
    add_inputs(parser)
    add_format(parser, "table", "jsonl")


def run(args: argparse.Namespace) -> int:
    """Print what tagger reads in each input; exit code 1 if some file could not be read, else 0."""
    problems = args.problems
    problems.list_all = True  # showing what is read is this command's job: every warning, each note named
    entries = read_inputs(args.paths, problems)
    out = sys.stdout
    if args.format == "jsonl":
        for e in entries:
            out.write(json.dumps(entry_record(e), ensure_ascii=False) + "\n")
    else:
        out.write(f"{'date':10}  {'title':48}  {'abs':>4} {'cmt':>4}  tags\n")
        for e in entries:
            date = e.date.isoformat() if e.date else "-"
            title = (e.title[:47] + "…") if len(e.title) > 48 else e.title
            out.write(f"{date:10}  {printable(title):48}  {len(e.abstract):4d} {len(e.comment):4d}  {' '.join('#' + t for t in e.tags)}\n")
        tagged = sum(bool(e.tags) for e in entries)
        out.write(f"{plural(len(entries), 'entry', 'entries')}, {tagged} tagged, {plural(len(problems.items), 'problem')}\n")
    return SOME_FAILED if problems.failed else SUCCESS


__all__ = ["add_arguments", "run"]
