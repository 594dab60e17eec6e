"""The pre-commit hook, called in-process on a copy of the example vault.

A model is trained once on the example vault; each test gets a fresh copy of
the vault with a `tagger.toml` pointing at that model, and runs `check_main` /
`fix_main` from the vault's root, as pre-commit does.
"""

from __future__ import annotations

import json
import shlex
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from tagger import parse_note, read_entries, set_tags, tag_key
from tagger.cli.hook import check_main, fix_main

REPO = Path(__file__).resolve().parent.parent



@pytest.fixture(scope="session")
def vocab(example_model_file: Path) -> dict[str, str]:
    """The trained model's vocabulary: tag key → spelling."""
    from tagger.model.io import load_model

    return dict(load_model(example_model_file).spellings_.latest)


@dataclass
class Vault:
    root: Path
    model: Path
    vocab: dict[str, str]

    def config(self, extra: str = "") -> None:
        (self.root / "tagger.toml").write_text(f'[model]\npath = "{self.model}"\n{extra}', encoding="utf-8")

    def tagged(self, korean: bool = True) -> Path:
        """A note (relative to the root) whose tags are all in the vocabulary as spelled."""
        for e in read_entries(self.root, on_problem=lambda err: None):
            if e.tags and e.has_text and all(self.vocab.get(tag_key(t)) == t for t in e.tags):
                if korean == any("\uac00" <= ch <= "\ud7a3" for ch in e.comment):
                    assert e.path is not None
                    return e.path.relative_to(self.root)
        raise AssertionError("the example vault has no such note")

    def untag(self, rel: Path) -> str:
        """Remove `rel`'s tags on disk; returns its original text."""
        text = (self.root / rel).read_bytes().decode("utf-8")
        (self.root / rel).write_bytes(set_tags(text, []).encode("utf-8"))
        return text


