"""The hook and the file names pre-commit passes: any name is a file, shown on one line, and
only notes tagger-fix would write are offered to it; a fresh clone without a model is one line.

In-process, on a copy of the example vault run from its root, as `tests/test_hook.py`;
`tests/test_hook_precommit.py` commits a `-draft.md` through the real pre-commit.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
from pathlib import Path

import pytest

from tagger import parse_note, set_tags
from tagger.cli.hook import check_main, fix_main


@pytest.fixture
def vault(tmp_path: Path, example_vault: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "vault"
    shutil.copytree(example_vault, root)
    (root / ".git").mkdir()  # a repository's root, without tagger.toml
    monkeypatch.chdir(root)
    monkeypatch.delenv("TAGGER_MODEL", raising=False)
    monkeypatch.delenv("PRE_COMMIT", raising=False)
    return root


def _untagged_copy(vault: Path, name: str) -> str:
    """A copy of a tagged note with a Korean comment, untagged, at `name` (vault-relative)."""
    source = vault / "2024" / sorted(p.name for p in (vault / "2024").glob("*.md"))[3]
    text = source.read_text(encoding="utf-8")
    assert parse_note(text).tags
    (vault / name).write_text(set_tags(text, []), encoding="utf-8")
    return name


@pytest.mark.parametrize(
    ("name", "shown", "typed"),
    [
        ("-draft.md", "-draft.md", "./-draft.md"),
        ("--top.md", "--top.md", "./--top.md"),
        ("-h.md", "-h.md", "./-h.md"),
        ("- a draft.md", "- a draft.md", "'./- a draft.md'"),
        ("250701 new\nline.md", "250701 new\\nline.md", "$'250701 new\\nline.md'"),
        ("250701 \x1b[31mred.md", "250701 \\x1b[31mred.md", "$'250701 \\x1b[31mred.md'"),
    ],
)
def test_any_file_name_is_a_note_shown_on_one_line(
    vault: Path, example_model_file: Path, capsys: pytest.CaptureFixture[str], name: str, shown: str, typed: str
) -> None:
    _untagged_copy(vault, name)
    model = ["--model", str(example_model_file)]
    assert check_main([name, *model]) == 1  # pre-commit's order: options, then files
    out = capsys.readouterr().out
    assert f"\n{shown}: no tags\n" in "\n" + out
    assert f"    tagger-fix --model {example_model_file} {typed}\n" in out
    assert all(line.startswith(("    ", shown, "tagger-check:")) for line in out.splitlines()), out
    assert fix_main([*model, name]) == 1
    assert parse_note((vault / name).read_text(encoding="utf-8")).tags
    capsys.readouterr()
    assert check_main([*model, "--", name]) == 0


def test_a_mistyped_option_is_still_an_error(vault: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        check_main(["--modle", "m.joblib", "a.md"])
    assert info.value.code == 2 and "unrecognized arguments: --modle" in capsys.readouterr().err


def test_a_model_path_starting_with_a_dash(vault: Path, example_model_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    shutil.copy(example_model_file, vault / "-model.joblib")
    name = _untagged_copy(vault, "250701 New.md")
    assert check_main(["--model", "-model.joblib", name]) == 1
    assert "250701 New.md: no tags" in capsys.readouterr().out


def test_symlinked_and_read_only_notes_are_not_offered_to_tagger_fix(
    vault: Path, example_model_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = _untagged_copy(vault, "250701 Target.md")
    os.symlink(target, vault / "250702 Link.md")
    read_only = _untagged_copy(vault, "250703 Read-only.md")
    (vault / read_only).chmod(stat.S_IRUSR | stat.S_IRGRP)
    plain = _untagged_copy(vault, "250704 Plain.md")
    assert check_main(["--model", str(example_model_file), "250702 Link.md", read_only, plain]) == 1
    out = capsys.readouterr().out
    assert "    write by hand: #" in out and "(tagger-fix leaves this note alone: it is a symbolic link)" in out
    assert "(tagger-fix leaves this note alone: it is read-only)" in out
    offered = out.split("tagger-check: to write the tags shown under 'would write' into ")[1]
    assert offered.startswith("this note, run") and "'250704 Plain.md'" in offered
    assert "Link" not in offered and "Read-only" not in offered


def test_a_fresh_clone_without_a_model_says_what_to_do_in_one_line(vault: Path, capsys: pytest.CaptureFixture[str]) -> None:
    name = _untagged_copy(vault, "250701 New.md")
    assert check_main([name]) == 2
    out = capsys.readouterr().out
    assert out.splitlines() == [
        "tagger-check: no model at .tagger/tagger.model (models are not committed: a fresh clone has none); "
        'train one with `tagger train .`, or set on_missing_model = "warn" under [hook] in tagger.toml '
        "to commit unchecked until then"
    ]
    (vault / "tagger.toml").write_text('[hook]\non_missing_model = "warn"\n', encoding="utf-8")
    assert check_main([name]) == 0


def test_a_tagged_note_needs_no_model(vault: Path) -> None:
    assert check_main([str(next((vault / "2024").glob("*.md")).relative_to(vault))]) == 0


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_model_trained_in_the_vault_is_not_staged(vault: Path, example_model_file: Path) -> None:
    shutil.rmtree(vault / ".git")
    subprocess.run(["git", "init", "-q", "."], check=True)
    from tagger.cli.main import main

    assert main(["train", ".", "-q"]) == 0
    subprocess.run(["git", "add", "-A"], check=True)
    staged = subprocess.run(["git", "diff", "--cached", "--name-only"], capture_output=True, text=True, check=True).stdout
    assert (vault / ".tagger" / "tagger.model").is_file()
    assert staged and ".tagger" not in staged and ".joblib" not in staged
