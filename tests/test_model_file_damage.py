"""Damaged model files: each is refused in one line (load_model, `tagger suggest`, `tagger model`), and loading it allocates little.

Every builder writes one bad file at the model path, from a good model rewritten member by member
(`modelfiles`); the expected words name the guard that must stop it.
"""

from __future__ import annotations

import json
import os
import struct
import tracemalloc
import zipfile
from pathlib import Path

import numpy as np
import pytest

from modelfiles import (
    array,
    edited,
    header_edited,
    members,
    npy,
    patch_directory,
    refused_in_one_line,
    write_zip,
)
from tagger import TagModel, load_model, read_entries, save_model
from tagger.cli.main import main
from tagger.errors import ModelError


@pytest.fixture(scope="module")
def model(example_vault: Path) -> TagModel:
    return TagModel().fit(read_entries(example_vault, on_problem=lambda err: None))


@pytest.fixture(scope="module")
def good(model: TagModel, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = save_model(model, tmp_path_factory.mktemp("good") / "tagger.model", provenance={"sources": ["/vaults/mine"]})
    load_model(path)  # imports done before any memory is measured
    return path


# ---- building bad files ------------------------------------------------------------------------



def _empty(good: Path, dst: Path) -> None:
    dst.write_bytes(b"")


def _folder(good: Path, dst: Path) -> None:
    dst.mkdir()


def _fifo(good: Path, dst: Path) -> None:
    os.mkfifo(dst)  # opening it would wait forever for a writer


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


def _vocabulary_over_its_cap(good: Path, dst: Path) -> None:
    # 20 MB of JSON that packs like a real vocabulary (no zip bomb): refused by its own cap, unread.
    vocab = json.loads(members(good)["vocabulary.json"])
    rng = np.random.default_rng(0)
    words = ["".join(chr(97 + c) for c in rng.integers(0, 26, 12)) for _ in range(5000)]
    vocab["text"] = [f"{w}{i}" for i in range(230) for w in words]
    edited(good, dst, vocabulary__json=json.dumps(vocab).encode())


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
    "fifo": (_fifo, "is not a regular file"),
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
    "vocabulary-over-its-cap": (_vocabulary_over_its_cap, "more than 16,777,216"),
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
    refused_in_one_line(path, expected, new_note, capsys)


def test_the_good_file_passes_the_same_checks(good: Path, tmp_path: Path, new_note: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # The helpers rewrite zips faithfully: an unedited rewrite loads.
    path = tmp_path / "copy.model"
    edited(good, path)
    assert load_model(path).tags_ == load_model(good).tags_
    assert main(["suggest", "--model", str(path), str(new_note)]) == 0
    assert main(["model", str(path)]) == 0
