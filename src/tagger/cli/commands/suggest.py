"""Suggest tags for notes, a digest, a folder, or a note on stdin."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from tagger.cli.inputs import model_path, read_inputs, vault_config
from tagger.cli.options import add_format, add_inputs, add_model, add_top
from tagger.cli.render import printable
from tagger.cli.status import SOME_FAILED, SUCCESS

log = logging.getLogger("tagger")
#: Tags ranked at least, so that the assigned set (at most `TagModel.max_assigned`, 5 by default)
#: is whole even when `--top` shows fewer.
ASSIGNED_DEPTH = 10

if TYPE_CHECKING:
    from tagger.analysis.explain import Explanation
    from tagger.config import Config
    from tagger.entry import Entry, Suggestion
    from tagger.model.estimator import TagModel


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add `tagger suggest`'s arguments: the inputs, the model, `--top`, `--format`, `--explain` and `--history`."""
    add_inputs(parser)
    add_model(parser)
    add_top(parser)
    add_format(parser, "table", "jsonl")
    parser.add_argument("--explain", action="store_true", help="show the words that pushed each tag up, and similar past notes")
    parser.add_argument("--history", metavar="VAULT", help="with --explain: the vault to find similar past notes in (default: the model's training vault)")


def run(args: argparse.Namespace) -> int:
    """Print ranked tags for each input entry; exit code 1 if some file could not be read, else 0.

    A missing or unusable model raises `NotTrainedError` / `ModelError`, which `tagger.cli.main` reports.
    """
    problems = args.problems
    entries = read_inputs(args.paths, problems)
    vault, config = vault_config(args.paths)
    # A note on stdin lies in no folder: the current one is where the vault was looked for.
    where = "." if args.paths[0] == "-" else args.paths[0]
    # Ranked deep enough to hold the whole assigned set, whatever --top shows of the ranking.
    depth = max(args.top, ASSIGNED_DEPTH)
    rows = None if args.explain else _served(vault, config, entries, args.model, where, depth)
    model: TagModel | None = None
    if rows is None:
        from tagger.model.korean import KoreanSettings, warm_up

        # Kiwi loads in a child process (on the other core) while this one loads the model.
        warm_up(KoreanSettings(), [e.comment for e in entries])
        from tagger.model.io import load_model

        model = load_model(model_path(args.model, vault, config, where=where))
        rows = model.suggest(entries, k=max(depth, model.max_assigned))
    explanations = _explain(model, entries, args) if model is not None and args.explain else None
    out = sys.stdout
    for i, (e, ranked) in enumerate(zip(entries, rows)):
        sugg, assigned_tags = ranked[: args.top], [s.tag for s in ranked if s.assigned]
        if args.format == "jsonl":
            record: dict[str, object] = {
                "path": str(e.path) if e.path else None,
                "title": e.title,
                "suggestions": [{"tag": s.tag, "score": round(s.score, 4)} for s in sugg],
                "assigned": assigned_tags,
            }
            if explanations is not None:
                from tagger.analysis.explain import explanation_record

                record["explanations"] = [explanation_record(x) for x in explanations[i]]
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
            continue
        name = printable(e.title or (e.path.name if e.path else "(stdin)"))
        out.write(f"{name}\n" if not e.path or not e.title else f"{name}  ({printable(e.path)})\n")
        if not sugg:
            out.write("    (no text to suggest from)\n")
        for s in sugg:
            out.write(f"  {'*' if s.assigned else ' '} {s.score:5.2f}  #{s.tag}\n")
        if explanations is not None:
            from tagger.cli.render import format_explanations

            out.write(format_explanations(explanations[i]) + "\n")
        assigned = " ".join("#" + t for t in assigned_tags)
        if assigned:
            out.write(f"    assigned: {assigned}\n")
    return SOME_FAILED if problems.failed else SUCCESS


def _served(vault: Path | None, config: Config, entries: list[Entry], model: str | None, where: str, k: int) -> list[list[Suggestion]] | None:
    """The suggestions of the vault's running `tagger serve` for this model, or None to work in-process."""
    from tagger.cli.served import suggest_with_server
    from tagger.errors import TaggerError

    if vault is None or not entries:
        return None
    try:
        path = model_path(model, vault, config, where=where)
    except TaggerError:
        return None  # said by the in-process path, in its words
    return suggest_with_server(vault, entries, k=k, model_path=path)


def _explain(model: TagModel, entries: list[Entry], args: argparse.Namespace) -> list[list[Explanation]]:
    from tagger.analysis.explain import explain
    from tagger.errors import InputError
    from tagger.notes.read import read_entries

    if args.history:
        if not Path(args.history).exists():
            raise InputError("does not exist; --history names the vault to find similar past notes in", path=Path(args.history))
        sources = [args.history]
    else:
        sources = list(model.metadata_.get("sources") or [])
        missing = [s for s in sources if not Path(s).exists()]
        if missing:
            # The evidence needs only the model: explain without the "like:" lines.
            log.warning(
                "%s: the vault this model was trained on is not there; explaining without similar past notes "
                "(pass --history VAULT for them)", missing[0],
            )
            sources = []
    history = [e for s in sources for e in read_entries(Path(s), on_problem=lambda err: None)] if sources else None
    return explain(model, entries, k=args.top, history=history)


__all__ = ["add_arguments", "run"]
