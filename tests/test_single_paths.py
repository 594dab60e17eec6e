"""One read, one change, one spelling rule: the bugs found where copies of those paths disagreed.

Each test here failed on the code before the "One house" restructuring (commit 67e7945).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tagger import Entry, TagError, TagModel, parse_note, read_entries, set_tags
from tagger.cli.hook import check_main, fix_main
from tagger.cli.main import main
from tagger.errors import InputError, NotFittedError, TaggerError
from tagger.model.calibrate import DEFAULT_ASSIGN_RULE, DEFAULT_CALIBRATION
from tagger.notes.layout import odd_tag_lines

INVALID = "is not a valid tag (letters, digits, _ - / only, and not all digits)"


@pytest.fixture
def vault(tmp_path: Path, example_vault: Path, example_model_file: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "vault"
    shutil.copytree(example_vault, root)
    (root / "tagger.toml").write_text(f'[model]\npath = "{example_model_file}"\n', encoding="utf-8")
    monkeypatch.chdir(root)
    monkeypatch.delenv("TAGGER_MODEL", raising=False)
    monkeypatch.delenv("PRE_COMMIT", raising=False)
    return root


# ---- 1. a mistyped tag line in a note whose lines end in a lone CR ------------------------------


def test_a_mistyped_tag_line_is_seen_in_a_cr_only_note() -> None:
    assert odd_tag_lines("Title\r\r#rl #c++\r") == [f"line 3: '#c++' {INVALID}"]


def test_retag_leaves_a_cr_only_note_with_a_mistyped_tag_line_alone(vault: Path, capsys: pytest.CaptureFixture[str]) -> None:
    note = vault / "2025" / "250601 CR only.md"
    data = "Sparse Experts for Reasoning (A. Author)\r\r전문가 혼합 모델로 추론을 합니다.\r\r#rl #c++\r".encode()
    note.write_bytes(data)
    code = main(["retag", str(vault), "--write"])
    err = capsys.readouterr().err
    assert note.read_bytes() == data  # no second tag line
    assert code == 1 and f"250601 CR only.md: line 5: '#c++' {INVALID}; fix that line by hand" in err


# ---- 2. an invalid tag in front matter ---------------------------------------------------------


FRONT = "---\ntags: [c++, GAN]\n---\nA note on GANs.\n"


def test_reader_and_writer_agree_that_an_invalid_front_matter_tag_is_no_tag() -> None:
    assert parse_note(FRONT).tags == ("GAN",)
    assert odd_tag_lines(FRONT) == [f"line 2: 'c++' {INVALID}"]
    with pytest.raises(TagError) as err:
        set_tags(FRONT, ["gan"])
    assert isinstance(err.value, InputError) and "fix that line by hand" in str(err.value)
    assert set_tags(FRONT, ["GAN"]) == FRONT  # asking for the tags it has changes nothing


@pytest.mark.parametrize("run", ["retag", "fix"])
def test_rewriting_the_tags_of_such_a_note_is_one_line_not_a_traceback(
    vault: Path, capsys: pytest.CaptureFixture[str], run: str
) -> None:
    note = vault / "2024" / "240101 Front matter.md"
    note.write_text(FRONT, encoding="utf-8")
    before = note.read_bytes()
    (vault / "tagger.toml").write_text((vault / "tagger.toml").read_text() + '[aliases]\nGAN = "gan"\n', encoding="utf-8")
    code = main(["retag", str(vault), "--normalize", "--write"]) if run == "retag" else fix_main([str(note.relative_to(vault))])
    out, err = capsys.readouterr()
    assert code == 1 and note.read_bytes() == before
    assert f"'c++' {INVALID}" in out + err and "Traceback" not in out + err


# ---- 3. whose spelling wins: the hook, tagger-fix and retag --normalize give one answer ---------


def test_a_newly_adopted_spelling_is_accepted_by_the_hook_as_by_retag_normalize(
    vault: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The model was trained when the vault wrote `efficient-training`; since then the author writes
    # `efficient_training` (the newest notes). retag --normalize writes the new spelling; so must the hook.
    old_spelling = [p for p in vault.rglob("*.md") if "efficient-training" in parse_note(p.read_text(encoding="utf-8")).tags]
    assert old_spelling, "the example vault uses #efficient-training"
    for i, spelling in enumerate(["efficient_training", "efficient_training"]):
        (vault / "2025" / f"25060{i + 2} Adopted {i}.md").write_text(
            f"Efficient Training at Scale {i} (A. Author)\n\n효율적인 학습 방법.\n\n#{spelling}\n", encoding="utf-8"
        )
    staged = vault / "2025" / "250610 Staged.md"
    staged.write_text("Cheaper Pretraining (B. Author)\n\n학습 비용을 줄입니다.\n\n#efficient_training\n", encoding="utf-8")
    main(["retag", str(vault), "--normalize", "--format", "jsonl"])
    changes = {r["path"]: r for r in map(json.loads, capsys.readouterr().out.splitlines()) if r["type"] == "change"}
    respelled = {p for p, r in changes.items() if "efficient-training" in r["old_tags"]}
    assert respelled == {p.relative_to(vault).as_posix() for p in old_spelling}
    assert all("efficient_training" in changes[p]["new_tags"] for p in respelled) and "2025/250610 Staged.md" not in changes
    assert check_main([str(staged.relative_to(vault))]) == 0

    # The other way round: a staged note in the old spelling is refused, and fixed to the new one.
    stale = vault / "2025" / "250611 Old habit.md"
    stale.write_text("Cheaper Finetuning (C. Author)\n\n미세조정 비용.\n\n#efficient-training\n", encoding="utf-8")
    capsys.readouterr()
    assert check_main([str(stale.relative_to(vault))]) == 1
    assert "#efficient-training is spelled #efficient_training" in capsys.readouterr().out
    assert fix_main([str(stale.relative_to(vault))]) == 1
    assert parse_note(stale.read_text(encoding="utf-8")).tags == ("efficient_training",)


# ---- 4. tagger-fix checks that what it writes reads back -------------------------------------


def test_fix_does_not_write_tags_that_would_not_read_back(vault: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # An unclosed code fence: a tag line added at the end would be code, not tags.
    note = vault / "2025" / "250612 Unclosed fence.md"
    data = "Distilling Reasoning into Small Models (A. Author)\n\n작은 모델로 증류.\n\n```python\nmodel.distill()\n"
    note.write_text(data, encoding="utf-8")
    assert fix_main([str(note.relative_to(vault))]) == 1
    assert note.read_text(encoding="utf-8") == data
    assert "cannot place the tags safely" in capsys.readouterr().out


# ---- 5. a fit on few notes sets every learned attribute ---------------------------------------


def test_fit_on_few_notes_does_not_keep_an_earlier_fits_calibration(example_vault: Path) -> None:
    entries = read_entries(example_vault, on_problem=lambda err: None)
    model = TagModel().fit(entries)
    assert model.heldout_ and model.calibration_ != DEFAULT_CALIBRATION  # learned on held-out notes
    few = [e for e in entries if e.tags][:12]
    model.fit(few)
    assert model.calibration_ == DEFAULT_CALIBRATION and model.assign_rule_ == DEFAULT_ASSIGN_RULE
    assert model.heldout_ == {} and model.metadata_["heldout"] == {} and model.metadata_["notes"] == 12


def test_an_unfitted_model_says_so_as_an_attribute_error() -> None:
    with pytest.raises(NotFittedError, match="fit") as err:
        TagModel().suggest([Entry(title="x")])
    assert isinstance(err.value, AttributeError) and not isinstance(err.value, TaggerError)
    assert not hasattr(TagModel(), "coef_")


# ---- 6. equality of models; the exit code after a closed pipe ---------------------------------


def test_two_fitted_models_compare_without_raising(example_vault: Path) -> None:
    entries = read_entries(example_vault, on_problem=lambda err: None)
    a, b = TagModel().fit(entries), TagModel().fit(entries)
    assert a == a and a != b  # estimators compare by identity, as scikit-learn's do


def test_a_closed_pipe_keeps_exit_1_when_notes_were_skipped(vault: Path) -> None:
    (vault / "2025" / "250613 Binary.md").write_bytes(b"\x00\x01 not a note")
    proc = subprocess.Popen(
        [sys.executable, "-m", "tagger", "parse", str(vault)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()
    err = proc.stderr.read()
    assert proc.wait(timeout=60) == 1, err
    assert "binary" in err and "Traceback" not in err
