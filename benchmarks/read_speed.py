"""Read speed: the whole shared corpus through `tagger.read_entries`, and through `tagger parse`.

`read_s` is the median of three in-process reads of every note (files in the OS
cache after the first; `first_read_s` is that first one). `cli_s` is the median
of three fresh `python -m tagger parse --format jsonl CORPUS` processes with their
output discarded: interpreter start-up, imports, reading, formatting, what a user
waits for.

    python -m benchmarks.read_speed [--corpus DIR] [--repeat 3]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a script too

from tagger import read_entries  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
DEFAULT_CORPUS = REPO.parent / "shared" / "corpus" / "arxiv-today"


def run(*, corpus: Path = DEFAULT_CORPUS, repeat: int = 3, cli: bool = True) -> dict[str, float]:
    """Figures: notes, read_s, first_read_s, notes_per_s, and cli_s (unless `cli=False`).

    Returns `{}` after printing a one-line hint when the corpus is absent.

    >>> run(corpus=Path("/nonexistent"))
    read_speed: skipped, corpus not found: /nonexistent (needs ../shared)
    {}
    """
    if not corpus.is_dir():
        print(f"read_speed: skipped, corpus not found: {corpus} (needs ../shared)")
        return {}
    times = []
    notes = 0
    for _ in range(repeat):
        start = time.perf_counter()
        notes = len(read_entries(corpus, on_problem=lambda err: None))
        times.append(time.perf_counter() - start)
    read_s = statistics.median(times)
    out = {"notes": float(notes), "read_s": read_s, "first_read_s": times[0], "notes_per_s": notes / read_s}
    if cli:
        runs = []
        for _ in range(repeat):
            start = time.perf_counter()
            subprocess.run(
                [sys.executable, "-m", "tagger", "-q", "parse", "--format", "jsonl", str(corpus)],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                check=False,  # exit 1: the corpus holds a few URL-only notes, reported
            )
            runs.append(time.perf_counter() - start)
        out["cli_s"] = statistics.median(runs)
    return out


def main(argv: Sequence[str] | None = None) -> int:
    """Print the figures; 0 also when the corpus is absent (nothing to measure)."""
    ap = argparse.ArgumentParser(prog="python -m benchmarks.read_speed", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args(argv)
    r = run(corpus=args.corpus, repeat=args.repeat)
    if r:
        print(
            f"read {int(r['notes'])} notes in {r['read_s']:.3f} s (median of {args.repeat}; first {r['first_read_s']:.3f} s), "
            f"{r['notes_per_s']:.0f} notes/s\n"
            f"tagger parse --format jsonl on the corpus, fresh process: {r['cli_s']:.3f} s (median of {args.repeat})"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
