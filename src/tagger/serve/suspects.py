"""Suspect tags for the review page: `tagger review`'s likely missing and stray tags, found in a child process.

The review trains one model per fold of the archive (five on the corpus: about a minute),
so the server runs it as `tagger review VAULT --format jsonl --top 0` in a child process at
a lower CPU priority, as it retrains: requests keep the interpreter, and the memory goes
back when the child exits. The page asks; the first ask starts a run and is told to come
back; later asks get the last result, filtered against the vault as it is now (a tag since
added or removed is no longer suspect; an item the author dismissed stays hidden, through
`edit.session.Dismissals`), and start a fresh run when the tags changed since the last one.

>>> found = SuspectFinder(Path("data/example-vault"))
>>> found.result is None, found.running
(True, False)
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from tagger.edit.session import Dismissals
from tagger.entry import Entry
from tagger.serve.retrain import child_env
from tagger.spelling import tag_key

#: Seconds after a review before the tags' changes call for another.
RERUN_AFTER_S = 300.0
#: A review that has not finished after this long is stopped and reported.
REVIEW_TIMEOUT_S = 1800.0


def _reason(kind: str, score: float, tag: str) -> str:
    if kind == "missing":
        return f"#{tag} scored {score:.2f} by models that never saw this note"
    return f"#{tag} scored {score:.3f}, though the models know it well and read this note confidently"


def current_items(
    items: Iterable[Mapping[str, Any]], notes: Mapping[str, tuple[str, Entry]], dismissed: Callable[[tuple[str, str, str]], bool]
) -> list[dict[str, Any]]:
    """The review's items as they stand now: each flag still true of the note (`notes`: path → (sha, entry)) and not dismissed.

    >>> e = Entry(title="A", tags=("rl", "gan"))
    >>> item = {"path": "a.md", "title": "A", "date": None, "missing": [{"tag": "llm", "score": 0.9}], "stray": [{"tag": "gan", "score": 0.001}]}
    >>> [(f["tag"], f["reason"]) for f in current_items([item], {"a.md": ("ab12", e)}, lambda k: False)[0]["missing"]]
    [('llm', '#llm scored 0.90 by models that never saw this note')]
    >>> current_items([item], {"a.md": ("ab12", e.replace(tags=("llm",)))}, lambda k: False)   # both settled since
    []
    """
    out: list[dict[str, Any]] = []
    for item in items:
        path = str(item.get("path") or "")
        if path not in notes:
            continue
        sha, entry = notes[path]
        have = {tag_key(t) for t in entry.tags}
        flags: dict[str, list[dict[str, Any]]] = {}
        for kind in ("missing", "stray"):
            flags[kind] = [
                {"tag": f["tag"], "score": f["score"], "reason": _reason(kind, float(f["score"]), f["tag"])}
                for f in item.get(kind, [])
                # Still true of the note: a missing tag not added since, a stray one not removed.
                if (tag_key(f["tag"]) in have) == (kind == "stray") and not dismissed((path, f["tag"], kind))
            ]
        if flags["missing"] or flags["stray"]:
            out.append({"path": path, "title": item.get("title") or path, "date": item.get("date"), "sha": sha,
                        "tags": list(entry.tags), **flags})
    return out


class SuspectFinder:
    """Runs `tagger review` for one vault in a child process and keeps its last result."""

    def __init__(self, vault: Path) -> None:
        self.vault = Path(vault).resolve()
        self.result: list[dict[str, Any]] | None = None
        #: What the last result was computed from (the tag state), and when it finished.
        self.computed_on: Any = None
        self.finished: str | None = None
        self.error: str | None = None
        self.running = False
        self._finished_at = -1e9
        self._lock = threading.Lock()

    def ensure(self, tag_state: Any) -> None:
        """Start a run if there is no result for `tag_state`, none is running, and the last ended `RERUN_AFTER_S` ago.

        >>> f = SuspectFinder(Path("vault")); f.running = True; f.ensure(frozenset())   # one at a time: nothing started
        >>> f.running, f.result
        (True, None)
        """
        with self._lock:
            if self.running or (self.computed_on == tag_state and (self.result is not None or self.error is not None)):
                return
            if self.result is not None and time.monotonic() - self._finished_at < RERUN_AFTER_S:
                # Every accept changes the tags: one review a few minutes, not one per accept (each is a minute of CPU).
                return
            self.running = True
        threading.Thread(target=self._run, args=(tag_state,), name="tagger-suspects", daemon=True).start()

    def _run(self, tag_state: Any) -> None:
        started = time.monotonic()
        cmd = [sys.executable, "-P", "-m", "tagger.serve.suspects", str(self.vault)]
        result: list[dict[str, Any]] | None = None
        error: str | None = None
        try:
            proc = subprocess.run(cmd, capture_output=True, cwd=self.vault, env=child_env(), timeout=REVIEW_TIMEOUT_S)
            if proc.returncode == 0:
                result = [json.loads(line) for line in proc.stdout.decode("utf-8").splitlines() if line.strip()]
            else:
                lines = [x for x in proc.stderr.decode("utf-8", "replace").splitlines() if x.strip()]
                error = lines[-1] if lines else f"tagger review exited {proc.returncode}"
        except subprocess.TimeoutExpired:
            error = f"tagger review did not finish in {REVIEW_TIMEOUT_S:.0f} s"
        except (OSError, ValueError) as err:
            error = f"tagger review could not run: {err}"
        with self._lock:
            self.result = result if result is not None else self.result
            self.error = error
            self.computed_on = tag_state
            self.finished = f"{dt.datetime.now().astimezone():%H:%M} ({time.monotonic() - started:.0f} s)"
            self._finished_at = time.monotonic()
            self.running = False

    def snapshot(self, notes: Sequence[tuple[str, str, Entry]], tag_state: Any) -> dict[str, Any]:
        """What the page shows: `{"ready", "about", "notes"}`; starts a run when the tags changed since the last.

        >>> SuspectFinder(Path("/nonexistent")).snapshot([], frozenset())["ready"]   # doctest: +SKIP
        False
        """
        self.ensure(tag_state)
        with self._lock:
            result, error, running, finished = self.result, self.error, self.running, self.finished
        if result is None:
            about = (f"tagger review failed: {error}" if error else
                     "Scoring every tagged note with models trained on the other notes (about a minute for 3,000 notes); "
                     "this view fills in when done.")
            return {"ready": error is not None, "about": about, "notes": []}
        dismissals = Dismissals(self.vault)
        items = current_items(result, {rel: (sha, e) for rel, sha, e in notes}, dismissals.__contains__)
        about = (f"{len(items)} notes whose tags disagree with what models trained on the other notes read in them "
                 f"(out of fold; found at {finished}).")
        if running:
            about += " The tags changed since: a fresh review is running."
        elif self.computed_on != tag_state:
            about += " The tags changed since; items settled by those changes are left out."
        return {"ready": True, "about": about, "notes": items}


def _relative(record: dict[str, Any], vault: Path) -> dict[str, Any]:
    path = record.get("path")
    if path:
        try:
            record["path"] = Path(path).resolve().relative_to(vault).as_posix()
        except ValueError:
            record["path"] = None
    return record


def _child_main(vault: str) -> int:
    """`python -m tagger.serve.suspects VAULT`: `tagger review VAULT --format jsonl --top 0` at a lower priority,
    printing each note with its vault-relative path."""
    import contextlib
    import io

    from tagger.cli.main import main

    try:
        os.nice(10)
    except OSError:
        pass
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        code = main(["review", vault, "--format", "jsonl", "--top", "0"])
    root = Path(vault).resolve()
    for line in buffer.getvalue().splitlines():
        if line.strip():
            print(json.dumps(_relative(json.loads(line), root), ensure_ascii=False))
    return code


if __name__ == "__main__":
    raise SystemExit(_child_main(sys.argv[1]))


__all__ = ["SuspectFinder", "current_items"]
