"""Peer benchmark: tagger against Annif at its best, on splits A and B, in one run, scored by one code.

For each split (`benchmarks.experiments.SPLITS`: A = train < 2025-01-01, test
2025-01-01..06-30; B = train < 2024-07-01, test 2024-07-01..12-31), the train and test
notes are `tagger.analysis.evaluate.split_by_date`'s: test = tagged notes with text, tag
lines stripped. tagger (`TagModel()` through `evaluate_split`, as `tagger eval`
runs it) and every Annif configuration are scored by `tagger.analysis.metrics.ranking_metrics`.

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
import time
import json
import math
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a script too

from benchmarks.annif_runner import AnnifError, annif_bin, annif_version  # noqa: E402
from benchmarks.experiments import SPLITS  # noqa: E402
from benchmarks.peer_search import SEARCHES, TEST_LAST, TRAIN_BEFORE  # noqa: E402
from benchmarks.peer_split import run_split  # noqa: E402
from tagger import read_entries  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
DEFAULT_CORPUS = REPO.parent / "shared" / "corpus" / "arxiv-today"
__all__ = ["DEFAULT_CORPUS", "TEST_LAST", "TRAIN_BEFORE", "main", "run", "table"]

COLUMNS: tuple[tuple[str, str], ...] = (
    ("P@1", "P@1"),
    ("R@5", "R@5"),
    ("nDCG@5", "nDCG@5"),
    ("asg F1", "assigned_f1"),
    ("train s", "train_s"),
    ("notes/s", "notes_per_s"),
)


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
