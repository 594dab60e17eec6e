"""Retag: the pure plan, the applying side (log first, hash checks, interruptions), and the CLI."""

from __future__ import annotations

import json
import os
import shutil
import stat
from collections.abc import Sequence
from pathlib import Path

import pytest

import tagger.edit.apply
import tagger.notes.files
from tagger.cli.main import main
from tagger.entry import Entry, Suggestion
from tagger.notes.parse import parse_note
from tagger.edit.apply import apply_plan, undo_log
from tagger.edit.journal import read_log
from tagger.edit.plan import plan_retag
from tagger.notes.files import NoteFile, sha256
from tagger.notes.vault import load_notes, read_paths_file
from tagger.spelling import SpellingRule
from tagger.analysis.vocabulary import build_vocabulary


def tree_hashes(root: Path) -> dict[str, str]:
    """Every file under `root` (the `.tagger` logs aside) → its SHA-256."""
    return {
        p.relative_to(root).as_posix(): sha256(p.read_bytes())
        for p in sorted(root.rglob("*"))
        if p.is_file() and ".tagger" not in p.relative_to(root).parts
    }


def fake_suggester(table: dict[str, list[Suggestion]]):  # type: ignore[no-untyped-def]
    """Suggestions by note file name ("a.md"); other notes get one assigned `misc`."""
    calls: list[int] = []

    def suggest(entries: Sequence[Entry]) -> list[list[Suggestion]]:
        calls.append(len(entries))
        return [table.get(e.path.name if e.path else "", [Suggestion("misc", 0.9, True)]) for e in entries]

    suggest.calls = calls  # type: ignore[attr-defined]
    return suggest


def S(tag: str, score: float, assigned: bool = True) -> Suggestion:
    return Suggestion(tag, score, assigned)


def note(name: str, text: str, *, locked: str | None = None) -> NoteFile:
    return NoteFile.from_text(Path("/v") / name, text, vault=Path("/v"), locked=locked)


# ---- planning (pure) --------------------------------------------------------------------------


def test_only_untagged_fills_untagged_notes_with_assigned_tags() -> None:
    notes = [
        note("a.md", "A\n\nA 코멘트.\n"),
        note("b.md", "B\n\nB 코멘트.\n\n#gan\n"),
        note("c.md", "C\n\nC 코멘트.\n"),
    ]
    sugg = fake_suggester({
        "a.md": [S("RL", 0.9), S("moe", 0.4), S("agent", 0.3, assigned=False)],
        "c.md": [S("rl", 0.2), S("gan", 0.1)],
    })
    plan = plan_retag(notes, suggester=sugg, rule=SpellingRule({"rl": "rl"}))
    # Only tags scoring at least the write floor (0.65) are written; a note with none is left alone, and said so.
    assert [(c.rel, c.old_tags, c.new_tags) for c in plan.changes] == [("a.md", (), ("rl",))]  # the vault's spelling, not "RL"
    assert dict(plan.changes[0].scores) == {"rl": 0.9}
    assert plan.unconfident == [("c.md", "rl", 0.2)]
    assert plan.kept == {"already tagged": 1, "no confident tag (none scores ≥ 0.65)": 1} and plan.seen == 3 and not plan.skips
    assert sugg.calls == [2]  # the tagged note never reaches the model
    plan = plan_retag(notes, suggester=sugg, rule=SpellingRule({"rl": "rl"}), min_score=0.1)   # --min-score 0.1
    assert [(c.rel, c.new_tags) for c in plan.changes] == [("a.md", ("rl", "moe")), ("c.md", ("rl", "gan"))]
    for c in plan.changes:
        assert parse_note(c.new_text).tags == c.new_tags
        assert c.sha256_after == sha256(c.new_text) and c.restore_text is None


