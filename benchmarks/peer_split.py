"""The peers benchmark on one split: tune every Annif configuration on the held-out notes, then test (`run_split`).

See `benchmarks.peers` for the protocol.
"""

from __future__ import annotations

import hashlib
import json
import math
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a script too

from benchmarks.annif_runner import ANNIF_VENV, AnnifError, Project, annif_version, installed, note_text  # noqa: E402
from benchmarks.annif_stage import Stage  # noqa: E402
from benchmarks.experiments import SPLITS  # noqa: E402
from benchmarks.baseline import gold_keys  # noqa: E402
from benchmarks.peer_search import (  # noqa: E402
    CACHE,
    CACHE_VERSION,
    LIMIT,
    OBJECTIVE,
    SEARCHES,
    Scored,
    Search,
    Trial,
    _Averager,
    _values,
    coordinate_search,
    score,
    split,
    tuning_split,
    weight_grid,
)
from tagger import Entry, TagModel, tag_key  # noqa: E402
from tagger.analysis.evaluate import evaluate_split  # noqa: E402
from tagger.analysis.metrics import ranking_metrics  # noqa: E402


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


