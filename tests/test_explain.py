"""Explanations: evidence words come from the note itself, neighbours carry the tag, contributions add up."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from tagger.entry import Entry
from tagger.analysis.explain import History, _matrix, explain, explanation_record
from tagger.cli.render import format_explanations
from tagger.model import TagModel
from tagger.notes.read import read_entries
from tagger.spelling import tag_key


@pytest.fixture(scope="module")
def history(example_vault: Path) -> list[Entry]:
    return read_entries(example_vault)


@pytest.fixture(scope="module")
def model(history: list[Entry]) -> TagModel:
    return TagModel().fit(history)


@pytest.fixture(scope="module")
def mamba(seed_digest: Path) -> Entry:
    (entry,) = [e for e in read_entries(seed_digest) if e.title.startswith("The Mamba in the Llama")]
    return entry.replace(tags=())


def test_feature_layout_reproduces_the_models_decision(model: TagModel, history: list[Entry]) -> None:
    # Evidence is (tf-idf × weight) per feature: it only means something if these
    # features, times the weights, give back the model's own decision values.
    sample = history[:10]
    assert model.coef_ is not None and model.intercept_ is not None
    x = _matrix(model, sample)
    mine = np.asarray((x @ model.coef_.T).toarray()) + model.intercept_
    np.testing.assert_allclose(mine, model.scores(sample).decision, rtol=1e-5, atol=1e-5)


def test_mamba_in_the_llama_is_explained_from_abstract_and_comment(model: TagModel, mamba: Entry, history: list[Entry]) -> None:
    (exps,) = explain(model, [mamba], k=3, history=history)
    assert [x.tag for x in exps] == [s.tag for s in model.suggest([mamba], k=3)[0]]
    fields = {ev.field for x in exps for ev in x.evidence}
    assert {"abstract", "comment"} <= fields
    for x in exps:
        for ev in x.evidence:
            assert ev.weight > 0
            assert ev.text in getattr(mamba, ev.field), (x.tag, ev)
    # The seed's own tags are among the suggestions and argued for by both fields.
    own = [x for x in exps if tag_key(x.tag) in {"distillation", "state-space-model"}]
    assert own
    for x in own:
        assert {"abstract", "comment"} <= {ev.field for ev in x.evidence}
    tags_of = {e.path: {tag_key(t) for t in e.tags} for e in history}
    for x in exps:
        assert 1 <= len(x.neighbours) <= 3
        sims = [nb.similarity for nb in x.neighbours]
        assert sims == sorted(sims, reverse=True)
        for nb in x.neighbours:
            assert tag_key(x.tag) in tags_of[nb.path]
    text = format_explanations(exps)
    assert f"why #{exps[0].tag}" in text and "comment: " in text and "like: " in text
    json.dumps([explanation_record(x) for x in exps], ensure_ascii=False)


def test_a_note_is_never_its_own_neighbour(model: TagModel, history: list[Entry]) -> None:
    note = next(e for e in history if e.tags and e.abstract and e.comment)
    prepared = History(model, history)
    (exps,) = explain(model, [note], history=prepared)
    assert all(nb.path != note.path for x in exps for nb in x.neighbours)
    assert any(x.neighbours for x in exps)


def test_without_history_there_are_no_neighbours_and_nothing_for_an_empty_note(model: TagModel) -> None:
    note = Entry(title="Mixture of experts routing", comment="MoE 라우팅 개선.")
    (exps,) = explain(model, [note], history=None)
    assert exps and all(x.neighbours == () for x in exps)
    assert explain(model, [Entry(url="https://example.org")]) == [[]]


def test_the_same_paper_is_never_a_neighbour(model: TagModel, history: list[Entry]) -> None:
    # A digest copy of a vault note has another path (the digest), maybe no URL and
    # another date: it must still not be listed as "similar" to itself.
    note = next(e for e in history if e.tags and e.abstract and e.comment and e.url)
    digest = Path("digests/000_x.txt")
    copies = {
        "same title": note.replace(path=digest, url="", date=None, title=note.title.upper() + "."),
        "same arXiv id": note.replace(path=digest, title="Retitled", url=note.url.replace("https://", "http://") + "v3"),
        "near-identical text": note.replace(path=digest, url="", title=note.title + " revisited"),
    }
    for why, copy in copies.items():
        (exps,) = explain(model, [copy.replace(tags=())], history=history)
        assert any(x.neighbours for x in exps), why
        for x in exps:
            for nb in x.neighbours:
                assert nb.path != note.path, why
                assert nb.similarity < 0.98, why


def test_same_paper_keys(history: list[Entry]) -> None:
    from tagger.analysis.explain import same_paper

    a = Entry(path=Path("d.txt"), title="Mixture of Experts", url="https://arxiv.org/abs/2401.00001")
    # Siblings in one digest share its path but are different papers.
    assert not same_paper(a, Entry(path=Path("d.txt"), title="Sparse attention"))
    assert same_paper(Entry(path=Path("v/a.md"), title="x"), Entry(path=Path("v/a.md"), title="y"))
    assert same_paper(a, Entry(title="Other", url="https://arxiv.org/pdf/2401.00001v2"))
    assert same_paper(a, Entry(title="mixture-of-experts"))
    assert not same_paper(Entry(title=""), Entry(title=""))


def test_evidence_does_not_depend_on_the_matrix_column_order() -> None:
    # Equal weights: which word is shown first, and which one fills the last slot, must not
    # follow the column order (sorting a row's columns once changed a few explanations).
    from tagger.analysis.explain import _evidence

    e = Entry(title="t", abstract="Mixture of experts with sparse routing.", comment="")
    names = [(1, "experts"), (1, "sparse"), (1, "routing"), (1, "mixture")]
    contrib = np.array([0.2, 0.2, 0.2, 0.1])
    runs = []
    for order in ([0, 1, 2, 3], [2, 1, 0, 3], [1, 2, 0, 3]):
        cols = np.array(order)
        runs.append(_evidence(e, contrib, cols, names, 2))
    assert runs[0] == runs[1] == runs[2]
    assert [x.text for x in runs[0]] == ["experts", "routing"]


def test_explain_without_the_training_vault(example_vault: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # The vault the model learned from has moved: the evidence still comes, without "like:" lines.
    import shutil

    from tagger.cli.main import main

    vault = tmp_path / "vault"
    shutil.copytree(example_vault, vault)
    model = tmp_path / "m.joblib"
    assert main(["train", str(vault), "--model", str(model)]) == 0
    note = tmp_path / "new.md"
    note.write_text((example_vault.parent / "new-note.md").read_text(encoding="utf-8"), encoding="utf-8")
    shutil.rmtree(vault)
    capsys.readouterr()
    assert main(["suggest", "--model", str(model), "--explain", str(note)]) == 0
    out, err = capsys.readouterr()
    assert "why #" in out and "like:" not in out
    assert "not there" in err and "--history" in err and "Traceback" not in err
    assert main(["suggest", "--model", str(model), "--explain", "--history", str(tmp_path / "nowhere"), str(note)]) == 2
    err = capsys.readouterr().err
    assert "nowhere: does not exist" in err and len(err.strip().splitlines()) == 1
