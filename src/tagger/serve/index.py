"""The server's view of the vault: every note's `Entry`, kept fresh by polling, standard library only.

`refresh()` walks the vault (tool folders pruned, as `notes.vault` does) and stats every
`*.md`; a note whose (size, mtime, inode) changed, or that is new, is read again with
`read_note_file`, the one note reader; a vanished note is dropped. On the corpus (3,467
notes) a walk that reads nothing costs about 40 ms, so the server polls every couple of
seconds for its retrain and walks once more before answering a check, so a check sees the
working tree as it is when the check arrives — the same notes the hook would read itself.

Why polling rather than inotify (`watchfiles`): see the README ("tagger serve"); in short,
a check needs a walk anyway to be sure of what is on disk *now*, polling works on every file
system (a vault on a network or synced folder, where inotify is blind), and it needs no
dependency.

>>> index = VaultIndex(Path("data/example-vault"))
>>> index.refresh() > 0, len(index.entries()) > 50
(True, True)
>>> index.refresh()   # nothing changed since: nothing read
0
"""

from __future__ import annotations

import os
import stat
import threading
import time
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

from tagger.config import Config, load_config, path_matches
from tagger.entry import Entry
from tagger.errors import InputError
from tagger.notes.files import read_note_file
from tagger.notes.vault import SKIP_DIRS
from tagger.serve.client import real_name

Stamp = tuple[int, int, int]


@dataclass(frozen=True)
class Seen:
    """One note as last read: its stat stamp and entry (None when it could not be read)."""

    stamp: Stamp
    entry: Entry | None
    #: The note's real path (links followed), vault-relative when inside: what a check leaves out.
    real: str
    #: SHA-256 of the bytes read: what the review page sends back so a write never lands on a newer edit.
    sha256: str = ""


