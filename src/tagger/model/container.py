"""The model file's container: one zip of JSON and `.npy` members, every size checked before it is read.

Standard library only (zipfile, json, struct, ast): `tagger.model.io.read_metadata`,
which the pre-commit hook calls on every commit, must not pay for numpy.

Nothing in a model file is code, and nothing is unpacked before its declared size is
checked against the caps below: a zip entry or `.npy` header claiming gigabytes, a zip
bomb, a central directory of a million entries, an encrypted or oddly compressed member
all fail with one line, having cost at most the small members' bytes. A file that is not
one of these zips (an old joblib model, any pickle) is never unpickled: only its first
bytes are looked at, to say what it is.

>>> sniff(b"\\x80\\x04\\x95")
'a pickle'
"""

from __future__ import annotations

import ast
import json
import os
import struct
import tempfile
import zipfile
import zlib
from collections.abc import Iterable, Sequence
from pathlib import Path
from types import TracebackType
from typing import IO, Any

from tagger.errors import ModelError, NotTrainedError, missing_model

#: Caps on what a model file may declare. The whole-corpus model (3,100 notes, 260 tags)
#: holds 12.5 MB of arrays in an 8 MB file; these leave room for vaults 80× larger.
MAX_FILE_BYTES = 1 << 30
MAX_TOTAL_BYTES = 1 << 30
#: JSON becomes Python objects of up to ~8× its size (a 63 MB vocabulary.json of short terms
#: peaked at 529 MB), so its members are capped far lower than the arrays: the corpus model's
#: model.json is 43 KB (260 tags) and its vocabulary.json 0.47 MB (33,000 terms).
MAX_HEADER_BYTES = 4 << 20
MAX_VOCABULARY_BYTES = 16 << 20
MAX_MEMBERS = 32
#: The central directory is parsed by zipfile into one object per entry: bounded first.
MAX_DIRECTORY_BYTES = 64 << 10
#: Deflate packs at most ~1000:1; this format's members pack 1.1:1 (weights) to 5:1 (JSON).
#: A member declaring more than this ratio (beyond a small allowance) is a zip bomb.
MAX_RATIO = 50
_RATIO_ALLOWANCE = 1 << 20
#: The `.npy` dtypes a model file holds (little-endian numbers; never object arrays).
ITEM_SIZES = {"<f4": 4, "<f8": 8, "<i4": 4, "<i8": 8}
_MAX_NPY_HEADER = 4096

_ZIP_MAGIC = b"PK\x03\x04"
_EOCD = struct.Struct("<4s4H2LH")
_ZIP64_LOCATOR = b"PK\x06\x07"
#: First bytes of the files people may point --model at by mistake, or from older tagger (joblib).
_SIGNATURES = (
    (b"\x80", "a pickle"),
    (b"x\x01", "a compressed pickle (joblib)"),
    (b"x\x5e", "a compressed pickle (joblib)"),
    (b"x\x9c", "a compressed pickle (joblib)"),
    (b"x\xda", "a compressed pickle (joblib)"),
    (b"ZF", "a compressed pickle (joblib)"),
    (b"\x1f\x8b", "a gzip file (a joblib model?)"),
    (b"BZh", "a bzip2 file (a joblib model?)"),
    (b"\xfd7zXZ", "an xz file (a joblib model?)"),
    (b"\x04\x22\x4d\x18", "an lz4 file (a joblib model?)"),
    (b"\x93NUMPY", "a bare .npy array"),
)
_RETRAIN = "retrain with `tagger train VAULT`"
#: What reading a damaged member raises (a bad CRC, a cut stream, a broken deflate stream).
_READ_ERRORS = (zipfile.BadZipFile, OSError, EOFError, ValueError, zlib.error)


def sniff(head: bytes) -> str | None:
    """What a file that is not a model seems to be, from its first bytes (None: nothing known).

    >>> sniff(b"x\\x9c..."), sniff(b"hello")
    ('a compressed pickle (joblib)', None)
    """
    return next((what for magic, what in _SIGNATURES if head.startswith(magic)), None)


