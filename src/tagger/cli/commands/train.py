"""Learn the author's tagging from one or more vaults and save the model."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from tagger.cli.inputs import model_path, read_inputs, vault_config
from tagger.cli.options import add_aliases, add_inputs, add_model, days
from tagger.cli.progress import ProgressBar
from tagger.cli.render import none_read, plural, read_line
from tagger.cli.status import SUCCESS


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add `tagger train`'s arguments: the vaults, `--model`, `--aliases` and `--half-life`."""
    add_inputs(parser, stdin=False)
    add_model(parser, saving=True)
    add_aliases(parser)
    parser.add_argument("--half-life", type=days, metavar="DAYS", help="weight of a note halves every DAYS days of age; 0: all notes weigh the same (default: 180)")


def run(args: argparse.Namespace) -> int:
    """Train on the inputs, save the model and print what was learned; returns 0.

    The model path is checked before training, so a bad `--model` fails at
    once; notes that cannot be read are reported and skipped, not fatal.
    """
    from tagger.config import TOOL_DIR, tool_dir
    from tagger.errors import InputError
    from tagger.model.estimator import TagModel
    from tagger.model.io import check_writable, save_model

    start = time.perf_counter()
    problems = args.problems
    missing = next((p for p in args.paths if p != "-" and not Path(p).exists()), None)
    if missing is not None:  # before the vault is looked for above it: that answer would mislead
        raise InputError("does not exist", path=Path(missing))
    vault, config = vault_config(args.paths, aliases_file=args.aliases, folder_is_vault=True)
    target = check_writable(model_path(args.model, vault, config, where=args.paths[0], saving=True))
    if target.parent.name == TOOL_DIR:
        tool_dir(target.parent.parent, create=True)  # its .gitignore keeps the model out of the vault's git
    entries = read_inputs(args.paths, problems, aliases=config.alias_table)
    if not entries:
        if problems.failed:
            raise InputError(none_read(len(problems.failed)), path=args.paths[0])
        raise InputError("no notes found; give a vault folder with .md notes", path=args.paths[0])
    model = TagModel() if args.half_life is None else TagModel(half_life_days=args.half_life)
    with ProgressBar("training") as bar:
        model.fit(entries, progress=bar)
    provenance: dict[str, object] = {"sources": [str(Path(p).resolve()) for p in args.paths]}
    if config.aliases:
        provenance["aliases"] = dict(config.aliases)
    path = save_model(model, target, provenance=provenance)
    meta = model.metadata_
    held = model.heldout_
    out = sys.stdout
    out.write(read_line(entries, len(problems.failed)) + "\n")
    out.write(f"learned {plural(len(model.tags_), 'tag')} from the {plural(meta['notes'], 'tagged note')} ({meta['first_note']} – {meta['last_note']})")
    left = meta.get("rare_tags_left_out", [])
    out.write(f"; {plural(len(left), 'tag')} used only once left out\n" if left else "\n")
    if held:
        out.write(
            f"held-out newest {plural(int(held['notes']), 'note')}: P@1 {held['P@1']:.3f}, assigned-set F1 {held['assigned_f1']:.3f}\n"
        )
    out.write(f"saved {path} ({path.stat().st_size / 1e6:.1f} MB) in {time.perf_counter() - start:.1f} s\n")
    # Skipped notes were reported one per line above; the model was still trained and saved.
    return SUCCESS



__all__ = ["add_arguments", "run"]
