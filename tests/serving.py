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
    """A writable copy of `source` with `model` as its `.tagger/tagger.model`."""
    shutil.copytree(source, dest)
    for p in dest.rglob("*"):
        p.chmod(p.stat().st_mode | 0o200)  # the shared corpus is read-only
    for stray in dest.rglob("tagger.toml"):
        stray.unlink()
    if model is not None:
        shutil.copy(model, tool_dir(dest, create=True) / "tagger.model")
    return dest


def snapshot(root: Path) -> dict[str, bytes]:
    """Every file of the vault but tagger's own folder, by relative path."""
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file() and ".tagger" not in p.parts}


def with_tag_line(old: bytes, line: bytes) -> bytes:
    """An untagged note with a tag line added after a blank line, its final newline (or none) kept."""
    return old.rstrip(b"\n") + b"\n\n" + line + (b"\n" if old.endswith(b"\n") else b"")


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


def bad_requests(s: Server) -> list[tuple[str, bytes]]:
    """(name, raw request) for every kind of bad request the server must answer with a 4xx."""
    host, auth = f"Host: 127.0.0.1:{s.port}\r\n", f"Authorization: Bearer {s.state.token}\r\n"

    def post(body: bytes, extra: str = "", ctype: str = "application/json") -> bytes:
        return (f"POST /api/suggest HTTP/1.1\r\n{host}{auth}Content-Type: {ctype}\r\nContent-Length: {len(body)}\r\n{extra}\r\n").encode() + body

    return [
        ("bad JSON", post(b'{"text": ')),
        ("not UTF-8", post(b'{"text": "\xff\xfe"}')),
        ("binary body", post(bytes(range(256)) * 4)),
        ("a number", post(b"42")),
        ("text not a string", post(b'{"text": 42}')),
        ("k a string", post(b'{"text": "x", "k": "5"}')),
        ("k too large", post(b'{"text": "x", "k": 100000}')),
        ("k a bool", post(b'{"text": "x", "k": true}')),
        ("unknown key", post(b'{"txt": "x"}')),
        ("text and fields", post(b'{"text": "x", "title": "y"}')),
        ("empty list", post(b"[]")),
        ("nested list", post(b"[[{}]]")),
        ("empty body", post(b"")),
        ("form body", post(b"text=x", ctype="application/x-www-form-urlencoded")),
        ("text/plain body", post(b'{"text": "x"}', ctype="text/plain")),
        ("10 MB body", (f"POST /api/suggest HTTP/1.1\r\n{host}{auth}Content-Type: application/json\r\nContent-Length: {10 << 20}\r\n\r\n").encode()
         + b"[" + b"0," * (5 << 20)),
        ("chunked body", (f"POST /api/suggest HTTP/1.1\r\n{host}{auth}Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{{}}\r\n0\r\n\r\n").encode()),
        ("negative length", f"POST /api/suggest HTTP/1.1\r\n{host}{auth}Content-Type: application/json\r\nContent-Length: -5\r\n\r\n".encode()),
        ("no token", f"GET /api/status HTTP/1.1\r\n{host}\r\n".encode()),
        ("wrong token", f"GET /api/status HTTP/1.1\r\n{host}Authorization: Bearer {'x' * 43}\r\n\r\n".encode()),
        ("token as Basic", f"GET /api/status HTTP/1.1\r\n{host}Authorization: Basic {s.state.token}\r\n\r\n".encode()),
        ("foreign Host", f"GET /api/health HTTP/1.1\r\nHost: attacker.example:{s.port}\r\n\r\n".encode()),
        ("Host without port", b"GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"),
        ("no Host", b"GET /api/health HTTP/1.1\r\n\r\n"),
        ("foreign Origin", f"GET /api/status HTTP/1.1\r\n{host}{auth}Origin: http://attacker.example\r\n\r\n".encode()),
        ("Origin of another port", f"GET /api/status HTTP/1.1\r\n{host}{auth}Origin: http://127.0.0.1:1\r\n\r\n".encode()),
        ("DELETE", f"DELETE /api/suggest HTTP/1.1\r\n{host}{auth}\r\n".encode()),
        ("PUT", f"PUT /api/status HTTP/1.1\r\n{host}{auth}Content-Length: 0\r\n\r\n".encode()),
        ("TRACE", f"TRACE /api/health HTTP/1.1\r\n{host}\r\n".encode()),
        ("made-up method", f"BREW /api/health HTTP/1.1\r\n{host}\r\n".encode()),
        ("GET on a POST route", f"GET /api/suggest HTTP/1.1\r\n{host}{auth}\r\n".encode()),
        ("unknown path", f"GET /api/nothing HTTP/1.1\r\n{host}{auth}\r\n".encode()),
        ("path outside the API", f"GET /../../etc/passwd HTTP/1.1\r\n{host}{auth}\r\n".encode()),
        ("HTTP/2 request line", f"GET /api/health HTTP/2.0\r\n{host}\r\n".encode()),
        ("garbage request line", b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + bytes(200) + b"\r\n\r\n"),
        ("check: path outside the vault", post(b'{"notes": [{"path": "../../etc/passwd", "text": "x"}]}').replace(b"/api/suggest", b"/api/check")),
        ("check: absolute path", post(b'{"notes": [{"path": "/etc/passwd", "text": "x"}]}').replace(b"/api/suggest", b"/api/check")),
        ("check: notes not a list", post(b'{"notes": "a.md"}').replace(b"/api/suggest", b"/api/check")),
        ("check: aliases not strings", post(b'{"notes": [], "aliases": {"a": 1}}').replace(b"/api/suggest", b"/api/check")),
        ("check: min_score out of range", post(b'{"notes": [], "min_score": 7}').replace(b"/api/suggest", b"/api/check")),
        ("check: include a number", post(b'{"notes": [], "include": 5}').replace(b"/api/suggest", b"/api/check")),
    ]
