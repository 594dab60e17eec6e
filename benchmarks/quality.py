"""Quality benchmark (issue 3): train on notes dated before 2025-01-01, test on 2025-01-01..06-30.

Test notes are scored with their tag lines stripped. tagger, the plain
baseline and Annif's backends (`benchmarks.peers`) are scored by the same metric
code in the same run; `tagger eval VAULT --since 250101` prints the same tagger
figures (one code path: `tagger.analysis.evaluate.evaluate_split`).

    python -m benchmarks.quality [--corpus DIR] [--no-peers] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.baseline import PlainBaseline  # noqa: E402
from tagger.analysis.evaluate import evaluate_split  # noqa: E402
from tagger.analysis.scoring import METRIC_ORDER  # noqa: E402
from tagger.cli.evaluation import format_evaluation  # noqa: E402
from tagger.model import TagModel  # noqa: E402
from tagger.notes.read import read_entries  # noqa: E402

DEFAULT_CORPUS = Path(__file__).resolve().parent.parent.parent / "shared" / "corpus" / "arxiv-today"
from benchmarks.peers import TEST_LAST as UNTIL  # noqa: E402
from benchmarks.peers import TRAIN_BEFORE as SINCE  # noqa: E402

#: Issue 3's targets on this split.
TARGETS = {"P@1": 0.78, "R@5": 0.86, "assigned_f1": 0.64}
COLUMNS = METRIC_ORDER
SHORT = {"assigned_precision": "asg P", "assigned_recall": "asg R", "assigned_f1": "asg F1", "micro_f1": "micro F1"}


def _row(name: str, m: dict[str, float], extra: str = "") -> str:
    cells = "  ".join(f"{m.get(c, math.nan):>{max(6, len(SHORT.get(c, c)))}.3f}" for c in COLUMNS)
    return f"{name:<32}  {cells}  {extra}"


def run(*, corpus: Path = DEFAULT_CORPUS, peers: bool = True) -> dict[str, Any]:
    """All figures as a dict (also printed). Empty when the corpus is absent."""
    if not corpus.is_dir():
        print(f"quality: skipped, corpus not found: {corpus} (needs ../shared)")
        return {}
    entries = read_entries(corpus, on_problem=lambda err: None)
    ours = evaluate_split(entries, since=SINCE, until=UNTIL, model_factory=TagModel)
    base = evaluate_split(entries, since=SINCE, until=UNTIL, model_factory=PlainBaseline)
    print(format_evaluation(ours, title="tagger (benchmarks/quality)"))
    print()
    head = "  ".join(f"{SHORT.get(c, c):>{max(6, len(SHORT.get(c, c)))}}" for c in COLUMNS)
    print(f"{'system':<32}  {head}")
    print(_row("tagger", ours.metrics, f"train+test {ours.seconds:.1f} s"))
    print(_row("plain baseline", base.metrics, f"train+test {base.seconds:.1f} s"))
    result: dict[str, Any] = {"tagger": ours.metrics, "baseline": base.metrics, "peers": {}}
    if peers:
        from benchmarks import peers as peer_bench

        annif = peer_bench.run(corpus=corpus, splits=["A"], tagger=False).get("A", {}).get("rows", {})
        for name, figures in annif.items():
            print(_row(name, figures, f"{figures.get('notes_per_s', math.nan):.0f} notes/s"))
        result["peers"] = annif
    print()
    for key, target in TARGETS.items():
        got = ours.metrics.get(key, math.nan)
        best_peer = max((f.get(key, math.nan) for f in result["peers"].values()), default=math.nan)
        print(
            f"{key:<12} tagger {got:.3f}  target {target:.2f} {'met' if got >= target else 'NOT met'}; "
            f"baseline {base.metrics.get(key, math.nan):.3f}; best Annif {best_peer:.3f}"
        )
    result["targets"] = TARGETS
    return result


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.quality", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    ap.add_argument("--no-peers", action="store_true", help="skip Annif")
    ap.add_argument("--json", type=Path, help="also write the figures here")
    args = ap.parse_args(argv)
    result = run(corpus=args.corpus, peers=not args.no_peers)
    if args.json and result:
        args.json.write_text(json.dumps(result, indent=1, default=str), encoding="utf-8")
    return 0 if result else 2


if __name__ == "__main__":
    sys.exit(main())