def test_min_score_and_max_tags() -> None:
    notes = [note("a.md", "A\n\n코멘트.\n"), note("b.md", "B\n\n코멘트.\n")]
    sugg = fake_suggester({"a.md": [S("rl", 0.9), S("moe", 0.6), S("gan", 0.55)], "b.md": [S("rl", 0.3)]})
    plan = plan_retag(notes, suggester=sugg, min_score=0.5, max_tags=2)
    assert [(c.rel, c.new_tags) for c in plan.changes] == [("a.md", ("rl", "moe"))]
    assert plan.kept == {"no confident tag (none scores ≥ 0.50)": 1}


def test_add_never_removes_and_adds_only_confident_missing_tags() -> None:
    notes = [
        note("a.md", "A\n\n코멘트.\n\n#GAN #vit\n"),
        note("b.md", "B\n\n코멘트.\n\n#lm\n"),
        note("c.md", "C\n\n코멘트.\n"),
        note("d.md", "D\n\n코멘트.\n\n#a #b #c\n"),
    ]
    sugg = fake_suggester({
        "a.md": [S("gan", 0.95), S("diffusion", 0.8), S("rl", 0.65)],
        "b.md": [S("llm", 0.9)],                       # an alias of the author's own `lm`: not added
        "c.md": [S("rl", 0.9)],
        "d.md": [S("rl", 0.99)],
    })
    plan = plan_retag(notes, mode="add", suggester=sugg, rule=SpellingRule({"lm": "llm", "llm": "llm"}), max_tags=3)
    got = {c.rel: c for c in plan.changes}
    assert got["a.md"].new_tags == ("GAN", "vit", "diffusion")    # 0.65 < default 0.7 for --add; "gan" already there
    assert got["a.md"].added == ("diffusion",) and got["a.md"].removed == ()
    assert got["c.md"].new_tags == ("rl",)
    assert set(got) == {"a.md", "c.md"}
    assert plan.kept == {"nothing confident to add": 1, "already 3+ tags": 1}
    assert plan.min_score == 0.7


def test_normalize_needs_no_model_and_is_idempotent() -> None:
    texts = {
        "a.md": "A\n\n#GAN #efficient_training\n",
        "b.md": "B\n\n#gan #lm #LLM\n",
        "c.md": "C\n\n코멘트.\n",
        "d.md": "D\n\n#gan\n",
    }
    notes = [note(k, v) for k, v in texts.items()]
    vocab = build_vocabulary([n.entry for n in notes])
    rule = vocab.rule({"lm": "llm"})
    plan = plan_retag(notes, mode="normalize", rule=rule)
    assert {c.rel: c.new_tags for c in plan.changes} == {"a.md": ("gan", "efficient_training"), "b.md": ("gan", "llm")}
    assert all(c.reason == "canonical spelling" and c.scores == () for c in plan.changes)
    again = [note(c.rel, c.new_text) for c in plan.changes]
    assert plan_retag(again, mode="normalize", rule=rule).changes == []


def test_locked_notes_and_missing_suggester() -> None:
    notes = [note("a.md", "A\n\n코멘트.\n", locked="is read-only; not changed"), note("b.md", "B\n\n#GAN\n", locked="x")]
    plan = plan_retag(notes, suggester=fake_suggester({}))
    assert [(s.rel, s.reason) for s in plan.skips] == [("a.md", "is read-only; not changed")]
    assert plan.changes == [] and plan.kept == {"already tagged": 1}
    with pytest.raises(ValueError, match="needs a suggester"):
        plan_retag(notes, mode="add")


def test_restore_text_kept_when_set_tags_cannot_rebuild_the_original() -> None:
    n = note("a.md", "A\n\n#GAN   #rl\n")   # the author's own spacing between tags
    plan = plan_retag([n], mode="normalize", rule=SpellingRule({"gan": "gan", "rl": "rl"}))
    (c,) = plan.changes
    assert c.new_text == "A\n\n#gan #rl\n" and c.restore_text == n.text


