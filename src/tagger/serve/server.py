"""Running `tagger serve`: one server per vault, its state file, a clean stop on SIGINT/SIGTERM.

Threads in the server process: the HTTP server's accept loop and one thread per
connection (requests), the retrain watcher (`serve.retrain`), the review page's warming
thread (`ReviewDesk.keep_warm`; its suspect tags run in a child, `serve.suspects`), and the
main thread waiting for a signal. Processes: the server, and while retraining, one `tagger train` child (and once the review
page asks for suspect tags, one `tagger review` child).

One server per vault: it holds an `flock` on `VAULT/.tagger/serve.lock` for its life (the
system lets go of it when the process dies, however it dies), so a second `serve` for the
vault is told where the first one is; a `server.json` found with the lock free was left
by a killed server and is replaced.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import os
import secrets
import signal
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

from tagger.config import tool_dir
from tagger.errors import InputError, printable
from tagger.serve.api import routes
from tagger.serve.page import page_routes
from tagger.serve.review import ReviewDesk
from tagger.serve.suspects import SuspectFinder
from tagger.serve.http import LOOPBACK_NAMES, TaggerHTTPServer
from tagger.serve.retrain import DEBOUNCE_S, POLL_S, Retrainer
from tagger.serve.service import Service, settle_memory
from tagger.serve.state import ServerState, read_state, remove_state, state_path, write_state

LOOPBACK_ADDRESSES = ("127.0.0.1", "::1", "localhost")


@dataclass
class Running:
    """A started server: its HTTP server, service, watcher, state; `stop()` ends it all and removes the state file."""

    http: TaggerHTTPServer
    service: Service
    retrainer: Retrainer
    state: ServerState
    vault: Path
    _thread: threading.Thread
    _lock_fd: int
    #: Set to stop the review page's warming thread.
    _warming: threading.Event

    def stop(self) -> None:
        """Stop answering, stop watching, remove the state file, let go of the vault's serve lock."""
        self.http.shutdown()
        self.http.server_close()
        self._warming.set()
        self.retrainer.stop()
        remove_state(self.vault, self.state.pid)
        with contextlib.suppress(OSError):
            os.close(self._lock_fd)


def _serve_lock(vault: Path) -> int:
    """Take the vault's serve lock (an open descriptor holding an `flock`), or say which server holds it."""
    path = tool_dir(vault, create=True) / "serve.lock"
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        state = read_state(vault)
        where = f" at {state.url} (process {state.pid})" if state is not None else ""
        raise InputError(f"already has a tagger server running{where}; use it, or stop it first", path=vault) from None
    return fd


def start(
    vault: Path,
    model_path: Path,
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    poll_s: float = POLL_S,
    debounce_s: float = DEBOUNCE_S,
    say: Callable[[str], None] = lambda line: None,
) -> Running:
    """Load the model, bind, write the state file, start the watcher; returns the running server.

    >>> r = start(Path("vault"), Path("vault/.tagger/tagger.model"))   # doctest: +SKIP
    >>> r.state.url                                                    # doctest: +SKIP
    'http://127.0.0.1:40123'
    """
    vault = Path(vault).resolve()
    lock_fd = _serve_lock(vault)
    try:
        left = read_state(vault)
        if left is not None:
            say(f"replacing {printable(state_path(vault))}, left by a server that is gone (process {left.pid})")
        service = Service(vault, model_path)
        if not service.load() and model_path.exists():
            say(f"warning: {service.load_error}; retraining")
        allowed = LOOPBACK_NAMES if host in LOOPBACK_ADDRESSES else (*LOOPBACK_NAMES, host if ":" not in host else f"[{host}]")
        retrainer = Retrainer(service, poll_s=poll_s, debounce_s=debounce_s)
        token = secrets.token_urlsafe(32)
        bound: list[TaggerHTTPServer] = []
        desk = ReviewDesk(service)
        page = page_routes(desk, SuspectFinder(vault), token, lambda: bound[0].port)
        try:
            http = TaggerHTTPServer((host, port), [*routes(service, retrainer.status), *page], token, allowed_hosts=allowed)
        except OSError as err:
            raise InputError(f"cannot listen on {host} port {port}: {err.strerror}") from None
        bound.append(http)
        name = "127.0.0.1" if host in ("127.0.0.1", "localhost") else f"[{host}]" if ":" in host else host
        state = ServerState(
            url=f"http://{name}:{http.port}",
            token=http.token,
            pid=os.getpid(),
            started=dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
            model=str(service.model_path),
        )
        retrainer.start()
        settle_memory()  # the index just read: out of the collector's way too
        thread = threading.Thread(target=http.serve_forever, kwargs={"poll_interval": 0.2}, name="tagger-http", daemon=True)
        thread.start()
        warming = threading.Event()
        threading.Thread(target=desk.keep_warm, args=(warming,), name="tagger-review-warm", daemon=True).start()
        write_state(vault, state)
        return Running(http, service, retrainer, state, vault, thread, lock_fd, warming)
    except BaseException:
        os.close(lock_fd)
        raise


def serve_until_signalled(running: Running) -> None:
    """Block until SIGINT or SIGTERM, then stop the server cleanly (state file removed)."""
    done = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        done.set()

    old = {s: signal.signal(s, on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        while not done.wait(0.5):
            pass
    finally:
        running.stop()
        for s, handler in old.items():
            signal.signal(s, handler)


__all__ = ["Running", "serve_until_signalled", "start"]