class VaultIndex:
    """The notes of one vault, as `load_notes(root, include=…, exclude=…).entries` would read them now."""

    def __init__(self, root: Path, config: Config | None = None) -> None:
        self.root = Path(root).resolve()
        self.config = config if config is not None else load_config(self.root)
        self._notes: dict[str, Seen] = {}
        #: include/exclude verdict per vault-relative name, forgotten when tagger.toml changes.
        self._matches: dict[str, bool] = {}
        self._lock = threading.Lock()
        self._config_stamp = self._stamp_of(self.root / "tagger.toml")
        #: Bumped whenever a refresh changed anything: cheap "has the vault changed" for callers.
        self.generation = 0
        self._walked_at = -1e9

    @staticmethod
    def _stamp_of(path: Path) -> Stamp | None:
        try:
            s = path.stat()
        except OSError:
            return None
        return (s.st_size, s.st_mtime_ns, s.st_ino)

    def _walk(self) -> dict[str, tuple[Path, Stamp]]:
        """Every note file's vault-relative name → (path, stamp): `os.scandir` with names built by hand and
        the include/exclude verdict remembered per name (the walk is what every check pays: 70 → 35 ms on the corpus)."""
        out: dict[str, tuple[Path, Stamp]] = {}
        matches = self._matches
        todo = [(str(self.root), "")]
        while todo:
            folder, prefix = todo.pop()
            try:
                it = os.scandir(folder)
            except OSError:
                continue
            with it:
                for d in it:
                    name = d.name
                    if name.startswith(".") and not name.endswith(".md"):
                        continue
                    try:
                        if d.is_dir(follow_symlinks=False):  # as os.walk: a linked folder is not entered
                            if name not in SKIP_DIRS and not name.startswith("."):
                                todo.append((d.path, prefix + name + "/"))
                            continue
                        if not name.endswith(".md"):
                            continue
                        st = d.stat()  # follows a link, as `is_file` in `notes.vault` does
                    except OSError:
                        continue
                    if not stat.S_ISREG(st.st_mode):
                        continue
                    rel = prefix + name
                    ok = matches.get(rel)
                    if ok is None:
                        ok = matches[rel] = path_matches(rel, self.config.include, self.config.exclude)
                    if ok:
                        out[rel] = (Path(d.path), (st.st_size, st.st_mtime_ns, st.st_ino))
        return out

    def real_name(self, path: Path | str) -> str:
        """`path` with links followed, vault-relative (posix) when inside the vault, else absolute.

        >>> VaultIndex(Path("data/example-vault")).real_name("data/example-vault/2020/x.md")
        '2020/x.md'
        """
        return real_name(path, self.root)

    def refresh(self, *, max_age: float = 0.0) -> int:
        """Bring the index up to date with the disk; returns how many notes were read, added or dropped.

        `max_age`: seconds a walk stays good enough (the review page's reads: its two requests
        on opening share one walk, and the watcher walks every couple of seconds anyway)."""
        if max_age and time.monotonic() - self._walked_at < max_age:
            return 0
        with self._lock:
            stamp = self._stamp_of(self.root / "tagger.toml")
            if stamp != self._config_stamp:
                # tagger.toml changed (include/exclude, aliases): every note is judged again.
                try:
                    self.config = load_config(self.root)
                except InputError:
                    pass  # a half-saved file: keep the settings we had until it reads
                self._config_stamp = stamp
                self._notes.clear()
                self._matches.clear()
            found = self._walk()
            changed = 0
            for rel in [r for r in self._notes if r not in found]:
                del self._notes[rel]
                changed += 1
            for rel, (full, st) in found.items():
                changed += self._read(rel, full, st)
            if changed:
                self.generation += 1
            self._walked_at = time.monotonic()
            return changed

    def _read(self, rel: str, full: Path, st: Stamp) -> int:
        """Read note `rel` again if its stamp changed (under the lock); 1 if it was read."""
        old = self._notes.get(rel)
        if old is not None and old.stamp == st:
            return 0
        try:
            note = read_note_file(full, vault=self.root)
            entry: Entry | None = note.entry
            digest = note.sha256
        except InputError:
            entry, digest = None, ""  # unreadable notes have no vote in the vocabulary, as in `load_notes`
        self._notes[rel] = Seen(st, entry, self.real_name(full), digest)
        return 1

    def update(self, rels: Collection[str]) -> int:
        """Read again the notes `rels` (vault-relative) that the index holds, without a walk: after a write of
        our own, whose notes we know (a walk of the corpus costs 35–60 ms; this, a stat per note).

        >>> index = VaultIndex(Path("data/example-vault")); _ = index.refresh()
        >>> index.update(["2025/250520 Quantized Reasoning Models.md"])   # unchanged on disk: nothing read
        0
        """
        changed = 0
        with self._lock:
            for rel in rels:
                if rel not in self._notes:
                    continue
                full = self.root / rel
                try:
                    s = full.stat()
                except OSError:
                    del self._notes[rel]
                    changed += 1
                    continue
                changed += self._read(rel, full, (s.st_size, s.st_mtime_ns, s.st_ino))
            if changed:
                self.generation += 1
        return changed

    def seen(self, rel: str) -> tuple[str, Entry] | None:
        """(SHA-256, entry) of note `rel` as last read, None if the index holds no readable note by that name.

        >>> index = VaultIndex(Path("data/example-vault")); _ = index.refresh()
        >>> index.seen("2025/250520 Quantized Reasoning Models.md")[1].tags, index.seen(".tagger/server.json")
        ((), None)
        """
        with self._lock:
            s = self._notes.get(rel)
            return None if s is None or s.entry is None else (s.sha256, s.entry)

    def entries(self, *, leave_out: Collection[str] = ()) -> list[Entry]:
        """Every readable note's entry, in path order, but those whose `real_name` is in `leave_out`.

        As the hook's `vault_rule` leaves out the staged notes by resolved path (a staged link
        leaves out the note it points to as well).
        """
        with self._lock:
            return [s.entry for _, s in sorted(self._notes.items()) if s.entry is not None and s.real not in leave_out]

    def notes(self) -> list[tuple[str, str, Entry]]:
        """(vault-relative path, SHA-256 as read, entry) of every readable note, in path order.

        >>> index = VaultIndex(Path("data/example-vault")); _ = index.refresh()
        >>> rel, sha, entry = index.notes()[0]; rel.startswith("2020/"), len(sha)
        (True, 64)
        """
        with self._lock:
            return [(rel, s.sha256, s.entry) for rel, s in sorted(self._notes.items()) if s.entry is not None]

    def tag_state(self) -> frozenset[tuple[str, tuple[str, ...]]]:
        """(path, tags) of every tagged note with text: what a model learns from; a change calls for a retrain."""
        with self._lock:
            return frozenset(
                (rel, s.entry.tags) for rel, s in self._notes.items() if s.entry is not None and s.entry.tags and s.entry.has_text
            )


__all__ = ["VaultIndex"]
