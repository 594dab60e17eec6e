"""The model, its file, and the ways in: suggest_tags, suggest_many, suggest_frame, `tagger train`, `tagger suggest`."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import tagger
from tagger import Entry, TagModel, load_model, read_entries, save_model, suggest_tags
from tagger.cli.main import main
from tagger.errors import InputError, ModelError, NotTrainedError, TaggerError
from tagger.config import resolve_model_path
from tagger.notes.parse import parse_digest
from tagger.suggest import suggest_frame, suggest_many
from tagger.spelling import tag_key


@pytest.fixture(scope="module")
def vault_entries(example_vault: Path) -> list[Entry]:
    return read_entries(example_vault, on_problem=lambda err: None)


@pytest.fixture(scope="module")
def model(vault_entries: list[Entry]) -> TagModel:
    return TagModel().fit(vault_entries)


@pytest.fixture(scope="module")
def model_file(model: TagModel, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return save_model(model, tmp_path_factory.mktemp("m") / "tagger.model")


def test_vocabulary_is_the_authors_in_current_spelling(model: TagModel, vault_entries: list[Entry]) -> None:
    written = {t for e in vault_entries for t in e.tags}
    assert set(model.tags_) <= written
    # the example vault writes efficient_training early and efficient-training later
    assert "efficient-training" in model.tags_ and "efficient_training" not in model.tags_
    assert len(set(model.keys_)) == len(model.keys_) == len(model.tags_)


def test_tag_line_never_reaches_the_features(model: TagModel, vault_entries: list[Entry]) -> None:
    e = next(x for x in vault_entries if x.tags and x.abstract)
    a = model.predict_proba([e])
    b = model.predict_proba([e.replace(tags=(), url="https://arxiv.org/abs/9999.99999")])
    assert np.array_equal(a, b)


def test_suggestions_are_ranked_calibrated_and_assign_at_least_one(model: TagModel, new_note: Path) -> None:
    sugg = suggest_tags(new_note, model=model, k=5)
    assert len(sugg) == 5
    scores = [s.score for s in sugg]
    assert scores == sorted(scores, reverse=True) and all(0.0 <= s <= 1.0 for s in scores)
    assert sugg[0].assigned
    assigned = [s for s in sugg if s.assigned]
    # assigned tags are a prefix of the ranking
    assert sugg[: len(assigned)] == assigned
    # the new note is about distilling a Transformer into a state-space model
    top = {tag_key(s.tag) for s in sugg[:3]}
    assert {"distillation", "state-space-model"} <= top


def test_entry_forms_give_the_same_suggestions(model: TagModel, new_note: Path) -> None:
    from tagger.notes.read import read_note

    entry = read_note(new_note)
    text = new_note.read_text(encoding="utf-8")
    as_dict = {"title": entry.title, "abstract": entry.abstract, "comment": entry.comment, "translation": entry.translation}
    results = [suggest_tags(x, model=model) for x in (entry, new_note, text, as_dict)]
    tags = [[s.tag for s in r] for r in results]
    assert tags[0] == tags[1] == tags[2] == tags[3]


def test_entry_without_text_gets_no_suggestions(model: TagModel) -> None:
    assert suggest_tags(Entry(url="https://arxiv.org/abs/2401.00001"), model=model) == []


def test_batch_and_frame_forms_agree(model: TagModel, vault_entries: list[Entry]) -> None:
    some = [e.replace(tags=()) for e in vault_entries[:12]]
    batch = suggest_many(some, model=model, k=3)
    single = [suggest_tags(e, model=model, k=3) for e in some]
    assert [[s.tag for s in r] for r in batch] == [[s.tag for s in r] for r in single]
    frame = tagger.entries_to_frame(some)
    out = suggest_frame(frame, model=model, k=3)
    assert list(out.columns) == ["row", "rank", "tag", "score", "assigned"]
    first = out[out["row"] == frame.index[0]].sort_values("rank")
    assert first["tag"].tolist() == [s.tag for s in batch[0]]
    assert isinstance(out, pd.DataFrame)


def test_save_load_gives_identical_suggestions(model: TagModel, model_file: Path, vault_entries: list[Entry]) -> None:
    loaded = load_model(model_file)
    assert np.array_equal(model.predict_proba(vault_entries), loaded.predict_proba(vault_entries))
    assert model.suggest(vault_entries) == loaded.suggest(vault_entries)
    assert loaded.get_params() == model.get_params() and loaded.tags_ == model.tags_
    meta = loaded.metadata_
    for key in ("tagger_version", "python_version", "numpy_version", "scipy_version", "kiwipiepy_version",
                "kiwipiepy_model_version", "trained_at", "notes", "first_note", "last_note", "tag_counts", "heldout"):
        assert key in meta, key
    assert meta["notes"] == sum(1 for e in vault_entries if e.tags and e.has_text)
    assert sum(meta["tag_counts"].values()) > 0


def test_a_model_from_another_tagger_version_that_reads_notes_alike_loads(
    model: TagModel, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, vault_entries: list[Entry]
) -> None:
    # The features fingerprint, not the version string, decides: a release that reads notes the same way keeps its models.
    import tagger.model.io as modelio

    real = modelio._versions
    monkeypatch.setattr(modelio, "_versions", lambda: {**real(), "tagger_version": "0.0.1"})
    path = save_model(model, tmp_path / "old.model")
    monkeypatch.undo()
    loaded = load_model(path)
    assert loaded.metadata_["tagger_version"] == "0.0.1"
    assert np.array_equal(loaded.predict_proba(vault_entries[:5]), model.predict_proba(vault_entries[:5]))


@pytest.mark.parametrize(
    "setting",
    [{"half_life_days": -5}, {"alpha": float("nan")}, {"min_df": 0}, {"name_bonus": -0.1}, {"calibration_share": 1.0}],
    ids=lambda d: next(iter(d)),
)
def test_settings_no_model_can_be_fit_with_are_refused(vault_entries: list[Entry], setting: dict[str, float]) -> None:
    # A setting is the programmer's choice, not the user's input: a ValueError, never reported as bad input.
    name = next(iter(setting))
    with pytest.raises(ValueError, match=name) as err:
        TagModel(**setting).fit(vault_entries)  # type: ignore[arg-type]
    assert not isinstance(err.value, TaggerError)


@pytest.mark.parametrize("days", ["-5", "nan", "soon"])
def test_train_refuses_a_half_life_that_is_not_a_number_of_days(example_vault: Path, tmp_path: Path, days: str) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["train", str(example_vault), "--model", str(tmp_path / "m.model"), "--half-life", days])
    assert exit_info.value.code == 2
    assert not (tmp_path / "m.model").exists()


def test_missing_model_says_how_to_train(tmp_path: Path, capsys: pytest.CaptureFixture[str], new_note: Path) -> None:
    with pytest.raises(NotTrainedError, match="tagger train"):
        load_model(tmp_path / "none.model")
    assert main(["suggest", "--model", str(tmp_path / "none.model"), str(new_note)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "tagger train" in err[0] and "Traceback" not in err[0]


def test_model_path_lookup(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TAGGER_MODEL", raising=False)
    monkeypatch.chdir(tmp_path)  # in no vault: the current folder's .tagger (test_config covers vaults)
    assert resolve_model_path(None) == Path(".tagger/tagger.model")
    monkeypatch.setenv("TAGGER_MODEL", str(tmp_path / "env.model"))
    assert resolve_model_path(None) == tmp_path / "env.model"
    assert resolve_model_path(tmp_path / "x.model") == tmp_path / "x.model"


def test_train_on_a_missing_folder_says_it_does_not_exist(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Not "is in no vault": the vault is looked for above a path only once the path is there.
    assert main(["train", str(tmp_path / "gone")]) == 2
    assert capsys.readouterr().err.strip().splitlines() == [f"tagger: {tmp_path / 'gone'}: does not exist"]


def test_empty_vault_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "vault").mkdir()
    code = main(["train", str(tmp_path / "vault"), "--model", str(tmp_path / "m.model")])
    assert code == 2
    err = capsys.readouterr().err
    assert "vault" in err and "Traceback" not in err
    assert not (tmp_path / "m.model").exists()
    with pytest.raises(InputError, match="at least 5"):
        TagModel().fit([Entry(title="x", tags=("a",))])


def test_train_and_suggest_commands(example_vault: Path, new_note: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    model_path = tmp_path / "m.model"
    assert main(["train", str(example_vault), "--model", str(model_path)]) == 0
    out = capsys.readouterr().out
    assert "learned" in out and "notes" in out and str(model_path) in out
    assert main(["suggest", "--model", str(model_path), "--format", "jsonl", "--top", "3", str(new_note)]) == 0
    record = json.loads(capsys.readouterr().out.strip())
    assert record["path"] == str(new_note) and record["title"]
    assert len(record["suggestions"]) == 3
    # --top narrows what is shown, never the assigned set: the same at --top 1 as at --top 5.
    assert main(["suggest", "--model", str(model_path), "--format", "jsonl", "--top", "5", str(new_note)]) == 0
    wide = json.loads(capsys.readouterr().out.strip())
    assert main(["suggest", "--model", str(model_path), "--top", "1", str(new_note)]) == 0
    text = capsys.readouterr().out
    assert len(wide["assigned"]) > 1 and record["assigned"] == wide["assigned"]
    assert text.count("#") == 1 + len(wide["assigned"]) and f"assigned: {' '.join('#' + t for t in wide['assigned'])}" in text
    assert wide["assigned"] == [s["tag"] for s in wide["suggestions"]][: len(wide["assigned"])]


def test_suggest_reads_stdin(model_file: Path, new_note: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    import io
    import sys

    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(new_note.read_bytes())))
    assert main(["suggest", "--model", str(model_file), "--format", "jsonl", "-"]) == 0
    record = json.loads(capsys.readouterr().out.strip())
    assert record["suggestions"]


def test_seed_digest_end_to_end(model_file: Path, seed_digest: Path, capsys: pytest.CaptureFixture[str]) -> None:
    entries = parse_digest(seed_digest.read_text(encoding="utf-8"))
    rows = suggest_many([e.replace(tags=()) for e in entries], model=model_file)
    assert len(rows) == 5 and all(r and r[0].assigned for r in rows)
    mamba = next(r for e, r in zip(entries, rows) if "Mamba in the Llama" in e.title)
    assert "distillation" in {tag_key(s.tag) for s in mamba[:3]}
    assert main(["suggest", "--model", str(model_file), "--format", "jsonl", str(seed_digest)]) == 0
    assert len(capsys.readouterr().out.strip().splitlines()) == 5


def test_model_file_is_written_atomically(model: TagModel, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import zipfile

    path = save_model(model, tmp_path / "m.model")
    before = path.read_bytes()
    assert save_model(model, path).read_bytes() == before  # the same model saves to the same bytes
    real = zipfile.ZipFile.writestr
    calls: list[object] = []

    def boom(self: zipfile.ZipFile, info: Any, data: Any, *args: Any, **kwargs: Any) -> None:
        calls.append(info)
        if len(calls) == 3:  # halfway through the members
            raise OSError("disk full")
        real(self, info, data, *args, **kwargs)

    monkeypatch.setattr(zipfile.ZipFile, "writestr", boom)
    with pytest.raises(ModelError, match="disk full"):
        save_model(model, path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["m.model"]
    shutil.rmtree(tmp_path)


def test_a_path_given_as_a_string_is_read_as_a_path(model: TagModel, new_note: Path) -> None:
    as_str = suggest_tags(str(new_note), model=model)
    as_path = suggest_tags(new_note, model=model)
    assert [s.tag for s in as_str] == [s.tag for s in as_path]
    with pytest.raises(InputError, match="does not exist"):
        suggest_tags("no/such/note.md", model=model)


def test_folder_and_table_paths_given_as_strings_are_read_as_paths(model: TagModel, example_vault: Path, tmp_path: Path) -> None:
    n = len(read_entries(example_vault, on_problem=lambda err: None))
    assert len(suggest_many([str(example_vault)], model=model)) == n
    with pytest.raises(InputError, match=f"holds {n} entries"):
        suggest_tags(str(example_vault), model=model)
    table = tmp_path / "notes.jsonl"
    table.write_text('{"title": "Mamba distillation"}\n{"title": "Diffusion sampling"}\n', encoding="utf-8")
    assert len(suggest_many([str(table)], model=model)) == 2
    with pytest.raises(InputError, match="does not exist"):
        suggest_many([str(tmp_path / "gone.csv")], model=model)
    # One line that names nothing is a note's text.
    assert len(suggest_many(["Mamba distillation into a transformer"], model=model)) == 1


def test_a_digest_path_gives_one_row_per_entry(model: TagModel, example_vault: Path) -> None:
    digest = example_vault / "digests" / "2024-08-28.txt"
    n = len(parse_digest(digest.read_text(encoding="utf-8")))
    assert n > 1
    assert len(suggest_many([digest], model=model)) == n
    with pytest.raises(InputError, match=f"holds {n} entries"):
        suggest_tags(digest, model=model)


def test_unwritable_model_path_fails_before_training(example_vault: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["train", str(example_vault), "--model", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "is a folder" in err and "Traceback" not in err
    assert "learned" not in capsys.readouterr().out


def test_empty_stdin_and_bad_top_are_one_line_errors(model_file: Path, new_note: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    import io
    import sys

    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"  \n")))
    assert main(["suggest", "--model", str(model_file), "-"]) == 2
    assert "<stdin>: is empty" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exit_info:
        main(["suggest", "--model", str(model_file), "--top", "0", str(new_note)])
    assert exit_info.value.code == 2
    assert "at least 1" in capsys.readouterr().err
