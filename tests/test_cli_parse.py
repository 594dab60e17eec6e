"""`tagger parse`: what tagger sees, as a table or JSON lines; bad files are one line on stderr."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import pytest

from tagger import read_entries
from tagger.cli.main import main

GOOD = "https://arxiv.org/abs/2408.15237\n\n*The Mamba in the Llama* (Junxiong Wang)\n\n> We distill.\n\nMamba로 Distillation.\n\n#distillation #state-space-model"


@pytest.fixture()
def vault(tmp_path: Path) -> Path:
    (tmp_path / "2024").mkdir()
    (tmp_path / "2024" / "240828 The Mamba in the Llama.md").write_text(GOOD, encoding="utf-8")
    (tmp_path / "2024" / "240829 Untagged.md").write_text("*Untagged* (A)\n\n> Abstract.\n\n코멘트.", encoding="utf-8")
    return tmp_path


def test_table(vault: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["parse", str(vault)]) == 0
    out, err = capsys.readouterr()
    lines = out.splitlines()
    assert lines[0].split() == ["date", "title", "abs", "cmt", "tags"]
    assert lines[1].split() == ["2024-08-28", "The", "Mamba", "in", "the", "Llama", "11", "20", "#distillation", "#state-space-model"]
    assert lines[2].split() == ["2024-08-29", "Untagged", "9", "4"]
    assert lines[3] == "2 entries, 1 tagged, 0 problems"
    assert err == ""


def test_table_shortens_long_titles(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    title = "A Very Long Title " * 5
    (tmp_path / "n.md").write_text(f"{title.strip()} (A)\n\n코멘트.\n\n#rl")
    assert main(["parse", str(tmp_path / "n.md")]) == 0
    row = capsys.readouterr().out.splitlines()[1]
    assert title[:47] + "…" in row and "#rl" in row


def test_jsonl_reads_back_as_the_same_entries(vault: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["parse", "--format", "jsonl", str(vault)]) == 0
    out = capsys.readouterr().out
    records = [json.loads(line) for line in out.splitlines()]
    assert records[0] == {
        "path": str(vault / "2024" / "240828 The Mamba in the Llama.md"),
        "date": "2024-08-28",
        "url": "https://arxiv.org/abs/2408.15237",
        "title": "The Mamba in the Llama",
        "authors": "Junxiong Wang",
        "abstract": "We distill.",
        "comment": "Mamba로 Distillation.",
        "translation": "",
        "tags": ["distillation", "state-space-model"],
        "links": [],
    }
    assert "Mamba로" in out  # not \\u escapes
    dump = tmp_path / "out.jsonl"
    dump.write_text(out, encoding="utf-8")
    assert read_entries(dump) == read_entries(vault)


def test_bad_files_are_one_line_each_and_exit_1(vault: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (vault / "2024" / "240830 Latin.md").write_bytes("café".encode("latin-1"))
    (vault / "2024" / "240831 Empty.md").write_bytes(b"")
    assert main(["parse", str(vault)]) == 1
    out, err = capsys.readouterr()
    assert err.splitlines() == [
        f"tagger: {vault / '2024' / '240830 Latin.md'}: is not UTF-8 (byte 0xe9 at offset 3); convert it to UTF-8",
        f"tagger: {vault / '2024' / '240831 Empty.md'}: is empty",
    ]
    assert out.splitlines()[-1] == "2 entries, 1 tagged, 2 problems"  # the good notes are still there


@pytest.mark.parametrize(
    ("make", "message"),
    [
        pytest.param(lambda p: None, "does not exist", id="missing"),
        pytest.param(lambda p: p.mkdir(), "holds no notes (*.md)", id="empty folder"),
    ],
)
def test_unusable_path_exits_2_with_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str], make, message: str) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "vault"
    make(path)
    assert main(["parse", str(path)]) == 2
    out, err = capsys.readouterr()
    assert (out, err) == ("", f"tagger: {path}: {message}\n")


def test_a_single_bad_file_given_directly(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "blob.md"
    path.write_bytes(b"\x00\x01binary")
    assert main(["parse", "--format", "jsonl", str(path)]) == 1
    out, err = capsys.readouterr()
    assert out == "" and err == f"tagger: {path}: is a binary file, not a text note\n"
    assert "Traceback" not in err


def _stdin(monkeypatch: pytest.MonkeyPatch, data: bytes) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data), encoding="utf-8"))


def test_stdin(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    _stdin(monkeypatch, GOOD.encode())
    assert main(["parse", "--format", "jsonl", "-"]) == 0
    record = json.loads(capsys.readouterr().out)
    assert (record["path"], record["title"], record["tags"]) == (None, "The Mamba in the Llama", ["distillation", "state-space-model"])


def test_stdin_not_utf8(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    _stdin(monkeypatch, "café".encode("latin-1"))
    assert main(["parse", "-"]) == 2
    assert capsys.readouterr().err == "tagger: <stdin>: is not UTF-8 (byte 0xe9 at offset 3); convert it to UTF-8\n"


def test_example_vault_and_digest(example_vault: Path, capsys: pytest.CaptureFixture[str]) -> None:
    digest = example_vault / "digests" / "2024-08-28.txt"
    main(["parse", str(example_vault), str(digest)])
    out, err = capsys.readouterr()
    entries = read_entries([example_vault, digest], on_problem=lambda e: None)
    tagged = sum(bool(e.tags) for e in entries)
    assert out.splitlines()[-1] == f"{len(entries)} entries, {tagged} tagged, 1 problem"
    assert err.splitlines() == [
        f"tagger: {example_vault / '2020' / '200511 Sparse Voxel Fields.md'}: has no text besides a URL; "
        "nothing to tag it from but its file name"
    ]


def test_bad_format_is_a_usage_error(vault: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["parse", "--format", "xml", str(vault)])
    assert info.value.code == 2
    assert "invalid choice: 'xml'" in capsys.readouterr().err


def test_a_url_only_note_is_reported_but_does_not_fail_the_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "240101 Only a link.md").write_text("https://arxiv.org/abs/2401.00001\n", encoding="utf-8")
    (tmp_path / "240102 Real.md").write_text("*T* (A)\n\n코멘트\n\n#rl", encoding="utf-8")
    assert main(["parse", str(tmp_path)]) == 0
    err = capsys.readouterr().err
    assert "Only a link.md: has no text besides a URL" in err
    (tmp_path / "240103 Broken.md").write_bytes(b"\xff\xfe")
    assert main(["parse", str(tmp_path)]) == 1
