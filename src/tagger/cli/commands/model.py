"""What a model file is: the vault it came from, its notes, when and how it was trained, what it knows, whether it loads.

    tagger model                          # the model tagger would use here (--model, $TAGGER_MODEL, tagger.toml, default)
    tagger model path/to/tagger.model     # that file
    tagger model --format json            # for scripts

Exit 0 when this tagger can use the model; 2 when it cannot (another format or features
fingerprint, damaged, not a model at all), with the reason as the last line on stderr.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from tagger.cli.options import add_format, add_model
from tagger.cli.status import SUCCESS


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add `tagger model`'s arguments: the model as PATH or `--model`, and `--format`."""
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.description = __doc__
    parser.add_argument("path", nargs="?", metavar="PATH", help="the model file (same as --model)")
    add_model(parser)
    add_format(parser, "table", "json")


def run(args: argparse.Namespace) -> int:
    """Print what the model is; returns 0, or raises the `ModelError` that says why this tagger cannot use it."""
    from tagger.cli.render import format_model, to_json
    from tagger.config import find_vault_root, resolve_model_path
    from tagger.errors import InputError, ModelError
    from tagger.model.io import load_checked, read_header

    if args.path and args.model and Path(args.path) != Path(args.model):
        raise InputError(f"give the model once: PATH ({args.path}) or --model ({args.model}), not both")
    given = args.path or args.model
    where = resolve_model_path(given, vault=None if given else find_vault_root(Path.cwd()))
    header = read_header(where)  # not a model file at all: one line, exit 2, nothing shown
    problem: ModelError | None = None
    warnings: list[str] = []
    try:
        _, warnings = load_checked(where)
    except ModelError as err:
        problem = err
    summary = model_summary(where, header, problem=problem, warnings=warnings)
    sys.stdout.write((to_json(summary) if args.format == "json" else format_model(summary)) + "\n")
    if problem is not None:
        raise problem
    return SUCCESS


def model_summary(where: Path, header: dict[str, Any], *, problem: Exception | None = None, warnings: list[str] | None = None) -> dict[str, Any]:
    """What `tagger model` shows, as plain data, from a model file's header (read defensively: it may be damaged).

    >>> s = model_summary(Path("m.model"), {"format": 6, "metadata": {"tag_counts": {"rl": 9, "gan": 4}, "notes": 13}})
    >>> s["top_tags"], s["notes"], s["usable"]
    ([{'tag': 'rl', 'notes': 9}, {'tag': 'gan', 'notes': 4}], 13, True)
    """
    meta = _table(header.get("metadata"))
    state = _table(header.get("model"))
    counts = {str(k): v for k, v in _table(meta.get("tag_counts")).items() if isinstance(v, int)}
    blocks = [b for b in _list(state.get("blocks")) if isinstance(b, dict)]
    try:
        size: int | None = where.stat().st_size
    except OSError:
        size = None
    return {
        "path": str(where),
        "file_bytes": size,
        "format": header.get("format"),
        "fingerprint": header.get("fingerprint"),
        "features_version": header.get("features_version"),
        "usable": problem is None,
        "problem": str(problem) if problem is not None else None,
        "warnings": list(warnings or []),
        "trained_at": meta.get("trained_at"),
        "versions": {k[: -len("_version")]: v for k, v in meta.items() if k.endswith("_version")},
        "sources": [str(s) for s in _list(meta.get("sources"))],
        "aliases": {str(k): str(v) for k, v in _table(meta.get("aliases")).items()},
        "notes": meta.get("notes"),
        "notes_offered": meta.get("notes_offered"),
        "first_note": meta.get("first_note"),
        "last_note": meta.get("last_note"),
        "tags": len(counts),
        "rare_tags_left_out": len(_list(meta.get("rare_tags_left_out"))),
        "top_tags": [{"tag": t, "notes": n} for t, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:10]],
        "vocabulary": {str(b.get("field")): b.get("terms") for b in blocks},
        "weights": _table(state.get("coef")).get("nnz"),
        "heldout": _table(meta.get("heldout")),
        "settings": _table(state.get("settings")),
    }


def _table(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


__all__ = ["add_arguments", "model_summary", "run"]
