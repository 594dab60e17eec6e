"""Helpers for the `tagger serve` tests and benchmark: a real server process on the loopback, and raw HTTP."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import tagger
from tagger.config import tool_dir
from tagger.serve.state import ServerState, read_state

SRC = Path(tagger.__file__).resolve().parents[1]


def env(**extra: str) -> dict[str, str]:
    """This process's environment with this checkout's tagger first on the path and no tagger settings."""
    out = {k: v for k, v in os.environ.items() if not k.startswith(("TAGGER_", "PRE_COMMIT"))}
    out["PYTHONPATH"] = os.pathsep.join([str(SRC), *filter(None, [os.environ.get("PYTHONPATH")])])
    out.update(extra)
    return out


def vault_copy(source: Path, dest: Path, model: Path | None) -> Path:
    """A writable copy of `source` with `model` as its `.tagger/model.joblib`."""
    shutil.copytree(source, dest)
    for p in dest.rglob("*"):
        p.chmod(p.stat().st_mode | 0o200)  # the shared corpus is read-only
    for stray in dest.rglob("tagger.toml"):
        stray.unlink()
    if model is not None:
        shutil.copy(model, tool_dir(dest, create=True) / "model.joblib")
    return dest


class Server:
    """`tagger serve ROOT ARGS…` as a child process, ready when its state file names it."""

    def __init__(self, root: Path, *args: str, timeout: float = 120.0) -> None:
        self.root = root
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tagger", "serve", str(root), *args],
            env=env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        deadline = time.monotonic() + timeout
        while True:
            state = read_state(root)
            if state is not None and state.pid == self.proc.pid:
                self.state: ServerState = state
                break
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"tagger serve did not start: {self.proc.stderr.read() if self.proc.stderr else ''}")
            time.sleep(0.05)
        host, port = self.state.url.removeprefix("http://").rsplit(":", 1)
        self.host, self.port = host.strip("[]"), int(port)

    def raw(self, data: bytes, *, timeout: float = 10.0) -> tuple[int, Any]:
        """Send `data` as it is; (status, decoded JSON body or None). Status 0: no reply."""
        with socket.create_connection((self.host, self.port), timeout=timeout) as sock:
            try:
                sock.sendall(data)
                sock.shutdown(socket.SHUT_WR)
            except OSError:
                pass  # the server may answer (413) and close before a large body is sent
            chunks = []
            try:
                while chunk := sock.recv(65536):
                    chunks.append(chunk)
            except OSError:
                pass
        reply = b"".join(chunks)
        head, _, body = reply.partition(b"\r\n\r\n")
        parts = head.split(b" ", 2)
        if len(parts) < 2 or not parts[1].isdigit():
            return 0, None
        try:
            return int(parts[1]), json.loads(body) if body else None
        except ValueError:
            return int(parts[1]), body

    def request(self, method: str, path: str, body: Any = None, *, token: str | None = "", headers: dict[str, str] | None = None) -> tuple[int, Any]:
        """One request with the right Host and token (`token=None`: none; another string: that one)."""
        data = b"" if body is None else json.dumps(body).encode("utf-8")
        h = {"Host": f"127.0.0.1:{self.port}", "Connection": "close"}
        if token is not None:
            h["Authorization"] = f"Bearer {token or self.state.token}"
        if body is not None:
            h.update({"Content-Type": "application/json", "Content-Length": str(len(data))})
        h.update(headers or {})
        head = f"{method} {path} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in h.items()) + "\r\n"
        return self.raw(head.encode("latin-1") + data)

    def kill(self, sig: int = signal.SIGKILL) -> None:
        """Send `sig` to the server process (by its id)."""
        if self.proc.poll() is None:
            os.kill(self.proc.pid, sig)

    def stop(self) -> int:
        """SIGTERM, and wait for the clean stop; the exit code."""
        if self.proc.poll() is None:
            self.proc.terminate()
        try:
            return self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            return self.proc.wait()


def hook(root: Path, files: list[str], *, mode: str = "check", server: bool = True) -> subprocess.CompletedProcess[str]:
    """`python -m tagger.cli.hook MODE FILES…` from the vault root, as pre-commit runs it (with or without asking a server)."""
    extra = {} if server else {"TAGGER_SERVER": "off"}
    return subprocess.run([sys.executable, "-m", "tagger.cli.hook", mode, *files], cwd=root, env=env(**extra),
                          capture_output=True, text=True, check=False)
