"""Speed benchmark (issue 3), on the whole shared corpus; prints each figure beside its target.

- `tagger train` on the whole corpus (a fresh process, wall time) — target ≤ 15 s
- peak memory of that process — ≤ 800 MB
- model file size — ≤ 15 MB (the joblib pickle of 2026-11 was 8.18 MB; the zip format must not be bigger)
- `load_model` on the corpus model, imports done, median of 10 — ≤ 350 ms (the joblib load took 0.35 s)
- a fresh process that imports tagger and loads the corpus model, median of 5 — ≤ 1.5 s
- `read_metadata` in a fresh process (the hook's staleness check), median of 5 — ≤ 0.3 s
- warm `suggest_tags` on one note, median over 200 notes — ≤ 5 ms
- batch suggestion, Korean analysis included — ≥ 500 notes/s
- `tagger suggest note.md` as a fresh process, median of 5 — ≤ 2 s

    python -m benchmarks.speed [--corpus DIR]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

REPO = Path(__file__).resolve().parent.parent
DEFAULT_CORPUS = REPO.parent / "shared" / "corpus" / "arxiv-today"
NOTE = REPO / "data" / "new-note.md"
TARGETS = {
    "train_s": ("≤", 15.0),
    "train_peak_mb": ("≤", 800.0),
    "model_mb": ("≤", 15.0),
    "load_ms": ("≤", 350.0),
    "fresh_load_s": ("≤", 1.5),
    "fresh_metadata_s": ("≤", 0.3),
    "warm_one_ms": ("≤", 5.0),
    "batch_notes_per_s": ("≥", 500.0),
    "fresh_suggest_s": ("≤", 2.0),
}


def _timed(cmd: list[str]) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of a child process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    t = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - t
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return wall, max(peak, before) / 1024.0


def _fresh(code: str, runs: int = 5) -> float:
    """Median wall time of a fresh Python running `code` (imports included, as a command pays them)."""
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True, stdout=subprocess.DEVNULL)
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def run(*, corpus: Path = DEFAULT_CORPUS) -> dict[str, float]:
    """The figures (empty when the corpus is absent)."""
    if not corpus.is_dir():
        print(f"speed: skipped, corpus not found: {corpus} (needs ../shared)")
        return {}
    from tagger import read_entries
    from tagger.model.korean import clear_memo
    from tagger.model.io import load_model
    from tagger.suggest import suggest_tags

    out: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        model_path = Path(tmp) / "corpus.model"
        tagger = [sys.executable, "-m", "tagger"]
        out["train_s"], out["train_peak_mb"] = _timed([*tagger, "train", str(corpus), "--model", str(model_path)])
        out["model_mb"] = model_path.stat().st_size / 1e6
        out["fresh_load_s"] = _fresh(f"from tagger.model.io import load_model; load_model({str(model_path)!r})")
        out["fresh_metadata_s"] = _fresh(f"from tagger.model.io import read_metadata; read_metadata({str(model_path)!r})")

        fresh = []
        for _ in range(5):
            t = time.perf_counter()
            subprocess.run([*tagger, "suggest", "--model", str(model_path), str(NOTE)], check=True, stdout=subprocess.DEVNULL)
            fresh.append(time.perf_counter() - t)
        out["fresh_suggest_s"] = statistics.median(fresh)

        model = load_model(model_path)
        loads = []
        for _ in range(10):
            t = time.perf_counter()
            load_model(model_path)
            loads.append(time.perf_counter() - t)
        out["load_ms"] = statistics.median(loads) * 1000
        entries = [e.replace(tags=()) for e in read_entries(corpus, on_problem=lambda err: None) if e.has_text]
        suggest_tags(entries[0], model=model)  # Kiwi loads here, not in the timings
        # Comments analysed earlier in this process (`python -m benchmarks` runs quality
        # first) would skip Kiwi: time the analysis itself.
        clear_memo()
        one = []
        for e in entries[-200:]:
            t = time.perf_counter()
            suggest_tags(e, model=model)
            one.append(time.perf_counter() - t)
        out["warm_one_ms"] = statistics.median(one) * 1000
        clear_memo()
        t = time.perf_counter()
        model.suggest(entries)
        out["batch_notes_per_s"] = len(entries) / (time.perf_counter() - t)
        out["batch_notes"] = float(len(entries))
    out["cpus"] = float(os.cpu_count() or 0)
    return out


def report(figures: dict[str, float]) -> str:
    lines = []
    for key, (op, target) in TARGETS.items():
        got = figures.get(key, float("nan"))
        ok = got <= target if op == "≤" else got >= target
        lines.append(f"{key:<20} {got:10.2f}   target {op} {target:g}   {'ok' if ok else 'MISSED'}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.speed", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    args = ap.parse_args(argv)
    figures = run(corpus=args.corpus)
    if not figures:
        return 2
    print(report(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
