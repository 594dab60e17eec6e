"""The pre-commit hook's view of a commit: which staged files are notes of which vault, and the commands it prints.

Standard library only: this runs at every commit, before anything heavy is imported.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterable, Sequence
from pathlib import Path

from tagger.cli.render import plural, shell_word
from tagger.config import DEFAULT_MODEL, Config, find_vault_root, load_config
from tagger.entry import Entry
from tagger.errors import printable
from tagger.analysis.vocabulary import newer_tagged
from tagger.notes.vault import in_tool_folder


def staged_notes(filenames: Sequence[str]) -> list[Path]:
    """The filenames that can be notes: existing `.md` files (deleted or other files are not).

    >>> staged_notes(["data/new-note.md", "pyproject.toml", "gone.md"])
    [PosixPath('data/new-note.md')]
    """
    out = []
    for name in filenames:
        p = Path(name)
        if p.suffix.lower() == ".md" and p.is_file():
            out.append(p)
    return out


def group_by_vault(paths: Iterable[Path]) -> dict[Path, list[Path]]:
    """Notes grouped by vault root (the nearest folder with `tagger.toml` or `.git`).

    >>> groups = group_by_vault([Path("data/new-note.md")])
    >>> list(groups.values())
    [[PosixPath('data/new-note.md')]]
    """
    groups: dict[Path, list[Path]] = {}
    roots: dict[Path, Path] = {}
    cwd = Path.cwd().resolve()
    for p in paths:
        parent = p.parent.resolve()
        if parent not in roots:
            # pre-commit runs from the repository root, so a vault without
            # tagger.toml or .git of its own is most likely the current folder.
            fallback = cwd if parent.is_relative_to(cwd) else parent
            roots[parent] = find_vault_root(parent) or fallback
        groups.setdefault(roots[parent], []).append(p)
    return groups


def is_vault_note(path: Path, root: Path, config: Config) -> bool:
    """Whether `path` is a note of the vault at `root` by its include/exclude patterns.

    >>> root = Path("data/example-vault").resolve()
    >>> is_vault_note(Path("data/example-vault/2020/200114 AugGAN.md"), root, load_config(None))
    True
    >>> is_vault_note(Path("data/new-note.md"), root, load_config(None))
    False
    """
    try:
        rel = path.resolve().relative_to(root)
    except ValueError:
        return False
    return not in_tool_folder(rel) and config.matches(rel.as_posix())


def stale_line(since: dt.date, newer: int, root: Path, config: Config, model_path: Path) -> str | None:
    """The stale-model warning for `newer` tagged notes after `since`, or None when not more than `stale_after_notes`."""
    threshold = config.stale_after_notes
    if newer <= threshold:
        return None
    return (
        f"the model ({printable(model_path)}) is stale: more than {plural(threshold, 'tagged note')} {'is' if threshold == 1 else 'are'} newer than the newest it "
        f"learned from ({since}); retrain it: {train_command(root, model_path)}"
    )


def stale_warning(last_note: object, entries: Iterable[Entry], root: Path, config: Config, model_path: Path) -> str | None:
    """A warning with the retrain command when more than `stale_after_notes` tagged notes are dated after the model's newest.

    `last_note` is the model's `metadata_["last_note"]` (an ISO date); `entries` the vault's notes.

    >>> es = [Entry(tags=("rl",), date=dt.date(2025, 7, d)) for d in range(1, 4)]
    >>> stale_warning("2025-06-30", es, Path("vault"), Config(stale_after_notes=2), Path("vault/m.joblib"))
    'the model (vault/m.joblib) is stale: more than 2 tagged notes are newer than the newest it learned from (2025-06-30); retrain it: tagger train vault --model vault/m.joblib'
    """
    counted = newer_tagged(last_note, entries)
    return None if counted is None else stale_line(*counted, root, config, model_path)


def _rel(path: Path) -> str:
    """`path` relative to the current folder if it is inside it (as the author would type it)."""
    cwd = Path.cwd().resolve()
    full = path.resolve()
    if full == cwd:
        return "."
    return str(full.relative_to(cwd)) if full.is_relative_to(cwd) else str(path)


def _is_default(root: Path, model_path: Path) -> bool:
    return model_path.resolve() == (root / DEFAULT_MODEL).resolve()


def train_command(root: Path, model_path: Path) -> str:
    """The command that retrains the model at `model_path` on the vault at `root`, as the author would type it.

    >>> train_command(Path("vault"), Path("vault/models/my model.tagger"))
    "tagger train vault --model 'vault/models/my model.tagger'"
    >>> train_command(Path("vault"), Path("vault/.tagger/tagger.model"))   # the default needs no --model
    'tagger train vault'
    """
    if _is_default(root, model_path):
        return f"tagger train {shell_word(_rel(root))}"
    return f"tagger train {shell_word(_rel(root))} --model {shell_word(_rel(model_path))}"


def no_model_line(root: Path, model_path: Path) -> str:
    """What to do when a staged note needs the model and there is none: one line, as a fresh clone first sees it.

    >>> no_model_line(Path("vault"), Path("vault/.tagger/tagger.model"))
    'no model at vault/.tagger/tagger.model (models are not committed: a fresh clone has none); train one with `tagger train vault`, or set on_missing_model = "warn" under [hook] in tagger.toml to commit unchecked until then'
    """
    why = " (models are not committed: a fresh clone has none)" if _is_default(root, model_path) else ""
    return (
        f"no model at {printable(_rel(model_path))}{why}; train one with `{train_command(root, model_path)}`, "
        'or set on_missing_model = "warn" under [hook] in tagger.toml to commit unchecked until then'
    )


def fix_commands(paths: Sequence[Path], argv_extra: Sequence[str]) -> list[str]:
    """The commands that apply the fix to `paths`, as the author would type them.

    >>> fix_commands([Path("2025/250701 New.md")], ["--model", "m.joblib"])  # doctest: +SKIP
    ["tagger-fix --model m.joblib '2025/250701 New.md'"]
    """
    files = " ".join(shell_word(p) for p in paths)
    direct = " ".join(["tagger-fix", *argv_extra, files])
    if os.environ.get("PRE_COMMIT"):
        # Under pre-commit the hook's own environment is not on the author's
        # PATH: pre-commit itself is the way in (a hook without `stages` runs
        # in the manual stage too).
        return [f"pre-commit run --hook-stage manual tagger-fix --files {files}", f"or, with tagger installed: {direct}"]
    return [direct]


__all__ = [
    "fix_commands", "group_by_vault", "is_vault_note", "no_model_line", "stale_line", "stale_warning", "staged_notes",
    "train_command",
]
