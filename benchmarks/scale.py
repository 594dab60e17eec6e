"""How training grows with the number of notes: `tagger train` on 1×, 3×, 6× (and 30×) the corpus.

    python -m benchmarks.scale [--big] [--sizes 1 3 6] [--repeat N] [--compare SRC] [--corpus DIR] [--keep DIR]

Each vault is the corpus copied k times into a temp folder (copy j of a note is
`cJJ/<its path>`: a new file path, the same file name and so the same date and
text), trained on by a fresh `python -m tagger train VAULT --model M` process.
Prints notes used, wall time, peak RSS of that process, and the growth exponent
(the log-log slope of time and of memory) between consecutive sizes: 1.0 is
linear, 2.0 quadratic. `--big` adds 30× (104,010 files, 95,820 tagged notes with
text; about three minutes and a few GB here). `--repeat N` trains N times per size and reports medians;
`--compare SRC` also trains with the tagger in the source folder SRC (for example
`git archive OLD src | tar -x -C /tmp/old`, then `--compare /tmp/old/src`),
alternating with this one, run by run, so both see the same machine load.

Copies are not new notes: the vocabulary hardly grows and each comment goes
through Kiwi once (the Korean analysis is memoised per process), so this measures
how the model's arithmetic grows with notes, not the cost of 30× as many distinct
comments. Targets (issue 16, this 2-core machine): 1× ≤ 10 s; 6× ≤ 45 s and
≤ 2.5 GB; 30× ≤ 4 min and ≤ 6 GB; time exponent ≤ 1.2 between 3× and 6×.
"""

from __future__ import annotations

import argparse
import math
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEFAULT_CORPUS = REPO.parent / "shared" / "corpus" / "arxiv-today"
TARGETS = {1: (10.0, None), 6: (45.0, 2500.0), 30: (240.0, 6000.0)}
#: Between these sizes the time's growth exponent should stay at or below this.
EXPONENT_TARGET = ((3, 6), 1.2)
_NOTES_RE = re.compile(r"from (?:the )?(\d[\d,]*) (?:tagged )?notes")


def build_vault(corpus: Path, copies: int, dest: Path) -> int:
    """`copies` copies of the corpus's notes under `dest` (hard links where the file system
    allows: the notes are only read); returns how many files were placed."""
    files = [p for p in corpus.rglob("*.md") if p.is_file()]
    for j in range(copies):
        for src in files:
            target = dest / f"c{j:02d}" / src.relative_to(corpus)
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                os.link(src, target)
            except OSError:
                shutil.copy2(src, target)
    return copies * len(files)


def train_once(vault: Path, model: Path, src: Path | None = None) -> tuple[float, float, float, int]:
    """(wall seconds, CPU seconds, peak RSS in MB, notes used) of one fresh `tagger train` process,
    with the tagger of `src` (a folder holding the `tagger` package) or else this one.

    The peak is the child's own: `wait4` reports each child's resource use, where
    `getrusage(RUSAGE_CHILDREN)` would give the largest child so far.
    """
    cmd = [sys.executable, "-m", "tagger", "train", str(vault), "--model", str(model)]
    env = dict(os.environ)
    if src is not None:
        env["PYTHONPATH"] = os.pathsep.join([str(src), *filter(None, [env.get("PYTHONPATH")])])
    # Output to files, not pipes: a pipe nobody reads until the end could fill and stall the child.
    with tempfile.TemporaryFile("w+") as out_f, tempfile.TemporaryFile("w+") as err_f:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out_f, stderr=err_f, text=True, env=env)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out_f.seek(0)
        err_f.seek(0)
        out, err = out_f.read(), err_f.read()
    if proc.returncode != 0:
        raise RuntimeError(f"tagger train {vault} failed ({proc.returncode}): {err.strip()[-500:]}")
    found = _NOTES_RE.search(out)
    notes = int(found.group(1).replace(",", "")) if found else -1
    peak_kb = usage.ru_maxrss  # kilobytes on Linux
    return wall, usage.ru_utime + usage.ru_stime, peak_kb / 1024.0, notes


def slope(x0: float, y0: float, x1: float, y1: float) -> float:
    """Log-log slope between two points: how `y` grows with `x` (1.0 linear, 2.0 quadratic).

    >>> round(slope(1, 10, 2, 40), 3)
    2.0
    """
    return math.log(y1 / y0) / math.log(x1 / x0)


