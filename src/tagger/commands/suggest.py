"""Suggest tags for notes, a digest, a folder, or a note on stdin."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tagger.commands.common import Problems, add_inputs, read_inputs, vault_config

log = logging.getLogger("tagger")

if TYPE_CHECKING:
    from tagger.entry import Entry
    from tagger.model import TagModel


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add `tagger suggest`'s arguments: the inputs, the model, `--top`, `--format`, `--explain` and `--history`."""
    add_inputs(parser)
    parser.add_argument("--model", metavar="PATH", help="model file (default: $TAGGER_MODEL, the vault's tagger.toml, or models/tagger.joblib)")
    parser.add_argument("--top", "-k", type=_positive, default=5, metavar="K", help="how many tags to rank per entry (default: 5)")
    parser.add_argument("--format", choices=("table", "jsonl"), default="table", help="output format (default: table)")
    parser.add_argument("--explain", action="store_true", help="show the words that pushed each tag up, and similar past notes")
    parser.add_argument("--history", metavar="VAULT", help="with --explain: the vault to find similar past notes in (default: the model's training vault)")


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def run(args: argparse.Namespace) -> int:
    """Print ranked tags for each input entry; exit code 1 if some file could not be read, else 0.

    A missing or unusable model raises `NotTrainedError` / `ModelError`, which `tagger.cli` reports.
    """
    from tagger.config import resolve_model_path
    from tagger.korean import KoreanSettings, warm_up
    from tagger.modelio import load_model

    problems = Problems()
    entries = read_inputs(args.paths, problems)
    # Kiwi loads in a child process (on the other core) while this one loads the model.
    warm_up(KoreanSettings(), [e.comment for e in entries])
    vault, config = vault_config(args.paths)
    model = load_model(resolve_model_path(args.model, vault=vault, config=config))
    rows = model.suggest(entries, k=max(args.top, 1))
    explanations = None
    if args.explain:
        explanations = _explain(model, entries, args)
    out = sys.stdout
    for i, (e, sugg) in enumerate(zip(entries, rows)):
        if args.format == "jsonl":
            record: dict[str, object] = {
                "path": str(e.path) if e.path else None,
                "title": e.title,
                "suggestions": [{"tag": s.tag, "score": round(s.score, 4)} for s in sugg],
                "assigned": [s.tag for s in sugg if s.assigned],
            }
            if explanations is not None:
                from tagger.explain import explanation_record

                record["explanations"] = [explanation_record(x) for x in explanations[i]]
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
            continue
        name = e.title or (e.path.name if e.path else "(stdin)")
        out.write(f"{name}\n" if not e.path or not e.title else f"{name}  ({e.path})\n")
        if not sugg:
            out.write("    (no text to suggest from)\n")
        for s in sugg:
            out.write(f"  {'*' if s.assigned else ' '} {s.score:5.2f}  #{s.tag}\n")
        if explanations is not None:
            from tagger.explain import format_explanations

            out.write(format_explanations(explanations[i]) + "\n")
        assigned = " ".join("#" + s.tag for s in sugg if s.assigned)
        if assigned:
            out.write(f"    assigned: {assigned}\n")
    return 1 if problems.failed else 0


def _explain(model: TagModel, entries: list[Entry], args: argparse.Namespace) -> list[list[Any]]:
    from tagger.errors import InputError
    from tagger.explain import explain
    from tagger.read import read_entries

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
    result: list[list[Any]] = explain(model, entries, k=max(args.top, 1), history=history)
    return result


__all__ = ["add_arguments", "run"]
