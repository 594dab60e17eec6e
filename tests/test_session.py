"""The review page's actions on a vault: set a note's tags, merge tags, undo; each through the one edit path."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest

from tagger import parse_note
from tagger.edit.session import Dismissals, merge_tags, set_note_tags, undo_action
from tagger.errors import InputError
from tagger.notes.replace import NoteChanged


@pytest.fixture
def vault(tmp_path: Path, example_vault: Path) -> Path:
    root = tmp_path / "vault"
    shutil.copytree(example_vault, root)
    return root


def files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*.md"))}


UNTAGGED = "2023/230912 Web Agents That Learn From Their Own Trajectories.md"


def test_setting_a_notes_tags_changes_that_note_only_and_undoes(vault: Path) -> None:
    before = files(vault)
    seen = hashlib.sha256(before[UNTAGGED]).hexdigest()
    action = set_note_tags(vault, UNTAGGED, ["agent", "rl"], seen=seen)
    after = files(vault)
    assert action.written == (UNTAGGED,) and action.id and action.id.startswith("review-")
    assert [k for k in before if before[k] != after[k]] == [UNTAGGED]
    assert parse_note(after[UNTAGGED].decode()).tags == ("agent", "rl")
    assert undo_action(vault, action.id).restored == [UNTAGGED] and files(vault) == before


def test_a_note_edited_since_the_page_showed_it_is_not_overwritten(vault: Path) -> None:
    seen = hashlib.sha256((vault / UNTAGGED).read_bytes()).hexdigest()
    (vault / UNTAGGED).write_text("edited in the editor\n", encoding="utf-8")
    with pytest.raises(NoteChanged, match="changed since the page showed it"):
        set_note_tags(vault, UNTAGGED, ["agent"], seen=seen)
    assert (vault / UNTAGGED).read_text(encoding="utf-8") == "edited in the editor\n"


@pytest.mark.parametrize("rel", ["../outside.md", "/etc/hosts", "2025/../../x.md"])
def test_a_path_outside_the_vault_is_refused(vault: Path, rel: str) -> None:
    with pytest.raises(InputError, match="outside the vault"):
        set_note_tags(vault, rel, ["x"])


def test_an_invalid_tag_is_refused_and_nothing_changes(vault: Path) -> None:
    before = files(vault)
    with pytest.raises(InputError, match="not a valid tag"):
        set_note_tags(vault, UNTAGGED, ["c++"])
    assert files(vault) == before


def test_merging_a_spelling_group_rewrites_every_note_and_undoes(vault: Path) -> None:
    before = files(vault)
    holders = [k for k, v in before.items() if {"GAN", "gan"} & set(parse_note(v.decode()).tags)]
    action = merge_tags(vault, ["GAN"], "gan")
    assert sorted(action.written) == sorted(k for k in holders if "GAN" in parse_note(before[k].decode()).tags)
    assert all("GAN" not in parse_note(v.decode()).tags for v in files(vault).values())
    undone = undo_action(vault, str(action.id))
    assert len(undone.restored) == len(action.written) and files(vault) == before


@pytest.mark.parametrize("bad", ["../../etc/passwd", "retag-1.jsonl", "review-none.jsonl", "review-x.txt"])
def test_undo_names_only_review_actions(vault: Path, bad: str) -> None:
    with pytest.raises(InputError):
        undo_action(vault, bad)


def test_dismissals_are_remembered_across_sessions(vault: Path) -> None:
    d = Dismissals(vault)
    assert ("2020/a.md", "RL", "missing") not in d
    d.add("2020/a.md", "rl", "missing")
    again = Dismissals(vault)
    assert ("2020/a.md", "RL", "missing") in again and ("2020/a.md", "rl", "stray") not in again
    (vault / ".tagger" / "review-dismissed.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(InputError, match="review-dismissed.json"):
        Dismissals(vault)
