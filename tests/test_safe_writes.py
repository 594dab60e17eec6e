"""Nobody's edit is ever lost: a note edited at any moment around tagger's write keeps the edit.

Table-driven over the moments an editor can save (before tagger looks, between its
check and its swap, into the old file after the swap, over tagger's file after it),
both ways editors save (rewriting the file in place, or renaming a new file over it),
with and without the atomic exchange; then the vault lock, a full disk, a `.tagger`
that is a file, and undo logs that point outside the vault.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

import tagger.notes.replace as replace
from tagger.cli.main import main
from tagger.edit.apply import apply_plan, undo_log
from tagger.edit.journal import read_log
from tagger.edit.lock import vault_lock
from tagger.edit.plan import plan_retag
from tagger.entry import Entry, Suggestion
from tagger.errors import InputError
from tagger.notes.replace import GIVEN_BACK, KEPT, SAVED_AGAIN, NoteChanged, replace_note
from tagger.notes.vault import load_notes

ORIGINAL = "Title\n\n코멘트.\n"
OURS = "Title\n\n코멘트.\n\n#rl\n"


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def in_place(path: Path, text: str) -> None:
    """An editor that rewrites the file it has open (the same inode)."""
    with open(path, "r+b") as fh:
        fh.seek(0)
        fh.write(text.encode())
        fh.truncate()


def by_rename(path: Path, text: str) -> None:
    """An editor that writes a new file and renames it over the note."""
    tmp = path.with_name(path.name + ".editor-tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


SAVES: dict[str, Callable[[Path, str], None]] = {"in place": in_place, "by rename": by_rename}


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name != "n.md")


@pytest.fixture(params=[True, False], ids=["exchange", "no exchange"])
def note(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    if not request.param:  # a system without renameat2: the hard-link fallback
        monkeypatch.setattr(replace, "_renameat2", lambda: None)
    path = tmp_path / "n.md"
    path.write_text(ORIGINAL, encoding="utf-8")
    return path


@pytest.mark.parametrize("save", SAVES)
def test_an_edit_before_tagger_looks_is_left_alone(note: Path, save: str) -> None:
    SAVES[save](note, "edited\n")
    with pytest.raises(NoteChanged, match="changed since it was planned"):
        replace_note(note, OURS, planned=sha(ORIGINAL))
    assert note.read_text() == "edited\n" and leftovers(note.parent) == []


@pytest.mark.parametrize("save", SAVES)
def test_an_edit_between_the_check_and_the_swap_is_given_back(note: Path, save: str, monkeypatch: pytest.MonkeyPatch) -> None:
    real_exchange = replace.exchange
    real_link = os.link

    edits: list[int] = []

    def edit_first(a: Path, b: Path) -> bool:
        if not edits:  # the editor saves once, just before tagger's swap
            edits.append(1)
            SAVES[save](note, "edited in the window\n")
        return real_exchange(a, b)

    def link_after_edit(src: object, dst: object) -> None:
        SAVES[save](note, "edited in the window\n")
        real_link(src, dst)  # type: ignore[arg-type]

    if replace._renameat2() is not None:
        monkeypatch.setattr(replace, "exchange", edit_first)
    else:
        monkeypatch.setattr(os, "link", link_after_edit)
    try:
        swap = replace_note(note, OURS, planned=sha(ORIGINAL))
    except NoteChanged as err:  # without the exchange, the hard link shows the edit before anything moves
        message = str(err)
    else:
        assert not swap.written and swap.problem is not None
        message = swap.problem
        assert swap.settle() is None and swap.release() is None
    assert "left as you edited it" in message
    assert note.read_text() == "edited in the window\n" and leftovers(note.parent) == []


def test_a_save_over_the_version_given_back_keeps_that_version_beside(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # An edit lands during the swap; an editor reads the note in the instant it holds tagger's
    # version, and saves that (plus its own change) over the edit given back. Both edits survive.
    note = tmp_path / "n.md"
    note.write_text(ORIGINAL, encoding="utf-8")
    real_exchange = replace.exchange
    calls: list[int] = []

    def racing(a: Path, b: Path) -> bool:
        calls.append(1)
        if len(calls) == 1:
            in_place(note, ORIGINAL + "first edit\n")
            return real_exchange(a, b)
        seen = note.read_text()  # what the editor read: tagger's version, for an instant
        done = real_exchange(a, b)
        by_rename(note, seen + "second edit\n")
        return done

    monkeypatch.setattr(replace, "exchange", racing)
    swap = replace_note(note, OURS, planned=sha(ORIGINAL))
    assert not swap.written and swap.settle() is None
    settled = swap.release()
    assert settled is not None and settled.kind == KEPT
    (kept,) = leftovers(note.parent)
    assert (note.parent / kept).read_text() == ORIGINAL + "first edit\n" and kept in settled.message
    assert note.read_text() == OURS + "second edit\n"


def test_an_edit_into_the_old_file_after_the_swap_is_given_back(note: Path) -> None:
    with open(note, "r+b") as editor:  # opened before tagger's swap, written after it
        swap = replace_note(note, OURS, planned=sha(ORIGINAL))
        assert note.read_text() == OURS
        editor.write(b"edited late\n")
        editor.truncate()
    settled = swap.settle()
    assert settled is not None and settled.kind == GIVEN_BACK and swap.release() is None
    assert note.read_text() == "edited late\n" and leftovers(note.parent) == []


def test_a_late_edit_is_kept_beside_when_the_note_was_saved_again_meanwhile(note: Path) -> None:
    with open(note, "r+b") as editor:
        swap = replace_note(note, OURS, planned=sha(ORIGINAL))
        editor.write(b"first edit, into the old file\n")
        editor.truncate()
    by_rename(note, OURS + "second edit\n")
    settled = swap.settle()
    assert settled is not None and settled.kind == KEPT
    (kept,) = leftovers(note.parent)
    assert kept.startswith(".n.md.edited-") and kept in settled.message
    assert (note.parent / kept).read_text() == "first edit, into the old file\n"
    assert note.read_text() == OURS + "second edit\n"


@pytest.mark.parametrize("save", SAVES)
def test_a_save_after_the_swap_stays_and_is_reported(note: Path, save: str) -> None:
    swap = replace_note(note, OURS, planned=sha(ORIGINAL))
    SAVES[save](note, OURS + "more\n")
    settled = swap.settle()
    assert note.read_text() == OURS + "more\n" and leftovers(note.parent) == []
    if save == "by rename":
        assert settled is not None and settled.kind == SAVED_AGAIN
    else:  # an in-place save into tagger's own file: the note is simply the newer one
        assert settled is not None and settled.kind == SAVED_AGAIN


def test_nothing_happening_settles_quietly(note: Path) -> None:
    swap = replace_note(note, OURS, planned=sha(ORIGINAL))
    assert swap.settle() is None and note.read_text() == OURS and leftovers(note.parent) == []


# ---- one writing run per vault ---------------------------------------------------------------


def fake_suggester(entries: list[Entry]) -> list[list[Suggestion]]:
    return [[Suggestion("misc", 0.9, True)] for _ in entries]


def vault_of(tmp_path: Path, n: int = 4) -> Path:
    v = tmp_path / "v"
    v.mkdir()
    for i in range(n):
        (v / f"n{i}.md").write_text(f"Note {i}\n\n코멘트 {i}.\n", encoding="utf-8")
    return v


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*.md"))}


def test_a_second_writing_run_says_who_holds_the_vault(tmp_path: Path) -> None:
    v = vault_of(tmp_path)
    plan = plan_retag(load_notes(v).notes, suggester=fake_suggester)
    before = tree(v)
    with vault_lock(v, command="retag --only-untagged --write"):
        with pytest.raises(InputError, match=r"is being changed by another tagger run \(retag --only-untagged --write, process \d+, since "):
            apply_plan(plan, vault=v)
    assert tree(v) == before
    assert len(apply_plan(plan, vault=v).written) == 4  # free again once the holder is done


def test_a_lock_left_by_a_killed_run_is_not_in_the_way(tmp_path: Path) -> None:
    v = vault_of(tmp_path)
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time; from pathlib import Path; from tagger.edit.lock import vault_lock\n"
         "with vault_lock(Path(sys.argv[1]), command='retag --write'):\n    print('held', flush=True); time.sleep(60)", str(v)],
        stdout=subprocess.PIPE, text=True,
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
    plan = plan_retag(load_notes(v).notes, suggester=fake_suggester)
    with pytest.raises(InputError, match="another tagger run"):
        apply_plan(plan, vault=v)
    holder.send_signal(signal.SIGKILL)
    holder.wait()
    assert json.loads((v / ".tagger" / "lock").read_text())["command"] == "retag --write"  # the stale note stays…
    assert len(apply_plan(plan, vault=v).written) == 4                                    # …and is not in the way


# ---- a full disk, a `.tagger` that is a file, an unwritable log folder ------------------------


def _untagged_vault_and_model(tmp_path: Path, example_vault: Path) -> Path:
    import shutil

    v = tmp_path / "vault"
    shutil.copytree(example_vault, v)
    return v


@pytest.mark.parametrize("case", ["tagger dir is a file", "log folder unwritable", "disk full before any note"])
def test_a_log_that_cannot_be_written_stops_before_any_note(
    tmp_path: Path, example_vault: Path, example_model_file: Path, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch, case: str,
) -> None:
    v = _untagged_vault_and_model(tmp_path, example_vault)
    before = tree(v)
    args = ["retag", str(v), "--model", str(example_model_file), "--write"]
    if case == "tagger dir is a file":
        (v / ".tagger").write_text("not a folder")
    elif case == "log folder unwritable":
        (tmp_path / "ro").mkdir(mode=0o555)
        if os.access(tmp_path / "ro", os.W_OK):
            pytest.skip("running as root: a read-only folder is writable")
        args += ["--log", str(tmp_path / "ro" / "log.jsonl")]
    else:
        def full(fd: int) -> None:
            raise OSError(errno.ENOSPC, "No space left on device")

        monkeypatch.setattr(os, "fsync", full)
    code = main(args)
    err = capsys.readouterr().err
    assert code == 2 and tree(v) == before and "Traceback" not in err
    assert len([ln for ln in err.splitlines() if ln.startswith("tagger: ")]) == 1, err
    assert not list(v.glob(".tagger/retag-*.jsonl"))  # no log that undo could not use


def test_a_disk_full_mid_run_stops_with_a_log_undo_can_use(
    tmp_path: Path, example_vault: Path, example_model_file: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    v = _untagged_vault_and_model(tmp_path, example_vault)
    before = tree(v)
    real = replace._new_file
    calls: list[int] = []

    def fills_up(path: Path, data: bytes, mode: int) -> tuple[Path, int]:
        calls.append(1)
        if len(calls) == 3:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(path, data, mode)

    monkeypatch.setattr(replace, "_new_file", fills_up)
    log = tmp_path / "log.jsonl"
    code = main(["retag", str(v), "--model", str(example_model_file), "--write", "--log", str(log)])
    err = capsys.readouterr().err
    assert code == 2 and "No space left on device" in err and f"tagger undo {log}" in err and "Traceback" not in err
    changed = [k for k in before if tree(v)[k] != before[k]]
    assert len(changed) == 2 and [c.status for c in read_log(log).changes][:3] == ["done", "done", "unknown"]
    monkeypatch.setattr(replace, "_new_file", real)
    assert len(undo_log(log).restored) == 2 and tree(v) == before


# ---- undo stays inside the vault --------------------------------------------------------------


def test_undo_touches_only_notes_inside_the_vault_and_never_through_a_link(tmp_path: Path) -> None:
    v = vault_of(tmp_path, 1)
    outside = tmp_path / "outside.md"
    outside.write_text(OURS, encoding="utf-8")
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "x.md").write_text(OURS, encoding="utf-8")
    (v / "linked").symlink_to(tmp_path / "elsewhere")
    header = {"tagger": "retag-log", "format": 1, "vault": str(v), "mode": "only_untagged", "changes": 3}
    records = [header] + [
        {"op": "plan", "path": rel, "old_tags": [], "new_tags": ["rl"], "sha256_before": sha(ORIGINAL), "sha256_after": sha(OURS)}
        for rel in ("../outside.md", str(outside), "linked/x.md")
    ]
    log = tmp_path / "log.jsonl"
    log.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    result = undo_log(log)
    assert result.restored == [] and dict(result.left) == {
        "../outside.md": "is outside the vault; not restored",
        str(outside): "is outside the vault; not restored",
        "linked/x.md": "is reached through a symbolic link; not restored",
    }
    assert outside.read_text() == OURS and (tmp_path / "elsewhere" / "x.md").read_text() == OURS


def test_undo_names_a_note_the_retag_did_not_write_as_such(tmp_path: Path) -> None:
    v = vault_of(tmp_path, 2)
    plan = plan_retag(load_notes(v).notes, suggester=fake_suggester)
    (v / "n1.md").chmod(0o444)  # locked after planning: skipped at write time, and logged so
    log = tmp_path / "log.jsonl"
    result = apply_plan(plan, vault=v, log_path=log)
    assert [c.rel for c in result.written] == ["n0.md"] and [s.rel for s in result.skipped] == ["n1.md"]
    undone = undo_log(log)
    assert undone.restored == ["n0.md"] and undone.not_written == ["n1.md"] and undone.left == []


def test_training_onto_a_full_disk_is_one_line_and_keeps_the_old_model(
    tmp_path: Path, example_vault: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    model = tmp_path / "m.model"
    assert main(["train", str(example_vault), "--model", str(model)]) == 0
    before = model.read_bytes()
    capsys.readouterr()

    def full(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    assert main(["train", str(example_vault), "--model", str(model)]) == 2
    err = capsys.readouterr().err
    assert "No space left on device" in err and "unchanged" in err and "Traceback" not in err
    assert model.read_bytes() == before and [p.name for p in tmp_path.iterdir()] == ["m.model"]