def run(
    sizes: Sequence[int],
    *,
    corpus: Path = DEFAULT_CORPUS,
    keep: Path | None = None,
    repeat: int = 1,
    compare: Path | None = None,
) -> dict[str, list[dict[str, float]]]:
    """Median figures per size (notes, files, seconds, cpu_seconds, peak_mb), smallest first, for this
    tagger ("this") and, with `compare`, the other ("compare"); empty without the corpus."""
    if not corpus.is_dir():
        print(f"scale: skipped, corpus not found: {corpus} (needs ../shared)")
        return {}
    variants: dict[str, Path | None] = {"this": None} | ({"compare": compare} if compare else {})
    rows: dict[str, list[dict[str, float]]] = {name: [] for name in variants}
    with tempfile.TemporaryDirectory(prefix="tagger-scale-bench-") as tmp:
        for k in sorted(set(sizes)):
            vault = Path(tmp) / f"x{k}"
            files = build_vault(corpus, k, vault)
            runs: dict[str, list[tuple[float, float, float, int]]] = {name: [] for name in variants}
            for i in range(repeat):
                for name, src in variants.items():
                    model = (keep or Path(tmp)) / f"x{k}-{name}.model"
                    wall, cpu, peak, notes = train_once(vault, model, src)
                    runs[name].append((wall, cpu, peak, notes))
                    print(f"  {k:>2}× {name:<7} run {i + 1}: {notes:>7,} notes  {wall:7.1f} s  (CPU {cpu:.1f} s)  {peak:7.0f} MB", flush=True)
            for name, got in runs.items():
                walls, cpus, peaks, notes_seen = zip(*got)
                rows[name].append(
                    {"copies": k, "files": files, "notes": notes_seen[0], "seconds": statistics.median(walls),
                     "cpu_seconds": statistics.median(cpus), "peak_mb": statistics.median(peaks)}
                )
            shutil.rmtree(vault)
    return rows


def report(rows: Sequence[dict[str, float]]) -> str:
    lines = [f"{'size':>5} {'notes':>8} {'train s':>8} {'CPU s':>7} {'peak MB':>8} {'time exp':>9} {'CPU exp':>8} {'mem exp':>8}   targets"]
    prev: dict[str, float] | None = None
    for r in rows:
        t_exp = c_exp = m_exp = "-"
        if prev is not None:
            t_exp = f"{slope(prev['notes'], prev['seconds'], r['notes'], r['seconds']):.2f}"
            c_exp = f"{slope(prev['notes'], prev['cpu_seconds'], r['notes'], r['cpu_seconds']):.2f}"
            m_exp = f"{slope(prev['notes'], prev['peak_mb'], r['notes'], r['peak_mb']):.2f}"
        target = TARGETS.get(int(r["copies"]))
        verdict = ""
        if target is not None:
            secs, mb = target
            ok = r["seconds"] <= secs and (mb is None or r["peak_mb"] <= mb)
            verdict = f"≤ {secs:g} s" + (f", ≤ {mb:g} MB" if mb else "") + ("  ok" if ok else "  MISSED")
        if prev is not None and (int(prev["copies"]), int(r["copies"])) == EXPONENT_TARGET[0]:
            ok = float(t_exp) <= EXPONENT_TARGET[1]
            verdict += f"{'; ' if verdict else ''}time exp ≤ {EXPONENT_TARGET[1]:g}" + ("  ok" if ok else "  MISSED")
        lines.append(f"{int(r['copies']):>4}× {int(r['notes']):>8,} {r['seconds']:>8.1f} {r['cpu_seconds']:>7.1f} {r['peak_mb']:>8.0f} {t_exp:>9} {c_exp:>8} {m_exp:>8}   {verdict}")
        prev = r
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.scale", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--big", action="store_true", help="add 30× the corpus (about four minutes and a few GB)")
    ap.add_argument("--sizes", type=int, nargs="+", metavar="K", help="copies of the corpus to train on (default: 1 3 6)")
    ap.add_argument("--repeat", type=int, default=1, metavar="N", help="train N times per size; medians are reported")
    ap.add_argument("--compare", type=Path, metavar="SRC", help="also train with the tagger package in SRC, alternating")
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    ap.add_argument("--keep", type=Path, metavar="DIR", help="keep the trained models in DIR")
    args = ap.parse_args(argv)
    sizes = list(args.sizes or [1, 3, 6]) + ([30] if args.big else [])
    if any(k < 1 for k in sizes) or args.repeat < 1:
        print("scale: sizes and --repeat must be 1 or more", file=sys.stderr)
        return 2
    if args.compare is not None and not (args.compare / "tagger" / "__init__.py").is_file():
        print(f"scale: --compare {args.compare}: no tagger package there", file=sys.stderr)
        return 2
    rows = run(sizes, corpus=args.corpus, keep=args.keep, repeat=args.repeat, compare=args.compare)
    if not rows:
        return 2
    for name, figures in rows.items():
        if len(rows) > 1:
            print(f"\n{name}: {'this tagger' if name == 'this' else args.compare}" + (f", median of {args.repeat}" if args.repeat > 1 else ""))
        print(report(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
