"""Time-split evaluation: who is trained on what, what is scored, and that `tagger eval` prints the same figures."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from pathlib import Path

import pytest

from tagger.cli.main import main
from tagger.entry import Entry, Suggestion, entry_date
from tagger.analysis.evaluate import evaluate_rolling, evaluate_split, split_by_date
from tagger.analysis.scoring import evaluation_record
from tagger.cli.evaluation import format_evaluation
from tagger.analysis.metrics import ranking_metrics
from tagger.notes.read import read_entries


def _e(title: str, day: dt.date | None, *tags: str, text: str = "some words") -> Entry:
    return Entry(title=title, date=day, comment=text, tags=tuple(tags))


D = dt.date


class Recorder:
    """A stand-in model: remembers what it was trained on and what it was asked about; always suggests rl, llm."""

    made: list[Recorder] = []

    def __init__(self) -> None:
        self.trained: list[Entry] = []
        self.asked: list[Entry] = []
        Recorder.made.append(self)

    def fit(self, entries: Sequence[Entry]) -> Recorder:
        self.trained = list(entries)
        return self

    def suggest(self, entries: Sequence[Entry], *, k: int = 5) -> list[list[Suggestion]]:
        self.asked = list(entries)
        return [[Suggestion("rl", 0.9, True), Suggestion("llm", 0.3, False)][:k] for _ in entries]


@pytest.fixture()
def recorder() -> type[Recorder]:
    Recorder.made = []
    return Recorder


NOTES = [
    _e("old untagged", D(2024, 11, 1)),
    _e("old", D(2024, 12, 31), "rl"),
    _e("undated", None, "rl"),
    _e("jan", D(2025, 1, 1), "rl", "llm"),
    Entry(url="https://example.org/only-a-url", date=D(2025, 1, 5), tags=("rl",)),  # nothing to suggest from
    _e("jan untagged", D(2025, 1, 9)),
    _e("feb", D(2025, 2, 10), "moe"),
    _e("feb end", D(2025, 2, 28), "RL"),
    _e("mar", D(2025, 3, 1), "rl"),
]


def test_split_by_date_trains_on_everything_before_and_tests_tagged_notes_in_range() -> None:
    train, test = split_by_date(NOTES, since=D(2025, 1, 1), until=D(2025, 2, 28))
    assert [e.title for e in train] == ["old untagged", "old"]
    assert [e.title for e in test] == ["jan", "feb", "feb end"]


def test_evaluate_split_strips_test_tags_and_scores_with_the_shared_metrics(recorder: type[Recorder]) -> None:
    ev = evaluate_split(NOTES, since=D(2025, 1, 1), until=D(2025, 2, 28), model_factory=recorder, k=2)
    (model,) = recorder.made
    assert [e.title for e in model.trained] == ["old untagged", "old"]
    assert [e.title for e in model.asked] == ["jan", "feb", "feb end"]
    assert all(e.tags == () for e in model.asked)
    gold = [{"rl", "llm"}, {"moe"}, {"RL"}]
    assert ev.gold == gold
    assert ev.metrics == ranking_metrics(gold, [[("rl", 0.9), ("llm", 0.3)]] * 3, [{"rl"}] * 3)
    assert ev.metrics["P@1"] == pytest.approx(2 / 3)  # "RL" and "rl" are one tag
    assert (ev.train_notes, ev.test_notes) == (1, 3)  # learned from: tagged with text, as `tagger train` counts
    rl = next(t for t in ev.per_tag if t.tag == "RL")  # shown in the author's latest spelling
    assert (rl.precision, rl.recall, rl.support, rl.assigned, rl.train_count) == (pytest.approx(2 / 3), 1.0, 2, 3, 1)
    moe = next(t for t in ev.per_tag if t.tag == "moe")
    assert (moe.recall, moe.support, moe.train_count) == (0.0, 1, 0)
    assert ev.bands["rare (<5)"] == (pytest.approx(3 / 4), 4)
    assert sum(row[-1] for row in ev.reliability) == 6  # every suggestion lands in one bin


def test_rolling_retrains_each_month_on_the_past_only_and_pools(recorder: type[Recorder]) -> None:
    rolling = evaluate_rolling(NOTES, start=D(2025, 1, 15), months=3, model_factory=recorder)
    assert [(s.since, s.until) for s in rolling] == [
        (D(2025, 1, 1), D(2025, 1, 31)),
        (D(2025, 2, 1), D(2025, 2, 28)),
        (D(2025, 3, 1), D(2025, 3, 31)),
    ]
    for model, step in zip(recorder.made, rolling):
        assert all(e.date is not None and e.date < step.since for e in model.trained)
        assert all(e.tags == () for e in model.asked)
    assert [s.test_notes for s in rolling] == [1, 2, 1]
    assert rolling.pooled.test_notes == 4
    assert rolling.pooled.metrics == ranking_metrics(
        [{"rl", "llm"}, {"moe"}, {"RL"}, {"rl"}], [[("rl", 0.9), ("llm", 0.3)]] * 4, [{"rl"}] * 4
    )


def test_rolling_by_weeks_retrains_each_monday(recorder: type[Recorder]) -> None:
    rolling = evaluate_rolling(NOTES, start=D(2025, 1, 15), weeks=3, model_factory=recorder)
    assert [(s.since, s.until) for s in rolling] == [(D(2025, 1, 13), D(2025, 1, 19)), (D(2025, 1, 20), D(2025, 1, 26)),
                                                     (D(2025, 1, 27), D(2025, 2, 2))]
    for model, step in zip(recorder.made, [s for s in rolling if s.test_notes]):
        assert all(e.date is not None and e.date < step.since for e in model.trained)
    assert rolling.pooled.test_notes == sum(s.test_notes for s in rolling)
    with pytest.raises(ValueError, match="months or weeks"):
        evaluate_rolling(NOTES, start=D(2025, 1, 15), months=1, weeks=1, model_factory=recorder)


@pytest.fixture(scope="module")
def vault_entries(example_vault: Path) -> list[Entry]:
    return read_entries(example_vault)


def test_eval_command_prints_the_library_figures(vault_entries: list[Entry], example_vault: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ev = evaluate_split(vault_entries, since=D(2024, 7, 1))
    assert 0 < ev.test_notes and 0.0 <= ev.metrics["P@1"] <= 1.0
    assert main(["-q", "eval", str(example_vault), "--since", "240701", "--format", "json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    mine = evaluation_record(ev)
    assert printed["metrics"] == mine["metrics"] and printed["per_tag"] == mine["per_tag"]
    assert main(["-q", "eval", str(example_vault), "--since", "2024-07-01"]) == 0
    table = capsys.readouterr().out
    assert format_evaluation(ev).splitlines()[3] in table  # the metrics row, digit for digit
    # The counts add up: the example vault's one undated note (2025/AlphaEvolve.md) is named as left out.
    tagged = sum(1 for e in vault_entries if e.tags and e.has_text)
    undated = sum(1 for e in vault_entries if e.tags and e.has_text and entry_date(e) is None)
    assert undated == 1 and tagged == ev.train_notes + ev.test_notes + undated
    assert "1 tagged note without a date (none in the file name or front matter, no arXiv link) left out of the split" in table
    json.dumps(mine, allow_nan=False)  # strict JSON: no NaN leaks into --format json


def test_eval_rolling_command_reports_months_pooled_and_static(example_vault: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["-q", "eval", str(example_vault), "--since", "250101", "--rolling", "2"]) == 0
    out = capsys.readouterr().out
    assert "2025-01 " in out and "2025-02 " in out and "pooled (rolling)" in out and "static (train < 2025-01-01)" in out
    # The pooled report is not one split: its header must not claim a single training set.
    pooled = next(line for line in out.splitlines() if line.startswith("pooled over "))
    assert pooled.startswith("pooled over 2 monthly retrains: ") and "dated 2025-01-01 – 2025-02-28" in pooled
    assert "pooled rolling: trained on" not in out


def test_eval_rolling_by_weeks(example_vault: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["-q", "eval", str(example_vault), "--since", "250101", "--rolling", "8", "--step", "week"]) == 0
    out = capsys.readouterr().out
    assert "rolling: retrained at each week boundary, tested on the next week (8 weeks)" in out
    assert "week of 2024-12-30" in out and "week of 2025-02-17" in out and "static (train < 2024-12-30)" in out
    assert next(line for line in out.splitlines() if line.startswith("pooled over ")).startswith("pooled over ")


def test_eval_errors_are_one_line(example_vault: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["-q", "eval", str(example_vault), "--since", "300101"]) == 2
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert err.startswith("tagger: ") and "no tagged notes dated" in err
    with pytest.raises(SystemExit):
        main(["eval", str(example_vault), "--since", "250231"])
    assert "not a date" in capsys.readouterr().err
