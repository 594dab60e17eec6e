"""The model file: data, not code. Every bad file is refused in one line, runs nothing, and costs little memory.

Each case builds a file at the model path and loads it three ways: `load_model`, `tagger suggest
--model`, `tagger model`. A malicious pickle (its `__reduce__` would create a marker file) is
planted in every form a file could carry one; the marker must never appear.
"""

from __future__ import annotations

import io
import json
import os
import pickle
import shlex
import struct
import subprocess
import sys
import tracemalloc
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tagger import Entry, TagModel, load_model, read_entries, save_model
from tagger.cli.main import main
from tagger.errors import ModelError
from tagger.model.io import read_header, read_metadata

SRC = Path(__file__).resolve().parent.parent / "src"


class Evil:
    """Unpickling this runs a shell command that creates `marker`."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[Any, ...]:
        return (os.system, (f"touch {shlex.quote(str(self.marker))}",))


@pytest.fixture(scope="module")
def model(example_vault: Path) -> TagModel:
    return TagModel().fit(read_entries(example_vault, on_problem=lambda err: None))


@pytest.fixture(scope="module")
def good(model: TagModel, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = save_model(model, tmp_path_factory.mktemp("good") / "tagger.model", provenance={"sources": ["/vaults/mine"]})
    load_model(path)  # imports done before any memory is measured
    return path


# ---- building bad files ------------------------------------------------------------------------


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


def _pickled(good: Path, dst: Path, marker: Path) -> None:
    dst.write_bytes(pickle.dumps(Evil(marker), protocol=4))


def _pickled_protocol_0(good: Path, dst: Path, marker: Path) -> None:
    dst.write_bytes(pickle.dumps(Evil(marker), protocol=0))


def _joblib_compressed(good: Path, dst: Path, marker: Path) -> None:
    import joblib

    joblib.dump(Evil(marker), dst, compress=3)  # the old model format, as `evil.joblib`


def _joblib_plain(good: Path, dst: Path, marker: Path) -> None:
    import joblib

    joblib.dump({"magic": "tagger-model", "format": 5, "metadata": {}, "state": Evil(marker)}, dst)


def _pickle_before_a_good_zip(good: Path, dst: Path, marker: Path) -> None:
    # zip readers skip data prepended to an archive; tagger looks at the first bytes.
    dst.write_bytes(pickle.dumps(Evil(marker)) + good.read_bytes())


def _object_array_member(good: Path, dst: Path, marker: Path) -> None:
    edited(good, dst, coef_data__npy=npy(np.array([Evil(marker)], dtype=object), allow_pickle=True))


def _pickle_as_extra_member(good: Path, dst: Path, marker: Path) -> None:
    edited(good, dst, payload__pkl=pickle.dumps(Evil(marker)))


def _npz_of_objects(good: Path, dst: Path, marker: Path) -> None:
    with open(dst, "wb") as fh:
        np.savez(fh, coef_data=np.array([Evil(marker)], dtype=object))


MALICIOUS = {
    "pickle": (_pickled, "is a pickle"),
    "pickle-protocol-0": (_pickled_protocol_0, "is not a tagger model file"),
    "joblib-compressed": (_joblib_compressed, "compressed pickle (joblib)"),
    "joblib-old-model-layout": (_joblib_plain, "is a pickle"),
    "pickle-before-a-good-zip": (_pickle_before_a_good_zip, "is a pickle"),
    "object-array-member": (_object_array_member, "holds '|O' items, not numbers"),
    "pickle-as-extra-member": (_pickle_as_extra_member, "unexpected member payload.pkl"),
    "npz-of-objects": (_npz_of_objects, "not a tagger model"),
}


def _empty(good: Path, dst: Path) -> None:
    dst.write_bytes(b"")


def _folder(good: Path, dst: Path) -> None:
    dst.mkdir()


def _truncated(good: Path, dst: Path) -> None:
    dst.write_bytes(good.read_bytes()[: good.stat().st_size // 2])


def _last_byte_missing(good: Path, dst: Path) -> None:
    dst.write_bytes(good.read_bytes()[:-1])


def _cut_inside_the_arrays(good: Path, dst: Path) -> None:
    # The directory survives (copied to the end) but a member's data is cut out.
    data = good.read_bytes()
    end = data.index(b"PK\x01\x02")
    dst.write_bytes(data[: end // 2] + b"\0" * (end - end // 2) + data[end:])


def _garbage(good: Path, dst: Path) -> None:
    dst.write_bytes(bytes(range(256)) * 4)


def _another_zip(good: Path, dst: Path) -> None:
    write_zip(dst, {"readme.txt": b"hello"})


def _another_magic(good: Path, dst: Path) -> None:
    header_edited(good, dst, lambda h: h.update(magic="something-else"))


def _future_format(good: Path, dst: Path) -> None:
    header_edited(good, dst, lambda h: h.update(format=99))


def _other_fingerprint(good: Path, dst: Path) -> None:
    header_edited(good, dst, lambda h: h.update(fingerprint="0" * 16))


def _missing_array(good: Path, dst: Path) -> None:
    edited(good, dst, coef_data__npy=None)


def _extra_array(good: Path, dst: Path) -> None:
    edited(good, dst, bias__npy=npy(np.zeros(3)))


def _wrong_dtype(good: Path, dst: Path) -> None:
    edited(good, dst, coef_data__npy=npy(array(good, "coef_data.npy").astype(np.float64)))


def _big_endian(good: Path, dst: Path) -> None:
    edited(good, dst, coef_data__npy=npy(array(good, "coef_data.npy").astype(">f4")))


def _wrong_shape(good: Path, dst: Path) -> None:
    edited(good, dst, intercept__npy=npy(array(good, "intercept.npy")[:-1]))


def _fortran_order(good: Path, dst: Path) -> None:
    edited(good, dst, intercept__npy=npy(array(good, "intercept.npy")).replace(b"'fortran_order': False", b"'fortran_order': True "))


def _claims_terabytes(raw: bytes) -> bytes:
    """A .npy member whose header says 10**12 items, over the data it really holds."""
    head_len = struct.unpack_from("<H", raw, 8)[0]
    head = raw[10 : 10 + head_len].decode("latin1")
    shape = head[head.index("'shape': ") + 9 : head.index(")", head.index("'shape': ")) + 1]
    new = head.replace(shape, "(1000000000000,)").rstrip(" \n")
    new = new + " " * (head_len - len(new) - 1) + "\n"
    assert len(new) == head_len and new != head
    return raw[:10] + new.encode("latin1") + raw[10 + head_len :]


def _npy_header_claims_terabytes(good: Path, dst: Path) -> None:
    files = members(good)
    edited(good, dst, coef_data__npy=_claims_terabytes(files["coef_data.npy"]))


def _npy_headers_and_json_claim_terabytes(good: Path, dst: Path) -> None:
    files = members(good)
    edited(good, dst, coef_data__npy=_claims_terabytes(files["coef_data.npy"]),
           coef_indices__npy=_claims_terabytes(files["coef_indices.npy"]))
    header_edited(dst, dst, lambda h: h["model"]["coef"].update(nnz=10**12))


def _json_claims_terabytes(good: Path, dst: Path) -> None:
    header_edited(good, dst, lambda h: h["model"]["coef"].update(nnz=10**12))


def _zip_entry_claims_gigabytes(good: Path, dst: Path) -> None:
    dst.write_bytes(good.read_bytes())
    patch_directory(dst, "coef_data.npy", offset=24, fmt="<L", value=0xFFFFFFF0)  # uncompressed size


def _stored_entry_claims_gigabytes(good: Path, dst: Path) -> None:
    write_zip(dst, members(good), method=zipfile.ZIP_STORED)
    patch_directory(dst, "coef_data.npy", offset=20, fmt="<L", value=0xFFFFFFF0)  # compressed size
    patch_directory(dst, "coef_data.npy", offset=24, fmt="<L", value=0xFFFFFFF0)  # uncompressed size


def _zip64_locator(good: Path, dst: Path) -> None:
    # A zip64 end record would let the directory claim 64-bit sizes; tagger never writes one.
    data = good.read_bytes()
    dst.write_bytes(data[:-22] + b"PK\x06\x07" + bytes(16) + data[-22:])


def _zip_bomb(good: Path, dst: Path) -> None:
    files = members(good)
    with zipfile.ZipFile(dst, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        for name, data in files.items():
            if name != "vocabulary.json":
                zf.writestr(name, data)
                continue
            with zf.open("vocabulary.json", "w") as fh:  # 256 MB of spaces: about 250 KB packed
                chunk = b" " * (1 << 20)
                for _ in range(256):
                    fh.write(chunk)


def _zip_entry_understates_its_size(good: Path, dst: Path) -> None:
    dst.write_bytes(good.read_bytes())
    size = len(members(good)["vocabulary.json"])
    patch_directory(dst, "vocabulary.json", offset=24, fmt="<L", value=size // 2)


def _thousands_of_entries(good: Path, dst: Path) -> None:
    write_zip(dst, {**members(good), **{f"x{i}.npy": b"" for i in range(2000)}}, method=zipfile.ZIP_STORED)


def _encrypted_flag(good: Path, dst: Path) -> None:
    dst.write_bytes(good.read_bytes())
    patch_directory(dst, "model.json", offset=8, fmt="<H", value=0x1)


def _bzip2_member(good: Path, dst: Path) -> None:
    write_zip(dst, members(good), method=zipfile.ZIP_BZIP2)


def _archive_comment(good: Path, dst: Path) -> None:
    dst.write_bytes(good.read_bytes())
    with zipfile.ZipFile(dst, "a") as zf:
        zf.comment = b"hello"


def _deeply_nested_json(good: Path, dst: Path) -> None:
    edited(good, dst, model__json=b"[" * 200_000 + b"]" * 200_000)


def _header_not_json(good: Path, dst: Path) -> None:
    edited(good, dst, model__json=b"\xff\xfe not json")


def _column_out_of_range(good: Path, dst: Path) -> None:
    indices = array(good, "coef_indices.npy").copy()
    indices[-1] = 10**6
    edited(good, dst, coef_indices__npy=npy(indices))


def _negative_column(good: Path, dst: Path) -> None:
    indices = array(good, "coef_indices.npy").copy()
    indices[0] = -1
    edited(good, dst, coef_indices__npy=npy(indices))


def _rows_out_of_order(good: Path, dst: Path) -> None:
    indptr = array(good, "coef_indptr.npy").copy()
    indptr[1], indptr[2] = indptr[2], indptr[1]
    edited(good, dst, coef_indptr__npy=npy(indptr))


def _nan_weight(good: Path, dst: Path) -> None:
    data = array(good, "coef_data.npy").copy()
    data[0] = np.nan
    edited(good, dst, coef_data__npy=npy(data))


def _a_tag_dropped(good: Path, dst: Path) -> None:
    header_edited(good, dst, lambda h: h["model"].update(tags=h["model"]["tags"][:-1]))


def _vocabulary_not_a_table(good: Path, dst: Path) -> None:
    edited(good, dst, vocabulary__json=json.dumps(list(json.loads(members(good)["vocabulary.json"]))).encode())


def _vocabulary_repeats_a_term(good: Path, dst: Path) -> None:
    vocab = json.loads(members(good)["vocabulary.json"])
    vocab["text"][1] = vocab["text"][0]
    edited(good, dst, vocabulary__json=json.dumps(vocab).encode())


def _setting_of_another_type(good: Path, dst: Path) -> None:
    header_edited(good, dst, lambda h: h["model"]["settings"].update(alpha="0.5"))


def _unknown_setting(good: Path, dst: Path) -> None:
    header_edited(good, dst, lambda h: h["model"]["settings"].update(run="rm -rf /"))


def _korean_setting_of_another_type(good: Path, dst: Path) -> None:
    header_edited(good, dst, lambda h: h["model"]["settings"]["korean"].update(load_typo_dict="yes"))


def _tags_not_strings(good: Path, dst: Path) -> None:
    header_edited(good, dst, lambda h: h["model"].update(tags=list(range(len(h["model"]["tags"])))))


BAD = {
    "empty": (_empty, "is empty"),
    "folder": (_folder, "is a folder"),
    "truncated": (_truncated, "cut short"),
    "last-byte-missing": (_last_byte_missing, "cut short"),
    "cut-inside-the-arrays": (_cut_inside_the_arrays, "is damaged"),
    "garbage": (_garbage, "is not a tagger model file"),
    "another-zip": (_another_zip, "is a zip file but not a tagger model"),
    "another-magic": (_another_magic, "is a zip file but not a tagger model"),
    "future-format": (_future_format, "is a model in format 99"),
    "other-fingerprint": (_other_fingerprint, "turns notes into features differently"),
    "missing-array": (_missing_array, "missing coef_data.npy"),
    "extra-array": (_extra_array, "unexpected member bias.npy"),
    "wrong-dtype": (_wrong_dtype, "holds a <f8 array of shape"),
    "big-endian": (_big_endian, "holds '>f4' items"),
    "wrong-shape": (_wrong_shape, "expected <f8 of shape"),
    "fortran-order": (_fortran_order, "Fortran-order"),
    "npy-header-claims-terabytes": (_npy_header_claims_terabytes, "holds a <f4 array of shape (1000000000000,)"),
    "npy-headers-and-json-claim-terabytes": (_npy_headers_and_json_claim_terabytes, "for 4,000,000,000,000 bytes of data"),
    "json-claims-terabytes": (_json_claims_terabytes, "expected <i4 of shape (1000000000000,)"),
    "zip-entry-claims-gigabytes": (_zip_entry_claims_gigabytes, "a zip bomb"),
    "stored-entry-claims-gigabytes": (_stored_entry_claims_gigabytes, "runs past the end of the file"),
    "zip64-locator": (_zip64_locator, "zip64"),
    "zip-bomb": (_zip_bomb, "a zip bomb"),
    "zip-entry-understates-its-size": (_zip_entry_understates_its_size, "is damaged"),
    "thousands-of-entries": (_thousands_of_entries, "2,010 entries"),
    "encrypted": (_encrypted_flag, "is encrypted"),
    "bzip2-member": (_bzip2_member, "compression method 12"),
    "archive-comment": (_archive_comment, "no zip end record"),
    "deeply-nested-json": (_deeply_nested_json, "model.json is not JSON"),
    "header-not-json": (_header_not_json, "model.json is not JSON"),
    "column-out-of-range": (_column_out_of_range, "outside the"),
    "negative-column": (_negative_column, "outside the"),
    "rows-out-of-order": (_rows_out_of_order, "out of order"),
    "nan-weight": (_nan_weight, "not a finite number"),
    "a-tag-dropped": (_a_tag_dropped, "expected <f8 of shape"),
    "vocabulary-not-a-table": (_vocabulary_not_a_table, "not a table of terms"),
    "vocabulary-repeats-a-term": (_vocabulary_repeats_a_term, "repeats a term"),
    "setting-of-another-type": (_setting_of_another_type, "is damaged"),
    "unknown-setting": (_unknown_setting, "unexpected keyword argument 'run'"),
    "korean-setting-of-another-type": (_korean_setting_of_another_type, "Korean setting load_typo_dict"),
    "tags-not-strings": (_tags_not_strings, "tags is not a list of str"),
}


def _refused_in_one_line(path: Path, expected: str, new_note: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(ModelError) as err:
        load_model(path)
    message = str(err.value)
    assert message.startswith(f"{path}: ") and "\n" not in message and expected in message, message
    assert "retrain" in message or "is a folder" in message or "give the model" in message
    for argv in (["suggest", "--model", str(path), str(new_note)], ["model", str(path)]):
        capsys.readouterr()
        assert main(argv) == 2
        out, errout = capsys.readouterr()
        assert errout.strip().splitlines()[-1] == f"tagger: {message}", errout
        assert "Traceback" not in out + errout
        if argv[0] == "suggest":
            assert len(errout.strip().splitlines()) == 1 and not out


@pytest.mark.parametrize("case", sorted(MALICIOUS))
def test_a_file_carrying_a_pickle_runs_nothing(
    case: str, good: Path, tmp_path: Path, new_note: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    marker = tmp_path / "pwned"
    build, expected = MALICIOUS[case]
    path = tmp_path / "evil.joblib"
    build(good, path, marker)
    assert not marker.exists()
    _refused_in_one_line(path, expected, new_note, capsys)
    try:  # the hook's cheap read: refuses a pickle; a zip with a sound model.json gives its metadata
        read_metadata(path)
    except ModelError as err:
        assert "\n" not in str(err)
    assert not marker.exists()


def test_the_planted_pickles_are_live(tmp_path: Path) -> None:
    # Without this, the test above could pass with a pickle that runs nothing anyway.
    marker = tmp_path / "pwned"
    pickle.loads(pickle.dumps(Evil(marker)))
    assert marker.exists()
    marker.unlink()
    import joblib

    joblib.dump(Evil(marker), tmp_path / "evil.joblib", compress=3)
    joblib.load(tmp_path / "evil.joblib")
    assert marker.exists()


@pytest.mark.parametrize("case", sorted(BAD))
def test_a_bad_model_file_is_refused_in_one_line(
    case: str, good: Path, tmp_path: Path, new_note: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    build, expected = BAD[case]
    path = tmp_path / "tagger.model"
    build(good, path)
    tracemalloc.start()
    try:
        with pytest.raises(ModelError):
            load_model(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # The good model's arrays are 0.26 MB: a file claiming gigabytes must not get them.
    assert peak < 8 << 20, f"{peak / 1e6:.1f} MB"
    _refused_in_one_line(path, expected, new_note, capsys)


def test_the_good_file_passes_the_same_checks(good: Path, tmp_path: Path, new_note: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # The helpers rewrite zips faithfully: an unedited rewrite loads.
    path = tmp_path / "copy.model"
    edited(good, path)
    assert load_model(path).tags_ == load_model(good).tags_
    assert main(["suggest", "--model", str(path), str(new_note)]) == 0
    assert main(["model", str(path)]) == 0


def test_reading_metadata_never_imports_numpy(good: Path) -> None:
    probe = (
        "import sys; from tagger.model.io import read_metadata; m = read_metadata(sys.argv[1]); "
        "print(m['notes'], 'numpy' in sys.modules, 'joblib' in sys.modules, 'pickle' in sys.modules)"
    )
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    out = subprocess.run([sys.executable, "-c", probe, str(good)], capture_output=True, text=True, check=True, env=env).stdout
    assert out.split() == [str(read_metadata(good)["notes"]), "False", "False", "False"]


def test_loading_an_old_joblib_model_imports_no_unpickler(tmp_path: Path, new_note: Path) -> None:
    import joblib

    marker = tmp_path / "pwned"
    joblib.dump(Evil(marker), tmp_path / "evil.joblib", compress=3)
    probe = (
        "import sys; from tagger.cli.main import main; code = main(['suggest', '--model', sys.argv[1], sys.argv[2]]); "
        "print(code, 'joblib' in sys.modules)"
    )
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    proc = subprocess.run([sys.executable, "-c", probe, str(tmp_path / "evil.joblib"), str(new_note)],
                          capture_output=True, text=True, env=env, check=False)
    assert proc.stdout.split() == ["2", "False"]
    assert "never loads pickles" in proc.stderr and "retrain" in proc.stderr and not marker.exists()


# ---- what the fingerprint covers ---------------------------------------------------------------


def test_a_changed_tokenizer_rule_refuses_the_model(good: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import re

    import tagger.model.features as features
    from tagger.model.fingerprint import features_fingerprint

    features_fingerprint.cache_clear()
    monkeypatch.setattr(features, "STOPWORDS", features.STOPWORDS | {"mamba"})
    with pytest.raises(ModelError, match="turns notes into features differently.*retrain"):
        load_model(good)
    monkeypatch.undo()
    features_fingerprint.cache_clear()
    monkeypatch.setattr("tagger.notes.layout._TOKEN_RE", re.compile(r"#[^\s#]+"))  # the tag-line rule
    with pytest.raises(ModelError, match="differently"):
        load_model(good)
    monkeypatch.undo()
    features_fingerprint.cache_clear()
    monkeypatch.setattr("tagger.model.fingerprint.FEATURES_VERSION", 2)
    with pytest.raises(ModelError, match="differently"):
        load_model(good)
    monkeypatch.undo()
    features_fingerprint.cache_clear()
    assert load_model(good).tags_


def test_another_kiwipiepy_loads_with_a_warning(good: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "m.model"
    header_edited(good, path, lambda h: h["metadata"].update(kiwipiepy_version="0.23.0"))
    with caplog.at_level("WARNING", logger="tagger"):
        assert load_model(path).tags_
    assert "made with kiwipiepy 0.23.0" in caplog.text and "retrain" in caplog.text


# ---- `tagger model` ------------------------------------------------------------------------------


def test_tagger_model_says_what_a_model_is(good: Path, capsys: pytest.CaptureFixture[str], model: TagModel) -> None:
    assert main(["model", str(good)]) == 0
    out = capsys.readouterr().out
    meta = read_metadata(good)
    for text in ("format 6", "usable      yes", "/vaults/mine", f"{meta['notes']} tagged notes", meta["first_note"],
                 meta["last_note"], "tagger 0.1.0", "numpy", "kiwipiepy", "top tags", "vocabulary", "held out",
                 "half_life_days=180.0", f"{good.stat().st_size / 1e6:.1f} MB"):
        assert text in out, text
    top = max(model.tag_counts_, key=lambda k: (model.tag_counts_[k], k))
    assert f"#{model.spellings_.display(top)} {model.tag_counts_[top]}" in out
    assert main(["model", "--format", "json", "--model", str(good)]) == 0
    record = json.loads(capsys.readouterr().out)
    assert record["usable"] is True and record["file_bytes"] == good.stat().st_size
    assert record["notes"] == meta["notes"] and record["sources"] == ["/vaults/mine"]
    assert sum(record["vocabulary"].values()) == model.n_features and record["weights"] == model.coef_.nnz
    assert record["settings"]["half_life_days"] == 180.0 and record["versions"]["tagger"] == "0.1.0"


def test_tagger_model_finds_the_model_as_other_commands_do(
    good: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    vault = tmp_path / "vault"
    vault.mkdir()
    (vault / "tagger.toml").write_text(f'[model]\npath = "{good}"\n', encoding="utf-8")
    monkeypatch.chdir(vault)
    monkeypatch.delenv("TAGGER_MODEL", raising=False)
    assert main(["model", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["path"] == str(good)
    monkeypatch.setenv("TAGGER_MODEL", str(tmp_path / "none.model"))
    assert main(["model"]) == 2
    assert "no model here" in capsys.readouterr().err
    assert main(["model", str(good), "--model", str(tmp_path / "other.model")]) == 2
    assert "not both" in capsys.readouterr().err


def test_tagger_model_shows_a_refused_model_and_why(good: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "m.model"
    header_edited(good, path, lambda h: h.update(fingerprint="0" * 16))
    assert main(["model", "--format", "json", str(path)]) == 2
    out, err = capsys.readouterr()
    record = json.loads(out)
    assert record["usable"] is False and "differently" in record["problem"] and record["notes"]
    assert len(err.strip().splitlines()) == 1 and "retrain" in err


def test_reading_the_header_does_not_check_the_format(good: Path, tmp_path: Path) -> None:
    path = tmp_path / "m.model"
    header_edited(good, path, lambda h: h.update(format=7))
    assert read_header(path)["format"] == 7 and read_metadata(path)["notes"]


# ---- the corpus ----------------------------------------------------------------------------------


@pytest.mark.slow
def test_corpus_model_saves_and_loads_to_identical_suggestions(corpus_dir: Path, tmp_path: Path) -> None:
    entries = read_entries(corpus_dir, on_problem=lambda err: None)
    model = TagModel().fit(entries)
    path = save_model(model, tmp_path / "corpus.model")
    loaded = load_model(path)
    texts: list[Entry] = [e.replace(tags=()) for e in entries if e.has_text]
    assert np.array_equal(model.predict_proba(texts), loaded.predict_proba(texts))
    assert model.suggest(texts) == loaded.suggest(texts)
    assert path.stat().st_size <= 8.2e6  # the joblib model of the same corpus was 8.18 MB
