"""The benchmarks' shared threshold tuning (benchmarks/baseline.py, used by benchmarks/peers.py)."""

from __future__ import annotations

import math
import sys
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))  # `benchmarks` is a folder of scripts, not an installed package

from benchmarks.baseline import THRESHOLDS, ranked_rows, tune_threshold  # noqa: E402


def _old_baseline_loop(proba: np.ndarray, keys: list[str], gold: list[set[str]]) -> float:
    """PlainBaseline.fit's own loop before it shared `tune_threshold` with the peers (kept as the reference).

    One change: exact ties go to the earliest threshold. The old loop let float rounding of
    its sum decide them (4/7 summed as 3.9999999999999996 at one threshold, 4.0 at another).
    """
    best = (-1.0, 0.5)
    for thr in np.arange(0.05, 0.95, 0.05):
        f1 = 0.0
        for row, g in zip(proba, gold):
            chosen = {keys[j] for j in np.flatnonzero(row >= thr)} | {keys[int(np.argmax(row))]}
            hit = len(chosen & g)
            f1 += 2 * hit / (len(chosen) + len(g)) if hit else 0.0
        if f1 > best[0] + 1e-12:
            best = (f1, float(thr))
    return best[1]


@pytest.mark.parametrize("seeds", [range(0, 150), range(150, 300)])
def test_shared_tuning_picks_the_baselines_old_threshold(seeds: range) -> None:
    for seed in seeds:
        _check_seed(seed)


def _check_seed(seed: int) -> None:
    rng = np.random.default_rng(seed)
    keys = [f"t{j}" for j in range(8)]
    # Scores rounded to 0.05 steps make ties (between tags, and between thresholds) common;
    # gold tags are the high scorers, noisily, so the best threshold differs by seed (0.15..0.70).
    proba = np.round(rng.random((12, len(keys))) ** 2 * 20) / 20
    cut = rng.uniform(0.2, 0.9)
    gold = [{k for k, p in zip(keys, row) if p >= cut + rng.normal(0, 0.1)} or {keys[int(rng.integers(8))]} for row in proba]
    ranked = ranked_rows(proba, keys, floor=min(THRESHOLDS))
    assert tune_threshold(gold, ranked, THRESHOLDS)[0] == _old_baseline_loop(proba, keys, gold), f"seed {seed}"


def test_peers_thresholds_give_the_peers_old_answer() -> None:
    from benchmarks.peer_search import THRESHOLDS as PEER_THRESHOLDS

    # The case of peers.tune_threshold's doctest before it moved: ties go to the lowest threshold.
    got = tune_threshold([{"rl"}, {"vit", "gan"}], [[("rl", 0.9), ("moe", 0.3)], [("vit", 0.6), ("gan", 0.4)]], PEER_THRESHOLDS)
    assert got == (0.31, 1.0)


# ---- the experiment harness (benchmarks/experiments.py) ---------------------------------------


def test_experiment_settings_are_typed_like_the_model_fields() -> None:
    from benchmarks.experiments import parse_setting

    assert parse_setting("half_life_days=120") == ("half_life_days", 120.0)
    assert parse_setting("min_df=3") == ("min_df", 3)
    for bad in ("speed=3", "korean=x", "tags_=x"):
        with pytest.raises(ValueError, match="unknown TagModel setting"):
            parse_setting(bad)


