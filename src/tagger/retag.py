"""Retag a vault safely: plan every change first, write it with an undo log, undo it.

Three steps, kept apart so the middle one is pure and testable:

1. `load_notes` reads the vault (the only reading side): each note's text, its
   SHA-256 and its parsed `Entry`; notes that cannot be read become `Skip`s.
2. `plan_retag` decides, note by note, the tags before → after. It reads no
   file and writes none; suggestions come from a `Suggester` callable (the
   model's `suggest`, or a fake one in tests).
3. `apply_plan` writes the undo log first (every planned change, with the
   hashes before and after), then each note atomically through
   `tagger.write.set_tags` / `write_atomic`, skipping notes that changed since
   planning. `undo_log` restores every note still as the retag left it.

>>> from tagger.entry import Suggestion
>>> note = note_from_text(Path("a.md"), "A paper\\n\\n코멘트.\\n")
>>> plan = plan_retag([note], suggester=lambda es: [[Suggestion("rl", 0.9, True)] for _ in es])
>>> [(c.rel, c.old_tags, c.new_tags) for c in plan.changes]
[('a.md', (), ('rl',))]
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import signal
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from tagger import write as _write
from tagger.write import lock_reason
from tagger.entry import Entry, Suggestion
from tagger.errors import InputError
from tagger.parse import mistyped_tag_line, odd_tag_lines, parse_note
from tagger.read import note_paths, read_note_bytes
from tagger.tagnames import dedupe_tags, tag_key

#: A batch of entries → ranked suggestions per entry (e.g. `lambda es: model.suggest(es, k=10)`).
Suggester = Callable[[Sequence[Entry]], list[list[Suggestion]]]
#: Progress: stage name, items done, items in all.
Progress = Callable[[str, int, int], None]

MODES = ("only_untagged", "add", "normalize")
#: `--add` puts tags into notes the author already tagged: only confident ones by default.
DEFAULT_MIN_SCORE = {"only_untagged": 0.0, "add": 0.7, "normalize": 0.0}
LOG_FORMAT = 1
_BATCH = 128


def sha256(data: bytes | str) -> str:
    """Hex SHA-256 of bytes, or of a text's UTF-8 bytes.

    >>> sha256("")[:12]
    'e3b0c44298fc'
    """
    return hashlib.sha256(data.encode("utf-8") if isinstance(data, str) else data).hexdigest()


# ---- values ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Note:
    """One note as read for retagging: text exactly as stored, its hash, what it says.

    `locked` says why the note must not be written (read-only, a symlink), if so.
    """

    path: Path
    rel: str
    text: str
    sha256: str
    entry: Entry
    locked: str | None = None


@dataclass(frozen=True)
class Change:
    """A planned change of one note's tags, with everything needed to write and undo it."""

    path: Path
    rel: str
    old_tags: tuple[str, ...]
    new_tags: tuple[str, ...]
    #: Scores of the tags the model added (none for spelling changes).
    scores: tuple[tuple[str, float], ...]
    reason: str
    sha256_before: str
    sha256_after: str
    new_text: str
    #: The note's text before, kept only when `set_tags(new_text, old_tags)` would not give it back.
    restore_text: str | None = None

    @property
    def added(self) -> tuple[str, ...]:
        """Tags the change adds (by key: a respelling is not an addition)."""
        old = {tag_key(t) for t in self.old_tags}
        return tuple(t for t in self.new_tags if tag_key(t) not in old)

    @property
    def removed(self) -> tuple[str, ...]:
        """Old spellings the change no longer writes (dropped tags and respelled ones)."""
        new = set(self.new_tags)
        return tuple(t for t in self.old_tags if t not in new)


@dataclass(frozen=True)
class Skip:
    """A note left alone because something is wrong with it (exit code 1)."""

    path: Path
    rel: str
    reason: str


@dataclass
class Plan:
    """What a retag would do: the changes, the skips, and why the rest stay as they are."""

    mode: str
    min_score: float
    max_tags: int | None
    changes: list[Change] = field(default_factory=list)
    skips: list[Skip] = field(default_factory=list)
    #: reason → number of notes that need no change for that reason
    kept: Counter[str] = field(default_factory=Counter)

    @property
    def seen(self) -> int:
        """Notes the plan looked at: to change, skipped, or kept as they are."""
        return len(self.changes) + len(self.skips) + sum(self.kept.values())


