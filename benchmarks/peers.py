"""Peer benchmark: Annif's Omikuji Parabel and Bonsai, SVC and TF-IDF on tagger's split.

Train = corpus notes dated before 2025-01-01 that carry tags and have text; test =
notes dated 2025-01-01..2025-06-30 that carry tags. Annif gets only the text tagger
reads (title, abstract, comment, translation; never the tag line); gold tags and
suggestions are compared by `tag_key` and scored by `tagger.metrics.ranking_metrics`,
the same code as tagger's own quality benchmark.

Annif's assigned set for a note is its suggestions scoring at least a threshold, and
always the top one. The threshold is tuned the way tagger's own rule is, on held-out
notes and never on the test set: each backend is also trained on the oldest 85% of
the training notes, and the threshold (0.00..1.00 by 0.01) that maximises the
assigned-set F1 on the newest 15% is the one used on the test set.

Speed: `notes/s` is warm batch suggestion over the test set through Annif's Python
API in the Annif venv (model loaded beforehand, Annif's batch size 32, best of two
passes); `one-note s` is the median of three fresh `annif suggest` processes for
one note, start-up included; `train s` is the wall clock of `annif train`.

Trained projects and results are cached under `.venv-annif/work/` (git-ignored),
keyed by the split, the backend's settings and Annif's version; `--retrain` redoes
everything.

    bash benchmarks/setup_annif.sh          # once: Annif in .venv-annif
    python -m benchmarks.peers [--corpus DIR] [--backends parabel,svc] [--json out.json]
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import math
import shutil
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a script too

from benchmarks.annif_runner import (  # noqa: E402
    ANALYZER,
    ANNIF_VENV,
    BACKENDS,
    AnnifError,
    Ranked,
    annif_bin,
    annif_version,
    note_text,
    one_note_seconds,
    suggest_batch,
    train_project,
)
from benchmarks.baseline import assigned_sets, gold_keys, tune_threshold  # noqa: E402
from tagger import read_entries  # noqa: E402
from tagger.entry import Entry, chronological  # noqa: E402
from tagger.analysis.evaluate import split_by_date  # noqa: E402
from tagger.analysis.metrics import ranking_metrics  # noqa: E402
from tagger.spelling import tag_key  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
DEFAULT_CORPUS = REPO.parent / "shared" / "corpus" / "arxiv-today"
CACHE = ANNIF_VENV / "work"
TRAIN_BEFORE = dt.date(2025, 1, 1)
TEST_LAST = dt.date(2025, 6, 30)
TUNE_FRACTION = 0.15
LIMIT = 10
THRESHOLDS = tuple(i / 100 for i in range(101))
#: Bump when what is cached changes meaning, so old caches are not reused.
CACHE_VERSION = 1

#: Table columns: (heading, key in the result dict).
COLUMNS: tuple[tuple[str, str], ...] = (
    ("P@1", "P@1"),
    ("R@3", "R@3"),
    ("R@5", "R@5"),
    ("F1@3", "F1@3"),
    ("nDCG@5", "nDCG@5"),
    ("aP", "assigned_precision"),
    ("aR", "assigned_recall"),
    ("aF1", "assigned_f1"),
    ("microF1", "micro_f1"),
    ("thr", "threshold"),
    ("train s", "train_s"),
    ("notes/s", "notes_per_s"),
    ("1-note s", "one_note_s"),
)


def split(entries: Iterable[Entry]) -> tuple[list[Entry], list[Entry]]:
    """(train, test) exactly as tagger's quality benchmark splits: `tagger.evaluate.split_by_date`.

    Annif trains on the tagged training notes with text, oldest first (so the
    newest, used to tune its threshold, are last).
    """
    train, test = split_by_date(list(entries), since=TRAIN_BEFORE, until=TEST_LAST)
    return chronological(e for e in train if e.tags and e.has_text), test


def cache_key(backend: str, train: Sequence[Entry], test: Sequence[Entry]) -> str:
    """A digest of everything a cached result depends on."""
    h = hashlib.sha256()
    header = [CACHE_VERSION, annif_version(), backend, BACKENDS[backend], ANALYZER, LIMIT, TUNE_FRACTION]
    h.update(json.dumps(header, sort_keys=True).encode())
    for e in train:
        h.update(json.dumps([note_text(e), sorted({tag_key(t) for t in e.tags})]).encode())
    h.update(b"--test--")
    for e in test:
        h.update(note_text(e).encode())
    return h.hexdigest()[:16]


def run_backend(
    backend: str, train: list[Entry], test: list[Entry], *, retrain: bool = False
) -> tuple[Ranked, dict[str, float]]:
    """Train, tune and time one Annif backend; per test note its ranking, and figures.

    Figures: `threshold` and `tune_f1` (from the 85/15 split of `train`),
    `train_s`, `load_s`, `batch_s`, `notes_per_s`, `one_note_s`. Cached; see the
    module docstring.
    """
    folder = CACHE / f"{backend}-{cache_key(backend, train, test)}"
    result_file = folder / "result.json"
    if result_file.exists() and not retrain:
        cached = json.loads(result_file.read_text(encoding="utf-8"))
        ranked: Ranked = [[(t, float(s)) for t, s in hits] for hits in cached["ranked"]]
        return ranked, {k: float(v) for k, v in cached["figures"].items()}
    if folder.exists():
        shutil.rmtree(folder)

    n_fit = len(train) - math.ceil(TUNE_FRACTION * len(train))
    fit, held = train[:n_fit], train[n_fit:]
    train_project(fit, backend, folder / "tune")
    held_ranked, _ = suggest_batch([note_text(e) for e in held], folder / "tune", limit=LIMIT)
    threshold, tune_f1 = tune_threshold(gold_keys(held), held_ranked, THRESHOLDS)

    train_s = train_project(train, backend, folder / "final")
    ranked, timings = suggest_batch(
        [note_text(e) for e in test], folder / "final", limit=LIMIT, repeats=2
    )
    one_s = one_note_seconds(note_text(test[0]), folder / "final", limit=LIMIT) if test else math.nan
    figures = {
        "threshold": threshold,
        "tune_f1": tune_f1,
        "train_s": train_s,
        **timings,
        "one_note_s": one_s,
    }
    result_file.write_text(json.dumps({"ranked": ranked, "figures": figures}), encoding="utf-8")
    return ranked, figures


def _missing() -> str | None:
    """A one-line hint when Annif or the shared corpus is not there, else None."""
    try:
        annif_bin()
        annif_version()
    except AnnifError as err:
        return f"peers: skipped, {err}"
    return None


def run(
    *, corpus: Path = DEFAULT_CORPUS, backends: Sequence[str] | None = None, retrain: bool = False
) -> dict[str, dict[str, float]]:
    """Backend name → metrics (as `ranking_metrics` names them) and train_s, notes_per_s, one_note_s.

    Returns `{}` after printing a one-line hint when `.venv-annif` or the corpus is
    missing. A backend that fails is reported on stderr and left out.

    >>> run(corpus=Path("/nonexistent"))  # doctest: +SKIP
    peers: skipped, corpus not found: /nonexistent
    {}
    """
    hint = _missing()
    if hint is None and not corpus.is_dir():
        hint = f"peers: skipped, corpus not found: {corpus} (needs ../shared)"
    if hint is not None:
        print(hint)
        return {}
    chosen = list(BACKENDS) if backends is None else list(backends)
    unknown = [b for b in chosen if b not in BACKENDS]
    if unknown:
        raise ValueError(f"unknown Annif backend(s) {unknown}; choose from {list(BACKENDS)}")

    train, test = split(read_entries(corpus, on_problem=lambda err: None))
    gold = gold_keys(test)
    out: dict[str, dict[str, float]] = {}
    for b in chosen:
        try:
            ranked, figures = run_backend(b, train, test, retrain=retrain)
        except AnnifError as err:
            print(f"peers: Annif {b} failed: {err}", file=sys.stderr)
            continue
        metrics = ranking_metrics(gold, ranked, assigned_sets(ranked, figures["threshold"]))
        out[b] = {**metrics, **figures, "train_notes": float(len(train))}
    return out


def _fmt(value: float | None) -> str:
    if value is None or math.isnan(value):
        return "n/a"
    return f"{value:.3f}" if abs(value) < 10 else f"{value:.1f}" if abs(value) < 1000 else f"{value:.0f}"


def table(results: dict[str, dict[str, float]]) -> str:
    """A plain-text table, one row per backend.

    >>> print(table({"svc": {"P@1": 0.5, "notes_per_s": 1234.5}}).splitlines()[2].split()[:3])
    ['svc', '0.500', 'n/a']
    """
    heads = ["backend", *(h for h, _ in COLUMNS)]
    rows = [[b, *(_fmt(r.get(k)) for _, k in COLUMNS)] for b, r in results.items()]
    widths = [max(len(x) for x in col) for col in zip(heads, *rows)]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(c.rjust(w) if i else c.ljust(w) for i, (c, w) in enumerate(zip(cells, widths)))

    return "\n".join([line(heads), "-" * len(line(heads)), *(line(r) for r in rows)])


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: print the peer table; 1 when a backend failed, 2 when skipped."""
    ap = argparse.ArgumentParser(
        prog="python -m benchmarks.peers",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    ap.add_argument(
        "--backends", default=",".join(BACKENDS), help="comma-separated: " + ",".join(BACKENDS)
    )
    ap.add_argument("--retrain", action="store_true", help="ignore cached Annif projects")
    ap.add_argument("--json", type=Path, help="also write the figures here")
    args = ap.parse_args(argv)
    backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    unknown = [b for b in backends if b not in BACKENDS]
    if unknown:
        ap.error(f"unknown backend(s) {unknown}; choose from {list(BACKENDS)}")

    if _missing() is not None or not args.corpus.is_dir():
        run(corpus=args.corpus)  # prints the hint
        return 2
    results = run(corpus=args.corpus, backends=backends, retrain=args.retrain)
    any_row = next(iter(results.values()), {})
    print(
        f"Annif {annif_version()} on {int(any_row.get('train_notes', 0))} training notes "
        f"(< {TRAIN_BEFORE}), {int(any_row.get('notes', 0))} test notes "
        f"({TRAIN_BEFORE}..{TEST_LAST}); assigned = top 1 + score >= thr "
        f"(tuned on the newest {TUNE_FRACTION:.0%} of training)\n"
    )
    print(table(results))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return 0 if len(results) == len(backends) else 1


if __name__ == "__main__":
    sys.exit(main())