def write_container(target: Path, members: Iterable[tuple[str, bytes]], *, level: int = 1) -> None:
    """Write `members` as a zip at `target` atomically: temp file in the same folder, fsync, rename.

    A reader never sees half a model, and an interrupted save leaves the old one. Level 1
    deflate: the weights barely compress at any level, and level 1 packs the column indices
    smaller than level 6 (2.18 vs 2.44 MB on the corpus model) in a third of the time.

    >>> write_container(Path("models/tagger.model"), [("model.json", b"{}")])  # doctest: +SKIP
    """
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    except OSError as err:
        raise ModelError(f"cannot be written: {err.strerror}", path=target) from None
    try:
        with os.fdopen(fd, "wb") as fh:
            with zipfile.ZipFile(fh, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=level) as zf:
                for name, data in members:
                    zf.writestr(_fixed_info(name), data, compresslevel=level)
            fh.flush()
            os.fsync(fh.fileno())
        # mkstemp makes the file private (0600); a model is an ordinary file.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, target)
    except OSError as err:  # a full disk, a quota: the model already there stays as it was
        Path(tmp).unlink(missing_ok=True)
        raise ModelError(f"cannot be written ({err.strerror or err}); the model file there is unchanged", path=target) from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    _fsync_folder(target.parent)


def _fixed_info(name: str) -> zipfile.ZipInfo:
    # A fixed date: the same model saves to the same bytes (the training time is in model.json).
    info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    return info


def _fsync_folder(folder: Path) -> None:
    # The rename is durable only once the folder is on disk; not every system allows it.
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


class ModelFile:
    """An open model file whose container has passed every check; members are read by name.

    >>> with ModelFile.open("models/tagger.model") as mf:  # doctest: +SKIP
    ...     mf.read_json("model.json", MAX_HEADER_BYTES)["format"]
    6
    """

    def __init__(self, path: Path, fh: IO[bytes], zf: zipfile.ZipFile) -> None:
        self.path = path
        self._fh = fh
        self._zf = zf
        self.members = {info.filename: info for info in zf.infolist()}

    @classmethod
    def open(cls, path: str | os.PathLike[str]) -> ModelFile:
        """Open `path`, refusing (with a `ModelError` naming it) anything but a sound model container."""
        where = Path(path)
        if not where.exists():
            old = where.with_suffix(".joblib")
            if old != where and old.is_file():  # the default path of tagger before model format 6
                raise NotTrainedError(
                    f"no model here; {old.name} beside it is a model from an older tagger, a pickle, which tagger "
                    f"no longer loads (loading one can run code): {_RETRAIN}",
                    path=where,
                )
            raise missing_model(where)
        if where.is_dir():
            raise ModelError("is a folder, not a model file; give the model's file name", path=where)
        if not where.is_file():  # a FIFO would block the open below, a device would never end
            raise ModelError("is not a regular file, so not a model file; give the model's file name", path=where)
        try:
            fh = open(where, "rb")  # noqa: SIM115 - closed by close() / __exit__
        except OSError as err:
            raise ModelError(f"cannot be read: {err.strerror}", path=where) from None
        try:
            zf = _open_zip(where, fh)
            return cls(where, fh, zf)
        except BaseException:
            fh.close()
            raise

    def close(self) -> None:
        """Close the file."""
        self._zf.close()
        self._fh.close()

    def __enter__(self) -> ModelFile:
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None) -> None:
        self.close()

    def fail(self, problem: str) -> ModelError:
        """The one-line error for a problem with this file's contents."""
        return ModelError(f"{problem}; {_RETRAIN}", path=self.path)

    def expect(self, names: Sequence[str]) -> None:
        """Refuse a file whose members are not exactly `names` (extra, missing)."""
        extra = sorted(set(self.members) - set(names))
        missing = [n for n in names if n not in self.members]
        if extra or missing:
            said = [f"unexpected member {', '.join(extra)}" if extra else "", f"missing {', '.join(missing)}" if missing else ""]
            raise self.fail(f"is damaged ({'; '.join(s for s in said if s)})")

    def read_bytes(self, name: str, limit: int) -> bytes:
        """The whole of member `name`, refused if it declares more than `limit` bytes."""
        info = self._info(name)
        if info.file_size > limit:
            raise self.fail(f"is damaged ({name} declares {info.file_size:,} bytes, more than {limit:,})")
        with self._member(info) as fh:
            return self._read(fh, info.file_size, name)

    def read_json(self, name: str, limit: int) -> Any:
        """Member `name` parsed as JSON (UTF-8), refused if it declares more than `limit` bytes."""
        data = self.read_bytes(name, limit)
        try:
            return json.loads(data.decode("utf-8"))
        except (UnicodeDecodeError, ValueError, RecursionError) as err:
            raise self.fail(f"is damaged ({name} is not JSON: {type(err).__name__})") from None

    def read_array(self, name: str, descr: str, shape: tuple[int, ...]) -> bytearray:
        """The data bytes of `.npy` member `name`, which must hold exactly a C-order `descr` array of `shape`.

        The header is read and compared first; the data is read only if the member's declared
        size is exactly that array's, so a header or entry lying about its size allocates nothing.
        """
        info = self._info(name)
        with self._member(info) as fh:
            got_descr, fortran, got_shape, header_len = _npy_header(fh, self, name)
            if got_descr != descr or fortran or got_shape != shape:
                got = f"{got_descr} {'Fortran-order ' if fortran else ''}array of shape {got_shape}"
                raise self.fail(f"is damaged ({name} holds a {got}; expected {descr} of shape {shape})")
            count = 1
            for n in shape:
                count *= n
            size = count * ITEM_SIZES[descr]
            if header_len + size != info.file_size:
                raise self.fail(f"is damaged ({name} declares {info.file_size:,} bytes for {size:,} bytes of data)")
            out = bytearray(size)
            view = memoryview(out)
            done = 0
            try:
                while done < size:
                    chunk = fh.read(min(size - done, 1 << 20))
                    if not chunk:
                        raise self.fail(f"is damaged ({name} ends early)")
                    view[done : done + len(chunk)] = chunk
                    done += len(chunk)
            except _READ_ERRORS as err:
                raise self.fail(f"is damaged ({name}: {_reason(err)})") from None
            return out

    def _info(self, name: str) -> zipfile.ZipInfo:
        info = self.members.get(name)
        if info is None:
            raise self.fail(f"is damaged (no {name})")
        return info

    def _member(self, info: zipfile.ZipInfo) -> IO[bytes]:
        try:
            return self._zf.open(info)
        except (*_READ_ERRORS, NotImplementedError, RuntimeError) as err:
            raise self.fail(f"is damaged ({info.filename}: {_reason(err)})") from None

    def _read(self, fh: IO[bytes], size: int, name: str) -> bytes:
        try:
            data = fh.read(size)
        except _READ_ERRORS as err:
            raise self.fail(f"is damaged ({name}: {_reason(err)})") from None
        if len(data) != size:
            raise self.fail(f"is damaged ({name} ends early)")
        return data


