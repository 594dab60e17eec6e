"""`tagger tags` on folders with nothing to show: the same one-line error as parse/train/review, exit 2."""

from __future__ import annotations

from pathlib import Path

import pytest

from tagger.cli.main import main


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_an_empty_folder_is_an_error_like_parse_and_train(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "readme.txt").write_text("not a note", encoding="utf-8")
    code, out, err = _run(capsys, "tags", str(tmp_path))
    assert code == 2 and out == ""
    assert err.strip().splitlines() == [f"tagger: {tmp_path}: holds no notes (*.md)"]
    for other in ("parse", "train"):
        code, _, other_err = _run(capsys, other, str(tmp_path))
        assert code == 2 and other_err == err, other


def test_a_folder_of_unreadable_notes_says_so(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "bad.md").write_bytes(b"\xff\xfe\x00binary\x00")
    code, out, err = _run(capsys, "tags", str(tmp_path))
    lines = err.strip().splitlines()
    assert code == 2 and out == ""
    assert lines[0].startswith("tagger: bad.md: ")
    assert lines[-1] == f"tagger: {tmp_path}: its only note could not be read (the reason is above)"


def test_a_vault_with_notes_but_no_tags_is_a_table(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "a.md").write_text("# A paper\n\nSome words.\n", encoding="utf-8")
    code, out, _ = _run(capsys, "tags", str(tmp_path))
    assert code == 0 and "0 tags (0 spellings) on 0 tagged notes of 1" in out