def test_read_paths_file() -> None:
    assert read_paths_file("a.md\n\n# comment\n{\"path\": \"x/b.md\", \"missing\": [\"rl\"]}\n") == ["a.md", "x/b.md"]
    with pytest.raises(Exception, match="line 1"):
        read_paths_file('{"title": "no path"}\n', source="r.jsonl")


# ---- reading the vault ------------------------------------------------------------------------


def make_vault(root: Path, notes: dict[str, str | bytes]) -> Path:
    for name, body in notes.items():
        p = root / name
        p.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(body, bytes):
            p.write_bytes(body)
        else:
            p.write_bytes(body.encode("utf-8"))
    return root


def test_load_notes_reports_bad_files_and_globs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    v = make_vault(tmp_path / "v", {
        "2020/a.md": "A\n\n코멘트.\n",
        "2020/latin1.md": "Caf\xe9\n".encode("latin-1"),
        "2020/locked.md": "L\n\n코멘트.\n",
        "2021/b.md": "B\n\n#gan\n",
        "2021/secret.md": "S\n\n#rl\n",
        "templates/t.md": "T\n",
        ".obsidian/x.md": "hidden\n",
    })
    os.chmod(v / "2020/locked.md", 0o444)
    real = Path.read_bytes

    def read_bytes(self: Path) -> bytes:
        if self.name == "secret.md":
            raise PermissionError(13, "Permission denied")
        return real(self)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    got = load_notes(v, exclude=["templates/**"])
    assert sorted(n.rel for n in got.notes) == ["2020/a.md", "2020/locked.md", "2021/b.md"]
    reasons = {s.rel: s.reason for s in got.skips}
    assert reasons["2020/latin1.md"].startswith("is not UTF-8")
    assert reasons["2021/secret.md"] == "cannot be read: Permission denied"
    assert next(n for n in got.notes if n.rel == "2020/locked.md").locked == "is read-only; not changed"
    assert len(got.entries) == 3
    only = load_notes(v, include=["2021/**"], vocabulary_include=["**/*.md"])
    assert [n.rel for n in only.notes] == ["2021/b.md"] and len(only.entries) == 4  # templates/t.md counts for the vocabulary
    listed = load_notes(v, paths=[str(v / "2021/b.md"), "2020/a.md", "nope.md", str(tmp_path)])
    assert sorted(n.rel for n in listed.notes) == ["2020/a.md", "2021/b.md"]
    assert {s.reason for s in listed.skips} >= {"does not exist", "is outside the vault; not changed"}


# ---- applying ---------------------------------------------------------------------------------


def planned_vault(tmp_path: Path, n: int = 4) -> tuple[Path, object]:
    v = make_vault(tmp_path / "v", {f"n{i}.md": f"Note {i}\n\n코멘트 {i}.\n" for i in range(n)} | {"t.md": "T\n\n#gan\n"})
    got = load_notes(v)
    plan = plan_retag(got.notes, suggester=fake_suggester({}))
    return v, plan