# ---- reading --------------------------------------------------------------------------------


def _rel(path: Path, vault: Path | None) -> str:
    if vault is not None:
        with contextlib.suppress(ValueError):
            return path.relative_to(vault).as_posix()
    return path.as_posix()


def note_from_text(path: Path, text: str, *, vault: Path | None = None, locked: str | None = None) -> Note:
    """A `Note` from text already in memory (its hash is of the text's UTF-8 bytes).

    The hook plans from staged text, which may differ from the file on disk.

    >>> n = note_from_text(Path("v/a.md"), "Title\\n\\n코멘트.\\n\\n#GAN\\n", vault=Path("v"))
    >>> n.rel, n.entry.tags
    ('a.md', ('GAN',))
    """
    return Note(path=path, rel=_rel(path, vault), text=text, sha256=sha256(text), entry=parse_note(text, path=path), locked=locked)


def read_note_for_retag(path: Path, *, vault: Path | None = None) -> Note | Skip:
    """Read one note for retagging, or say why it cannot be.

    >>> read_note_for_retag(Path("vault/2025/a.md"), vault=Path("vault")).rel   # doctest: +SKIP
    '2025/a.md'
    """
    rel = _rel(path, vault)
    try:
        data, text = read_note_bytes(path)
    except InputError as err:
        return Skip(path, rel, err.message)
    return Note(
        path=path, rel=rel, text=text, sha256=sha256(data), entry=parse_note(text, path=path), locked=lock_reason(path)
    )


@dataclass
class VaultNotes:
    """A vault as read for retagging: the selected notes, their skips, and every readable entry."""

    notes: list[Note]
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
    from tagger.config import path_matches

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
    notes: list[Note] = []
    entries: list[Entry] = []
    for i, path in enumerate(all_paths):
        name = path.relative_to(vault).as_posix()
        selected = (wanted is None or path in wanted) and path_matches(name, include, exclude)
        for_vocab = path_matches(name, voc_inc, voc_exc)
        if progress is not None and i % 64 == 0:
            progress("reading", i, len(all_paths))
        if not (selected or for_vocab):
            continue
        got = read_note_for_retag(path, vault=vault)
        if isinstance(got, Skip):
            if selected:
                skips.append(got)
            continue
        if for_vocab:
            entries.append(got.entry)
        if selected and (odd := odd_tag_lines(got.text)):
            skips.append(Skip(path, got.rel, mistyped_tag_line(odd)))
        elif selected:
            notes.append(got)
    if progress is not None:
        progress("reading", len(all_paths), len(all_paths))
    return VaultNotes(notes=notes, skips=skips, entries=entries)


# ---- planning (pure) -----------------------------------------------------------------------


def _picks(
    suggestions: Sequence[Suggestion], *, min_score: float, normalizer: Mapping[str, str], have: set[str]
) -> list[tuple[str, float]]:
    out: list[tuple[str, float]] = []
    for s in suggestions:
        if not s.assigned or s.score < min_score:
            continue
        tag = normalizer.get(tag_key(s.tag), s.tag)
        if tag_key(tag) in have:
            continue
        have.add(tag_key(tag))
        out.append((tag, s.score))
    return out


def _change(note: Note, new_tags: Sequence[str], scores: Sequence[tuple[str, float]], reason: str) -> Change | Skip | None:
    new_tags = tuple(new_tags)
    if new_tags == note.entry.tags:
        return None
    new_text = _write.set_tags(note.text, new_tags)
    if new_text == note.text:
        return None
    # Never write what tagger itself would not read back as these tags.
    if parse_note(new_text, path=note.path).tags != new_tags:
        return Skip(note.path, note.rel, "its tag layout is unusual; tagger cannot place the tags safely (edit it by hand)")
    back = _write.set_tags(new_text, note.entry.tags)
    return Change(
        path=note.path,
        rel=note.rel,
        old_tags=note.entry.tags,
        new_tags=new_tags,
        scores=tuple(scores),
        reason=reason,
        sha256_before=note.sha256,
        sha256_after=sha256(new_text),
        new_text=new_text,
        restore_text=None if back == note.text else note.text,
    )


