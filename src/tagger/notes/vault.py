"""A vault on disk: its notes found by walking it (tool folders pruned), and read as a whole.

`load_notes` is how retag, `tagger tags` and the hook's vocabulary read a vault:
every readable note for the vocabulary, the selected ones (globs, a list of
paths) as `NoteFile`s to change, and a `Skip` with its reason for the rest.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from tagger.config import path_matches
from tagger.entry import Entry
from tagger.errors import InputError
from tagger.notes.files import NoteFile, Skip, read_note_file
from tagger.notes.layout import mistyped_tag_line
from tagger.progress import Progress

#: Folders a vault keeps for tools, never notes.
SKIP_DIRS = {".git", ".obsidian", ".trash", ".tagger", ".venv", "node_modules", "__pycache__"}


def in_tool_folder(rel: Path) -> bool:
    """Whether a vault-relative path lies in a tool folder (`.git`, `.obsidian`, any dot folder, …).

    >>> in_tool_folder(Path(".obsidian/x.md")), in_tool_folder(Path("2025/x.md"))
    (True, False)
    """
    return any(part in SKIP_DIRS or part.startswith(".") for part in rel.parts[:-1])


def iter_note_paths(folder: Path) -> Iterator[Path]:
    """`*.md` files below `folder`, in no order, never descending into tool folders.

    Pruned while walking: a vault's `.git` can hold far more files than its notes.
    """
    for here, dirs, files in os.walk(folder):
        dirs[:] = [d for d in dirs if d not in SKIP_DIRS and not d.startswith(".")]
        for name in files:
            if name.endswith(".md"):
                path = Path(here) / name
                if path.is_file():
                    yield path


def note_paths(folder: Path) -> list[Path]:
    """All `*.md` notes below `folder`, skipping tool folders such as `.git`, sorted.

    >>> note_paths(Path("data/example-vault"))[0].name
    '200109 Consistency Regularized GAN Training.md'
    """
    return sorted(iter_note_paths(folder))


@dataclass
class VaultNotes:
    """A vault as read for retagging: the selected notes, their skips, and every readable entry."""

    notes: list[NoteFile]
    skips: list[Skip]
    #: Entries of every readable note of the vault (selected or not): the vocabulary's source.
    entries: list[Entry]


def read_paths_file(text: str, *, source: Path | str = "<paths>") -> list[str]:
    """Paths from `--paths-from`: plain lines, or JSONL objects with a "path" (`tagger review`).

    Blank lines and lines starting with `#` are ignored.

    >>> read_paths_file('a.md\\n{"path": "b.md", "missing": ["rl"]}\\n\\n# note\\n')
    ['a.md', 'b.md']
    """
    out: list[str] = []
    for i, line in enumerate(text.splitlines(), 1):
        s = line.strip()
        if not s or s.startswith("#"):
            continue
        if s.startswith("{"):
            try:
                obj = json.loads(s)
            except json.JSONDecodeError as err:
                raise InputError(f"line {i}: not JSON ({err.msg})", path=source) from None
            if not isinstance(obj, dict) or not isinstance(obj.get("path"), str):
                raise InputError(f"line {i}: expected an object with a \"path\"", path=source)
            out.append(obj["path"])
        else:
            out.append(line.rstrip("\r\n"))
    return out


def _resolve_listed(raw: str, vault: Path) -> Path:
    p = Path(raw).expanduser()
    if p.is_absolute():
        return p
    # Paths in a review file are relative to where it was made: the current
    # folder if that works, else the vault.
    return p if p.exists() else vault / p


def load_notes(
    vault: Path,
    *,
    include: Sequence[str] = ("**/*.md",),
    exclude: Sequence[str] = (),
    paths: Sequence[str] | None = None,
    vocabulary_include: Sequence[str] | None = None,
    vocabulary_exclude: Sequence[str] = (),
    progress: Progress | None = None,
) -> VaultNotes:
    """Read the vault's notes; select those matching the globs (and `paths`, if given).

    Every readable note matching `vocabulary_include`/`vocabulary_exclude`
    (default: the selection's globs) feeds `entries`, so spellings come from
    the whole vault even when only a few notes are retagged.

    >>> got = load_notes(Path("vault"), exclude=["templates/**"])   # doctest: +SKIP
    >>> len(got.notes), len(got.skips)                               # doctest: +SKIP
    (3373, 2)
    """
    vault = Path(vault)
    if not vault.is_dir():
        raise InputError("is not a folder (give the vault's root folder)" if vault.exists() else "does not exist", path=vault)
    vault = vault.resolve()
    voc_inc = vocabulary_include if vocabulary_include is not None else include
    voc_exc = vocabulary_exclude if vocabulary_include is not None else exclude
    all_paths = note_paths(vault)
    wanted: set[Path] | None = None
    skips: list[Skip] = []
    if paths is not None:
        wanted = set()
        for raw in paths:
            p = _resolve_listed(raw, vault)
            try:
                resolved = p.resolve()
                rel = resolved.relative_to(vault)
            except ValueError:
                skips.append(Skip(p, raw, "is outside the vault; not changed"))
                continue
            if not resolved.is_file():
                skips.append(Skip(p, raw, "does not exist" if not resolved.exists() else "is not a file"))
            elif resolved.suffix.lower() != ".md":
                skips.append(Skip(p, rel.as_posix(), "is not a markdown note (.md)"))
            else:
                wanted.add(vault / rel)
        # A listed note under a tool folder (.obsidian, …) is still the user's explicit choice;
        # the globs still apply to listed notes.
        all_paths = sorted(set(all_paths) | wanted)
    notes: list[NoteFile] = []
    entries: list[Entry] = []
    for i, path in enumerate(all_paths):
        name = path.relative_to(vault).as_posix()
        selected = (wanted is None or path in wanted) and path_matches(name, include, exclude)
        for_vocab = path_matches(name, voc_inc, voc_exc)
        if progress is not None and i % 64 == 0:
            progress("reading", i / len(all_paths))
        if not (selected or for_vocab):
            continue
        try:
            got = read_note_file(path, vault=vault)
        except InputError as err:
            if selected:
                skips.append(Skip(path, name, err.message))
            continue
        if for_vocab:
            entries.append(got.entry)
        if selected and got.odd:
            skips.append(Skip(path, got.rel, mistyped_tag_line(got.odd)))
        elif selected:
            notes.append(got)
    if progress is not None:
        progress("reading", 1.0)
    return VaultNotes(notes=notes, skips=skips, entries=entries)


def path_in_vault(root: Path, rel: str) -> Path:
    """The file `rel` (vault-relative, as logs and requests name notes) inside the vault at `root`.

    An `InputError` if it leads outside the vault, or passes through a symbolic link (which
    could lead out of it): a log or a request is text anyone could have written.

    >>> import tempfile; root = Path(tempfile.mkdtemp())
    >>> path_in_vault(root, "2025/a.md") == root / "2025" / "a.md"
    True
    >>> path_in_vault(root, "../outside.md")
    Traceback (most recent call last):
    tagger.errors.InputError: ../outside.md: is outside the vault
    """
    rel_path = Path(rel)
    if rel_path.is_absolute() or ".." in rel_path.parts or not rel_path.parts:
        raise InputError("is outside the vault", path=rel)
    here = root
    for part in rel_path.parts:
        here = here / part
        if here.is_symlink():
            raise InputError("is reached through a symbolic link", path=rel)
    return here


__all__ = ["SKIP_DIRS", "VaultNotes", "in_tool_folder", "iter_note_paths", "load_notes", "note_paths",
    "path_in_vault", "read_paths_file"]
