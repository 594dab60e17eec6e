"""Peer benchmark: tagger against Annif at its best, on splits A and B, in one run, scored by one code.

For each split (`benchmarks.experiments.SPLITS`: A = train < 2025-01-01, test
2025-01-01..06-30; B = train < 2024-07-01, test 2024-07-01..12-31), the train and test
notes are `tagger.evaluate.split_by_date`'s: test = tagged notes with text, tag
lines stripped. tagger (`TagModel()` through `evaluate_split`, as `tagger eval`
runs it) and every Annif configuration are scored by `tagger.metrics.ranking_metrics`.

Annif gets the text tagger reads (title, abstract, comment, translation; never
the tag line) and the tagged training notes with text. Everything Annif is tuned
on the training period only, as tagger tunes itself: the newest 15 % of the
training notes are held out (`tuning_split`), each candidate is trained on the
older 85 % and scored on them, and the best by nDCG@5 is kept:

- the analyzer (`annif_runner.ANALYZERS`: snowball or simple, token_min_length
  1-3) and each backend's parameters, by one pass of coordinate search from the
  configuration Annif's documentation gives (`SEARCHES`); SVC trains on one copy
  of each note per tag, since it learns a single subject per document;
- a weighted `ensemble` of the chosen backends: weights 0-3 each, averaged as
  Annif averages (`average_rankings`);
- `nn_ensemble` and `pav`, which must learn from notes their sources have not
  seen: sources on the oldest 70 %, the ensemble on the next 15 %, scored on the
  held-out 15 % (for the test: sources on 85 %, ensemble on the held-out 15 %);
- the assigned set, top tag plus every tag scoring at least a threshold (0.00..1.00),
  tuned for assigned-set F1 on the held-out notes (`baseline.tune_threshold`).

Then the chosen single backends are retrained on the whole training period and
every configuration scores the test notes once.

`train s` is the wall clock of `annif train` (a fresh process, as a user runs it;
for an ensemble, its sources' training summed; measured when the project was
trained, so a cached project keeps the figure of the run that trained it) or of
`TagModel.fit` (in-process, Korean analysis included); `notes/s` is warm batch
suggestion over the test notes, measured again on every run (Annif: its Python API
in its venv, model loaded, batches of 32; tagger: `TagModel.suggest` with Kiwi's
memo cleared; both the best of two passes).

Trained projects and held-out suggestions are cached under `.venv-annif/work/`
(git-ignored), keyed by the notes and settings; `--retrain` redoes everything.

    bash benchmarks/setup_annif.sh          # once: Annif in .venv-annif
    python -m benchmarks.peers [--splits A B] [--retrain] [--json out.json]
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import itertools
import json
import math
import sys
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import reduce
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a script too

from benchmarks.annif_runner import (  # noqa: E402
    ANALYZERS,
    ANNIF_VENV,
    AnnifError,
    Project,
    Ranked,
    Stage,
    annif_bin,
    annif_version,
    installed,
    note_text,
)
from benchmarks.baseline import assigned_sets, gold_keys, tune_threshold  # noqa: E402
from benchmarks.experiments import SPLITS  # noqa: E402
from tagger import Entry, TagModel, entry_date, read_entries, tag_key  # noqa: E402

from tagger.analysis.evaluate import evaluate_split, split_by_date  # noqa: E402
from tagger.analysis.metrics import ranking_metrics  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
DEFAULT_CORPUS = REPO.parent / "shared" / "corpus" / "arxiv-today"
CACHE = ANNIF_VENV / "work"
#: Split A, the quality benchmark's (`benchmarks.quality` imports these).
TRAIN_BEFORE, TEST_LAST = SPLITS["A"]
TUNE_SHARE = 0.15
#: Suggestions scored per note (the metrics look at the top 5; the assigned set may reach further).
LIMIT = 10
THRESHOLDS = tuple(i / 100 for i in range(101))
#: What the held-out tuning maximises.
OBJECTIVE = "nDCG@5"
#: Bump when what is cached changes meaning, so old caches are not reused.
CACHE_VERSION = 2
#: Ensemble weights tried per source.
WEIGHTS = (0, 1, 2, 3)

COLUMNS: tuple[tuple[str, str], ...] = (
    ("P@1", "P@1"),
    ("R@5", "R@5"),
    ("nDCG@5", "nDCG@5"),
    ("asg F1", "assigned_f1"),
    ("train s", "train_s"),
    ("notes/s", "notes_per_s"),
)


# ---- splitting --------------------------------------------------------------------------------


def chronological(entries: Iterable[Entry]) -> list[Entry]:
    """Oldest first by date, ties by path: the order `TagModel.fit` uses to pick its newest notes."""
    return sorted(entries, key=lambda e: (entry_date(e) or dt.date.min, str(e.path or "")))


def tuning_split(notes: Sequence[Entry], share: float = TUNE_SHARE) -> tuple[list[Entry], list[Entry]]:
    """(older, newest): the newest `share` of chronologically ordered notes held out, as `TagModel.fit` holds out.

    >>> notes = [Entry(title=str(i), date=dt.date(2024, 1, 1) + dt.timedelta(days=i)) for i in range(20)]
    >>> older, newest = tuning_split(notes)
    >>> len(older), [e.title for e in newest]
    (17, ['17', '18', '19'])
    """
    cut = len(notes) - int(len(notes) * share)
    return list(notes[:cut]), list(notes[cut:])


def split(entries: Sequence[Entry], name: str) -> tuple[list[Entry], list[Entry], list[Entry]]:
    """(all training notes, Annif's training notes oldest first, test notes) of one split."""
    since, until = SPLITS[name]
    train, test = split_by_date(entries, since=since, until=until)
    return train, chronological(e for e in train if e.tags and e.has_text), test


# ---- scoring ----------------------------------------------------------------------------------


@dataclass
class Scored:
    """One configuration's ranking of some notes, with the threshold tuned for it and its metrics."""

    ranked: Ranked
    threshold: float
    metrics: dict[str, float]


def score(gold: Sequence[set[str]], ranked: Ranked, threshold: float | None = None) -> Scored:
    """Metrics of `ranked` (cut to `LIMIT`); the threshold is tuned on these notes when not given."""
    top = [r[:LIMIT] for r in ranked]
    if threshold is None:
        threshold = tune_threshold(gold, top, THRESHOLDS)[0]
    return Scored(top, threshold, ranking_metrics(gold, top, assigned_sets(top, threshold)))


def average_rankings(rankings: Sequence[Ranked], weights: Sequence[float], *, limit: int = LIMIT) -> Ranked:
    """Per note, the weighted mean of each source's scores (0 where a source did not list a tag), best first.

    What Annif's `ensemble` backend computes (`SuggestionBatch.from_averaged`).

    >>> average_rankings([[[("rl", 0.9), ("moe", 0.3)]], [[("moe", 0.6)]]], [1, 2])
    [[('moe', 0.5), ('rl', 0.3)]]
    """
    keys = sorted({t for ranked in rankings for hits in ranked for t, _ in hits})
    return _Averager(rankings, keys).average(weights, limit=limit)


class _Averager:
    """`average_rankings` for many weightings of the same rankings: the sources as dense matrices, once."""

    def __init__(self, rankings: Sequence[Ranked], keys: Sequence[str]) -> None:
        self.keys = list(keys)
        index = {k: j for j, k in enumerate(self.keys)}
        n = len(rankings[0])
        self.mats = np.zeros((len(rankings), n, len(self.keys)))
        for s, ranked in enumerate(rankings):
            for i, hits in enumerate(ranked):
                for t, v in hits:
                    self.mats[s, i, index[t]] = v

    def average(self, weights: Sequence[float], *, limit: int) -> Ranked:
        w = np.asarray(weights, dtype=float)
        mean = np.tensordot(w, self.mats, axes=1) / w.sum()
        out: Ranked = []
        for row in mean:
            top = np.argsort(-row, kind="stable")[:limit]
            out.append([(self.keys[j], float(row[j])) for j in top if row[j] > 0])
        return out


# ---- the search -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Search:
    """Where the search for one backend starts (Annif's documented configuration) and what it varies, in order."""

    name: str
    label: str
    start: Project
    axes: tuple[tuple[str, tuple[Mapping[str, str], ...]], ...]
    #: The Python module the backend needs in the Annif venv ("" = none beyond Annif).
    needs: str = ""


def _values(key: str, *values: str) -> tuple[Mapping[str, str], ...]:
    return tuple({key: v} for v in values)


_ANALYZER_AXIS = ("analyzer", _values("analyzer", *ANALYZERS))
#: Annif's defaults written out, so trying a default value is seen as no change.
_OMIKUJI_DEFAULTS = (("collapse_every_n_layers", "0"), ("min_df", "1"), ("ngram", "1"))
_VECTOR_AXES = (("ngram", _values("ngram", "1", "2")), ("min_df", _values("min_df", "1", "2", "3", "5")))

#: Single backends, each from the configuration Annif's documentation and example
#: projects give: Parabel = Omikuji's defaults; Bonsai = cluster_balanced False,
#: cluster_k 100, max_depth 3; fastText = projects.cfg.dist's (dim 500, lr 0.25,
#: epoch 30, loss hs, chunksize 24). Annif exposes no regularisation setting for
#: SVC or Omikuji, so the analyzer, n-grams and min_df are what there is to tune.
SEARCHES: tuple[Search, ...] = (
    Search("tfidf", "TF-IDF", Project("tfidf", label="TF-IDF"), (_ANALYZER_AXIS,)),
    Search(
        "svc",
        "SVC, one copy per tag",
        Project("svc", params=(("min_df", "1"), ("ngram", "1")), copies=True, label="SVC"),
        (_ANALYZER_AXIS, *_VECTOR_AXES),
    ),
    Search(
        "parabel",
        "Omikuji Parabel",
        Project("omikuji", params=_OMIKUJI_DEFAULTS, label="Parabel"),
        (_ANALYZER_AXIS, *_VECTOR_AXES, ("collapse_every_n_layers", _values("collapse_every_n_layers", "0", "1"))),
        needs="omikuji",
    ),
    Search(
        "bonsai",
        "Omikuji Bonsai",
        Project(
            "omikuji",
            params=tuple(sorted({**dict(_OMIKUJI_DEFAULTS), "cluster_balanced": "False", "cluster_k": "100", "max_depth": "3"}.items())),
            label="Bonsai",
        ),
        (_ANALYZER_AXIS, *_VECTOR_AXES, ("cluster_k", _values("cluster_k", "10", "30", "100", "300"))),
        needs="omikuji",
    ),
    Search(
        "fasttext",
        "fastText",
        Project(
            "fasttext",
            params=(
                ("chunksize", "24"), ("dim", "500"), ("epoch", "30"), ("loss", "hs"), ("lr", "0.25"),
                ("maxn", "0"), ("minn", "0"), ("wordNgrams", "1"),
            ),
            label="fastText",
        ),
        (
            _ANALYZER_AXIS,
            ("loss", _values("loss", "hs", "softmax", "ova")),
            ("epoch", _values("epoch", "30", "100", "200")),
            ("lr", _values("lr", "0.1", "0.25", "0.5")),
            ("wordNgrams", _values("wordNgrams", "1", "2")),
            ("minn/maxn", ({"minn": "0", "maxn": "0"}, {"minn": "3", "maxn": "5"})),
            ("chunksize", _values("chunksize", "1", "24")),
            ("dim", _values("dim", "50", "100", "500")),
        ),
        needs="fasttext",
    ),
    # MLLM matches vocabulary labels in the text; here the labels are the tag names
    # (separators as spaces), the only vocabulary there is. Annif means it for long
    # full texts and a thesaurus with alternative labels.
    Search(
        "mllm",
        "MLLM (tag names as labels)",
        Project("mllm", params=(("min_samples_leaf", "20"),), label="MLLM"),
        (_ANALYZER_AXIS, ("min_samples_leaf", _values("min_samples_leaf", "5", "20"))),
    ),
)


@dataclass
class Trial:
    """One configuration scored on held-out notes during the search."""

    what: str
    config: str
    metrics: dict[str, float]
    threshold: float
    seconds: float
    error: str = ""

    def line(self) -> str:
        if self.error:
            return f"{self.what:<12} {self.config}: failed ({self.error})"
        m = self.metrics
        return (
            f"{self.what:<12} {OBJECTIVE} {m.get(OBJECTIVE, math.nan):.3f}  P@1 {m.get('P@1', math.nan):.3f}  "
            f"R@5 {m.get('R@5', math.nan):.3f}  {self.config}  ({self.seconds:.0f} s)"
        )


def coordinate_search(
    start: Project,
    axes: Sequence[tuple[str, Sequence[Mapping[str, str]]]],
    evaluate: Callable[[Project], float | None],
    vary: Callable[[Project, Mapping[str, str]], Project] = lambda p, c: p.changed(c),
) -> Project:
    """One pass over `axes`: on each, every value is tried with the others as chosen so far; the best stays.

    A value must beat the current choice (ties keep it, so a documented default is
    left alone when nothing does better); `evaluate` returns None for a failure.

    >>> scores = {("1", "a"): 0.1, ("2", "a"): 0.3, ("2", "b"): 0.2, ("1", "b"): 0.9}
    >>> def ev(p): d = dict(p.params); return scores[(d["n"], d["m"])]
    >>> best = coordinate_search(Project("x", params=(("m", "a"), ("n", "1"))),
    ...                          [("n", [{"n": "1"}, {"n": "2"}]), ("m", [{"m": "a"}, {"m": "b"}])], ev)
    >>> dict(best.params)
    {'m': 'a', 'n': '2'}
    """
    current = start
    best = evaluate(current)
    for _, values in axes:
        for change in values:
            candidate = vary(current, change)
            if candidate == current:
                continue
            got = evaluate(candidate)
            if got is not None and (best is None or got > best + 1e-12):
                current, best = candidate, got
    return current


def weight_grid(n: int, values: Sequence[int] = WEIGHTS) -> list[tuple[int, ...]]:
    """Every weighting of `n` sources from `values`, leaving out all-zero ones and multiples of another.

    >>> weight_grid(2, (0, 1, 2))
    [(0, 1), (1, 0), (1, 1), (1, 2), (2, 1)]
    """
    out = []
    for w in itertools.product(values, repeat=n):
        if any(w) and reduce(math.gcd, w) == 1:
            out.append(w)
    return out


# ---- one split --------------------------------------------------------------------------------


def _digest(notes: Sequence[Entry]) -> str:
    h = hashlib.sha256()
    for e in notes:
        h.update(json.dumps([note_text(e), sorted({tag_key(t) for t in e.tags})], ensure_ascii=False).encode())
    return h.hexdigest()[:12]


def _text_digest(texts: Sequence[str]) -> str:
    return hashlib.sha256(json.dumps(list(texts), ensure_ascii=False).encode()).hexdigest()[:16]


def _say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


class SplitRun:
    """Tuning on the held-out notes, then the test, for one split."""

    def __init__(self, name: str, entries: Sequence[Entry], *, retrain: bool = False) -> None:
        self.name = name
        self.train_all, self.notes, self.test = split(entries, name)
        self.fit, self.held = tuning_split(self.notes)
        self.inner, self.inner_held = tuning_split(self.fit)
        vocab = {tag_key(t) for e in self.notes for t in e.tags}

        def stage(label: str, sources: Sequence[Entry], ensemble: Sequence[Entry]) -> Stage:
            key = f"v{CACHE_VERSION}-{annif_version()}-{_digest(sources)}-{_digest(ensemble)}"
            return Stage(CACHE / f"{name}-{label}-{key}", vocab=vocab, source_notes=sources, ensemble_notes=ensemble, fresh=retrain)

        # inner: sources on the oldest 70 %, trainable ensembles on the next 15 %;
        # fit: sources on 85 %, trainable ensembles on the held-out 15 %; final: all.
        self.stage_inner = stage("inner", self.inner, self.inner_held)
        self.stage_fit = stage("fit", self.fit, self.held)
        self.stage_final = stage("final", self.notes, ())
        self.held_texts = [note_text(e) for e in self.held]
        self.test_texts = [note_text(e) for e in self.test]
        self.held_gold = gold_keys(self.held)
        self.test_gold = gold_keys(self.test)
        self.trials: list[Trial] = []
        self.held_scored: dict[str, Scored] = {}

    def _trial(self, what: str, stage: Stage, project: Project) -> Scored | None:
        start = time.perf_counter()
        try:
            ranked, _ = stage.suggest(project, self.held_texts)
        except AnnifError as err:
            trial = Trial(what, project.describe(), {}, math.nan, time.perf_counter() - start, str(err).splitlines()[0])
            self.trials.append(trial)
            _say(f"[{self.name}] {trial.line()}")
            return None
        scored = score(self.held_gold, ranked)
        trial = Trial(what, project.describe(), scored.metrics, scored.threshold, time.perf_counter() - start)
        self.trials.append(trial)
        _say(f"[{self.name}] {trial.line()}")
        return scored

    # ---- held-out tuning ----

    def tune_single(self, search: Search) -> tuple[Project, Scored] | None:
        """The best configuration of one backend on the held-out notes, and its held-out scores."""
        found: dict[Project, Scored] = {}

        def evaluate(p: Project) -> float | None:
            if p not in found:
                got = self._trial(search.name, self.stage_fit, p)
                if got is None:
                    return None
                found[p] = got
            return found[p].metrics.get(OBJECTIVE)

        best = coordinate_search(search.start, search.axes, evaluate)
        return (best, found[best]) if best in found else None

    def tune_ensemble(self, chosen: Mapping[str, Project]) -> tuple[Project, Scored]:
        """Weights for a plain `ensemble` of the chosen backends, from their held-out rankings."""
        names = list(chosen)
        rankings = []
        for n in names:
            ranked, _ = self.stage_fit.suggest(chosen[n], self.held_texts)
            rankings.append(ranked)
        grid = weight_grid(len(names))
        ids = [chosen[n].project_id for n in names]
        cache = self.stage_fit.folder / "results" / f"weights-{_text_digest([*ids, *self.held_texts, *map(str, grid)])}.json"
        start = time.perf_counter()
        if cache.exists():
            best_value, weights = json.loads(cache.read_text(encoding="utf-8"))
        else:
            keys = sorted({t for r in rankings for hits in r for t, _ in hits})
            averager = _Averager(rankings, keys)
            best_value, weights = -1.0, grid[0]
            for w in grid:
                got = ranking_metrics(self.held_gold, averager.average(w, limit=LIMIT)).get(OBJECTIVE, 0.0)
                if got > best_value + 1e-12:
                    best_value, weights = got, w
            cache.write_text(json.dumps([best_value, list(weights)]), encoding="utf-8")
        project = Project(
            "ensemble",
            sources=tuple((chosen[n], float(w)) for n, w in zip(names, weights) if w),
            label="ensemble",
        )
        # Annif's own ensemble on the held-out notes: the figures the search saw, computed by Annif.
        scored = self._trial("ensemble", self.stage_fit, project)
        if scored is None:
            raise AnnifError("the tuned ensemble failed on the held-out notes")
        _say(f"[{self.name}] ensemble weights {dict(zip(names, weights))} from {len(grid)} "
             f"weightings in {time.perf_counter() - start:.0f} s; averaged here {best_value:.3f}, by Annif "
             f"{scored.metrics.get(OBJECTIVE, math.nan):.3f}")
        return project, scored

    def tune_trainable(self, backend: str, chosen: Mapping[str, Project], ensemble: Project) -> tuple[Project, Scored] | None:
        """`nn_ensemble` or `pav`: sources on the oldest 70 %, trained on the next 15 %, scored on the held-out 15 %."""
        equal = tuple((p, 1.0) for p in chosen.values())
        variants = {"equal": equal, "tuned": ensemble.sources}
        if backend == "nn_ensemble":
            start = Project(backend, params=(("dropout_rate", "0.2"), ("epochs", "10"), ("nodes", "100")), sources=equal, label="NN ensemble")
            axes: list[tuple[str, Sequence[Mapping[str, str]]]] = [
                ("sources", [{"sources": "equal"}, {"sources": "tuned"}]),
                ("epochs", _values("epochs", "10", "30", "100")),
                ("nodes", _values("nodes", "100", "400")),
            ]
        else:
            start = Project(backend, params=(("min-docs", "10"),), sources=equal, label="PAV")
            axes = [
                ("sources", [{"sources": "equal"}, {"sources": "tuned"}]),
                ("min-docs", _values("min-docs", "2", "5", "10", "20")),
            ]

        def vary(p: Project, change: Mapping[str, str]) -> Project:
            if "sources" in change:
                return Project(p.backend, params=p.params, sources=variants[change["sources"]], label=p.label)
            return p.changed(change)

        found: dict[Project, Scored] = {}

        def evaluate(p: Project) -> float | None:
            if p not in found:
                got = self._trial(backend, self.stage_inner, p)
                if got is None:
                    return None
                found[p] = got
            return found[p].metrics.get(OBJECTIVE)

        best = coordinate_search(start, axes, evaluate, vary)
        return (best, found[best]) if best in found else None

    # ---- the test ----

    def test_row(self, stage: Stage, project: Project, held: Scored, source_stage: Stage | None = None) -> dict[str, Any]:
        """Train on the stage's notes (cached), suggest for the test notes, score with the held-out threshold."""
        own_s = stage.train(project)
        srcs = source_stage or stage
        sources_s = sum(srcs.train_seconds(p) or 0.0 for p, _ in project.sources)
        # Timed again on every run, so Annif's rate and tagger's come from the same moment of this shared machine.
        ranked, timings = stage.suggest(project, self.test_texts, repeats=2, cached=False)
        one_s = stage.one_note_seconds(project, self.test_texts[0]) if self.test_texts else math.nan
        scored = score(self.test_gold, ranked, held.threshold)
        return {
            **scored.metrics,
            "threshold": held.threshold,
            "held": held.metrics,
            "train_s": own_s + sources_s,
            **timings,
            "one_note_s": one_s,
            "config": project.describe(),
            "train_notes": float(len(stage.ensemble_notes if project.is_ensemble and project.backend != "ensemble" else stage.source_notes)),
        }

    def tagger_row(self, entries: Sequence[Entry]) -> dict[str, Any]:
        """`TagModel()` trained and scored through `evaluate_split`, as `tagger eval` does, with its timings."""
        timed: list[_TimedTagModel] = []

        def factory() -> _TimedTagModel:
            timed.append(_TimedTagModel())
            return timed[-1]

        since, until = SPLITS[self.name]
        ev = evaluate_split(entries, since=since, until=until, model_factory=factory)
        t = timed[-1]
        return {
            **ev.metrics,
            "train_s": t.fit_s,
            "notes_per_s": len(self.test) / t.suggest_s if t.suggest_s else math.nan,
            "config": "TagModel() defaults",
            "train_notes": float(ev.train_notes),
        }


def _clear_kiwi_memo() -> None:
    from tagger.model.korean import clear_memo

    clear_memo()


class _TimedTagModel:
    """`TagModel()` for `evaluate_split`, timing fit and suggest with Kiwi's memo cleared first.

    Without clearing, split B's test comments would come from split A's memo (A trains on them).
    """

    def __init__(self) -> None:
        self.model = TagModel()
        self.fit_s = math.nan
        self.suggest_s = math.nan

    def fit(self, entries: Sequence[Entry]) -> _TimedTagModel:
        _clear_kiwi_memo()
        start = time.perf_counter()
        self.model.fit(entries)
        self.fit_s = time.perf_counter() - start
        return self

    def suggest(self, entries: Sequence[Entry], *, k: int = 5) -> Any:
        # Best of two passes, as Annif's rate is, so one hiccup of this shared machine does not decide it.
        best = math.inf
        for _ in range(2):
            _clear_kiwi_memo()
            start = time.perf_counter()
            rows = self.model.suggest(entries, k=k)
            best = min(best, time.perf_counter() - start)
        self.suggest_s = best
        return rows


def run_split(name: str, entries: Sequence[Entry], *, retrain: bool = False, backends: Sequence[str] | None = None,
              tagger: bool = True) -> dict[str, Any]:
    """Tune on the held-out notes, then score tagger and every Annif configuration on the test notes.

    Returns `rows` (row name → figures; `held` holds a configuration's held-out
    metrics), `trials` (every held-out trial), and the note counts.
    """
    run = SplitRun(name, entries, retrain=retrain)
    _say(f"[{name}] {len(run.notes)} Annif training notes: tuned on {len(run.fit)} + {len(run.held)} held out "
         f"(trainable ensembles: {len(run.inner)} + {len(run.inner_held)}); {len(run.test)} test notes")
    rows: dict[str, Any] = {}
    if tagger:
        rows["tagger"] = run.tagger_row(entries)
        _say(f"[{name}] tagger: {OBJECTIVE} {rows['tagger'][OBJECTIVE]:.3f}")

    chosen: dict[str, Project] = {}
    held: dict[str, Scored] = {}
    labels: dict[str, str] = {}
    for search in SEARCHES:
        if backends is not None and search.name not in backends:
            continue
        if search.needs and not installed(search.needs):
            _say(f"[{name}] {search.name}: skipped, {search.needs} is not installed in {ANNIF_VENV}")
            continue
        got = run.tune_single(search)
        if got is None:
            continue
        chosen[search.name], held[search.name] = got
        labels[search.name] = search.label
    if "svc" in chosen:
        # What the copies are worth: Annif's SVC as documented, one subject per note.
        run._trial("svc-1-tag", run.stage_fit, chosen["svc"].changed({"copies": "False"}))

    for n, project in chosen.items():
        rows[f"Annif {labels[n]}"] = run.test_row(run.stage_final, project, held[n])
    if len(chosen) >= 2:
        ensemble, ens_held = run.tune_ensemble(chosen)
        rows["Annif ensemble"] = run.test_row(run.stage_final, ensemble, ens_held)
        # NN ensemble and PAV are tuned with sources on 70 % of the notes; the plain
        # ensemble on those same sources is their like-for-like comparison.
        run._trial("ensemble-70%", run.stage_inner, ensemble)
        for backend, label, needs in (("nn_ensemble", "Annif NN ensemble", "tensorflow"), ("pav", "Annif PAV", "")):
            if needs and not installed(needs):
                _say(f"[{name}] {backend}: skipped, {needs} is not installed in {ANNIF_VENV}")
                continue
            got = run.tune_trainable(backend, chosen, ensemble)
            if got is None:
                continue
            project, scored = got
            try:
                rows[label] = run.test_row(run.stage_fit, project, scored, source_stage=run.stage_fit)
            except AnnifError as err:
                _say(f"[{name}] {backend} failed on the test notes: {err}")
    return {
        "rows": rows,
        "trials": [t.__dict__ for t in run.trials],
        "train_notes": len(run.train_all),
        "annif_train_notes": len(run.notes),
        "held_notes": len(run.held),
        "test_notes": len(run.test),
    }


# ---- the command ------------------------------------------------------------------------------


def _missing(corpus: Path) -> str | None:
    """A one-line hint when Annif or the shared corpus is not there, else None."""
    try:
        annif_bin()
        annif_version()
    except AnnifError as err:
        return f"peers: skipped, {err}"
    if not corpus.is_dir():
        return f"peers: skipped, corpus not found: {corpus} (needs ../shared)"
    return None


def run(
    *,
    corpus: Path = DEFAULT_CORPUS,
    splits: Sequence[str] = ("A", "B"),
    retrain: bool = False,
    backends: Sequence[str] | None = None,
    tagger: bool = True,
) -> dict[str, dict[str, Any]]:
    """Split name → `run_split`'s result. `{}` after a one-line hint when `.venv-annif` or the corpus is missing."""
    hint = _missing(corpus)
    if hint is not None:
        print(hint)
        return {}
    entries = read_entries(corpus, on_problem=lambda err: None)
    return {s: run_split(s, entries, retrain=retrain, backends=backends, tagger=tagger) for s in splits}


def _fmt(value: object) -> str:
    if not isinstance(value, (int, float)) or math.isnan(value):
        return "n/a"
    return f"{value:.3f}" if abs(value) < 10 else f"{value:.1f}" if abs(value) < 1000 else f"{value:.0f}"


def table(rows: Mapping[str, Mapping[str, Any]]) -> str:
    """A plain-text table, one row per configuration.

    >>> print(table({"tagger": {"P@1": 0.5, "notes_per_s": 1234.5, "config": "defaults"}}).splitlines()[2].split()[:3])
    ['tagger', '0.500', 'n/a']
    """
    heads = ["configuration", *(h for h, _ in COLUMNS), "settings"]
    body = [[n, *(_fmt(r.get(k)) for _, k in COLUMNS), str(r.get("config", ""))] for n, r in rows.items()]
    widths = [max(len(x) for x in col) for col in zip(heads, *body)]

    def line(cells: Sequence[str]) -> str:
        last = len(cells) - 1
        return "  ".join(
            c.ljust(w) if i in (0, last) else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths))
        ).rstrip()

    return "\n".join([line(heads), "-" * len(line(heads)), *(line(r) for r in body)])


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: one table per split; 2 when Annif or the corpus is missing."""
    ap = argparse.ArgumentParser(
        prog="python -m benchmarks.peers", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    ap.add_argument("--splits", nargs="+", default=["A", "B"], choices=sorted(SPLITS))
    ap.add_argument("--backends", help="comma-separated subset of " + ",".join(s.name for s in SEARCHES))
    ap.add_argument("--retrain", action="store_true", help="ignore cached Annif projects and results")
    ap.add_argument("--json", type=Path, help="also write every figure and held-out trial here")
    args = ap.parse_args(argv)
    backends = None
    if args.backends:
        backends = [b.strip() for b in args.backends.split(",") if b.strip()]
        unknown = [b for b in backends if b not in {s.name for s in SEARCHES}]
        if unknown:
            ap.error(f"unknown backend(s) {unknown}")

    start = time.perf_counter()
    results = run(corpus=args.corpus, splits=args.splits, retrain=args.retrain, backends=backends)
    if not results:
        return 2
    for name, res in results.items():
        since, until = SPLITS[name]
        print(
            f"\nSplit {name}: train < {since} ({res['train_notes']} notes; Annif trains on the "
            f"{res['annif_train_notes']} tagged ones with text), test {since}..{until} "
            f"({res['test_notes']} tagged notes, tag lines stripped); Annif {annif_version()}, tuned on the newest "
            f"{res['held_notes']} training notes held out"
        )
        print(table(res["rows"]))
    print(f"\npeers: {time.perf_counter() - start:.0f} s")
    if args.json:
        args.json.write_text(json.dumps(results, indent=1, sort_keys=True, default=str) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
