"""An editor saving notes while `tagger retag --write` runs loses nothing (the benchmark's trial, small).

`python -m benchmarks.concurrency` runs the same trial on copies of the whole corpus,
with over a thousand edits; here, on the example vault with its tags taken off.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from benchmarks.concurrency import trial
from tagger import parse_note, set_tags


@pytest.mark.parametrize("seed", [1, 2])
def test_every_edit_made_during_a_retag_survives_and_undo_restores_only_tagger_changes(
    tmp_path: Path, example_vault: Path, example_model_file: Path, seed: int
) -> None:
    vault = tmp_path / "vault"
    shutil.copytree(example_vault, vault)
    for path in vault.rglob("*.md"):  # every note untagged: a plan of ~80 notes to write
        text = path.read_text(encoding="utf-8")
        if parse_note(text).tags and not path.parent.name == "digests":
            path.write_text(set_tags(text, []), encoding="utf-8")
    work = tmp_path / "work"
    work.mkdir()
    got = trial(vault, example_model_file, seed=seed, work=work, min_score="0.05")
    assert got.edits >= 20 and got.written > 0, got
    assert got.lost == [], got.lost
    assert got.undo_wrong == [], got.undo_wrong
