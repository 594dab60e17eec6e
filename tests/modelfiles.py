"""Building model files for the tests: good ones rewritten member by member, bad ones, malicious ones.

A helper module (not collected: its name does not start with `test_`), shared by
`test_model_file.py` and `test_model_file_damage.py`.
"""

from __future__ import annotations

import io
import json
import os
import shlex
import struct
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tagger import load_model
from tagger.cli.main import main
from tagger.errors import ModelError

SRC = Path(__file__).resolve().parent.parent / "src"


class Evil:
    """Unpickling this runs a shell command that creates `marker`."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[Any, ...]:
        return (os.system, (f"touch {shlex.quote(str(self.marker))}",))


def members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {name: zf.read(name) for name in zf.namelist()}


def write_zip(dst: Path, files: dict[str, bytes], *, method: int = zipfile.ZIP_DEFLATED) -> None:
    with zipfile.ZipFile(dst, "w", compression=method) as zf:
        for name, data in files.items():
            zf.writestr(name, data)


def edited(good: Path, dst: Path, **changes: bytes | None) -> None:
    """`good` rewritten with members replaced (bytes), removed (None) or added (new names)."""
    files = members(good)
    for name, data in changes.items():
        name = name.replace("__", ".")
        if data is None:
            files.pop(name)
        else:
            files[name] = data
    write_zip(dst, files)


def header_edited(good: Path, dst: Path, change: Callable[[dict[str, Any]], None]) -> None:
    header = json.loads(members(good)["model.json"])
    change(header)
    edited(good, dst, model__json=json.dumps(header).encode())


def npy(array: np.ndarray, *, allow_pickle: bool = False) -> bytes:
    buf = io.BytesIO()
    np.save(buf, array, allow_pickle=allow_pickle)
    return buf.getvalue()


def array(good: Path, name: str) -> np.ndarray:
    return np.load(io.BytesIO(members(good)[name]), allow_pickle=False)


def patch_directory(path: Path, name: str, *, offset: int, fmt: str, value: int) -> None:
    """Overwrite one field of `name`'s central-directory entry (offset from the entry's signature)."""
    data = bytearray(path.read_bytes())
    at = 0
    while True:
        at = data.index(b"PK\x01\x02", at)
        name_len = struct.unpack_from("<H", data, at + 28)[0]
        if data[at + 46 : at + 46 + name_len] == name.encode():
            struct.pack_into(fmt, data, at + offset, value)
            path.write_bytes(bytes(data))
            return
        at += 4


def refused_in_one_line(path: Path, expected: str, new_note: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(ModelError) as err:
        load_model(path)
    message = str(err.value)
    assert message.startswith(f"{path}: ") and "\n" not in message and expected in message, message
    assert "retrain" in message or "give the model's file name" in message
    for argv in (["suggest", "--model", str(path), str(new_note)], ["model", str(path)]):
        capsys.readouterr()
        assert main(argv) == 2
        out, errout = capsys.readouterr()
        assert errout.strip().splitlines()[-1] == f"tagger: {message}", errout
        assert "Traceback" not in out + errout
        if argv[0] == "suggest":
            assert len(errout.strip().splitlines()) == 1 and not out
