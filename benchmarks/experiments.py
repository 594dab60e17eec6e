"""Model experiments on several time splits at once: the harness behind benchmarks/LOG.md.

A change is kept only if it helps on two different time splits (a P@1 difference
under 0.02 on ~500 notes is noise). Settings are `TagModel` arguments:

    python -m benchmarks.experiments                                  # defaults, splits A and B
    python -m benchmarks.experiments --set half_life_days=120 --set centroid_weight=3
    python -m benchmarks.experiments --splits A B C D --set alpha=0.3

Splits (train on notes dated before the start, test on the half-year from it, tag
lines stripped): A = 2025-01 (the quality benchmark's), B = 2024-07, C = 2024-01,
D = 2023-07. Each comment goes through Kiwi once per process, so a run of several
splits costs little more than one.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tagger.analysis.evaluate import evaluate_split  # noqa: E402
from tagger.model import TagModel  # noqa: E402
from tagger.notes.read import read_entries  # noqa: E402

DEFAULT_CORPUS = Path(__file__).resolve().parent.parent.parent / "shared" / "corpus" / "arxiv-today"

SPLITS: dict[str, tuple[dt.date, dt.date]] = {
    "A": (dt.date(2025, 1, 1), dt.date(2025, 6, 30)),
    "B": (dt.date(2024, 7, 1), dt.date(2024, 12, 31)),
    "C": (dt.date(2024, 1, 1), dt.date(2024, 6, 30)),
    "D": (dt.date(2023, 7, 1), dt.date(2023, 12, 31)),
}
SHOWN = ("P@1", "R@5", "assigned_f1")


def parse_setting(text: str) -> tuple[str, Any]:
    """`name=value` → (name, value) typed like the `TagModel` field's default.

    >>> parse_setting("half_life_days=120")
    ('half_life_days', 120.0)
    >>> parse_setting("min_df=3")
    ('min_df', 3)
    >>> parse_setting("speed=3")
    Traceback (most recent call last):
    ValueError: unknown TagModel setting 'speed'; choose from half_life_days, alpha, ...
    """
    name, _, raw = text.partition("=")
    defaults = TagModel().get_params()
    if name not in defaults or name == "korean":
        choices = [n for n in defaults if n != "korean"]
        raise ValueError(f"unknown TagModel setting {name!r}; choose from {', '.join(choices[:2])}, ...")
    default = defaults[name]
    return name, type(default)(raw) if isinstance(default, (int, float)) else raw


def run(settings: dict[str, Any], *, splits: Sequence[str], corpus: Path) -> dict[str, dict[str, float]]:
    """P@1, R@5 and assigned F1 of `TagModel(**settings)` on each split."""
    entries = read_entries(corpus, on_problem=lambda err: None)
    out: dict[str, dict[str, float]] = {}
    for name in splits:
        since, until = SPLITS[name]
        ev = evaluate_split(entries, since=since, until=until, model_factory=lambda: TagModel(**settings))
        out[name] = {k: ev.metrics[k] for k in SHOWN} | {"notes": float(ev.test_notes), "seconds": ev.seconds}
    return out


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.experiments", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--set", action="append", default=[], metavar="NAME=VALUE", help="a TagModel setting (repeatable)")
    ap.add_argument("--splits", nargs="+", default=["A", "B"], choices=sorted(SPLITS))
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    args = ap.parse_args(argv)
    if not args.corpus.is_dir():
        print(f"experiments: skipped, corpus not found: {args.corpus} (needs ../shared)")
        return 2
    try:
        settings = dict(parse_setting(s) for s in args.set)
    except ValueError as err:
        print(f"experiments: {err}", file=sys.stderr)
        return 2
    start = time.perf_counter()
    results = run(settings, splits=args.splits, corpus=args.corpus)
    label = " ".join(args.set) or "defaults"
    print(f"{label}  ({time.perf_counter() - start:.0f} s)")
    for name, m in results.items():
        figures = " / ".join(f"{m[k]:.3f}" for k in SHOWN)
        print(f"  {name} ({int(m['notes'])} notes): P@1 / R@5 / assigned F1 = {figures}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
