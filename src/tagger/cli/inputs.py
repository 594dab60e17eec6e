"""Reading what the command line names: notes, folders, digests, tables or stdin, with one line per problem."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from tagger.config import ENV_VAR, Config, find_vault_root, load_config, resolve_model_path
from tagger.entry import Entry
from tagger.errors import InputError, NotTrainedError, NoteWarning
from tagger.notes.files import NoteFile
from tagger.notes.read import note_warnings, read_entries
from tagger.spelling import AliasTable


@dataclass
class Problems:
    """Collects a run's per-file problems: each file skipped is one line as it comes; warnings are said once.

    One per command run (made by `tagger.cli.main`), so the exit code can say
    "some notes were skipped" even when the output was cut short. A warning that
    several notes share (`NoteWarning.summary`: no text besides a URL, a mistyped tag
    line) is one line for all of them when reading is done (`flush`) — it would
    otherwise repeat on every command — unless `list_all` (`tagger parse` lists each).
    """

    items: list[InputError] = field(default_factory=list)
    list_all: bool = False
    held: list[NoteWarning] = field(default_factory=list)

    @property
    def failed(self) -> list[InputError]:
        """The problems that mean a file was not read (warnings about notes that were read are not)."""
        return [e for e in self.items if not isinstance(e, NoteWarning)]

    def __call__(self, err: InputError) -> None:
        self.items.append(err)
        if isinstance(err, NoteWarning) and err.summary and not self.list_all:
            self.held.append(err)
        else:
            print(f"tagger: {err}", file=sys.stderr)

    def flush(self) -> None:
        """Say the held warnings: one note's as it is, several notes' of one kind in one line.

        >>> p = Problems(); p(NoteWarning("is odd", path="a.md", summary="are odd")); p(NoteWarning("is odd", path="b.md", summary="are odd"))
        >>> import contextlib, io; err = io.StringIO()
        >>> with contextlib.redirect_stderr(err): p.flush()
        >>> err.getvalue()
        'tagger: 2 notes are odd (`tagger parse` lists them)\\n'
        """
        kinds: dict[str, list[NoteWarning]] = {}
        for w in self.held:
            kinds.setdefault(w.summary or "", []).append(w)
        for summary, warnings in kinds.items():
            if len(warnings) == 1:
                print(f"tagger: {warnings[0]}", file=sys.stderr)
            else:
                print(f"tagger: {len(warnings)} notes {summary} (`tagger parse` lists them)", file=sys.stderr)
        self.held.clear()


def vault_config(
    paths: Sequence[str], *, aliases_file: str | None = None, folder_is_vault: bool = False
) -> tuple[Path | None, Config]:
    """The vault the command line's first path lies in (None outside any), and its settings.

    With `folder_is_vault` (`tagger train`), a folder given is the vault itself, with
    or without `.git` or `tagger.toml`: its model goes to `FOLDER/.tagger/`, never to
    a folder further up that happens to be a repository (a home folder under git).

    >>> vault_config(["data/example-vault"])[1].stale_after_notes
    50
    >>> vault_config(["data/example-vault"], folder_is_vault=True)[0]
    PosixPath('data/example-vault')
    """
    first = Path.cwd() if paths[0] == "-" else Path(paths[0])
    vault = first if folder_is_vault and first.is_dir() else find_vault_root(first)
    return vault, load_config(vault, aliases_file=aliases_file)


def model_path(model: str | None, vault: Path | None, config: Config, *, where: str, saving: bool = False) -> Path:
    """The model file for inputs in `vault`: `--model`, `$TAGGER_MODEL`, `[model] path`, else `VAULT/.tagger/tagger.model`.

    Inputs outside any vault (a note in Downloads) use the current folder's vault;
    outside that too, there is no default, and the error says what to pass.

    >>> model_path(None, Path("vault"), Config(), where="vault").as_posix()
    'vault/.tagger/tagger.model'
    """
    if vault is None and not model and not os.environ.get(ENV_VAR) and config.model_path is None:
        vault = find_vault_root(Path.cwd())
        if vault is None:
            what = "say where to save the model" if saving else "say which model to use"
            raise (InputError if saving else NotTrainedError)(
                f"is in no vault (no tagger.toml, .git or .tagger folder above it or the current folder); "
                f"pass --model PATH or set ${ENV_VAR} to {what}",
                path=where,
            )
        return resolve_model_path(None, vault=vault)
    return resolve_model_path(model, vault=vault, config=config)


def read_stdin_note(problems: Problems) -> Entry:
    """The note piped into stdin (`-`), read as a note file is."""
    where = Path("<stdin>")
    data = sys.stdin.buffer.read()
    if not data.strip():
        raise InputError("is empty; pipe a note into it", path=where)
    note = NoteFile.from_bytes(where, data)
    for warning in note_warnings(note):
        problems(warning)
    return note.entry.replace(path=None)  # no file: nothing to show, and no date to take from a name


def read_inputs(paths: Sequence[str], problems: Problems, *, aliases: AliasTable | None = None) -> list[Entry]:
    """Entries from the command line's paths; `-` reads one note from stdin. Problems are said by the end.

    With `aliases`, tags are read as `tagger train` learns them: aliases folded.
    """
    out: list[Entry] = []
    for p in paths:
        if p == "-":
            out.append(read_stdin_note(problems))
        else:
            out.extend(read_entries(Path(p), on_problem=problems))
    problems.flush()
    if aliases:
        out = [e.replace(tags=aliases.apply(e.tags)) for e in out]
    return out


__all__ = ["Problems", "model_path", "read_inputs", "read_stdin_note", "vault_config"]
