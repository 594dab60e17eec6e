"""Existing tags that disagree with their notes: likely missing and likely stray tags, from out-of-fold scores.

Each note is scored by a model trained on the other folds of the archive, never
on the note itself. `--format jsonl` writes one object per note with its "path",
so `tagger retag --paths-from` can apply the review.
"""

from __future__ import annotations

import argparse
import json
import sys

from tagger.cli.inputs import read_inputs, vault_config
from tagger.cli.options import add_aliases, add_format, add_inputs, at_least
from tagger.cli.status import SUCCESS
from tagger.errors import InputError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare `tagger review`'s options on `parser` (cli builds one sub-parser per command)."""
    add_inputs(parser, stdin=False)
    parser.add_argument("--folds", type=at_least(2), default=5, metavar="K", help="folds of the archive; each is scored by a model trained on the others (default: 5)")
    parser.add_argument("--top", type=at_least(0), default=50, metavar="N", help="how many notes to list, most disagreeing first (default: 50; 0 for all)")
    parser.add_argument("--missing-min", type=float, default=0.5, metavar="P", help="an absent tag scoring at least P is likely missing (default: 0.5)")
    parser.add_argument("--stray-max", type=float, default=0.01, metavar="P", help="a present tag scoring at most P is likely stray (default: 0.01)")
    add_aliases(parser)
    add_format(parser, "table", "jsonl")


def run(args: argparse.Namespace) -> int:
    """Run `tagger review` with parsed `args`; returns the exit code (user errors raise `TaggerError`)."""
    from tagger.analysis.review import review, review_record
    from tagger.cli.progress import ProgressBar
    from tagger.cli.render import format_review, read_line

    if not 0.0 < args.missing_min <= 1.0 or not 0.0 <= args.stray_max < 1.0:
        raise InputError("--missing-min must be in (0, 1] and --stray-max in [0, 1)")
    _, config = vault_config(args.paths, aliases_file=args.aliases)
    entries = read_inputs(args.paths, args.problems, aliases=config.alias_table)
    if args.format != "jsonl":
        sys.stdout.write(read_line(entries, len(args.problems.failed)) + "\n")
    with ProgressBar("reviewing") as bar:
        result = review(
            entries, folds=args.folds, top=args.top or None, missing_min=args.missing_min, stray_max=args.stray_max, progress=bar
        )
    out = sys.stdout
    if args.format == "jsonl":
        for rank, item in enumerate(result.items, 1):
            out.write(json.dumps(review_record(item, rank), ensure_ascii=False) + "\n")
    else:
        out.write(format_review(result) + "\n")
    return SUCCESS


__all__ = ["add_arguments", "run"]
