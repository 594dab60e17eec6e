"""What the server knows and does, apart from HTTP: the model (swapped atomically), the vault index, checks and suggestions.

One `Service` per vault. Requests read the current model through `current()` — a plain
reference swapped under a lock when a retrain (or a model file written by hand) brings a
new one — so a request started on the old model finishes on it, and none waits for a
retrain. Model work runs one request at a time (`_compute`): Kiwi and scipy hold Python's
GIL anyway (two threads analysing comments took 2.1 s where one took 0.9 s for the same
600), so taking turns keeps each request's own time at its cost instead of stretching every
one of them by the others'.

>>> svc = Service(Path("data/example-vault"), Path("/nonexistent/tagger.model"))
>>> svc.current() is None, svc.status()["model"]["loaded"]
(True, False)
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import gc
import os
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tagger._version import __version__
from tagger.analysis.explain import Explanation, explain
from tagger.analysis.vocabulary import newer_tagged
from tagger.edit.check import NoteCheck, review_tags
from tagger.edit.plan import WRITE_FLOOR
from tagger.entry import Entry, Suggestion
from tagger.errors import ModelError
from tagger.model.estimator import TagModel
from tagger.model.io import load_model
from tagger.model.korean import content_morphemes
from tagger.notes.files import NoteFile
from tagger.serve.http import request_waits as waits
from tagger.serve.index import VaultIndex
from tagger.spelling import AliasTable, Spellings, SpellingRule


class Unavailable(Exception):
    """The server cannot answer this yet (no model loaded): HTTP 503, and the client works alone."""


@dataclass
class Loaded:
    """A model in use, with the stamp of the file it came from (to notice a file written by hand)."""

    model: TagModel
    stamp: tuple[int, int, int] | None
    loaded_at: float = field(default_factory=time.time)


@dataclass(frozen=True)
class CheckNote:
    """One staged note as the hook sends it: its vault-relative path (never read: it dates the note by its name) and its text."""

    path: str
    text: str


def file_stamp(path: Path) -> tuple[int, int, int] | None:
    """(size, mtime, inode) of `path`, None if it is not there."""
    try:
        s = path.stat()
    except OSError:
        return None
    return (s.st_size, s.st_mtime_ns, s.st_ino)


def settle_memory() -> None:
    """Move what is alive now (the model, the vault index) out of the garbage collector's sight.

    A full collection walks every tracked object: about 13 ms with the corpus's model and index
    loaded, landing inside whichever request triggered it. Frozen objects are still freed by
    their reference counts once unused (an old model after a swap); only cycles among them would stay.
    """
    gc.collect()
    gc.freeze()


def suggestion_record(s: Suggestion) -> dict[str, Any]:
    """A suggestion as JSON: the score unrounded (JSON floats round-trip exactly), so a client prints what it would have.

    >>> suggestion_record(Suggestion("rl", 0.5, True))
    {'tag': 'rl', 'score': 0.5, 'assigned': True}
    """
    return {"tag": s.tag, "score": s.score, "assigned": s.assigned}


class Service:
    """The resident state of `tagger serve` for one vault (see the module's docstring)."""

    def __init__(self, root: Path, model_path: Path) -> None:
        self.root = Path(root).resolve()
        self.model_path = Path(os.path.abspath(model_path))
        self.index = VaultIndex(self.root)
        self.started = time.time()
        self._loaded: Loaded | None = None
        self._swap = threading.Lock()
        self._compute = threading.Lock()
        #: Why the model file could not be loaded, if it could not (shown in /api/status).
        self.load_error: str | None = None

    # ---- the model --------------------------------------------------------------------------

    def current(self) -> TagModel | None:
        """The model answering requests now (None before one is trained)."""
        loaded = self._loaded
        return None if loaded is None else loaded.model

    def load(self) -> bool:
        """Load the model file and swap it in; False (and the old model kept) if there is none or it is unreadable."""
        stamp = file_stamp(self.model_path)
        try:
            model = load_model(self.model_path)
        except ModelError as err:
            self.load_error = str(err)
            return False
        # Build Kiwi now, not in the first request that has Korean (about 1 s).
        content_morphemes(["모델을 불러옵니다."], model.korean_settings)
        with self._swap:
            self._loaded = Loaded(model, stamp)
        self.load_error = None
        settle_memory()
        return True

    def model_file_changed(self) -> bool:
        """Whether the model file differs from the one loaded (written by `tagger train` by hand, say)."""
        loaded = self._loaded
        stamp = file_stamp(self.model_path)
        return stamp is not None and (loaded is None or loaded.stamp != stamp)

    def model_info(self, model: TagModel | None = None) -> dict[str, Any]:
        """`{"trained_at", "notes"}` of the model answering (or of `model`)."""
        model = model if model is not None else self.current()
        if model is None:
            return {"trained_at": None, "notes": 0}
        meta = model.metadata_
        return {"trained_at": meta.get("trained_at"), "notes": meta.get("notes", 0)}

    def _need(self) -> TagModel:
        model = self.current()
        if model is None:
            raise Unavailable(self.load_error or "no model yet: it is being trained from the vault's tagged notes")
        return model

    # ---- answers ----------------------------------------------------------------------------

    @contextlib.contextmanager
    def _turn(self) -> Iterator[None]:
        """Hold the model lock for the block; the wait for it is kept in `waits.ms` (queueing, not work)."""
        t0 = time.perf_counter()
        with self._compute:
            waits.ms = getattr(waits, "ms", 0.0) + (time.perf_counter() - t0) * 1e3
            yield

    def suggest(self, entries: Sequence[Entry], k: int) -> tuple[list[list[Suggestion]], TagModel]:
        """Ranked suggestions for `entries` by the current model, and that model."""
        model = self._need()
        with self._turn():
            return model.suggest(entries, k=k), model

    def explain(self, entries: Sequence[Entry], k: int) -> list[list[Explanation]]:
        """`analysis.explain.explain` for `entries` by the current model (evidence words only: no neighbours).

        >>> [x.tag for x in svc.explain([entry], k=2)[0]]   # doctest: +SKIP
        ['reasoning', 'quantization']
        """
        model = self._need()
        with self._turn():
            return explain(model, entries, k=k, neighbours=0)

    def check(
        self, notes: Sequence[CheckNote], *, leave_out: Sequence[str], aliases: Mapping[str, str], top: int, floor: float = WRITE_FLOOR
    ) -> dict[str, Any]:
        """What `tagger-check` finds in `notes`, judged against the vault as it is on disk now.

        The same steps as `cli.hook.run_vault` in-process: the spelling rule of the vault's
        notes other than the staged ones (`leave_out`: their real paths), each note's renames
        and coined tags, suggestions (respelled by the rule) for untagged notes with text.
        """
        self.index.refresh()
        others = self.index.entries(leave_out=set(leave_out))
        # = build_vocabulary(others).rule(aliases), without the counts the rule does not use.
        rule = SpellingRule(Spellings.of(others).latest, AliasTable(aliases))
        checks = [NoteCheck(Path(n.path), NoteFile.from_text(self.root / n.path, n.text, vault=self.root), floor=floor) for n in notes]
        for c in checks:
            review_tags(c, rule)
        to_suggest = [c for c in checks if c.untagged and c.note is not None and c.note.entry.has_own_text]
        model = self.current()
        if to_suggest:
            model = self._need()
            with self._turn():
                rows = model.suggest([c.note.entry for c in to_suggest if c.note is not None], k=max(top, model.max_assigned))
            for c, row in zip(to_suggest, rows):
                c.suggestions = [dataclasses.replace(s, tag=rule.spell(s.tag)) for s in row]
        counted = newer_tagged(model.metadata_.get("last_note") if model is not None else None, self.index.entries())
        return {
            "notes": [
                {
                    "path": n.path,
                    "renames": [{"old": r.old, "new": r.new, "why": r.why} for r in c.renames],
                    "coined": list(c.coined),
                    "suggestions": [suggestion_record(s) for s in c.suggestions],
                    "would_write": c.fixed_tags(),
                }
                for n, c in zip(notes, checks)
            ],
            "stale": None if counted is None else {"last_note": counted[0].isoformat(), "newer": counted[1]},
            "model": self.model_info(model),
        }

    def status(self, retrain: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """The model's age and size, the index, and (from the retrainer) what retraining is doing."""
        model = self.current()
        info: dict[str, Any] = {"path": str(self.model_path), "loaded": model is not None, "error": self.load_error}
        if model is not None:
            meta = model.metadata_
            info.update(self.model_info(model), tags=len(model.tags_), last_note=meta.get("last_note"))
            trained = meta.get("trained_at")
            try:
                info["age_seconds"] = round((dt.datetime.now(dt.timezone.utc) - dt.datetime.fromisoformat(str(trained))).total_seconds())
            except (TypeError, ValueError):
                info["age_seconds"] = None
        return {
            "vault": str(self.root),
            "version": __version__,
            "pid": os.getpid(),
            "started": dt.datetime.fromtimestamp(self.started, dt.timezone.utc).isoformat(timespec="seconds"),
            "model": info,
            "index": {"notes": len(self.index.entries()), "generation": self.index.generation},
            "retrain": dict(retrain or {}),
        }


__all__ = ["CheckNote", "Service", "Unavailable", "file_stamp", "settle_memory", "suggestion_record"]
