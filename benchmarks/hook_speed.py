"""How long the pre-commit hook takes, as a commit pays for it.

    python -m benchmarks.hook_speed [--runs N]

Builds a throwaway vault (a copy of `../shared/corpus` when present, else the
example vault) in a temp folder, trains a model on all but its newest 50
tagged notes, strips the tag lines of those 50 (the worst case: every staged
note needs suggestions, Korean analysis included), and times, as fresh processes:

* `python -m tagger.cli.hook check --model M NOTE...` (the hook's own cost), and
* `pre-commit run tagger-check --files NOTE...` with a `repo: local` hook
  (what `git commit` runs: pre-commit's start-up included),

on 1 and on 50 staged notes, plus 1 already-tagged note (the common case: no
suggestions needed, so Kiwi never loads). Targets (issue 5): ≤ 2 s for one
note, ≤ 4 s for 50, on this 2-core machine. Prints medians; `run()` returns them.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO.parent / "shared" / "corpus" / "arxiv-today"
EXAMPLE_VAULT = REPO / "data" / "example-vault"
TARGETS = {1: 2.0, 50: 4.0}


def _prepare(work: Path) -> tuple[Path, Path, list[str], str, str]:
    """(vault, model, 50 untagged notes, 1 tagged note, source name), paths relative to the vault."""
    from tagger import read_entries, set_tags, tag_key
    from tagger.model import TagModel
    from tagger.model.io import save_model

    source = CORPUS if CORPUS.is_dir() else EXAMPLE_VAULT
    vault = work / "vault"
    shutil.copytree(source, vault)
    entries = read_entries(vault, on_problem=lambda err: None)
    tagged = sorted((e for e in entries if e.tags and e.has_text and e.date and e.path), key=lambda e: (e.date, str(e.path)))
    staged = tagged[-50:]
    held = {e.path for e in staged}
    t0 = time.perf_counter()
    model = TagModel().fit([e for e in entries if e.path not in held])
    print(f"trained on {source.name}: {model.metadata_.get('notes')} notes in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    model_path = save_model(model, work / "tagger.model")
    for e in staged:
        assert e.path is not None
        e.path.write_bytes(set_tags(e.path.read_bytes().decode("utf-8"), []).encode("utf-8"))
    rel = [str(e.path.relative_to(vault)) for e in staged if e.path is not None]
    # A tagged note that the model's vocabulary spells as written: passes without suggestions.
    vocab = model.spellings_.latest
    fine = next(
        e for e in reversed(tagged[:-50]) if e.path is not None and all(vocab.get(tag_key(t)) == t for t in e.tags)
    )
    assert fine.path is not None
    return vault, model_path, rel, str(fine.path.relative_to(vault)), source.name


def _git_repo(vault: Path, model: Path, env: dict[str, str]) -> None:
    config = (
        "repos:\n  - repo: local\n    hooks:\n"
        "    - id: tagger-check\n      name: tagger-check\n"
        f"      entry: {sys.executable} -m tagger.cli.hook check --model {model}\n"
        "      language: system\n      files: \\.md$\n      types: [markdown]\n      require_serial: true\n"
    )
    (vault / ".pre-commit-config.yaml").write_text(config, encoding="utf-8")
    for args in (["init", "-q"], ["add", "-A"]):
        subprocess.run(["git", *args], cwd=vault, env=env, check=True, capture_output=True)


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def _time(cmd: list[str], cwd: Path, env: dict[str, str], runs: int, expect: int) -> tuple[float, float]:
    """Median wall and CPU (user + sys, all child processes) seconds of `runs` runs."""
    walls, cpus = [], []
    for i in range(runs + 1):
        c0, t0 = _cpu(), time.perf_counter()
        proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, check=False)
        elapsed, cpu = time.perf_counter() - t0, _cpu() - c0
        if proc.returncode != expect:
            raise RuntimeError(f"{cmd[:4]}… exited {proc.returncode}, expected {expect}:\n{proc.stdout}\n{proc.stderr}")
        if i:  # the first run warms the file cache
            walls.append(elapsed)
            cpus.append(cpu)
    return statistics.median(walls), statistics.median(cpus)


def run(runs: int = 5) -> dict[str, float]:
    """Median wall times in seconds, keyed `<how>_<n>_<untagged|tagged>` (and `cpu_…` for CPU seconds)."""
    with tempfile.TemporaryDirectory(prefix="tagger-hook-bench-") as tmp:
        work = Path(tmp)
        vault, model, untagged, tagged, _ = _prepare(work)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "PRE_COMMIT", "TAGGER_"))}
        env.update(PRE_COMMIT_HOME=str(work / "pre-commit-cache"), HOME=str(work))
        git = shutil.which("git") is not None
        if git:
            _git_repo(vault, model, env)
        hook = [sys.executable, "-m", "tagger.cli.hook", "check", "--model", str(model)]
        precommit = [sys.executable, "-m", "pre_commit", "run", "tagger-check", "--files"]
        out: dict[str, float] = {}
        for label, files, expect in (("1_tagged", [tagged], 0), ("1_untagged", untagged[:1], 1), ("50_untagged", untagged, 1)):
            out[f"hook_{label}"], out[f"cpu_hook_{label}"] = _time([*hook, *files], vault, env, runs, expect)
            if git:
                out[f"precommit_{label}"], out[f"cpu_precommit_{label}"] = _time([*precommit, *files], vault, env, runs, expect)
        return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=5, help="timed runs per case (median reported; default 5)")
    args = parser.parse_args(argv)
    source = "../shared/corpus" if CORPUS.is_dir() else "data/example-vault"
    figures = run(args.runs)
    load = os.getloadavg()[0]
    print(f"pre-commit hook, fresh process, median of {args.runs} ({source}; {os.cpu_count()} cores, load {load:.1f})")
    print(f"{'case':42} {'wall s':>7} {'cpu s':>6}  target (wall)")
    for key, secs in figures.items():
        if key.startswith("cpu_"):
            continue
        how, n, kind = key.split("_")
        target = TARGETS[int(n)]
        name = {"hook": "python -m tagger.cli.hook check", "precommit": "pre-commit run tagger-check"}[how]
        verdict = "ok" if secs <= target else "OVER"
        print(f"{name + f' ({n} {kind})':42} {secs:7.2f} {figures['cpu_' + key]:6.2f}  ≤ {target:.0f} s {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
