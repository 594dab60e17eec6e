"""Where the model lives: `VAULT/.tagger/`, found the same way from any working folder, kept out of git.

A vault here is a small copy of the example vault (no `.git`, no `tagger.toml`, as
an Obsidian vault often is); commands run from another folder, as an author might
(`tagger train ~/vault` from `~`).
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tagger.cli.main import main
from tagger.config import DEFAULT_MODEL, find_vault_root, resolve_model_path, tool_dir


@pytest.fixture
def home(tmp_path: Path, example_vault: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A home folder holding `vault/` (notes of two years of the example vault) and a note outside it."""
    vault = tmp_path / "vault"
    for year in ("2024", "2025"):
        shutil.copytree(example_vault / year, vault / year)
    shutil.copy(example_vault.parent / "new-note.md", tmp_path / "outside.md")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("TAGGER_MODEL", raising=False)
    return tmp_path


def _placed(home: Path, model_file: Path) -> Path:
    """The session's trained model copied to the vault's default home (cheaper than training here)."""
    dst = tool_dir(home / "vault", create=True) / DEFAULT_MODEL.name
    shutil.copy(model_file, dst)
    return dst


def test_train_writes_into_the_vault_given_from_any_folder(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (home / ".git").mkdir()  # a home folder under git (dotfiles): still not the vault
    (home / "elsewhere").mkdir()
    assert main(["train", str(home / "vault")]) == 0
    model = home / "vault" / DEFAULT_MODEL
    assert model.is_file() and f"saved {model}" in capsys.readouterr().out
    assert not (home / "models").exists() and not (home / ".tagger").exists()
    assert (home / "vault" / ".tagger" / ".gitignore").read_text(encoding="utf-8").splitlines()[-1] == "*"


@pytest.mark.parametrize(
    ("cwd", "note", "found"),
    [
        pytest.param("elsewhere", "vault/2025", True, id="a note of the vault, run from elsewhere"),
        pytest.param("vault/2024", "vault/2025", True, id="from a subfolder of the vault"),
        pytest.param("vault", "outside.md", True, id="a note outside any vault, run inside the vault"),
        pytest.param("elsewhere", "outside.md", False, id="a note outside any vault, run outside"),
    ],
)
def test_suggest_finds_the_vaults_model(
    home: Path, example_model_file: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
    cwd: str, note: str, found: bool,
) -> None:
    _placed(home, example_model_file)
    (home / "elsewhere").mkdir()
    target = home / note
    if target.is_dir():
        target = sorted(target.glob("*.md"))[0]
    monkeypatch.chdir(home / cwd)
    code = main(["suggest", str(target)])
    out, err = capsys.readouterr()
    if found:
        assert code == 0 and "assigned:" in out, err
    else:
        assert code == 2 and out == ""
        assert err.strip().splitlines() == [
            f"tagger: {target}: is in no vault (no tagger.toml, .git or .tagger folder above it or the current folder); "
            "pass --model PATH or set $TAGGER_MODEL to say which model to use"
        ]


def test_the_library_finds_the_model_of_the_notes_vault_as_the_command_does(
    home: Path, example_model_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tagger import NotTrainedError, suggest_many, suggest_tags

    note = sorted((home / "vault" / "2025").glob("*.md"))[0]
    (home / "vault" / ".git").mkdir()  # a vault under git, not yet trained
    with pytest.raises(NotTrainedError, match=str(home / "vault" / ".tagger" / "tagger.model")):
        suggest_tags(note)  # none yet: the error names where it looked, in full
    _placed(home, example_model_file)
    (home / "elsewhere").mkdir()
    monkeypatch.chdir(home / "elsewhere")  # no vault here: the note's vault decides
    assert suggest_tags("../" + note.relative_to(home).as_posix())
    assert len(suggest_many([note, home / "outside.md"])) == 2
    with pytest.raises(NotTrainedError, match=str(home / "elsewhere" / ".tagger")):
        suggest_tags("A note's title only")  # text, not a file: the current folder's vault, none here
    # A table decides by where it lies, not by the paths its rows name (relative to somewhere else).
    table = home / "vault" / "rows.jsonl"
    table.write_text('{"title": "Mamba distilled into a transformer", "path": "notes/a.md"}\n', encoding="utf-8")
    (home / "elsewhere" / ".git").mkdir()  # another vault, untrained: choosing it would fail
    assert suggest_many([table]) and suggest_tags(table)


def test_precedence_is_flag_then_environment_then_config_then_default(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    vault = (home / "vault").resolve()
    tool_dir(vault, create=True)
    assert resolve_model_path(None, vault=vault) == vault / ".tagger" / "tagger.model"
    (vault / "tagger.toml").write_text('[model]\npath = "m/conf.joblib"\n', encoding="utf-8")
    assert resolve_model_path(None, vault=vault) == vault / "m" / "conf.joblib"
    monkeypatch.setenv("TAGGER_MODEL", "env.joblib")
    assert resolve_model_path(None, vault=vault) == Path("env.joblib")
    assert resolve_model_path("flag.joblib", vault=vault) == Path("flag.joblib")


def test_a_trained_vault_is_a_vault_without_git(home: Path) -> None:
    note = home / "vault" / "2025"
    assert find_vault_root(note) is None
    tool_dir(home / "vault", create=True)
    assert find_vault_root(note) == (home / "vault").resolve()


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_nothing_tagger_keeps_is_committed(home: Path, example_model_file: Path) -> None:
    vault = home / "vault"
    subprocess.run(["git", "init", "-q", str(vault)], check=True)
    _placed(home, example_model_file)
    (vault / ".tagger" / "retag-20250701-120000.jsonl").write_text("{}\n", encoding="utf-8")
    status = subprocess.run(["git", "status", "--porcelain", "--untracked-files=all"], cwd=vault, capture_output=True, text=True, check=True)
    assert status.stdout and ".tagger" not in status.stdout


def test_an_authors_gitignore_is_kept(home: Path) -> None:
    folder = home / "vault" / ".tagger"
    folder.mkdir(parents=True)
    (folder / ".gitignore").write_text("*\n!tagger.model\n", encoding="utf-8")
    tool_dir(home / "vault", create=True)
    assert (folder / ".gitignore").read_text(encoding="utf-8") == "*\n!tagger.model\n"
