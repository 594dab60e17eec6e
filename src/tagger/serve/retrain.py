"""Keeping the model fresh: a thread that polls the vault and retrains in a child process when tags change.

Every `POLL_S` seconds the watcher refreshes the vault index. When the tagged notes
(which notes, with which tags) differ from those the model was trained on, it waits until
they have been quiet for `DEBOUNCE_S` (an author saving a note several times, or a
`git pull` landing many, gives one retrain), then runs `tagger train VAULT --model M` as a
child process (`python -m tagger.serve.retrain`, at a lower CPU priority). The child saves
the model atomically (`save_model`: a temporary file renamed over the old), the watcher
loads it and swaps it in; requests meanwhile are answered by the old model. A failed
retrain keeps the old model, is shown in `/api/status` with its last line of output, and is
not retried until the tags change again.

Why a child process: training holds the GIL for seconds (Kiwi, the TF-IDF blocks) and peaks
at about 500 MB on the corpus; in a child, requests keep their thread's share of the
interpreter, and the memory goes back to the system when it exits. A model file written
by someone else (`tagger train` by hand) is noticed by its stamp and loaded too.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from typing import Any

from tagger.serve.service import Service, file_stamp

POLL_S = 2.0
DEBOUNCE_S = 3.0
#: A retrain that has not finished after this long is stopped and counted as failed.
RETRAIN_TIMEOUT_S = 600.0


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


class Retrainer:
    """The watcher thread of one `Service`; `start()` it, `stop()` it; `status()` for /api/status."""

    def __init__(self, service: Service, *, poll_s: float = POLL_S, debounce_s: float = DEBOUNCE_S) -> None:
        self.service = service
        self.poll_s = poll_s
        self.debounce_s = debounce_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="tagger-retrain", daemon=True)
        self._trained_on: frozenset[Any] | None = None
        self._failed_on: frozenset[Any] | None = None
        self._changed_at: float | None = None
        self._seen: frozenset[Any] | None = None
        self._proc: subprocess.Popen[bytes] | None = None
        self.running_since: str | None = None
        self.last: dict[str, Any] | None = None
        self.count = 0

    def start(self) -> None:
        """Take the vault as it is as what the loaded model knows (or train at once if there is no model), then watch."""
        self.service.index.refresh()
        state = self.service.index.tag_state()
        self._seen = state
        if self.service.current() is not None:
            self._trained_on = state
        else:
            self._changed_at = 0.0  # no model: train without waiting
        self._thread.start()

    def stop(self) -> None:
        """Stop watching; a retrain under way is ended (the old model file stays: the child's save is atomic)."""
        self._stop.set()
        proc = self._proc
        if proc is not None and proc.poll() is None:
            proc.kill()
        if self._thread.is_alive():
            self._thread.join(timeout=5)

    def status(self) -> dict[str, Any]:
        """Whether a retrain is running (and since when), whether one is waiting, and the last one's time and result."""
        return {
            "running": self.running_since is not None,
            "running_since": self.running_since,
            "pending": self._changed_at is not None,
            "retrains": self.count,
            "last": self.last,
            "poll_seconds": self.poll_s,
            "debounce_seconds": self.debounce_s,
        }

    def _loop(self) -> None:
        while not self._stop.wait(self.poll_s):
            try:
                self._tick()
            except Exception as err:  # noqa: BLE001 - the watcher must outlive a surprise; it is reported
                self.last = {"finished": _now(), "result": "failed", "error": f"watcher: {type(err).__name__}: {err}"}

    def _tick(self) -> None:
        svc = self.service
        svc.index.refresh()
        state = svc.index.tag_state()
        if state != self._seen:
            self._seen = state
            self._changed_at = time.monotonic()  # debounced from the last change seen
        if self._changed_at is not None and state == self._trained_on:
            self._changed_at = None  # changed back (an undo): nothing to learn
        if svc.model_file_changed() and svc.load():
            # A model written by hand (or by our own retrain, loaded below) is what answers now.
            self._trained_on = state if self._trained_on is None else self._trained_on
        due = self._changed_at is not None and time.monotonic() - self._changed_at >= self.debounce_s
        if due and state != self._failed_on:
            self._retrain(state)

    def _retrain(self, state: frozenset[Any]) -> None:
        svc = self.service
        self.running_since = _now()
        started = time.monotonic()
        before = file_stamp(svc.model_path)
        # -P: the child runs in the vault, whose files must never be imported (a `tagger.py` there would be).
        cmd = [sys.executable, "-P", "-m", "tagger.serve.retrain", str(svc.root), str(svc.model_path)]
        error: str | None = None
        try:
            self._proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, cwd=svc.root, env=child_env())
            out, _ = self._proc.communicate(timeout=RETRAIN_TIMEOUT_S)
            if self._proc.returncode != 0:
                lines = [x for x in out.decode("utf-8", "replace").splitlines() if x.strip()]
                error = lines[-1] if lines else f"tagger train exited {self._proc.returncode}"
        except subprocess.TimeoutExpired:
            assert self._proc is not None
            self._proc.kill()
            self._proc.wait()
            error = f"tagger train did not finish in {RETRAIN_TIMEOUT_S:.0f} s"
        except OSError as err:
            error = f"tagger train could not start: {err.strerror}"
        finally:
            self._proc = None
        if self._stop.is_set():
            self.running_since = None
            return
        if error is None and (file_stamp(svc.model_path) == before or not svc.load()):
            error = svc.load_error or "tagger train wrote no model"
        seconds = round(time.monotonic() - started, 2)
        self.count += 1
        self.last = {"started": self.running_since, "finished": _now(), "seconds": seconds,
                     "result": "ok" if error is None else "failed", "error": error, "notes": len(state)}
        self.running_since = None
        if error is None:
            self._trained_on, self._failed_on = state, None
            if self._seen == state:
                self._changed_at = None
        else:
            self._failed_on = state
            self._changed_at = None


def child_env() -> dict[str, str]:
    """This process's environment with its import path (less the working folder) as the child's:
    the child finds this same tagger however the server found it, and nothing of the vault."""
    here = {"", os.getcwd()}
    path = [p for p in sys.path if p not in here and os.path.abspath(p) not in here]
    return {**os.environ, "PYTHONPATH": os.pathsep.join(path)}


def _child_main(argv: Sequence[str]) -> int:
    """`python -m tagger.serve.retrain VAULT MODEL`: `tagger train` at a lower priority, so requests keep the CPU."""
    from tagger.cli.main import main

    try:
        os.nice(10)
    except OSError:  # not allowed here: train at the same priority
        pass
    vault, model = argv
    return main(["-q", "train", vault, "--model", model])


__all__ = ["DEBOUNCE_S", "POLL_S", "Retrainer", "child_env"]

if __name__ == "__main__":
    sys.exit(_child_main(sys.argv[1:]))
