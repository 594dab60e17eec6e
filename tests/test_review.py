"""Review: out-of-fold only, a planted wrong tag is found, jsonl feeds `retag --paths-from`."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from tagger.cli.main import main
from tagger.entry import Entry
from tagger.notes.read import read_entries
from tagger.notes.vault import read_paths_file
from tagger.analysis.review import Review, fold_of, out_of_fold, review
from tagger.cli.render import format_review


class Spy:
    """Scores 1.0 for tag "a" and remembers which notes it learned from and which it scored."""

    made: list[Spy] = []

    def __init__(self) -> None:
        self.trained: set[str] = set()
        self.scored: set[str] = set()
        self.keys_ = ["a", "b"]
        self.tag_counts_ = {"a": 9, "b": 9}
        Spy.made.append(self)

    def fit(self, entries: Sequence[Entry]) -> Spy:
        self.trained = {e.title for e in entries}
        return self

    def predict_proba(self, entries: Sequence[Entry]) -> np.ndarray:
        assert all(e.tags == () for e in entries)  # the judged note's tags are hidden from the model
        self.scored |= {e.title for e in entries}
        return np.tile([1.0, 0.001], (len(entries), 1))


def test_every_note_is_scored_once_by_a_model_that_never_saw_it() -> None:
    import datetime as dt

    notes = [Entry(title=f"n{i}", comment="text", tags=("b",), date=dt.date(2024, 1, 1) + dt.timedelta(days=i)) for i in range(23)]
    Spy.made = []
    scores, keys, counts, folds = out_of_fold(notes, folds=4, model_factory=Spy)
    assert len(Spy.made) == 4 and sorted(set(folds)) == [0, 1, 2, 3]
    for spy in Spy.made:
        assert spy.scored and not (spy.scored & spy.trained)
        assert spy.scored | spy.trained == {e.title for e in notes}
    assert keys == ["a", "b"]
    assert not np.isnan(scores[:, keys.index("b")]).any()
    # Dealt out by date: each fold spans the whole period.
    assert fold_of(notes, 4)[:8] == [0, 1, 2, 3, 0, 1, 2, 3]
    result = review(notes, folds=4, model_factory=Spy, top=None)
    assert len(result.items) == 23
    assert all([f.tag for f in it.missing] == ["a"] and [f.tag for f in it.stray] == ["b"] for it in result.items)


class IclSpy(Spy):
    """Knows `in-context-learning` well and scores it near zero everywhere."""

    def __init__(self) -> None:
        super().__init__()
        self.keys_ = ["a", "in-context-learning"]
        self.tag_counts_ = {"a": 9, "in-context-learning": 9}


def test_a_stray_tag_is_shown_as_the_note_writes_it() -> None:
    import datetime as dt

    # Old notes write `in_context_learning`, recent ones `in-context-learning`:
    # the latest spelling is hyphenated, but each note's flag must match its own text.
    notes = [
        Entry(
            title=f"n{i}",
            comment="text",
            tags=("in_context_learning" if i < 10 else "in-context-learning",),
            date=dt.date(2024, 1, 1) + dt.timedelta(days=i),
        )
        for i in range(20)
    ]
    result = review(notes, folds=4, model_factory=IclSpy, top=None)
    assert len(result.items) == 20
    for it in result.items:
        assert [f.tag for f in it.stray] == list(it.tags)
    old = next(it for it in result.items if it.title == "n0")
    assert "#in_context_learning 0.001" in format_review(Review([old], 20, 20, 4, 0.0))


@pytest.fixture(scope="module")
def planted(example_vault: Path) -> tuple[list[Entry], Entry]:
    entries = read_entries(example_vault)
    i = next(i for i, e in enumerate(entries) if e.title.startswith("Transfusion"))
    assert "diffusion" in entries[i].tags
    entries[i] = entries[i].replace(tags=("quantization",))
    return entries, entries[i]


def test_a_planted_wrong_tag_is_flagged_near_the_top(planted: tuple[list[Entry], Entry]) -> None:
    entries, wrong = planted
    result = review(entries, folds=5, top=5)
    hit = next(it for it in result.items if it.path == wrong.path)
    assert "quantization" in [f.tag for f in hit.stray]
    assert "diffusion" in [f.tag for f in hit.missing]
    scores = [it.disagreement for it in result.items]
    assert scores == sorted(scores, reverse=True)


def test_review_jsonl_feeds_retag_paths_from(example_vault: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["-q", "review", str(example_vault), "--top", "5", "--format", "jsonl"]) == 0
    out = capsys.readouterr().out
    records = [json.loads(line) for line in out.splitlines()]
    assert 1 <= len(records) <= 5 and [r["rank"] for r in records] == list(range(1, len(records) + 1))
    assert all(r["missing"] or r["stray"] for r in records)
    paths = read_paths_file(out)
    assert paths == [r["path"] for r in records] and all(Path(p).is_file() for p in paths)