def _reason(err: BaseException) -> str:
    return str(err).splitlines()[0] if str(err) else type(err).__name__


def _open_zip(where: Path, fh: IO[bytes]) -> zipfile.ZipFile:
    """Check the file's size and end record, then let zipfile parse the (bounded) central directory."""
    size = os.fstat(fh.fileno()).st_size
    head = fh.read(8)
    if size == 0:
        raise ModelError(f"is empty, not a model file; {_RETRAIN}", path=where)
    if not head.startswith(_ZIP_MAGIC):
        what = sniff(head)
        if what is not None and ("pickle" in what or "joblib" in what):
            raise ModelError(
                f"is {what}, not a tagger model file: tagger never loads pickles, since loading one can run code "
                f"(tagger saved its models so before model format 6); {_RETRAIN}",
                path=where,
            )
        raise ModelError(f"is not a tagger model file{f' (it is {what})' if what else ''}; {_RETRAIN}", path=where)
    if size > MAX_FILE_BYTES:
        raise ModelError(f"is {size:,} bytes, more than a model file may be ({MAX_FILE_BYTES:,}); {_RETRAIN}", path=where)
    # tagger writes no archive comment and no zip64 records, so the end record is the last 22 bytes.
    fh.seek(size - _EOCD.size)
    end = fh.read(_EOCD.size)
    if len(end) != _EOCD.size or not end.startswith(b"PK\x05\x06"):
        raise ModelError(f"is damaged or cut short (no zip end record); {_RETRAIN}", path=where)
    _sig, _disk, _cd_disk, _here, entries, cd_size, cd_offset, comment = _EOCD.unpack(end)
    if size >= _EOCD.size + 20:
        fh.seek(size - _EOCD.size - 20)
        if fh.read(4) == _ZIP64_LOCATOR:
            raise ModelError(f"is damaged (a zip64 directory, which tagger never writes); {_RETRAIN}", path=where)
    if comment or entries > MAX_MEMBERS or cd_size > MAX_DIRECTORY_BYTES or cd_offset + cd_size > size:
        raise ModelError(
            f"is damaged (its zip directory declares {entries:,} entries in {cd_size:,} bytes); {_RETRAIN}", path=where
        )
    fh.seek(0)
    try:
        zf = zipfile.ZipFile(fh)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, struct.error) as err:
        raise ModelError(f"is damaged ({_reason(err)}); {_RETRAIN}", path=where) from None
    try:
        _check_members(where, zf.infolist(), size)
    except BaseException:
        zf.close()
        raise
    return zf


