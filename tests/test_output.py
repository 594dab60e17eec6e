"""What the commands say: one count of what was read, warnings said once, plurals, escaped names.

On a copy of the example vault with three more notes that are only a URL (the
corpus has five: their warnings used to repeat on every command).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tagger.cli.main import main


@pytest.fixture(scope="module")
def vault(tmp_path_factory: pytest.TempPathFactory, example_vault: Path) -> Path:
    root = tmp_path_factory.mktemp("out") / "vault"
    shutil.copytree(example_vault, root)
    for i in range(2, 5):
        (root / "2021" / f"21010{i} Only a link {i}.md").write_text(f"https://arxiv.org/abs/2101.0000{i}\n", encoding="utf-8")
    return root


SUMMARY = "tagger: 4 notes have no text besides a URL; nothing to tag them from but their file names (`tagger parse` lists them)"


@pytest.mark.parametrize(
    "argv",
    [
        pytest.param(["train", "{vault}", "--model", "{tmp}/m.joblib"], id="train"),
        pytest.param(["eval", "{vault}", "--per-tag", "0"], id="eval"),
        pytest.param(["review", "{vault}", "--top", "1"], id="review"),
    ],
)
def test_train_eval_and_review_count_alike_and_warn_once(
    vault: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    assert main([a.format(vault=vault, tmp=tmp_path) for a in argv]) == 0
    out, err = capsys.readouterr()
    assert err.splitlines() == [SUMMARY]
    # The same denominator in each: notes read, and those tagged with text (what a model learns from).
    first = next(line for line in out.splitlines() if " read, " in line)
    assert first == "93 notes read, 84 tagged with text"


def test_parse_lists_every_warning(vault: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["parse", str(vault)]) == 0
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 4 and all(line.endswith(": has no text besides a URL; nothing to tag it from but its file name") for line in err)


def test_suggest_says_a_shared_warning_once(vault: Path, example_model_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["suggest", "--model", str(example_model_file), str(vault / "2021"), str(vault / "2020")]) == 0
    assert capsys.readouterr().err.splitlines() == [SUMMARY]


@pytest.mark.parametrize(
    ("notes", "line"),
    [
        pytest.param({"a.md": "코멘트.\n\n#rl\n"}, "1 tag (1 spelling) on 1 tagged note of 1", id="one"),
        pytest.param({"a.md": "코멘트.\n\n#rl #moe\n", "b.md": "코멘트.\n\n#RL\n"}, "2 tags (3 spellings) on 2 tagged notes of 2", id="several"),
    ],
)
def test_tags_counts_in_the_right_number(tmp_path: Path, capsys: pytest.CaptureFixture[str], notes: dict[str, str], line: str) -> None:
    for name, text in notes.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    assert main(["tags", str(tmp_path)]) == 0
    assert line in capsys.readouterr().out.splitlines()


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        pytest.param("250701 two\nlines.md", "250701 two\\nlines.md", id="newline"),
        pytest.param("250701 \x1b[2Jclear.md", "250701 \\x1b[2Jclear.md", id="terminal escape"),
        pytest.param("250701 \u202edm.txt", "250701 \\u202edm.txt", id="right-to-left override"),
    ],
)
@pytest.mark.parametrize("command", ["parse", "tags", "suggest"])
def test_file_names_with_control_characters_are_shown_escaped(
    tmp_path: Path, example_model_file: Path, capsys: pytest.CaptureFixture[str], name: str, shown: str, command: str
) -> None:
    vault = tmp_path / "vault"
    vault.mkdir()
    (vault / "250702 Fine.md").write_text("*A paper* (A. Author)\n\n> We study things.\n\n코멘트.\n\n#rl\n", encoding="utf-8")
    (vault / (name if name.endswith(".md") else name + ".md")).write_bytes(b"")
    argv = [command, str(vault), *(["--model", str(example_model_file)] if command == "suggest" else [])]
    main(argv)
    err = capsys.readouterr().err
    line = next(x for x in err.splitlines() if "is empty" in x)
    assert shown in line and line.endswith(": is empty")
    assert not any(c in err for c in "\x1b\u202e") and len(err.splitlines()) == 1
