"""The hook as an author meets it: a real git repository, the real `pre-commit` tool.

A vault of a few example notes is made a git repository with a `repo: local`
pre-commit configuration (tagger-check at commit, tagger-fix as a manual hook),
and commits are made with `git commit`. Skipped when git or pre-commit is missing.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tagger import parse_note, read_entries, set_tags, tag_key

pytest.importorskip("pre_commit", reason="pre-commit is not installed")
if shutil.which("git") is None:
    pytest.skip("git is not installed", allow_module_level=True)



def _config(model: Path) -> str:
    hook = "    - id: {id}\n      name: {id}\n      entry: {python} -m tagger.cli.hook {mode} --model {model}\n" \
        "      language: system\n      files: \\.md$\n      types: [markdown]\n      require_serial: true\n"
    python, m = sys.executable, str(model)
    return (
        "repos:\n  - repo: local\n    hooks:\n"
        + hook.format(id="tagger-check", python=python, mode="check", model=m)
        + hook.format(id="tagger-fix", python=python, mode="fix", model=m)
        + "      stages: [manual]\n"
    )


class Repo:
    def __init__(self, root: Path, env: dict[str, str]) -> None:
        self.root = root
        self.env = env

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(list(args), cwd=self.root, env=self.env, capture_output=True, text=True, check=False)

    def git(self, *args: str) -> subprocess.CompletedProcess[str]:
        return self.run("git", *args)

    def commit(self, message: str) -> subprocess.CompletedProcess[str]:
        return self.git("commit", "-m", message)

    def commits(self) -> int:
        return int(self.git("rev-list", "--count", "HEAD").stdout.strip())


@pytest.fixture
def repo(tmp_path: Path, example_vault: Path, example_model_file: Path) -> Repo:
    root = tmp_path / "vault"
    root.mkdir()
    from tagger.model.io import load_model

    vocab = load_model(example_model_file).spellings_.latest
    entries = [
        e
        for e in read_entries(example_vault, on_problem=lambda err: None)
        if e.has_text and e.tags and all(vocab.get(tag_key(t)) == t for t in e.tags)
    ]
    # A few notes with a Korean comment, kept in their folders.
    for e in [e for e in entries if any("\uac00" <= ch <= "\ud7a3" for ch in e.comment)][:4]:
        assert e.path is not None
        dst = root / e.path.relative_to(example_vault)
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(e.path, dst)
    (root / ".pre-commit-config.yaml").write_text(_config(example_model_file), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "PRE_COMMIT", "TAGGER_"))}
    env.update(
        HOME=str(tmp_path / "home"),
        PRE_COMMIT_HOME=str(tmp_path / "pre-commit-cache"),
        GIT_CONFIG_NOSYSTEM="1",
        GIT_AUTHOR_DATE="2025-07-01T12:00:00",
        GIT_COMMITTER_DATE="2025-07-01T12:00:00",
    )
    (tmp_path / "home").mkdir()
    r = Repo(root, env)
    for args in (
        ("init", "-q", "-b", "main"),
        ("config", "user.name", "Test Author"),
        ("config", "user.email", "author@example.org"),
        ("config", "commit.gpgsign", "false"),
    ):
        assert r.git(*args).returncode == 0
    installed = r.run(sys.executable, "-m", "pre_commit", "install")
    assert installed.returncode == 0, installed.stdout + installed.stderr
    r.git("add", ".")
    first = r.commit("the vault")
    assert first.returncode == 0, first.stdout + first.stderr  # tagged notes pass the hook
    assert "tagger-check" in first.stdout + first.stderr and "Passed" in first.stdout + first.stderr
    return r


def _notes(repo: Repo) -> list[Path]:
    return sorted(p.relative_to(repo.root) for p in repo.root.rglob("*.md"))


def test_untagged_note_refused_then_fixed_then_committed(repo: Repo) -> None:
    source = repo.root / _notes(repo)[0]
    new = source.with_name("250701 A new untagged note.md")
    new.write_text(set_tags(source.read_text(encoding="utf-8"), []), encoding="utf-8")
    rel = str(new.relative_to(repo.root))
    repo.git("add", rel)
    before = repo.commits()

    refused = repo.commit("an untagged note")
    out = refused.stdout + refused.stderr
    assert refused.returncode != 0
    assert repo.commits() == before
    assert f"{rel}: no tags" in out and "suggested:" in out
    apply = f"pre-commit run --hook-stage manual tagger-fix --files '{rel}'"
    assert f"\n    {apply}\n" in out  # the printed command is the one run next

    fixed = repo.run(sys.executable, "-m", "pre_commit", "run", "--hook-stage", "manual", "tagger-fix", "--files", rel)
    assert fixed.returncode == 1, fixed.stdout + fixed.stderr  # changed the note: review and re-stage
    assert "files were modified by this hook" in fixed.stdout
    tags = parse_note(new.read_text(encoding="utf-8")).tags
    assert tags and f"added {' '.join('#' + t for t in tags)}" in fixed.stdout

    repo.git("add", rel)
    passed = repo.commit("an untagged note, tagged")
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert repo.commits() == before + 1


def test_misspelled_tag_refused(repo: Repo) -> None:
    rel = _notes(repo)[1]
    path = repo.root / rel
    text = path.read_text(encoding="utf-8")
    tag = parse_note(text).tags[0]
    other = tag.replace("-", "_") if "-" in tag else tag.replace("_", "-") if "_" in tag else tag.upper()
    assert other != tag and tag_key(other) == tag_key(tag)
    path.write_text(set_tags(text, [other, *parse_note(text).tags[1:]]), encoding="utf-8")
    repo.git("add", str(rel))
    refused = repo.commit("a misspelled tag")
    assert refused.returncode != 0
    assert f"{rel}: #{other} is spelled #{tag}" in refused.stdout + refused.stderr


def test_unrelated_files_pass(repo: Repo) -> None:
    (repo.root / "todo.txt").write_text("read more papers\n", encoding="utf-8")
    (repo.root / "attachments").mkdir()
    (repo.root / "attachments" / "figure.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(64))
    repo.git("add", "todo.txt", "attachments/figure.png")
    done = repo.commit("unrelated files")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "tagger-check" in done.stdout + done.stderr and "(no files to check)Skipped" in done.stdout + done.stderr


def test_deleting_a_note_passes(repo: Repo) -> None:
    rel = str(_notes(repo)[0])
    repo.git("rm", "-q", rel)
    done = repo.commit("remove a note")
    assert done.returncode == 0, done.stdout + done.stderr


def test_a_note_named_like_an_option_is_checked_and_fixed(repo: Repo) -> None:
    # pre-commit passes `-draft.md` as it is; it must be read as a note, not refuse the commit as an option.
    source = repo.root / _notes(repo)[0]
    draft = repo.root / "-draft.md"
    draft.write_text(set_tags(source.read_text(encoding="utf-8"), []), encoding="utf-8")
    repo.git("add", "--", "-draft.md")

    refused = repo.commit("a draft")
    out = refused.stdout + refused.stderr
    assert refused.returncode != 0 and "unrecognized arguments" not in out
    assert "-draft.md: no tags" in out
    apply = "pre-commit run --hook-stage manual tagger-fix --files ./-draft.md"
    assert f"\n    {apply}\n" in out

    fixed = repo.run(sys.executable, "-m", "pre_commit", "run", "--hook-stage", "manual", "tagger-fix", "--files", "./-draft.md")
    assert fixed.returncode == 1, fixed.stdout + fixed.stderr
    assert parse_note(draft.read_text(encoding="utf-8")).tags
    repo.git("add", "--", "-draft.md")
    passed = repo.commit("a draft, tagged")
    assert passed.returncode == 0, passed.stdout + passed.stderr