def _check_members(where: Path, infos: Sequence[zipfile.ZipInfo], size: int) -> None:
    """Every member plainly stored or deflated, unencrypted, unique, inside the file, and small enough to read."""
    names = [i.filename for i in infos]
    if len(set(names)) != len(names):
        raise ModelError(f"is damaged (a member name occurs twice); {_RETRAIN}", path=where)
    total = 0
    for info in infos:
        if info.flag_bits & 0x1:
            raise ModelError(f"is damaged ({info.filename} is encrypted); {_RETRAIN}", path=where)
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise ModelError(f"is damaged ({info.filename} uses compression method {info.compress_type}); {_RETRAIN}", path=where)
        if info.header_offset + info.compress_size > size:
            raise ModelError(f"is damaged or cut short ({info.filename} runs past the end of the file); {_RETRAIN}", path=where)
        if info.file_size > MAX_RATIO * info.compress_size + _RATIO_ALLOWANCE:
            raise ModelError(
                f"is damaged ({info.filename} would unpack {info.file_size:,} bytes from {info.compress_size:,}: "
                f"a zip bomb, not a model); {_RETRAIN}",
                path=where,
            )
        total += info.file_size
    if total > MAX_TOTAL_BYTES:
        raise ModelError(f"is damaged (its members declare {total:,} bytes, more than {MAX_TOTAL_BYTES:,}); {_RETRAIN}", path=where)


def _npy_header(fh: IO[bytes], mf: ModelFile, name: str) -> tuple[str, bool, tuple[int, ...], int]:
    """(descr, fortran_order, shape, header length) of the `.npy` stream `fh`, read without numpy.

    The header is a Python literal (numpy's own format); `ast.literal_eval` reads literals
    only — no names, no calls — and the header is capped at 4 KB before it is parsed.
    """
    try:
        prefix = fh.read(10)
        if len(prefix) < 10 or not prefix.startswith(b"\x93NUMPY") or prefix[6] not in (1, 2, 3):
            raise mf.fail(f"is damaged ({name} is not a .npy array)")
        if prefix[6] == 1:
            (length,), used = struct.unpack("<H", prefix[8:10]), 10
        else:
            rest = fh.read(2)
            (length,), used = struct.unpack("<I", prefix[8:10] + rest), 12
        if length > _MAX_NPY_HEADER:
            raise mf.fail(f"is damaged ({name} has a {length:,}-byte header)")
        raw = fh.read(length)
    except (*_READ_ERRORS, struct.error) as err:
        raise mf.fail(f"is damaged ({name}: {_reason(err)})") from None
    try:
        header = ast.literal_eval(raw.decode("utf-8" if prefix[6] == 3 else "latin1"))
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError, UnicodeDecodeError):
        raise mf.fail(f"is damaged ({name} has an unreadable .npy header)") from None
    if (
        not isinstance(header, dict)
        or set(header) != {"descr", "fortran_order", "shape"}
        or not isinstance(header["descr"], str)
        or not isinstance(header["fortran_order"], bool)
        or not isinstance(header["shape"], tuple)
        or not all(isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in header["shape"])
    ):
        raise mf.fail(f"is damaged ({name} has an unreadable .npy header)")
    if header["descr"] not in ITEM_SIZES:
        raise mf.fail(f"is damaged ({name} holds {header['descr']!r} items, not numbers)")
    return header["descr"], header["fortran_order"], header["shape"], used + length


__all__ = [
    "ITEM_SIZES",
    "MAX_FILE_BYTES",
    "MAX_HEADER_BYTES",
    "MAX_TOTAL_BYTES",
    "MAX_VOCABULARY_BYTES",
    "ModelFile",
    "sniff",
    "write_container",
]