def test_experiments_run_a_setting_on_the_example_vault(
    example_vault: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import datetime as dt

    from benchmarks import experiments

    # The example vault's own last year stands in for the corpus's half-years.
    monkeypatch.setattr(experiments, "SPLITS", {"X": (dt.date(2024, 7, 1), dt.date(2025, 6, 30))})
    assert experiments.main(["--corpus", str(example_vault), "--splits", "X", "--set", "min_df=1"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("min_df=1") and "X (" in out and "P@1 / R@5 / assigned F1" in out


# ---- the Annif peers at their best (benchmarks/peers.py, benchmarks/annif_runner.py) ------------


def test_svc_corpus_has_one_line_per_tag_and_plain_corpus_one_per_note() -> None:
    from benchmarks.annif_runner import corpus_lines, subject_uri
    from tagger import Entry

    notes = [
        Entry(title="Mamba distilled", comment="모델 학습", tags=("ssm", "Distillation", "distillation")),
        Entry(title="no tags"),
        Entry(tags=("rl",)),  # no text
        Entry(title="RL for LMs", tags=("rl",)),
    ]
    plain = corpus_lines(notes)
    copies = corpus_lines(notes, copies=True)
    assert len(plain) == 2 and len(copies) == 3  # a repeated tag (any spelling) is one tag
    texts = [line.split("\t")[0] for line in copies]
    assert texts == ["Mamba distilled 모델 학습"] * 2 + ["RL for LMs"]
    assert [line.split("\t")[1] for line in copies[:2]] == [f"<{subject_uri('ssm')}>", f"<{subject_uri('distillation')}>"]


def test_tuning_split_holds_out_the_newest_share() -> None:
    import datetime as dt

    from benchmarks.peer_search import chronological, tuning_split
    from tagger import Entry

    day = dt.date(2024, 1, 1)
    notes = chronological(Entry(title=str(i), date=day + dt.timedelta(days=(i * 7) % 40)) for i in range(40))
    older, newest = tuning_split(notes)
    assert len(newest) == int(40 * 0.15) and older + newest == notes
    assert max(e.date for e in older if e.date) <= min(e.date for e in newest if e.date)
    inner, inner_held = tuning_split(older)
    assert len(inner_held) == int(len(older) * 0.15)


def test_ensemble_average_is_annifs_weighted_mean() -> None:
    from benchmarks.peer_search import average_rankings, weight_grid

    a = [[("rl", 0.9), ("moe", 0.3)], [("vit", 0.2)]]
    b = [[("moe", 0.6), ("gan", 0.3)], []]
    got = average_rankings([a, b], [1, 2], limit=2)
    assert got[0] == [("moe", 0.5), ("rl", 0.3)]
    assert got[1] == [("vit", pytest.approx(0.2 / 3))]
    assert average_rankings([a, b], [0, 1]) == [[("moe", 0.6), ("gan", 0.3)], []]
    grid = weight_grid(3, (0, 1, 2))
    assert (2, 2, 0) not in grid and (1, 1, 0) in grid and (0, 0, 0) not in grid and len(set(grid)) == len(grid)


# ---- the scale benchmark (benchmarks/scale.py) ------------------------------------------------


def test_scale_vaults_are_copies_under_new_paths_with_the_same_dates(example_vault: Path, tmp_path: Path) -> None:
    from benchmarks.scale import build_vault
    from tagger import read_entries

    originals = read_entries(example_vault, on_problem=lambda err: None)
    notes = sorted(p for p in example_vault.rglob("*.md"))
    assert build_vault(example_vault, 3, tmp_path) == 3 * len(notes)
    copies = read_entries(tmp_path, on_problem=lambda err: None)
    paths = {e.path for e in copies}
    assert len(paths) == len(copies)  # every copy is its own note
    for j in range(3):
        assert all((tmp_path / f"c{j:02d}" / p.relative_to(example_vault)).is_file() for p in notes)
    # Digests are not copied (only notes); each note's date and text come back three times.
    note_fields = sorted((str(e.date), e.title, e.abstract, e.comment, e.tags) for e in originals if e.path and e.path.suffix == ".md")
    copy_fields = sorted((str(e.date), e.title, e.abstract, e.comment, e.tags) for e in copies)
    assert copy_fields == sorted(note_fields * 3)


def test_scale_reports_growth_exponents_and_targets() -> None:
    from benchmarks.scale import report

    rows = [
        {"copies": 1, "notes": 1000, "seconds": 5.0, "cpu_seconds": 4.0, "peak_mb": 400.0},
        {"copies": 6, "notes": 6000, "seconds": 60.0, "cpu_seconds": 24.0, "peak_mb": 2400.0},
    ]
    lines = report(rows).splitlines()
    assert lines[1].split()[-1] == "ok"  # 1×: 5 s ≤ 10 s
    six = lines[2].split()
    assert six[-1] == "MISSED"  # 60 s > 45 s
    assert six[5:8] == [f"{math.log(12) / math.log(6):.2f}", "1.00", "1.00"]  # time, CPU and memory exponents
    # From 3× to 6× the time's exponent is checked too: 2.0 (quadratic) misses it, 1.0 meets it.
    three = {"copies": 3, "notes": 3000, "seconds": 15.0, "cpu_seconds": 12.0, "peak_mb": 1200.0}
    quadratic = report([three, {**rows[1], "seconds": 60.0}]).splitlines()[2]
    linear = report([three, {**rows[1], "seconds": 30.0}]).splitlines()[2]
    assert quadratic.endswith("time exp ≤ 1.2  MISSED") and linear.endswith("≤ 45 s, ≤ 2500 MB  ok; time exp ≤ 1.2  ok")
