"""Retag over a copy of the real archive (`../shared/corpus`; skipped when it is absent)."""

from __future__ import annotations

import json
import os
import shutil
import stat
from pathlib import Path

import pytest

from tagger.cli.main import main
from tagger.notes.parse import parse_note
from tagger.notes.files import sha256
from tagger.edit.plan import WRITE_FLOOR
from tagger.notes.layout import layout
from tagger.notes.vault import load_notes
from tagger.analysis.vocabulary import build_vocabulary
from tagger.notes.write import set_tags

pytestmark = pytest.mark.slow


def tree(root: Path) -> dict[str, bytes]:
    """Every file under `root` except retag's own `.tagger/` logs → its bytes."""
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and ".tagger" not in p.relative_to(root).parts
    }


def digest(files: dict[str, bytes]) -> dict[str, str]:
    return {k: sha256(v) for k, v in files.items()}


@pytest.fixture
def corpus_copy(corpus_dir: Path, tmp_path: Path) -> Path:
    """A writable copy of the corpus (the shared files are read-only)."""
    dst = tmp_path / "arxiv-today"
    shutil.copytree(corpus_dir, dst)
    for p in dst.rglob("*"):
        p.chmod(p.stat().st_mode | stat.S_IWUSR)
    return dst


@pytest.fixture(scope="module")
def model_path(tmp_path_factory: pytest.TempPathFactory, example_vault: Path) -> Path:
    """Any trained model will do here: one trained on the small example vault is quickest."""
    from tagger.model import TagModel
    from tagger.model.io import save_model
    from tagger.notes.read import read_entries

    path = tmp_path_factory.mktemp("model") / "tagger.joblib"
    save_model(TagModel().fit(read_entries(example_vault, on_problem=lambda err: None)), path)
    return path


def run_jsonl(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, list[dict[str, object]]]:
    code = main(list(argv))
    out = capsys.readouterr().out
    return code, [json.loads(line) for line in out.splitlines() if line.strip()]


def test_retag_untagged_notes_then_undo(corpus_copy: Path, model_path: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    original = tree(corpus_copy)
    modes = {rel: stat.S_IMODE(os.stat(corpus_copy / rel).st_mode) for rel in original}
    notes = load_notes(corpus_copy).notes
    untagged = {n.rel for n in notes if not n.entry.tags and n.entry.has_own_text}
    inline = {n.rel for n in notes if layout(n.text).tag_runs and not layout(n.text).tag_lines}
    assert len(untagged) == 268 and len(inline) == 70  # tags closing (or inside) a prose line are tags

    # 1. The dry run changes no byte; each untagged note is either planned or said to have no confident tag.
    code, recs = run_jsonl(capsys, "retag", str(corpus_copy), "--model", str(model_path), "--format", "jsonl")
    assert code == 0
    assert digest(tree(corpus_copy)) == digest(original)
    assert not (corpus_copy / ".tagger").exists()
    planned = {str(r["path"]) for r in recs if r["type"] == "change"}
    unsure = {str(r["path"]) for r in recs if r["type"] == "unconfident"}
    assert planned and unsure and planned | unsure == untagged and not planned & unsure
    assert all(s >= WRITE_FLOOR for r in recs if r["type"] == "change" for s in r["scores"].values())  # type: ignore[union-attr]

    # 2. --write writes those and nothing else: no note whose tags close a prose line gets a second tag line.
    log = tmp_path / "retag.jsonl"
    code, recs = run_jsonl(capsys, "retag", str(corpus_copy), "--model", str(model_path), "--write", "--log", str(log), "--format", "jsonl")
    assert code == 0 and recs[-1]["written"] == len(planned)
    after = tree(corpus_copy)
    assert after.keys() == original.keys()
    for rel, data in after.items():
        if rel not in planned:
            assert data == original[rel], rel
            continue
        text = data.decode("utf-8")
        assert parse_note(text).tags, rel
        # removing the added tag line gives back the original file, byte for byte
        assert set_tags(text, []).encode("utf-8") == original[rel], rel
        assert stat.S_IMODE(os.stat(corpus_copy / rel).st_mode) == modes[rel]
    assert not planned & inline

    # 3. The same retag again plans nothing.
    code, recs = run_jsonl(capsys, "retag", str(corpus_copy), "--model", str(model_path), "--format", "jsonl")
    assert code == 0 and recs[-1]["to_change"] == 0

    # 4. undo restores the tree's hashes exactly.
    assert main(["undo", str(log)]) == 0
    capsys.readouterr()
    assert digest(tree(corpus_copy)) == digest(original)


def test_normalize_with_an_alias_file_folds_every_spelling_group(
    corpus_copy: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TAGGER_MODEL", str(tmp_path / "none.joblib"))  # --normalize must not need a model
    original = tree(corpus_copy)
    vocab = build_vocabulary(load_notes(corpus_copy).entries)
    groups = vocab.spelling_groups()
    assert len(groups) == 24
    # The author's choice, not always the current spelling: aliases win.
    chosen = {t.key: t.tag for t in groups} | {"efficient-training": "efficient_training"}
    lines = [f'"{s}" = "{chosen[t.key]}"' for t in groups for s, _ in t.spellings if s != chosen[t.key]]
    aliases = tmp_path / "aliases.toml"
    aliases.write_text("[aliases]\n" + "\n".join(lines) + "\n", encoding="utf-8")

    log = tmp_path / "normalize.jsonl"
    code, recs = run_jsonl(
        capsys, "retag", str(corpus_copy), "--normalize", "--aliases", str(aliases), "--write", "--log", str(log), "--format", "jsonl"
    )
    assert code == 0 and recs[-1]["written"] == recs[-1]["to_change"] > 0
    folded = build_vocabulary(load_notes(corpus_copy).entries)
    assert folded.spelling_groups() == []
    assert len(folded.tags) == len(vocab.tags)                   # folded, not merged with other tags
    for key, spelling in chosen.items():
        stats = folded.get(key)
        assert stats is not None and stats.tag == spelling and stats.notes == vocab.get(key).notes  # type: ignore[union-attr]

    code, recs = run_jsonl(capsys, "retag", str(corpus_copy), "--normalize", "--aliases", str(aliases), "--format", "jsonl")
    assert recs[-1]["to_change"] == 0
    assert main(["undo", str(log)]) == 0
    capsys.readouterr()
    assert digest(tree(corpus_copy)) == digest(original)