def plan_retag(
    notes: Sequence[Note],
    *,
    mode: str = "only_untagged",
    suggester: Suggester | None = None,
    normalizer: Mapping[str, str] | None = None,
    min_score: float | None = None,
    max_tags: int | None = None,
    progress: Progress | None = None,
) -> Plan:
    """Decide each note's tags before → after. Reads and writes nothing.

    - `only_untagged`: notes without tags get the model's assigned tags.
    - `add`: every note with text also gets assigned tags it lacks (scored at
      least `min_score`, 0.7 by default); the author's tags are never removed.
    - `normalize`: tags are rewritten through `normalizer` (tag key → the
      spelling to write, see `Vocabulary.normalizer`); no model is needed.

    `max_tags` caps the tags a note ends with (the author's own always stay).
    New tags are written in the vault's spelling (`normalizer`), so a later
    `normalize` has nothing to do.

    >>> n = note_from_text(Path("v/a.md"), "Title\\n\\n코멘트.\\n\\n#GAN\\n", vault=Path("v"))
    >>> [(c.old_tags, c.new_tags) for c in plan_retag([n], mode="normalize", normalizer={"gan": "gan"}).changes]
    [(('GAN',), ('gan',))]
    """
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}, not {mode!r}")
    if max_tags is not None and max_tags < 1:
        raise ValueError("max_tags must be at least 1")
    floor = DEFAULT_MIN_SCORE[mode] if min_score is None else min_score
    norm = normalizer or {}
    plan = Plan(mode=mode, min_score=floor, max_tags=max_tags)

    def add(note: Note, got: Change | Skip | None, kept_reason: str) -> None:
        if got is None:
            plan.kept[kept_reason] += 1
        elif isinstance(got, Skip):
            plan.skips.append(got)
        elif note.locked is not None:
            plan.skips.append(Skip(note.path, note.rel, note.locked))
        else:
            plan.changes.append(got)

    if mode == "normalize":
        for note in notes:
            new = dedupe_tags(norm.get(tag_key(t), t) for t in note.entry.tags)
            kept = "spelled canonically" if note.entry.tags else "untagged (normalize only respells tags)"
            add(note, _change(note, new, (), "canonical spelling"), kept)
        return plan

    if suggester is None:
        raise ValueError(f"mode {mode!r} needs a suggester (a model)")
    targets: list[Note] = []
    for note in notes:
        if note.entry.tags and mode == "only_untagged":
            plan.kept["already tagged"] += 1
        elif not note.entry.has_own_text:
            # Only a URL (its title is the file name): a tag guessed from that is not one to
            # write. Left as it is, counted in the summary; the reader has already said so.
            plan.kept["no text besides a URL"] += 1
        else:
            targets.append(note)
    for start in range(0, len(targets), _BATCH):
        if progress is not None:
            progress("suggesting", start, len(targets))
        batch = targets[start : start + _BATCH]
        suggestions = suggester([n.entry for n in batch])
        if len(suggestions) != len(batch):
            raise ValueError(f"the suggester gave {len(suggestions)} results for {len(batch)} entries")
        for note, sugg in zip(batch, suggestions):
            old = note.entry.tags
            have = {tag_key(norm.get(tag_key(t), t)) for t in old}
            picks = _picks(sugg, min_score=floor, normalizer=norm, have=have)
            if max_tags is not None:
                picks = picks[: max(0, max_tags - len(old))]
            if not picks:
                if old and max_tags is not None and len(old) >= max_tags:
                    plan.kept[f"already {max_tags}+ tags"] += 1
                else:
                    plan.kept[f"no assigned tag scored ≥ {floor:.2f}" if not old else "nothing confident to add"] += 1
                continue
            reason = "untagged" if not old else "confident tags missing"
            add(note, _change(note, old + tuple(t for t, _ in picks), picks, reason), "unchanged")
    if progress is not None:
        progress("suggesting", len(targets), len(targets))
    return plan