def test_apply_writes_the_log_before_any_note(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    v, plan = planned_vault(tmp_path)
    log = tmp_path / "log.jsonl"
    real = tagger.edit.apply.replace_note
    seen: list[int] = []

    def spy(path: Path, text: str, **kw: str) -> object:
        if not seen:
            records = [json.loads(x) for x in log.read_text().splitlines()]
            seen.append(sum(r.get("op") == "plan" for r in records))
        return real(path, text, **kw)

    monkeypatch.setattr(tagger.edit.apply, "replace_note", spy)
    before = tree_hashes(v)
    result = apply_plan(plan, vault=v, log_path=log)  # type: ignore[arg-type]
    assert seen == [4]                      # every plan record was on disk before the first note was written
    assert len(result.written) == 4 and result.status == "complete"
    records = [json.loads(x) for x in log.read_text().splitlines()]
    assert records[0]["tagger"] == "retag-log" and records[0]["changes"] == 4
    plans = [r for r in records if r.get("op") == "plan"]
    assert all(r["sha256_before"] == before[r["path"]] and r["sha256_after"] == sha256((v / r["path"]).read_bytes()) for r in plans)
    assert [r["op"] for r in records[-5:]] == ["done"] * 4 + ["end"] and records[-1]["status"] == "complete"
    for r in plans:
        assert parse_note((v / r["path"]).read_text()).tags == ("misc",)


def test_note_changed_or_locked_after_planning_is_skipped(tmp_path: Path) -> None:
    v, plan = planned_vault(tmp_path)
    (v / "n1.md").write_text("Note 1, edited meanwhile\n", encoding="utf-8")
    os.chmod(v / "n2.md", 0o444)
    edited = (v / "n1.md").read_bytes()
    result = apply_plan(plan, vault=v, log_path=tmp_path / "log.jsonl")  # type: ignore[arg-type]
    assert sorted(c.rel for c in result.written) == ["n0.md", "n3.md"]
    reasons = {s.rel: s.reason for s in result.skipped}
    assert reasons["n1.md"].startswith("changed since it was planned")
    assert reasons["n2.md"] == "is read-only; not changed"
    assert (v / "n1.md").read_bytes() == edited
    assert parse_note((v / "n2.md").read_text()).tags == ()
    assert stat.S_IMODE((v / "n2.md").stat().st_mode) == 0o444
    log = read_log(tmp_path / "log.jsonl")
    assert {c.rel: c.status for c in log.changes} == {"n0.md": "done", "n1.md": "skip", "n2.md": "skip", "n3.md": "done"}


@pytest.mark.parametrize("error", [RuntimeError("disk on fire"), KeyboardInterrupt()])
def test_interrupted_write_leaves_notes_whole_and_log_consistent(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, error: BaseException
) -> None:
    v, plan = planned_vault(tmp_path)
    before = tree_hashes(v)
    real = tagger.edit.apply.replace_note
    calls: list[Path] = []

    def failing(path: Path, text: str, **kw: str) -> object:
        calls.append(path)
        if len(calls) == 2:
            raise error
        return real(path, text, **kw)

    monkeypatch.setattr(tagger.edit.apply, "replace_note", failing)
    log = tmp_path / "log.jsonl"
    with pytest.raises(type(error)):
        apply_plan(plan, vault=v, log_path=log)  # type: ignore[arg-type]
    after = tree_hashes(v)
    changed = [k for k in before if before[k] != after[k]]
    assert changed == ["n0.md"]                                   # the first note fully written, the rest untouched
    assert parse_note((v / "n0.md").read_text()).tags == ("misc",)
    assert not list(v.glob(".*tagger-tmp"))                        # no temp files left behind
    parsed = read_log(log)
    assert [c.status for c in parsed.changes] == ["done", "unknown", "unknown", "unknown"]
    assert parsed.end is not None and parsed.end["status"] == ("interrupted" if isinstance(error, KeyboardInterrupt) else "failed")
    assert parsed.end["written"] == 1
    monkeypatch.setattr(tagger.edit.apply, "replace_note", real)
    undone = undo_log(log)
    assert undone.restored == ["n0.md"] and len(undone.unchanged) == 3 and not undone.left
    assert tree_hashes(v) == before


def test_apply_with_nothing_to_do_writes_no_log(tmp_path: Path) -> None:
    v = make_vault(tmp_path / "v", {"t.md": "T\n\n#gan\n"})
    plan = plan_retag(load_notes(v).notes, suggester=fake_suggester({}))
    result = apply_plan(plan, vault=v)
    assert result.log_path is None and not (v / ".tagger").exists()


def test_existing_log_is_never_overwritten(tmp_path: Path) -> None:
    v, plan = planned_vault(tmp_path)
    log = tmp_path / "log.jsonl"
    log.write_text("precious\n")
    with pytest.raises(Exception, match="already exists"):
        apply_plan(plan, vault=v, log_path=log)  # type: ignore[arg-type]
    assert log.read_text() == "precious\n"


# ---- the command line -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def model_path(tmp_path_factory: pytest.TempPathFactory, example_vault: Path) -> Path:
    """A model trained once on the example vault, for this module's CLI tests."""
    from tagger.model import TagModel
    from tagger.model.io import save_model
    from tagger.notes.read import read_entries

    path = tmp_path_factory.mktemp("model") / "tagger.joblib"
    save_model(TagModel().fit(read_entries(example_vault, on_problem=lambda err: None)), path)
    return path


@pytest.fixture
def vault(tmp_path: Path, example_vault: Path) -> Path:
    dst = tmp_path / "vault"
    shutil.copytree(example_vault, dst)
    return dst


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def needs_tags(p: Path) -> bool:
    """Untagged, with text of its own (a note that is only a URL is left alone)."""
    e = parse_note(p.read_text(encoding="utf-8"), path=p)
    return not e.tags and e.has_own_text


def jsonl(text: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def test_cli_dry_run_write_second_run_and_undo(vault: Path, model_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = tree_hashes(vault)
    code, out, _ = run_cli(capsys, "retag", str(vault), "--model", str(model_path), "--format", "jsonl")
    recs = jsonl(out)
    assert {r["type"] for r in recs} == {"change", "unconfident", "summary"} and recs[-1]["dry_run"] is True
    changes = [r for r in recs if r["type"] == "change"]
    assert all(r["old_tags"] == [] and r["new_tags"] and r["status"] == "planned" for r in changes)
    assert all(set(r["scores"]) == set(r["new_tags"]) for r in changes)  # type: ignore[arg-type]
    assert all(s >= 0.65 for r in changes for s in r["scores"].values())  # type: ignore[union-attr]  # the write floor
    unsure = [r for r in recs if r["type"] == "unconfident"]
    assert all(r["best"]["score"] < 0.65 for r in unsure)  # type: ignore[index]
    untagged = [vault / str(r["path"]) for r in changes]
    assert untagged and {p for p in vault.rglob("*.md") if needs_tags(p)} == {*untagged, *(vault / str(r["path"]) for r in unsure)}
    code, out, err = run_cli(capsys, "retag", str(vault), "--model", str(model_path))
    assert code == 0 and tree_hashes(vault) == before
    assert f"{len(untagged)} to change" in out and "dry run" in out and "\033[" not in out
    assert all(f"{r['path']}\n    no confident tag (best: #" in out for r in unsure)

    log = vault.parent / "retag-log.jsonl"
    code, out, _ = run_cli(capsys, "retag", str(vault), "--model", str(model_path), "--write", "--log", str(log))
    assert code == 0 and f"wrote {len(untagged)} notes" in out and "tagger undo" in out
    for p in untagged:
        assert parse_note(p.read_text(encoding="utf-8")).tags
    code, out, _ = run_cli(capsys, "retag", str(vault), "--model", str(model_path), "--write")
    assert code == 0 and "0 to change" in out and "nothing to write" in out
    assert not list((vault / ".tagger").glob("retag-*"))  # a run with nothing to write leaves no log
    code, out, _ = run_cli(capsys, "undo", str(log))
    assert code == 0 and f"restored {len(untagged)} notes" in out
    assert tree_hashes(vault) == before


def test_cli_default_log_under_vault(vault: Path, model_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(capsys, "retag", str(vault), "--model", str(model_path), "--write", "--format", "jsonl")
    summary = jsonl(out)[-1]
    log = Path(str(summary["log"]))
    assert code == 0 and log.parent == (vault / ".tagger").resolve() and log.name.startswith("retag-")
    assert read_log(log).header["mode"] == "only_untagged"


def test_cli_skips_bad_notes_and_exits_1(vault: Path, model_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (vault / "2025" / "broken.md").write_bytes(b"\xff\xfe not utf-8")
    ro = next(p for p in sorted(vault.rglob("*.md")) if needs_tags(p))
    os.chmod(ro, 0o444)
    before = tree_hashes(vault)
    code, out, err = run_cli(capsys, "retag", str(vault), "--model", str(model_path), "--write")
    assert code == 1
    assert "broken.md: is not UTF-8" in err and f"{ro.name}: is read-only" in err
    assert "2 skipped" in out
    assert tree_hashes(vault)[ro.relative_to(vault).as_posix()] == before[ro.relative_to(vault).as_posix()]
    assert sum(before[k] != v for k, v in tree_hashes(vault).items()) > 0   # the rest went on


@pytest.mark.parametrize("line", ["#rl #", "##rl", "#rl #c++ #moe"])
def test_cli_leaves_a_note_with_a_mistyped_tag_line_alone(
    vault: Path, model_path: Path, capsys: pytest.CaptureFixture[str], line: str
) -> None:
    # The line is read as text, so the note looks untagged; adding a tag line would give it two.
    typo = next(p for p in sorted(vault.rglob("*.md")) if needs_tags(p))
    typo.write_text(typo.read_text(encoding="utf-8").rstrip("\n") + f"\n\n{line}\n", encoding="utf-8")
    before = tree_hashes(vault)
    code, out, err = run_cli(capsys, "retag", str(vault), "--model", str(model_path), "--write")
    assert code == 1
    assert f"{typo.name}: line " in err and "is not a valid tag" in err and "fix that line by hand" in err
    rel = typo.relative_to(vault).as_posix()
    assert tree_hashes(vault)[rel] == before[rel]
    assert sum(before[k] != v for k, v in tree_hashes(vault).items()) > 0   # the rest went on


def test_cli_paths_from_review_jsonl_and_globs(vault: Path, model_path: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    untagged = sorted(p.relative_to(vault).as_posix() for p in vault.rglob("*.md") if needs_tags(p))
    review = tmp_path / "review.jsonl"
    review.write_text(json.dumps({"path": str(vault / untagged[0]), "missing": [{"tag": "rl", "score": 0.9}]}) + "\n")
    code, out, _ = run_cli(capsys, "retag", str(vault), "--model", str(model_path), "--paths-from", str(review), "--format", "jsonl")
    assert [r["path"] for r in jsonl(out) if r["type"] == "change"] == [untagged[0]]
    plain = tmp_path / "paths.txt"
    plain.write_text("\n".join(untagged[:2]) + "\n")
    code, out, _ = run_cli(capsys, "retag", str(vault), "--model", str(model_path), "--paths-from", str(plain), "--format", "jsonl")
    assert sorted(r["path"] for r in jsonl(out) if r["type"] == "change") == untagged[:2]  # type: ignore[type-var]
    year = untagged[-1].split("/")[0]
    code, out, _ = run_cli(capsys, "retag", str(vault), "--model", str(model_path), "--include", f"{year}/**", "--format", "jsonl")
    paths = [str(r["path"]) for r in jsonl(out) if r["type"] == "change"]
    assert paths and all(p.startswith(year + "/") for p in paths)
    code, out, _ = run_cli(capsys, "retag", str(vault), "--model", str(model_path), "--exclude", f"{year}/**", "--format", "jsonl")
    assert not any(str(r.get("path", "")).startswith(year + "/") for r in jsonl(out))


def test_cli_normalize_without_a_model(vault: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("TAGGER_MODEL", str(tmp_path / "no-model.joblib"))
    code, _, err = run_cli(capsys, "retag", str(vault))
    assert code == 2 and "tagger train" in err and "Traceback" not in err
    code, out, _ = run_cli(capsys, "retag", str(vault), "--normalize", "--format", "jsonl")
    assert code == 0
    groups = {t.key for t in build_vocabulary(load_notes(vault).entries).spelling_groups()}
    assert groups
    code, out, _ = run_cli(capsys, "retag", str(vault), "--normalize", "--write")
    assert code == 0
    assert build_vocabulary(load_notes(vault).entries).spelling_groups() == []
    code, out, _ = run_cli(capsys, "retag", str(vault), "--normalize")
    assert "0 to change" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["retag", "/nonexistent/vault", "--normalize"], "does not exist"),
        (["retag", "{vault}", "--normalize", "--log", "x.jsonl"], "add --write"),
        (["retag", "{vault}", "--normalize", "--aliases", "/nonexistent/a.toml"], "does not exist"),
        (["retag", "{vault}", "--normalize", "--paths-from", "/nonexistent/p.txt"], "does not exist"),
        (["undo", "/nonexistent/log.jsonl"], "does not exist"),
        (["tags", "/nonexistent/vault"], "does not exist"),
    ],
)
def test_cli_user_errors_exit_2(vault: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str) -> None:
    code, out, err = run_cli(capsys, *[a.format(vault=vault) for a in argv])
    assert code == 2 and message in err and len(err.strip().splitlines()) == 1


def test_cli_retag_of_an_empty_folder_says_it_has_no_notes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Not "no model here": training one would not help an empty folder.
    code, _, err = run_cli(capsys, "retag", str(tmp_path), "--model", str(tmp_path / "none.joblib"))
    assert code == 2 and err.strip().splitlines() == [f"tagger: {tmp_path}: holds no notes (*.md)"]


def test_cli_bad_option_values(vault: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for argv in (["--min-score", "1.5"], ["--max-tags", "0"], ["--add", "--normalize"]):
        with pytest.raises(SystemExit) as info:
            main(["retag", str(vault), *argv])
        assert info.value.code == 2
    capsys.readouterr()


def test_cli_tags_table_json_and_toml(vault: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    import tomllib

    code, out, _ = run_cli(capsys, "tags", str(vault))
    vocab = build_vocabulary(load_notes(vault).entries)
    assert code == 0 and out.splitlines()[0].split()[:4] == ["tag", "notes", "first", "last"]
    assert f"{len(vocab.tags)} tags" in out and f"spelling groups ({len(vocab.spelling_groups())})" in out
    code, out, _ = run_cli(capsys, "tags", str(vault), "--format", "json")
    doc = json.loads(out)
    assert [t["tag"] for t in doc["tags"]] == [t.tag for t in vocab.tags]
    assert {g["tag"] for g in doc["spelling_groups"]} == {t.tag for t in vocab.spelling_groups()}
    code, out, _ = run_cli(capsys, "tags", str(vault), "--format", "toml")
    aliases = tomllib.loads(out)["aliases"]
    assert len(aliases) == sum(len(t.spellings) - 1 for t in vocab.spelling_groups())
    (tmp_path / "aliases.toml").write_text(out, encoding="utf-8")
    code, out, _ = run_cli(capsys, "tags", str(vault), "--aliases", str(tmp_path / "aliases.toml"))
    assert "aliases in use" in out and "(alias)" in out


def test_cli_ctrl_c_during_write_says_how_to_undo(
    vault: Path, model_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    before = tree_hashes(vault)
    real = tagger.edit.apply.replace_note
    calls: list[Path] = []

    def interrupted(path: Path, text: str, **kw: str) -> object:
        calls.append(path)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return real(path, text, **kw)

    monkeypatch.setattr(tagger.edit.apply, "replace_note", interrupted)
    log = tmp_path / "log.jsonl"
    code, out, err = run_cli(capsys, "retag", str(vault), "--model", str(model_path), "--write", "--log", str(log))
    assert code == 130 and f"tagger undo {log}" in err and "Traceback" not in err
    assert sum(before[k] != v for k, v in tree_hashes(vault).items()) == 2
    monkeypatch.setattr(tagger.edit.apply, "replace_note", real)
    assert run_cli(capsys, "undo", str(log))[0] == 0
    assert tree_hashes(vault) == before