@pytest.fixture
def vault(tmp_path: Path, example_vault: Path, example_model_file: Path, vocab: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Vault:
    root = tmp_path / "vault"
    shutil.copytree(example_vault, root)
    for stray in root.rglob("tagger.toml"):
        stray.unlink()
    v = Vault(root, example_model_file, vocab)
    v.config()
    monkeypatch.chdir(root)
    monkeypatch.delenv("TAGGER_MODEL", raising=False)
    monkeypatch.delenv("PRE_COMMIT", raising=False)
    return v


def misspell(tag: str) -> str:
    """Another spelling of `tag` that folds to the same key."""
    other = tag.replace("-", "_") if "-" in tag else tag.replace("_", "-") if "_" in tag else tag.upper()
    assert other != tag and tag_key(other) == tag_key(tag)
    return other


def changed_lines(old: str, new: str) -> list[tuple[str, str]]:
    a, b = old.splitlines(), new.splitlines()
    assert len(a) == len(b), "a line was added or removed"
    return [(x, y) for x, y in zip(a, b) if x != y]


# ---- tagger-check ---------------------------------------------------------------------------

Setup = Callable[[Vault], list[str]]


def _untagged(v: Vault) -> list[str]:
    rel = v.tagged()
    v.untag(rel)
    return [str(rel)]


def _misspelled(v: Vault) -> list[str]:
    rel = v.tagged()
    e = parse_note((v.root / rel).read_text(encoding="utf-8"))
    (v.root / rel).write_bytes(set_tags((v.root / rel).read_bytes().decode(), [misspell(e.tags[0]), *e.tags[1:]]).encode())
    return [str(rel)]


def _aliased(v: Vault) -> list[str]:
    rel = v.tagged()
    e = parse_note((v.root / rel).read_text(encoding="utf-8"))
    v.config(f'[aliases]\nmy-old-name = "{e.tags[0]}"\n')
    (v.root / rel).write_bytes(set_tags((v.root / rel).read_bytes().decode(), ["my-old-name", *e.tags[1:]]).encode())
    return [str(rel)]


def _fine(v: Vault) -> list[str]:
    return [str(v.tagged())]


def _coined(v: Vault) -> list[str]:
    rel = v.tagged()
    e = parse_note((v.root / rel).read_text(encoding="utf-8"))
    (v.root / rel).write_bytes(set_tags((v.root / rel).read_bytes().decode(), [*e.tags, "a-tag-nobody-used"]).encode())
    return [str(rel)]


def _not_markdown(v: Vault) -> list[str]:
    (v.root / "todo.txt").write_text("no tags here\n", encoding="utf-8")
    (v.root / "figure.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    return ["todo.txt", "figure.png"]


def _deleted(v: Vault) -> list[str]:
    rel = v.tagged()
    v.untag(rel)
    (v.root / rel).unlink()
    return [str(rel)]


def _excluded(v: Vault) -> list[str]:
    v.config('[hook]\nexclude = ["templates/**"]\n')
    (v.root / "templates").mkdir()
    (v.root / "templates" / "paper.md").write_text("*{{title}}* ({{authors}})\n\n> {{abstract}}\n", encoding="utf-8")
    (v.root / ".obsidian").mkdir(exist_ok=True)
    (v.root / ".obsidian" / "scratch.md").write_text("Untagged scratch text.\n", encoding="utf-8")
    return ["templates/paper.md", ".obsidian/scratch.md"]


def _not_utf8(v: Vault) -> list[str]:
    (v.root / "240101 Latin-1.md").write_bytes("Caf\xe9 notes about diffusion.\n\n#diffusion\n".encode("latin-1"))
    return ["240101 Latin-1.md"]


def _empty(v: Vault) -> list[str]:
    (v.root / "240102 Empty.md").write_bytes(b"")
    return ["240102 Empty.md"]


def _url_only(v: Vault) -> list[str]:
    (v.root / "240103.md").write_text("https://arxiv.org/abs/2401.00001\n", encoding="utf-8")
    return ["240103.md"]


def _mistyped_tag_line(v: Vault) -> list[str]:
    # Read as text, so the note looks untagged: the hook must say so, not suggest a second line.
    (v.root / "240104 Typo.md").write_text("*Sparse Experts* (A. Author)\n\n> We route tokens.\n\n코멘트.\n\n#moe #\n", encoding="utf-8")
    return ["240104 Typo.md"]


CHECK_CASES: list[tuple[str, Setup, int, list[str], list[str]]] = [
    # name, setup, exit code, must appear in the output, must not appear
    ("untagged", _untagged, 1, ["no tags", "suggested:", "would write: #", "tagger-fix --model"], ["Traceback"]),
    ("misspelled tag", _misspelled, 1, ["is spelled #", "in the vocabulary", "tagger-fix"], ["no tags"]),
    ("alias", _aliased, 1, ["#my-old-name is an alias of #", "tagger-fix"], []),
    ("tagged as the vocabulary spells it", _fine, 0, [], ["no tags", "is spelled", "tagger-fix"]),
    ("coined tag", _coined, 0, ["#a-tag-nobody-used is a new tag"], ["is spelled"]),
    ("not markdown", _not_markdown, 0, [], ["todo.txt", "figure.png"]),
    ("deleted note", _deleted, 0, [], ["no tags"]),
    ("excluded by tagger.toml, or in a tool folder", _excluded, 0, [], ["paper.md", "scratch.md"]),
    ("not UTF-8", _not_utf8, 1, ["240101 Latin-1.md: is not UTF-8"], ["Traceback"]),
    ("empty", _empty, 1, ["240102 Empty.md: is empty"], ["Traceback"]),
    ("only a URL", _url_only, 1, ["240103.md: no tags, and no text"], ["Traceback"]),
    ("mistyped tag line", _mistyped_tag_line, 1, ["240104 Typo.md: line 7: '#' is not a valid tag", "fix that line by hand"], ["suggested:", "tagger-fix", "Traceback"]),
]


@pytest.mark.parametrize(("name", "setup", "code", "present", "absent"), CHECK_CASES, ids=[c[0] for c in CHECK_CASES])
def test_check(
    vault: Vault,
    capsys: pytest.CaptureFixture[str],
    name: str,
    setup: Setup,
    code: int,
    present: list[str],
    absent: list[str],
) -> None:
    files = setup(vault)
    before = {p: p.read_bytes() for p in vault.root.rglob("*") if p.is_file()}
    assert check_main([*files, "--model", str(vault.model)]) == code
    out = capsys.readouterr()
    text = out.out + out.err
    for s in present:
        assert s in text
    for s in absent:
        assert s not in text
    assert {p: p.read_bytes() for p in vault.root.rglob("*") if p.is_file()} == before, "check must not write"


def test_check_suggests_with_scores_the_tags_fix_writes(vault: Vault, capsys: pytest.CaptureFixture[str]) -> None:
    rel = v_rel = vault.tagged()
    vault.untag(rel)
    assert check_main([str(v_rel), "--top", "3"]) == 1  # model found through tagger.toml
    out = capsys.readouterr().out
    suggested = next(line for line in out.splitlines() if "suggested:" in line)
    would = [w for w in next(line for line in out.splitlines() if "would write:" in line).split() if w.startswith("#")]
    assert 1 <= len([w for w in suggested.split() if w.startswith("#")]) <= 5
    for word in suggested.split()[1:]:
        if word.startswith("#"):
            assert word[1:] in vault.vocab.values()
    assert would and all(w.startswith("#") for w in would)
    assert fix_main([str(rel)]) == 1
    written = parse_note((vault.root / rel).read_text(encoding="utf-8")).tags
    assert ["#" + t for t in written] == would


def test_check_many_notes_reports_each_and_one_command(vault: Vault, capsys: pytest.CaptureFixture[str]) -> None:
    a = _untagged(vault)
    b = _misspelled(vault)
    assert a != b
    assert check_main(a + b + ["todo.txt"]) == 1
    out = capsys.readouterr().out
    assert f"{a[0]}: no tags" in out and f"{b[0]}: #" in out
    lines = out.strip().splitlines()
    assert lines[-2] == "tagger-check: to write the tags shown under 'would write' into these 2 notes, run"
    assert lines[-1].strip() == f"tagger-fix {shlex.quote(a[0])} {shlex.quote(b[0])}"


# ---- tagger-fix -----------------------------------------------------------------------------


def test_fix_writes_assigned_tags_and_only_the_tag_line(vault: Vault, capsys: pytest.CaptureFixture[str]) -> None:
    rel = vault.tagged()
    vault.untag(rel)
    untagged = (vault.root / rel).read_bytes()
    assert fix_main([str(rel)]) == 1
    out = capsys.readouterr().out
    new = (vault.root / rel).read_bytes().decode("utf-8")
    tags = parse_note(new).tags
    assert tags and all(t in vault.vocab.values() for t in tags)
    assert f"{rel}: added {' '.join('#' + t for t in tags)}" in out
    # Removing the tag line gives back the untagged note byte for byte.
    assert set_tags(new, []).encode("utf-8") == untagged
    # Fixed notes pass the check, and a second fix changes nothing.
    assert check_main([str(rel)]) == 0
    assert fix_main([str(rel)]) == 0
    assert (vault.root / rel).read_bytes().decode("utf-8") == new


def test_fix_rewrites_misspelled_tags_to_the_vocabulary(vault: Vault, capsys: pytest.CaptureFixture[str]) -> None:
    rel = vault.tagged()
    original = (vault.root / rel).read_bytes().decode("utf-8")
    tags = parse_note(original).tags
    bad = set_tags(original, [misspell(t) for t in tags])
    (vault.root / rel).write_bytes(bad.encode("utf-8"))
    assert fix_main([str(rel)]) == 1
    out = capsys.readouterr().out
    fixed = (vault.root / rel).read_bytes().decode("utf-8")
    assert parse_note(fixed).tags == tags
    assert fixed == original
    assert len(changed_lines(bad, fixed)) == 1
    assert f"#{misspell(tags[0])} → #{tags[0]}" in out


def test_fix_keeps_crlf_and_mode(vault: Vault) -> None:
    rel = vault.tagged()
    vault.untag(rel)
    path = vault.root / rel
    crlf = path.read_bytes().decode("utf-8").replace("\r\n", "\n").replace("\n", "\r\n")
    path.write_bytes(crlf.encode("utf-8"))
    path.chmod(0o640)
    assert fix_main([str(rel)]) == 1
    new = path.read_bytes().decode("utf-8")
    assert "\n" not in new.replace("\r\n", "")
    assert set_tags(new, []) == crlf
    assert path.stat().st_mode & 0o777 == 0o640


def test_fix_reports_what_it_cannot_fix(vault: Vault, capsys: pytest.CaptureFixture[str]) -> None:
    files = _not_utf8(vault) + _url_only(vault) + _fine(vault)
    assert fix_main(files) == 1
    out = capsys.readouterr().out
    assert "is not UTF-8" in out and "no text besides a URL" in out
    assert "Traceback" not in out


# ---- the model: missing, found, stale -------------------------------------------------------


def test_missing_model_fails_with_the_train_command(vault: Vault, capsys: pytest.CaptureFixture[str]) -> None:
    files = _untagged(vault)
    missing = vault.root / "models" / "none.joblib"
    assert check_main([*files, "--model", str(missing)]) != 0
    out = capsys.readouterr()
    assert "tagger train . --model models/none.joblib" in out.out
    assert "Traceback" not in out.out + out.err


@pytest.mark.parametrize("how", ["flag", "config"])
def test_missing_model_passes_with_a_warning_when_allowed(vault: Vault, capsys: pytest.CaptureFixture[str], how: str) -> None:
    files = _untagged(vault)
    if how == "config":
        (vault.root / "tagger.toml").write_text('[model]\npath = "models/none.joblib"\n[hook]\non_missing_model = "warn"\n')
        argv = files
    else:
        argv = [*files, "--model", "models/none.joblib", "--allow-missing-model"]
    assert check_main(argv) == 0
    err = capsys.readouterr().err
    assert "warning" in err and "none.joblib" in err


def test_model_from_environment(vault: Vault, monkeypatch: pytest.MonkeyPatch) -> None:
    (vault.root / "tagger.toml").unlink()
    (vault.root / ".git").mkdir()  # still the vault root, without tagger.toml
    files = _untagged(vault)
    assert check_main(files) == 2  # .tagger/tagger.model does not exist here
    monkeypatch.setenv("TAGGER_MODEL", str(vault.model))
    assert check_main(files) == 1


def test_damaged_model_is_one_line(vault: Vault, capsys: pytest.CaptureFixture[str]) -> None:
    bad = vault.root / "bad.joblib"
    bad.write_bytes(b"not a pickle")
    assert check_main([*_untagged(vault), "--model", str(bad)]) == 2
    out = capsys.readouterr().out
    assert "bad.joblib" in out and "Traceback" not in out


def test_stale_model_warns_with_the_retrain_command(vault: Vault, capsys: pytest.CaptureFixture[str]) -> None:
    files = _fine(vault)
    vault.config("[hook]\nstale_after_notes = 1\n")
    assert check_main(files) == 0
    assert "stale" not in capsys.readouterr().err  # nothing newer than the model yet
    text = (vault.root / files[0]).read_text(encoding="utf-8")
    for name in ("991230 Later note.md", "991231 Latest note.md"):
        (vault.root / name).write_text(text, encoding="utf-8")
    (vault.root / "991229 Untagged later note.md").write_text(set_tags(text, []), encoding="utf-8")
    assert check_main(files) == 0
    err = capsys.readouterr().err
    assert "stale: more than 1 tagged note is newer" in err
    assert f"tagger train . --model {vault.model}" in err
    vault.config("[hook]\nstale_after_notes = 2\n")
    assert check_main(files) == 0
    assert "stale" not in capsys.readouterr().err  # two newer tagged notes are not more than 2


# ---- process-level: lazy imports, the module entry point ------------------------------------

_PROBE = """
import json, sys
from tagger.cli.hook import check_main
code = check_main(sys.argv[1:])
korean = sys.modules.get("tagger.model.korean")
print(json.dumps({"code": code, "sklearn": "sklearn" in sys.modules, "kiwipiepy": "kiwipiepy" in sys.modules,
                  "kiwi_child": bool(korean and korean._children), "pandas": "pandas" in sys.modules}))
"""


def _probe(vault: Vault, files: list[str]) -> dict[str, object]:
    proc = subprocess.run(
        [sys.executable, "-c", _PROBE, *files], cwd=vault.root, capture_output=True, text=True, check=False
    )
    return json.loads(proc.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def test_hook_never_imports_sklearn_and_kiwi_only_for_korean(vault: Vault) -> None:
    english = "240104 English only.md"
    (vault.root / english).write_text(
        "*Sparse Mixture of Experts at Scale* (A. Author)\n\n> We route tokens to experts and train a large language model.\n",
        encoding="utf-8",
    )
    result = _probe(vault, [english])
    assert result == {"code": 1, "sklearn": False, "kiwipiepy": False, "kiwi_child": False, "pandas": False}
    korean = _untagged(vault)  # a note with a Korean comment
    result = _probe(vault, korean)
    # Kiwi loads in a child process (on the other core, while the model loads), not in the hook's.
    assert result == {"code": 1, "sklearn": False, "kiwipiepy": False, "kiwi_child": True, "pandas": False}


@pytest.mark.parametrize("command", [["-m", "tagger.cli.hook", "check"], ["-m", "tagger", "suggest"]], ids=["hook", "tagger suggest"])
def test_a_reader_that_goes_away_gets_no_traceback(vault: Vault, command: list[str]) -> None:
    # `tagger-check … | head`: the pipe is closed before the report is written.
    files = _untagged(vault)
    proc = subprocess.Popen(
        [sys.executable, *command, "--model", str(vault.model), *files],
        cwd=vault.root, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()
    err = proc.stderr.read()
    code = proc.wait(timeout=120)
    assert "Traceback" not in err and "BrokenPipe" not in err, err
    assert code == (1 if "hook" in command[1] else 0)


def test_python_m_tagger_hook(vault: Vault) -> None:
    files = _untagged(vault)
    run = [sys.executable, "-m", "tagger.cli.hook"]
    proc = subprocess.run([*run, "check", *files], cwd=vault.root, capture_output=True, text=True, check=False)
    assert proc.returncode == 1 and "no tags" in proc.stdout
    proc = subprocess.run([*run, "fix", *files], cwd=vault.root, capture_output=True, text=True, check=False)
    assert proc.returncode == 1 and "added #" in proc.stdout
    proc = subprocess.run([*run, "check", *files], cwd=vault.root, capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stdout
    proc = subprocess.run([*run, "lint", *files], cwd=vault.root, capture_output=True, text=True, check=False)
    assert proc.returncode == 2 and "usage" in proc.stderr


def test_bad_config_is_one_line(vault: Vault, capsys: pytest.CaptureFixture[str]) -> None:
    (vault.root / "tagger.toml").write_text("[hook\nstale_after_notes = 1\n", encoding="utf-8")
    assert check_main(_untagged(vault)) == 2
    out = capsys.readouterr().out
    assert len(out.strip().splitlines()) == 1 and "tagger.toml" in out and "TOML" in out


def test_alias_target_written_two_ways_is_fixed_once_and_as_retag_normalize_writes_it(
    vault: Vault, capsys: pytest.CaptureFixture[str]
) -> None:
    # The hook and `retag --normalize` share one spelling rule: a target the alias table
    # writes two ways takes the last, so what tagger-fix writes passes tagger-check.
    from tagger.config import load_config
    from tagger.analysis.vocabulary import build_vocabulary

    rel = vault.tagged()
    path = vault.root / rel
    target = parse_note(path.read_text(encoding="utf-8")).tags[0]
    vault.config(f'[aliases]\nsome-old-name = "{misspell(target)}"\nmy-old-name = "{target}"\n')
    before = path.read_bytes().decode("utf-8")
    path.write_bytes(set_tags(before, ["my-old-name", *parse_note(before).tags[1:]]).encode("utf-8"))
    assert fix_main([str(rel)]) == 1
    assert parse_note(path.read_text(encoding="utf-8")).tags == parse_note(before).tags
    capsys.readouterr()
    assert check_main([str(rel)]) == 0, capsys.readouterr().out
    rule = build_vocabulary(read_entries(vault.root)).rule(load_config(vault.root).aliases)
    assert rule.spell("my-old-name") == rule.spell("some-old-name") == rule.spell(tag_key(target)) == target


def test_fix_applies_aliases(vault: Vault, capsys: pytest.CaptureFixture[str]) -> None:
    files = _aliased(vault)
    path = vault.root / files[0]
    before = path.read_text(encoding="utf-8")
    assert fix_main(files) == 1
    after = path.read_text(encoding="utf-8")
    alias = tomllib.loads((vault.root / "tagger.toml").read_text(encoding="utf-8"))["aliases"]["my-old-name"]
    assert parse_note(after).tags == (alias, *parse_note(before).tags[1:])
    assert len(changed_lines(before, after)) == 1
    assert "#my-old-name → #" in capsys.readouterr().out


def test_fix_leaves_symlinks_and_read_only_notes_alone(vault: Vault, capsys: pytest.CaptureFixture[str]) -> None:
    import os
    import stat

    target = vault.tagged()
    vault.untag(target)
    link = target.parent / "999999 link.md"
    os.symlink(target.name, vault.root / link)
    before = (vault.root / target).read_bytes()
    assert fix_main([str(link)]) == 1
    assert (vault.root / link).is_symlink() and (vault.root / target).read_bytes() == before
    assert "symbolic link" in capsys.readouterr().out
    path = vault.root / target
    path.chmod(stat.S_IRUSR | stat.S_IRGRP)
    assert fix_main([str(target)]) == 1
    assert path.read_bytes() == before
    assert "read-only" in capsys.readouterr().out
