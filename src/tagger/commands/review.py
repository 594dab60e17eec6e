"""Existing tags that disagree with their notes: likely missing and likely stray tags, from out-of-fold scores.

Each note is scored by a model trained on the other folds of the archive, never
on the note itself. `--format jsonl` writes one object per note with its "path",
so `tagger retag --paths-from` can apply the review.
"""

from __future__ import annotations

import argparse
import json
import sys

from tagger.commands.common import Problems, add_inputs, read_inputs, vault_config
from tagger.errors import InputError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare `tagger review`'s options on `parser` (cli builds one sub-parser per command).

    >>> p = argparse.ArgumentParser(); add_arguments(p)  # doctest: +SKIP
    """
    add_inputs(parser, stdin=False)
    parser.add_argument("--folds", type=int, default=5, metavar="K", help="folds of the archive; each is scored by a model trained on the others (default: 5)")
    parser.add_argument("--top", type=int, default=50, metavar="N", help="how many notes to list, most disagreeing first (default: 50; 0 for all)")
    parser.add_argument("--missing-min", type=float, default=0.5, metavar="P", help="an absent tag scoring at least P is likely missing (default: 0.5)")
    parser.add_argument("--stray-max", type=float, default=0.01, metavar="P", help="a present tag scoring at most P is likely stray (default: 0.01)")
    parser.add_argument("--aliases", metavar="FILE", help="alias file mapping tags to their canonical form (default: the vault's tagger.toml)")
    parser.add_argument("--format", choices=("table", "jsonl"), default="table", help="output format (default: table)")


def run(args: argparse.Namespace) -> int:
    """Run `tagger review` with parsed `args`; returns the exit code (user errors raise `TaggerError`).

    >>> from tagger.cli import main; main(["review", "--help"])  # doctest: +SKIP
    """
    from tagger.progress import Progress
    from tagger.review import format_review, review, review_record

    if args.folds < 2:
        raise InputError(f"--folds needs 2 or more, not {args.folds}")
    if not 0.0 < args.missing_min <= 1.0 or not 0.0 <= args.stray_max < 1.0:
        raise InputError("--missing-min must be in (0, 1] and --stray-max in [0, 1)")
    _, config = vault_config(args.paths, aliases_file=args.aliases)
    entries = read_inputs(args.paths, Problems(), aliases=config.aliases)
    with Progress("reviewing") as bar:
        result = review(
            entries, folds=args.folds, top=args.top or None, missing_min=args.missing_min, stray_max=args.stray_max, progress=bar
        )
    out = sys.stdout
    if args.format == "jsonl":
        for rank, item in enumerate(result.items, 1):
            out.write(json.dumps(review_record(item, rank), ensure_ascii=False) + "\n")
    else:
        out.write(format_review(result) + "\n")
    return 0


__all__ = ["add_arguments", "run"]
