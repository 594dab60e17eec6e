"""One writing run per vault at a time: a lock in `VAULT/.tagger/` (`config.tool_dir`), released by the system if its run dies.

The lock is an `flock` on `VAULT/.tagger/lock`, so a run killed outright (SIGKILL, a crash,
a reboot) holds nothing afterwards; the file says who holds it (process, command, since
when) for the message a second run prints.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import json
import os
from collections.abc import Iterator
from pathlib import Path

from tagger.config import tool_dir
from tagger.errors import InputError


class VaultBusy(InputError):
    """The vault is being written by another tagger run (or request): try again when it is done."""


@contextlib.contextmanager
def vault_lock(vault: Path, *, command: str) -> Iterator[None]:
    """Hold the vault's writing lock for the block, or raise `InputError` naming who holds it.

    >>> import tempfile; v = Path(tempfile.mkdtemp())
    >>> with vault_lock(v, command="retag --write"):
    ...     with vault_lock(v, command="undo"): pass   # doctest: +ELLIPSIS
    Traceback (most recent call last):
    tagger.edit.lock.VaultBusy: ...: is being changed by another tagger run (retag --write, process ..., since ...); wait for it to finish
    """
    path = tool_dir(vault, create=True) / "lock"
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as err:
        raise InputError(f"cannot be opened: {err.strerror}", path=path) from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise VaultBusy(f"is being changed by another tagger run ({_holder(fd)}); wait for it to finish", path=vault) from None
        holder = {"pid": os.getpid(), "command": command, "since": dt.datetime.now().astimezone().isoformat(timespec="seconds")}
        with contextlib.suppress(OSError):  # the lock holds without the note of who holds it
            os.ftruncate(fd, 0)
            os.pwrite(fd, json.dumps(holder).encode("utf-8"), 0)
        try:
            yield
        finally:
            with contextlib.suppress(OSError):
                os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def _holder(fd: int) -> str:
    try:
        info = json.loads(os.pread(fd, 4096, 0).decode("utf-8"))
        return f"{info['command']}, process {info['pid']}, since {info['since']}"
    except (OSError, ValueError, KeyError, TypeError):
        return "a run that did not say which"


__all__ = ["VaultBusy", "vault_lock"]
