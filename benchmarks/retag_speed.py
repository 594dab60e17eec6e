"""How long `tagger retag` takes over a whole vault, as the author runs it.

    python -m benchmarks.retag_speed [--model PATH]

Copies `../shared/corpus` (else the example vault) to a temp folder, trains a
model on its tagged notes (or uses `--model`), and times, each as a fresh
`python -m tagger` process (start-up, model load and Korean analysis included):

* the default dry run (`retag VAULT`: read every note, suggest for the untagged),
* `retag VAULT --write` (the same, plus the undo log and one atomic write per note),
* the same retag again (plans nothing), `undo LOG`, and a `--normalize` dry run.

Targets (issue 4), on this 2-core machine: dry run ≤ 10 s, --write ≤ 15 s.
`run()` returns the figures in seconds.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import stat
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO.parent / "shared" / "corpus" / "arxiv-today"
EXAMPLE_VAULT = REPO / "data" / "example-vault"
TARGETS = {"dry_run_s": 10.0, "write_s": 15.0}


def _tree_digest(root: Path) -> str:
    h = hashlib.sha256()
    for p in sorted(root.rglob("*")):
        if p.is_file() and ".tagger" not in p.relative_to(root).parts:
            h.update(p.relative_to(root).as_posix().encode() + b"\0" + p.read_bytes())
    return h.hexdigest()


def _tagger(*argv: str) -> tuple[float, dict[str, object]]:
    """Run `python -m tagger ARGV --format jsonl` fresh; (seconds, its summary record)."""
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "tagger", *argv], capture_output=True, text=True)
    took = time.perf_counter() - start
    if proc.returncode not in (0, 1):
        raise RuntimeError(f"tagger {' '.join(argv)} failed ({proc.returncode}): {proc.stderr.strip()}")
    lines = [json.loads(x) for x in proc.stdout.splitlines() if x.startswith("{")]
    return took, (lines[-1] if lines else {})


def run(model: Path | None = None) -> dict[str, float]:
    """Time dry run, --write, second run, undo and normalize over a temp copy of the corpus."""
    source = CORPUS if CORPUS.is_dir() else EXAMPLE_VAULT
    with tempfile.TemporaryDirectory(prefix="tagger-retag-bench-") as tmp:
        work = Path(tmp)
        vault = work / source.name
        shutil.copytree(source, vault)
        for p in vault.rglob("*"):  # the shared corpus is read-only; its copy must not be
            p.chmod(p.stat().st_mode | stat.S_IWUSR)
        if model is None:
            from tagger.model import TagModel
            from tagger.model.io import save_model
            from tagger.notes.read import read_entries

            t0 = time.perf_counter()
            fitted = TagModel().fit(read_entries(vault, on_problem=lambda err: None))
            model = save_model(fitted, work / "tagger.model")
            print(f"trained on {source.name} in {time.perf_counter() - t0:.1f} s (not part of the figures)", file=sys.stderr)
        before = _tree_digest(vault)
        common = ("--model", str(model), "--format", "jsonl")
        dry, s_dry = _tagger("retag", str(vault), *common)
        assert _tree_digest(vault) == before, "the dry run changed a file"
        log = work / "retag-log.jsonl"
        write, s_write = _tagger("retag", str(vault), *common, "--write", "--log", str(log))
        again, s_again = _tagger("retag", str(vault), *common)
        undo_start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "tagger", "undo", str(log)], check=True, capture_output=True)
        undo = time.perf_counter() - undo_start
        restored = _tree_digest(vault) == before
        norm, s_norm = _tagger("retag", str(vault), "--normalize", "--format", "jsonl")
        return {
            "notes": float(s_dry.get("seen", 0)),  # type: ignore[arg-type]
            "planned": float(s_dry.get("to_change", 0)),  # type: ignore[arg-type]
            "dry_run_s": dry,
            "write_s": write,
            "written": float(s_write.get("written", 0)),  # type: ignore[arg-type]
            "second_run_s": again,
            "second_run_planned": float(s_again.get("to_change", -1)),  # type: ignore[arg-type]
            "undo_s": undo,
            "undo_restored_exactly": float(restored),
            "normalize_dry_run_s": norm,
            "normalize_planned": float(s_norm.get("to_change", 0)),  # type: ignore[arg-type]
        }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.retag_speed", description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, help="use this model instead of training one on the corpus copy")
    args = parser.parse_args(argv)
    r = run(args.model)
    print(f"retag over {int(r['notes'])} notes ({'shared corpus' if CORPUS.is_dir() else 'example vault'}), fresh processes:")
    print(f"  dry run            {r['dry_run_s']:6.2f} s  ({int(r['planned'])} notes planned; target ≤ {TARGETS['dry_run_s']:.0f} s)")
    print(f"  --write            {r['write_s']:6.2f} s  ({int(r['written'])} notes written; target ≤ {TARGETS['write_s']:.0f} s)")
    print(f"  second run         {r['second_run_s']:6.2f} s  ({int(r['second_run_planned'])} changes planned)")
    print(f"  undo               {r['undo_s']:6.2f} s  (tree restored exactly: {'yes' if r['undo_restored_exactly'] else 'NO'})")
    print(f"  --normalize (dry)  {r['normalize_dry_run_s']:6.2f} s  ({int(r['normalize_planned'])} notes to respell)")
    ok = r["dry_run_s"] <= TARGETS["dry_run_s"] and r["write_s"] <= TARGETS["write_s"] and r["undo_restored_exactly"]
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
