"""`tagger undo LOG`: restore notes still as the retag left them, report the others."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tagger.cli.main import main
from tagger.errors import InputError
from tagger.notes.parse import parse_note
from tagger.edit.apply import apply_plan, undo_log
from tagger.edit.journal import read_log
from tagger.edit.plan import plan_retag
from tagger.notes.files import sha256
from tagger.notes.vault import load_notes
from tagger.analysis.vocabulary import build_vocabulary

NOTES = {
    "2020/a.md": "A (X. Author)\n\n#GAN   #efficient_training\n",        # own spacing: needs the logged text to undo
    "2021/b.md": "B\r\n\r\n코멘트.\r\n\r\n#gan\r\n",                     # CRLF, already canonical
    "2021/c.md": "---\ntags: [GAN, rl]\n---\nC\n\n코멘트.\n",            # front matter tags
    "2024/d.md": "\ufeffD\n\n코멘트.\n\n#efficient-training #GAN\n\n# Links\n[[x]]",  # BOM, no final newline
    "2024/e.md": "E\n\n코멘트.\n\n#gan #efficient-training\n",
}


def write_vault(root: Path) -> Path:
    for name, text in NOTES.items():
        p = root / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(text.encode("utf-8"))
    return root


def hashes(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): sha256(p.read_bytes()) for p in sorted(root.rglob("*.md"))}


def normalize(vault: Path, log: Path) -> list[str]:
    got = load_notes(vault)
    plan = plan_retag(got.notes, mode="normalize", rule=build_vocabulary(got.entries).rule())
    result = apply_plan(plan, vault=vault, log_path=log)
    return sorted(c.rel for c in result.written)


def test_undo_restores_exact_bytes(tmp_path: Path) -> None:
    v = write_vault(tmp_path / "v")
    before = hashes(v)
    log = tmp_path / "log.jsonl"
    written = normalize(v, log)
    assert written == ["2020/a.md", "2021/c.md", "2024/d.md"]
    assert parse_note((v / "2020/a.md").read_text(encoding="utf-8")).tags == ("gan", "efficient-training")
    # a.md's spacing and c.md's front matter style cannot be rebuilt from tags alone: the log keeps those texts
    kept = {c.rel for c in read_log(log).changes if c.restore_text is not None}
    assert "2020/a.md" in kept and "2024/d.md" not in kept
    result = undo_log(log)
    assert sorted(result.restored) == written and not result.left
    assert hashes(v) == before
    again = undo_log(log)
    assert again.restored == [] and sorted(again.unchanged) == written


def test_undo_leaves_notes_edited_since(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    v = write_vault(tmp_path / "v")
    before = hashes(v)
    log = tmp_path / "log.jsonl"
    normalize(v, log)
    edited = "A (X. Author)\n\n내가 고친 코멘트.\n\n#gan\n"
    (v / "2020/a.md").write_text(edited, encoding="utf-8")
    (v / "2024/d.md").unlink()
    code = main(["undo", str(log)])
    out, err = capsys.readouterr()
    assert code == 1
    assert "2020/a.md: changed since the retag; left as it is" in err
    assert "2024/d.md: no longer exists" in err
    assert "restored 1 note," in out
    assert (v / "2020/a.md").read_text(encoding="utf-8") == edited
    assert hashes(v)["2021/c.md"] == before["2021/c.md"]


def test_undo_read_only_note_is_reported(tmp_path: Path) -> None:
    v = write_vault(tmp_path / "v")
    log = tmp_path / "log.jsonl"
    normalize(v, log)
    (v / "2021/c.md").chmod(0o444)
    result = undo_log(log)
    assert ("2021/c.md", "is read-only; not changed") in result.left
    assert sorted(result.restored) == ["2020/a.md", "2024/d.md"]


def test_undo_finds_a_moved_vault_through_its_tagger_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    v = write_vault(tmp_path / "v")
    before = hashes(v)
    normalize(v, v / ".tagger" / "retag-1.jsonl")
    moved = tmp_path / "moved"
    shutil.move(str(v), moved)
    result = undo_log(moved / ".tagger" / "retag-1.jsonl")
    assert len(result.restored) == 3 and hashes(moved) == before
    # elsewhere, --vault says where it went
    log = tmp_path / "log.jsonl"
    normalize(moved, log)
    shutil.move(str(moved), tmp_path / "again")
    with pytest.raises(InputError, match="--vault"):
        undo_log(log)
    assert main(["undo", str(log), "--vault", str(tmp_path / "again"), "--format", "jsonl"]) == 0
    recs = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert sum(r["status"] == "restored" for r in recs) == 3


def test_torn_last_line_is_ignored_and_bad_logs_are_refused(tmp_path: Path) -> None:
    v = write_vault(tmp_path / "v")
    before = hashes(v)
    log = tmp_path / "log.jsonl"
    normalize(v, log)
    with log.open("a", encoding="utf-8") as fh:
        fh.write('{"op": "done", "pa')   # a crash in the middle of a line
    assert len(undo_log(log).restored) == 3 and hashes(v) == before
    other = tmp_path / "other.jsonl"
    other.write_text('{"path": "a.md"}\n')
    with pytest.raises(InputError, match="not a tagger retag log"):
        read_log(other)
    garbage = tmp_path / "garbage.jsonl"
    garbage.write_text('{"tagger": "retag-log", "format": 1}\nnot json\n{"op": "end"}\n')
    with pytest.raises(InputError, match="line 2"):
        read_log(garbage)
    future = tmp_path / "future.jsonl"
    future.write_text('{"tagger": "retag-log", "format": 99}\n')
    with pytest.raises(InputError, match="format 99"):
        read_log(future)
    latin1 = tmp_path / "latin1.md"
    latin1.write_bytes(b"caf\xe9\n")
    with pytest.raises(InputError, match=r"latin1.md: is not UTF-8 \(byte 0xe9 at offset 3\)$"):
        read_log(latin1)
