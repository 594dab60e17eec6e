"""The `tagger` command: one `main(argv) -> int`, one subcommand per module in `tagger.cli.commands`.

Every user error is a `TaggerError`: printed as one line on stderr with its exit
code (`tagger.cli.status`). Subcommand modules are imported only when used, so
`tagger parse` never pays for numpy.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Sequence
from types import ModuleType

from tagger._version import __version__
from tagger.cli.inputs import Problems
from tagger.cli.status import SOME_FAILED, SUCCESS, run_guarded
from tagger.errors import printable

#: subcommand → (module in tagger.cli.commands, one-line help)
COMMANDS: dict[str, tuple[str, str]] = {
    "parse": ("parse", "show what tagger reads in notes, digests or tables"),
    "train": ("train", "learn the author's tagging from a vault"),
    "suggest": ("suggest", "suggest tags for notes, a digest, a folder or stdin"),
    "retag": ("retag", "plan (and with --write, apply) tags across a vault"),
    "undo": ("undo", "restore the notes a retag log changed"),
    "tags": ("tags", "the tag vocabulary: counts, spellings, likely aliases"),
    "eval": ("eval", "how well tagger would have done on your past notes"),
    "review": ("review", "existing tags that disagree with their notes"),
    "model": ("model", "what a model file is: its vault, notes, versions, settings, scores"),
    "serve": ("serve", "answer suggestions over HTTP on the loopback and keep the model fresh"),
}


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The argument parser; with `only`, just that subcommand's (cheaper to import).

    >>> build_parser("parse").parse_args(["parse", "a.md"]).paths
    ['a.md']
    """
    parser = argparse.ArgumentParser(prog="tagger", description="Suggest tags for paper notes, learned from your own vault.")
    parser.add_argument("--version", action="version", version=f"tagger {__version__}")
    parser.add_argument("-q", "--quiet", action="store_true", help="print only results and errors")
    # -q also after the subcommand (`tagger retag VAULT -q`); SUPPRESS keeps the top-level value otherwise.
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("-q", "--quiet", action="store_true", default=argparse.SUPPRESS, help="print only results and errors")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, (module, help_text) in COMMANDS.items():
        if only is not None and name != only:
            continue
        mod = _load(module)
        p = sub.add_parser(name, help=help_text, description=(mod.__doc__ or help_text).strip().splitlines()[0], parents=[common])
        mod.add_arguments(p)
        p.set_defaults(_run=mod.run)
    return parser


def _load(module: str) -> ModuleType:
    return importlib.import_module(f"tagger.cli.commands.{module}")


class _OneLine(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return f"tagger: {printable(record.getMessage())}"


def _setup_logging(quiet: bool) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_OneLine())
    log = logging.getLogger("tagger")
    log.handlers[:] = [handler]
    log.setLevel(logging.ERROR if quiet else logging.INFO)
    log.propagate = False


def main(argv: Sequence[str] | None = None) -> int:
    """Run the `tagger` command line; returns the exit code.

    >>> main(["parse", "--help"])  # doctest: +SKIP
    """
    args = sys.argv[1:] if argv is None else list(argv)
    # Build only the subparser that is asked for: importing every command's
    # module would cost start-up time in the pre-commit hook's path.
    name = next((a for a in args if not a.startswith("-")), None)
    parser = build_parser(name if name in COMMANDS else None)
    ns = parser.parse_args(args)
    _setup_logging(ns.quiet)
    # One collector for the run: a command cut short by a closed pipe still exits 1 if it skipped notes.
    ns.problems = Problems()
    return run_guarded(
        "tagger", lambda: int(ns._run(ns)), on_closed_pipe=lambda: SOME_FAILED if ns.problems.failed else SUCCESS
    )


__all__ = ["COMMANDS", "build_parser", "main"]

if __name__ == "__main__":
    sys.exit(main())
