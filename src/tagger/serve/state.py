"""The state file of a running server: `VAULT/.tagger/server.json`, how clients find it.

Standard library only: every `tagger suggest` and hook run reads it before anything
heavy is imported. The file holds the server's URL, its token (so it is the owner's
only: mode 0600, written through `O_EXCL` so it is never readable by others even for
a moment), its process id and start time, and the model it serves.

>>> import tempfile; v = Path(tempfile.mkdtemp())
>>> s = ServerState(url="http://127.0.0.1:8123", token="t", pid=os.getpid(), started="2026-12-08T10:00:00+00:00", model="m")
>>> write_state(v, s) == state_path(v)
True
>>> read_state(v) == s, oct(state_path(v).stat().st_mode & 0o777)
(True, '0o600')
>>> remove_state(v, os.getpid()); read_state(v) is None
True
"""

from __future__ import annotations

import contextlib
import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

from tagger.config import TOOL_DIR, tool_dir

STATE_NAME = "server.json"


@dataclass(frozen=True)
class ServerState:
    """What `tagger serve` writes on start: where it listens, its token, who it is, and the model it serves."""

    url: str
    token: str
    pid: int
    started: str
    #: The model file the server serves (absolute): a client asking about another model works alone.
    model: str = ""


def state_path(vault: Path) -> Path:
    """`VAULT/.tagger/server.json`.

    >>> state_path(Path("vault")).as_posix()
    'vault/.tagger/server.json'
    """
    return Path(vault) / TOOL_DIR / STATE_NAME


def write_state(vault: Path, state: ServerState) -> Path:
    """Write the state file atomically, readable by the owner only; returns its path."""
    # Here, not at the top: the clients import this module for `read_state` and never write.
    from tagger.notes.replace import replace_file

    target = tool_dir(vault, create=True) / STATE_NAME
    # 0600, never wider whatever the umask: the token is a password for the vault's API.
    replace_file(target, (json.dumps(asdict(state)) + "\n").encode("utf-8"), mode=0o600)
    return target


def read_state(vault: Path) -> ServerState | None:
    """The state file of `vault`'s server, or None when there is none or it cannot be read as one."""
    try:
        raw = json.loads(state_path(vault).read_text(encoding="utf-8"))
        return ServerState(
            url=str(raw["url"]), token=str(raw["token"]), pid=int(raw["pid"]), started=str(raw["started"]), model=str(raw.get("model", ""))
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None


def remove_state(vault: Path, pid: int) -> None:
    """Remove the state file if it is `pid`'s (a server stopping never removes a newer server's file)."""
    state = read_state(vault)
    if state is not None and state.pid == pid:
        with contextlib.suppress(OSError):
            state_path(vault).unlink()


def pid_alive(pid: int) -> bool:
    """Whether a process `pid` exists (a state file left by a killed server names a dead one).

    >>> pid_alive(os.getpid()), pid_alive(2**22 + 1)
    (True, False)
    """
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive, but not our server
        return True
    except OverflowError:
        return False
    return True


__all__ = ["STATE_NAME", "ServerState", "pid_alive", "read_state", "remove_state", "state_path", "write_state"]