# ---- applying ------------------------------------------------------------------------------


def default_log_path(vault: Path, now: dt.datetime | None = None) -> Path:
    """`VAULT/.tagger/retag-YYYYmmdd-HHMMSS.jsonl`, numbered if that name is taken.

    >>> default_log_path(Path("/nonexistent/v"), dt.datetime(2025, 6, 1, 12, 0, 0)).as_posix()
    '/nonexistent/v/.tagger/retag-20250601-120000.jsonl'
    """
    stamp = (now or dt.datetime.now()).strftime("%Y%m%d-%H%M%S")
    base = Path(vault) / ".tagger" / f"retag-{stamp}.jsonl"
    path, n = base, 1
    while path.exists():
        n += 1
        path = base.with_name(f"retag-{stamp}-{n}.jsonl")
    return path


@contextlib.contextmanager
def _hold_interrupts() -> Iterator[None]:
    """Let Ctrl-C wait until one note is written *and* logged, then act on it.

    Each note's write is atomic anyway; holding the signal keeps the log's
    "done" line in step with the file, so the log never under-reports.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[int] = []
    previous = signal.getsignal(signal.SIGINT)
    signal.signal(signal.SIGINT, lambda signum, frame: caught.append(signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
        if caught:
            if callable(previous):
                previous(signal.SIGINT, None)
            elif previous == signal.SIG_DFL:
                raise KeyboardInterrupt


class _Log:
    """An append-only JSONL file whose every line reaches the disk before the next step."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._fh: IO[str] = open(path, "x", encoding="utf-8", newline="\n")  # noqa: SIM115 - kept open across notes
        except FileExistsError:
            raise InputError("already exists; give another --log file (an undo log is never overwritten)", path=path) from None
        except OSError as err:
            raise InputError(f"cannot be created: {err.strerror}", path=path) from None

    def write(self, *records: Mapping[str, Any], sync: bool = True) -> None:
        self._fh.write("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records))
        self._fh.flush()
        if sync:
            os.fsync(self._fh.fileno())

    def close(self) -> None:
        self._fh.close()


@dataclass
class ApplyResult:
    """What `apply_plan` did: notes written, notes skipped at write time, and the log."""

    log_path: Path | None
    written: list[Change] = field(default_factory=list)
    skipped: list[Skip] = field(default_factory=list)
    status: str = "complete"


def plan_records(plan: Plan, vault: Path) -> Iterator[dict[str, Any]]:
    """The log's header and one `plan` record per change (what undo needs).

    >>> n = note_from_text(Path("v/a.md"), "코멘트.\\n\\n#GAN\\n", vault=Path("v"))
    >>> plan = plan_retag([n], mode="normalize", normalizer={"gan": "gan"})
    >>> [(r.get("op", r.get("tagger")), r.get("new_tags")) for r in plan_records(plan, Path("v"))]
    [('retag-log', None), ('plan', ['gan'])]
    """
    from tagger import __version__

    yield {
        "tagger": "retag-log",
        "format": LOG_FORMAT,
        "tagger_version": __version__,
        "created": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "vault": str(vault),
        "mode": plan.mode,
        "changes": len(plan.changes),
    }
    for c in plan.changes:
        rec: dict[str, Any] = {
            "op": "plan",
            "path": c.rel,
            "old_tags": list(c.old_tags),
            "new_tags": list(c.new_tags),
            "sha256_before": c.sha256_before,
            "sha256_after": c.sha256_after,
        }
        if c.restore_text is not None:
            rec["restore_text"] = c.restore_text
        yield rec


def _current_problem(change: Change) -> str | None:
    """Why `change` must not be written now, if the note changed or got locked since planning."""
    try:
        data = change.path.read_bytes()
    except FileNotFoundError:
        return "was deleted since the plan; not written"
    except OSError as err:
        return f"cannot be read: {err.strerror}"
    if sha256(data) != change.sha256_before:
        return "changed since the plan (hash differs); not written, run retag again"
    return lock_reason(change.path)


def apply_plan(
    plan: Plan,
    *,
    vault: Path,
    log_path: Path | None = None,
    progress: Progress | None = None,
) -> ApplyResult:
    """Write the plan: the undo log first, then each note atomically.

    A note that changed since planning (its hash differs), became read-only or
    cannot be written is skipped with a reason and the rest go on. Ctrl-C or an
    unexpected error stops between two notes: each note is untouched or fully
    written, and the log's last line records how the run ended.

    >>> result = apply_plan(plan_retag(notes, mode="normalize", normalizer=n), vault=vault)   # doctest: +SKIP
    >>> result.log_path                                                                      # doctest: +SKIP
    PosixPath('vault/.tagger/retag-20250601-120000.jsonl')
    """
    vault = Path(vault).resolve()
    if not plan.changes:
        return ApplyResult(log_path=None)
    log_path = Path(log_path) if log_path is not None else default_log_path(vault)
    log = _Log(log_path)
    result = ApplyResult(log_path=log_path)
    try:
        log.write(*plan_records(plan, vault))
        total = len(plan.changes)
        for i, change in enumerate(plan.changes):
            if progress is not None:
                progress("writing", i, total)
            why = _current_problem(change)
            if why is None:
                try:
                    with _hold_interrupts():
                        _write.write_atomic(change.path, change.new_text)
                        result.written.append(change)
                        log.write({"op": "done", "path": change.rel}, sync=False)
                    continue
                except InputError as err:
                    why = err.message
                except OSError as err:
                    why = f"cannot be written: {err.strerror or err}"
            result.skipped.append(Skip(change.path, change.rel, why))
            log.write({"op": "skip", "path": change.rel, "reason": why}, sync=False)
        if progress is not None:
            progress("writing", total, total)
    except BaseException as err:
        result.status = "interrupted" if isinstance(err, KeyboardInterrupt) else "failed"
        end: dict[str, Any] = {"op": "end", "status": result.status, "written": len(result.written), "skipped": len(result.skipped)}
        if not isinstance(err, KeyboardInterrupt):
            end["error"] = f"{type(err).__name__}: {err}"
        with contextlib.suppress(OSError):
            log.write(end)
        log.close()
        raise
    log.write({"op": "end", "status": "complete", "written": len(result.written), "skipped": len(result.skipped)})
    log.close()
    return result


# ---- undo ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class LoggedChange:
    """One `plan` record of a retag log, and what the log says became of it."""

    rel: str
    old_tags: tuple[str, ...]
    new_tags: tuple[str, ...]
    sha256_before: str
    sha256_after: str
    restore_text: str | None
    status: str  # "done", "skip", or "unknown" (the run stopped before reaching it)


@dataclass
class RetagLog:
    """A parsed retag log."""

    path: Path
    header: dict[str, Any]
    changes: list[LoggedChange]
    end: dict[str, Any] | None

    @property
    def vault(self) -> Path:
        """The vault root the retag ran on, as its header recorded it."""
        return Path(str(self.header.get("vault", "")))


def read_log(path: Path | str) -> RetagLog:
    """Parse a retag log; a torn last line (a crash mid-write) is ignored.

    >>> len(read_log("vault/.tagger/retag-20250601-120000.jsonl").changes)   # doctest: +SKIP
    12
    """
    from tagger.read import read_plain_text

    path = Path(path)
    text = read_plain_text(path)
    lines = text.splitlines()
    records: list[dict[str, Any]] = []
    for i, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
        except json.JSONDecodeError:
            if i == len(lines) and not text.endswith("\n"):
                break
            raise InputError(f"line {i}: not JSON; is this a tagger retag log?", path=path) from None
        if not isinstance(rec, dict):
            raise InputError(f"line {i}: not a log record", path=path)
        records.append(rec)
    if not records or records[0].get("tagger") != "retag-log":
        raise InputError("is not a tagger retag log", path=path)
    header = records[0]
    if header.get("format") != LOG_FORMAT:
        raise InputError(f"is a retag log of format {header.get('format')}; this tagger reads format {LOG_FORMAT}", path=path)
    status: dict[str, str] = {}
    end = None
    for rec in records[1:]:
        if rec.get("op") in ("done", "skip"):
            status[str(rec.get("path"))] = str(rec["op"])
        elif rec.get("op") == "end":
            end = rec
    changes = []
    for rec in records[1:]:
        if rec.get("op") != "plan":
            continue
        try:
            changes.append(
                LoggedChange(
                    rel=str(rec["path"]),
                    old_tags=tuple(rec["old_tags"]),
                    new_tags=tuple(rec["new_tags"]),
                    sha256_before=str(rec["sha256_before"]),
                    sha256_after=str(rec["sha256_after"]),
                    restore_text=rec.get("restore_text"),
                    status=status.get(str(rec["path"]), "unknown"),
                )
            )
        except (KeyError, TypeError):
            raise InputError(f"plan record for {rec.get('path')!r} is incomplete", path=path) from None
    return RetagLog(path=path, header=header, changes=changes, end=end)


@dataclass
class UndoResult:
    """What `undo_log` did, note by note (vault-relative paths)."""

    restored: list[str] = field(default_factory=list)
    #: Notes already as they were before the retag (never written, or undone before).
    unchanged: list[str] = field(default_factory=list)
    #: (path, reason): notes left alone because they changed since, went missing, or cannot be written.
    left: list[tuple[str, str]] = field(default_factory=list)


def _log_vault(log: RetagLog, vault: Path | None) -> Path:
    if vault is not None:
        return Path(vault)
    if log.vault.is_dir():
        return log.vault
    # The vault was moved or renamed: a log in its `.tagger/` still knows where it is.
    if log.path.resolve().parent.name == ".tagger":
        return log.path.resolve().parent.parent
    raise InputError(f"the vault it names ({log.vault}) does not exist; give it with --vault", path=log.path)


def undo_log(path: Path | str, *, vault: Path | None = None, progress: Progress | None = None) -> UndoResult:
    """Restore every note a retag log changed that is still exactly as the retag left it.

    A note whose hash is no longer the logged "after" hash was edited since (or
    never written): it is left alone and reported. Restoring is atomic per note.

    >>> undo_log("vault/.tagger/retag-20250601-120000.jsonl")   # doctest: +SKIP
    """
    log = read_log(path)
    root = _log_vault(log, vault)
    result = UndoResult()
    total = len(log.changes)
    for i, ch in enumerate(reversed(log.changes)):
        if progress is not None:
            progress("restoring", i, total)
        note = root / ch.rel
        try:
            data = note.read_bytes()
        except FileNotFoundError:
            result.left.append((ch.rel, "no longer exists"))
            continue
        except OSError as err:
            result.left.append((ch.rel, f"cannot be read: {err.strerror}"))
            continue
        digest = sha256(data)
        if digest == ch.sha256_before:
            result.unchanged.append(ch.rel)
            continue
        if digest != ch.sha256_after:
            result.left.append((ch.rel, "changed since the retag; left as it is"))
            continue
        current = data.decode("utf-8")
        original = ch.restore_text if ch.restore_text is not None else _write.set_tags(current, ch.old_tags)
        if sha256(original) != ch.sha256_before:
            result.left.append((ch.rel, "cannot be rebuilt exactly as it was; left as it is"))
            continue
        if (locked := lock_reason(note)) is not None:
            result.left.append((ch.rel, locked))
            continue
        try:
            with _hold_interrupts():
                _write.write_atomic(note, original, expect_bytes=data)
        except InputError as err:
            result.left.append((ch.rel, err.message))
            continue
        except OSError as err:
            result.left.append((ch.rel, f"cannot be written: {err.strerror or err}"))
            continue
        result.restored.append(ch.rel)
    if progress is not None:
        progress("restoring", total, total)
    return result


__all__ = [
    "DEFAULT_MIN_SCORE",
    "LOG_FORMAT",
    "MODES",
    "ApplyResult",
    "Change",
    "LoggedChange",
    "Note",
    "Plan",
    "Progress",
    "RetagLog",
    "Skip",
    "Suggester",
    "UndoResult",
    "VaultNotes",
    "apply_plan",
    "default_log_path",
    "load_notes",
    "note_from_text",
    "plan_records",
    "plan_retag",
    "read_log",
    "read_note_for_retag",
    "read_paths_file",
    "sha256",
    "undo_log",
]
