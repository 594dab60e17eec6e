"""Old code against new, interleaved: fresh `tagger` processes from two source trees, A B A B …

    git worktree add --detach /tmp/old 67e7945          # or: git archive OLD src | tar -x -C /tmp/old
    python -m benchmarks.compare --old /tmp/old/src [--rounds 10] [--corpus DIR] [--note FILE]

Each tree trains its own model on the corpus first (its own file format), then every
round runs, for each tree in turn (the order alternating round by round, so both see
the same moments of this noisy machine): `tagger suggest --model M NOTE` and `tagger
parse CORPUS --format jsonl`. Prints the median wall time of each, old → new. The
training times are one run each, printed as they come.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEFAULT_CORPUS = REPO.parent / "shared" / "corpus" / "arxiv-today"
DEFAULT_NOTE = REPO / "data" / "new-note.md"


def timed(src: Path, args: Sequence[str], cwd: Path) -> float:
    """Wall seconds of `python -m tagger ARGS` with the tagger package of `src`; raises on exit 2 or worse."""
    env = dict(os.environ, PYTHONPATH=str(src))
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "tagger", *args], env=env, capture_output=True, text=True, cwd=cwd)
    took = time.perf_counter() - start
    if proc.returncode not in (0, 1):
        raise RuntimeError(f"tagger {' '.join(args)} ({src}) exited {proc.returncode}: {proc.stderr.strip()[-300:]}")
    return took


def orders(rounds: int) -> list[tuple[str, str]]:
    """The order of the two trees in each round: alternating, so neither always goes first.

    >>> orders(3)
    [('old', 'new'), ('new', 'old'), ('old', 'new')]
    """
    return [("old", "new") if r % 2 == 0 else ("new", "old") for r in range(rounds)]


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.compare", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--old", type=Path, required=True, metavar="SRC", help="the folder holding the old `tagger` package")
    ap.add_argument("--rounds", type=int, default=10)
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    ap.add_argument("--note", type=Path, default=DEFAULT_NOTE)
    args = ap.parse_args(argv)
    if not (args.old / "tagger" / "__init__.py").is_file():
        print(f"compare: --old {args.old}: no tagger package there", file=sys.stderr)
        return 2
    if not args.corpus.is_dir():
        print(f"compare: skipped, corpus not found: {args.corpus} (needs ../shared)")
        return 2
    trees = {"old": args.old.resolve(), "new": (REPO / "src").resolve()}
    with tempfile.TemporaryDirectory(prefix="tagger-compare-") as tmp:
        work = Path(tmp)
        models = {name: work / f"{name}.model" for name in trees}
        for name, src in trees.items():
            took = timed(src, ["train", str(args.corpus), "--model", str(models[name])], work)
            print(f"train ({name}): {took:.2f} s", flush=True)
        runs: dict[str, dict[str, list[float]]] = {name: {"suggest": [], "parse": []} for name in trees}
        for order in orders(args.rounds):
            for name in order:
                runs[name]["suggest"].append(timed(trees[name], ["suggest", "--model", str(models[name]), str(args.note)], work))
                runs[name]["parse"].append(timed(trees[name], ["parse", str(args.corpus), "--format", "jsonl"], work))
    for what in ("suggest", "parse"):
        old, new = (statistics.median(runs[n][what]) for n in ("old", "new"))
        print(f"tagger {what}: {old:.3f} → {new:.3f} s (medians of {args.rounds}, interleaved)")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(REPO))
    sys.exit(main())
