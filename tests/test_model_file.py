"""The model file: data, not code, and says what it is.

A malicious pickle (its `__reduce__` would create a marker file) is planted in every form a
file could carry one and loaded three ways (`load_model`, `tagger suggest --model`, `tagger
model`): refused in one line, and the marker never appears. Then: `read_metadata` needs no
numpy, the fingerprint follows the rules it hashes, `tagger model`, and the corpus round trip.
Damaged files: `test_model_file_damage.py`.
"""

from __future__ import annotations

import io
import json
import os
import pickle
import subprocess
import sys
from pathlib import Path

import joblib
import numpy as np
import pytest

from modelfiles import SRC, Evil, edited, header_edited, npy, refused_in_one_line
from tagger import Entry, TagModel, load_model, read_entries, save_model
from tagger.cli.main import main
from tagger.errors import ModelError, NotTrainedError
from tagger.model.io import read_header, read_metadata


@pytest.fixture(scope="module")
def model(example_vault: Path) -> TagModel:
    return TagModel().fit(read_entries(example_vault, on_problem=lambda err: None))


@pytest.fixture(scope="module")
def good(model: TagModel, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = save_model(model, tmp_path_factory.mktemp("good") / "tagger.model", provenance={"sources": ["/vaults/mine"]})
    load_model(path)  # imports done before any memory is measured
    return path


# ---- files carrying a pickle ------------------------------------------------------------------------



def _pickled(good: Path, dst: Path, marker: Path) -> None:
    dst.write_bytes(pickle.dumps(Evil(marker), protocol=4))


def _pickled_protocol_0(good: Path, dst: Path, marker: Path) -> None:
    dst.write_bytes(pickle.dumps(Evil(marker), protocol=0))


def _joblib_compressed(good: Path, dst: Path, marker: Path) -> None:
    import joblib

    joblib.dump(Evil(marker), dst, compress=3)  # the old model format, as `evil.joblib`


def _joblib_plain(good: Path, dst: Path, marker: Path) -> None:
    import joblib

    joblib.dump({"magic": "tagger-model", "format": 5, "metadata": {}, "state": Evil(marker)}, dst)


def _pickle_before_a_good_zip(good: Path, dst: Path, marker: Path) -> None:
    # zip readers skip data prepended to an archive; tagger looks at the first bytes.
    dst.write_bytes(pickle.dumps(Evil(marker)) + good.read_bytes())


def _object_array_member(good: Path, dst: Path, marker: Path) -> None:
    edited(good, dst, coef_data__npy=npy(np.array([Evil(marker)], dtype=object), allow_pickle=True))


def _pickle_as_extra_member(good: Path, dst: Path, marker: Path) -> None:
    edited(good, dst, payload__pkl=pickle.dumps(Evil(marker)))


def _npz_of_objects(good: Path, dst: Path, marker: Path) -> None:
    with open(dst, "wb") as fh:
        np.savez(fh, coef_data=np.array([Evil(marker)], dtype=object))


MALICIOUS = {
    "pickle": (_pickled, "is a pickle"),
    "pickle-protocol-0": (_pickled_protocol_0, "is not a tagger model file"),
    "joblib-compressed": (_joblib_compressed, "compressed pickle (joblib)"),
    "joblib-old-model-layout": (_joblib_plain, "is a pickle"),
    "pickle-before-a-good-zip": (_pickle_before_a_good_zip, "is a pickle"),
    "object-array-member": (_object_array_member, "holds '|O' items, not numbers"),
    "pickle-as-extra-member": (_pickle_as_extra_member, "unexpected member payload.pkl"),
    "npz-of-objects": (_npz_of_objects, "not a tagger model"),
}


@pytest.mark.parametrize("case", sorted(MALICIOUS))
def test_a_file_carrying_a_pickle_runs_nothing(
    case: str, good: Path, tmp_path: Path, new_note: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    marker = tmp_path / "pwned"
    build, expected = MALICIOUS[case]
    path = tmp_path / "evil.joblib"
    build(good, path, marker)
    assert not marker.exists()
    refused_in_one_line(path, expected, new_note, capsys)
    try:  # the hook's cheap read: refuses a pickle; a zip with a sound model.json gives its metadata
        read_metadata(path)
    except ModelError as err:
        assert "\n" not in str(err)
    assert not marker.exists()


def test_the_planted_pickles_are_live(tmp_path: Path) -> None:
    # Without this, the test above could pass with a pickle that runs nothing anyway.
    marker = tmp_path / "pwned"
    pickle.loads(pickle.dumps(Evil(marker)))
    assert marker.exists()
    marker.unlink()
    import joblib

    joblib.dump(Evil(marker), tmp_path / "evil.joblib", compress=3)
    joblib.load(tmp_path / "evil.joblib")
    assert marker.exists()


def test_reading_metadata_never_imports_numpy(good: Path) -> None:
    probe = (
        "import sys; from tagger.model.io import read_metadata; m = read_metadata(sys.argv[1]); "
        "print(m['notes'], 'numpy' in sys.modules, 'joblib' in sys.modules, 'pickle' in sys.modules)"
    )
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    out = subprocess.run([sys.executable, "-c", probe, str(good)], capture_output=True, text=True, check=True, env=env).stdout
    assert out.split() == [str(read_metadata(good)["notes"]), "False", "False", "False"]


def test_loading_an_old_joblib_model_imports_no_unpickler(tmp_path: Path, new_note: Path) -> None:
    import joblib

    marker = tmp_path / "pwned"
    joblib.dump(Evil(marker), tmp_path / "evil.joblib", compress=3)
    probe = (
        "import sys; from tagger.cli.main import main; code = main(['suggest', '--model', sys.argv[1], sys.argv[2]]); "
        "print(code, 'joblib' in sys.modules)"
    )
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    proc = subprocess.run([sys.executable, "-c", probe, str(tmp_path / "evil.joblib"), str(new_note)],
                          capture_output=True, text=True, env=env, check=False)
    assert proc.stdout.split() == ["2", "False"]
    assert "never loads pickles" in proc.stderr and "retrain" in proc.stderr and not marker.exists()


def test_an_old_joblib_model_at_the_old_default_path_says_retrain(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import joblib

    marker = tmp_path / "pwned"
    (tmp_path / "models").mkdir()
    joblib.dump(Evil(marker), tmp_path / "models" / "tagger.joblib")
    with pytest.raises(NotTrainedError, match=r"tagger.joblib beside it is a model from an older tagger.*retrain"):
        load_model(tmp_path / "models" / "tagger.model")
    assert not marker.exists()


# ---- what the fingerprint covers ---------------------------------------------------------------


def test_a_changed_tokenizer_rule_refuses_the_model(good: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import re

    import tagger.model.features as features
    from tagger.model.fingerprint import features_fingerprint

    features_fingerprint.cache_clear()
    monkeypatch.setattr(features, "STOPWORDS", features.STOPWORDS | {"mamba"})
    with pytest.raises(ModelError, match="turns notes into features differently.*retrain"):
        load_model(good)
    monkeypatch.undo()
    features_fingerprint.cache_clear()
    monkeypatch.setattr("tagger.notes.layout._TOKEN_RE", re.compile(r"#[^\s#]+"))  # the tag-line rule
    with pytest.raises(ModelError, match="differently"):
        load_model(good)
    monkeypatch.undo()
    features_fingerprint.cache_clear()
    monkeypatch.setattr("tagger.model.fingerprint.FEATURES_VERSION", 2)
    with pytest.raises(ModelError, match="differently"):
        load_model(good)
    monkeypatch.undo()
    features_fingerprint.cache_clear()
    assert load_model(good).tags_


def test_another_kiwipiepy_loads_with_a_warning(good: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "m.model"
    header_edited(good, path, lambda h: h["metadata"].update(kiwipiepy_version="0.23.0"))
    with caplog.at_level("WARNING", logger="tagger"):
        assert load_model(path).tags_
    assert "made with kiwipiepy 0.23.0" in caplog.text and "retrain" in caplog.text


# ---- `tagger model` ------------------------------------------------------------------------------


def test_tagger_model_says_what_a_model_is(good: Path, capsys: pytest.CaptureFixture[str], model: TagModel) -> None:
    assert main(["model", str(good)]) == 0
    out = capsys.readouterr().out
    meta = read_metadata(good)
    for text in ("format 6", "usable      yes", "/vaults/mine", f"{meta['notes']} tagged notes", meta["first_note"],
                 meta["last_note"], "tagger 0.1.0", "numpy", "kiwipiepy", "top tags", "vocabulary", "held out",
                 "half_life_days=180.0", f"{good.stat().st_size / 1e6:.1f} MB"):
        assert text in out, text
    top = max(model.tag_counts_, key=lambda k: (model.tag_counts_[k], k))
    assert f"#{model.spellings_.display(top)} {model.tag_counts_[top]}" in out
    assert main(["model", "--format", "json", "--model", str(good)]) == 0
    record = json.loads(capsys.readouterr().out)
    assert record["usable"] is True and record["file_bytes"] == good.stat().st_size
    assert record["notes"] == meta["notes"] and record["sources"] == ["/vaults/mine"]
    assert sum(record["vocabulary"].values()) == model.n_features and record["weights"] == model.coef_.nnz
    assert record["settings"]["half_life_days"] == 180.0 and record["versions"]["tagger"] == "0.1.0"


def test_tagger_model_finds_the_model_as_other_commands_do(
    good: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    vault = tmp_path / "vault"
    vault.mkdir()
    (vault / "tagger.toml").write_text(f'[model]\npath = "{good}"\n', encoding="utf-8")
    monkeypatch.chdir(vault)
    monkeypatch.delenv("TAGGER_MODEL", raising=False)
    assert main(["model", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["path"] == str(good)
    monkeypatch.setenv("TAGGER_MODEL", str(tmp_path / "none.model"))
    assert main(["model"]) == 2
    assert "no model here" in capsys.readouterr().err
    assert main(["model", str(good), "--model", str(tmp_path / "other.model")]) == 2
    assert "not both" in capsys.readouterr().err


def test_tagger_model_shows_a_refused_model_and_why(good: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "m.model"
    header_edited(good, path, lambda h: h.update(fingerprint="0" * 16))
    assert main(["model", "--format", "json", str(path)]) == 2
    out, err = capsys.readouterr()
    record = json.loads(out)
    assert record["usable"] is False and "differently" in record["problem"] and record["notes"]
    assert len(err.strip().splitlines()) == 1 and "retrain" in err


def test_provenance_is_saved_as_plain_data(model: TagModel, tmp_path: Path) -> None:
    path = save_model(model, tmp_path / "m.model", provenance={"sources": [tmp_path / "vault"], "aliases": {"lm": "llm"}})
    meta = load_model(path).metadata_
    assert meta["sources"] == [str(tmp_path / "vault")] and meta["aliases"] == {"lm": "llm"}


def test_reading_the_header_does_not_check_the_format(good: Path, tmp_path: Path) -> None:
    path = tmp_path / "m.model"
    header_edited(good, path, lambda h: h.update(format=7))
    assert read_header(path)["format"] == 7 and read_metadata(path)["notes"]


# ---- the corpus ----------------------------------------------------------------------------------


@pytest.mark.slow
def test_corpus_model_saves_and_loads_to_identical_suggestions(corpus_dir: Path, tmp_path: Path) -> None:
    entries = read_entries(corpus_dir, on_problem=lambda err: None)
    model = TagModel().fit(entries)
    path = save_model(model, tmp_path / "corpus.model")
    loaded = load_model(path)
    texts: list[Entry] = [e.replace(tags=()) for e in entries if e.has_text]
    assert np.array_equal(model.predict_proba(texts), loaded.predict_proba(texts))
    assert model.suggest(texts) == loaded.suggest(texts)
    # No bigger than the pickle the format replaced (joblib, as tagger saved models before format 6).
    pickled = io.BytesIO()
    joblib.dump(model, pickled)
    assert path.stat().st_size < len(pickled.getvalue())
