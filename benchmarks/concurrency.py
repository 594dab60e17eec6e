"""Edits made while `tagger retag --write` runs: every one must survive, and undo must restore only tagger's changes.

An editor process (the child) watches the run's undo log, and while notes are being
written it keeps saving the note being written right now (or another planned one):
appending a line with a unique marker, in place or by renaming a new file over the
note, sometimes holding the file open across tagger's write. Afterwards every marker
must be in its note or in a file the run named; then `tagger undo` restores every
note tagger changed that nobody edited, and touches no other.

    python -m benchmarks.concurrency [--runs 4] [--corpus DIR] [--tagger-src DIR]

`--tagger-src` runs another checkout's tagger (e.g. an older one) under the same editor.
The test suite runs `trial()` small on the example vault (tests/test_concurrent_edits.py).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEFAULT_CORPUS = REPO.parent / "shared" / "corpus" / "arxiv-today"

#: The editor: reads the plan from the undo log, then saves planned notes until told to stop.
EDITOR = r"""
import json, os, random, sys, time
log, stop, out, seed = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
rng = random.Random(seed)
while not os.path.exists(log) or os.path.getsize(log) == 0:
    if os.path.exists(stop):  # the run wrote nothing: nothing to edit
        sys.exit(0)
    time.sleep(0.0005)
def records():
    with open(log, encoding="utf-8") as fh:
        for line in fh:
            try:
                yield json.loads(line)
            except ValueError:
                return
plan, vault = [], None
while not plan:
    recs = list(records())
    vault = recs[0]["vault"] if recs else None
    plan = [r["path"] for r in recs if r.get("op") == "plan"]
    if not plan:
        if os.path.exists(stop):
            sys.exit(0)
        time.sleep(0.0005)
edits = open(out, "w", encoding="utf-8")
n = 0
while not os.path.exists(stop):
    ops = {r.get("path") for r in records() if r.get("op") in ("done", "skip")}
    pending = [p for p in plan if p not in ops]
    rel = pending[0] if pending and rng.random() < 0.8 else rng.choice(plan)
    path = os.path.join(vault, rel)
    marker = f"EDIT-{seed}-{n}"
    how = rng.choice(["append", "append", "rename", "hold"])
    try:
        if how == "append":
            with open(path, "a", encoding="utf-8") as fh:
                fh.write("\n" + marker + "\n"); fh.flush(); ino = os.fstat(fh.fileno()).st_ino
        elif how == "hold":  # opened now, written a moment later: across tagger's swap, sometimes
            with open(path, "a", encoding="utf-8") as fh:
                t0 = time.time(); ino = os.fstat(fh.fileno()).st_ino
                time.sleep(rng.random() * 0.004)
                fh.write("\n" + marker + "\n"); fh.flush()
        else:
            with open(path, encoding="utf-8") as fh:
                text = fh.read()
            tmp = path + f".editor-{n}"
            with open(tmp, "w", encoding="utf-8") as fh:
                fh.write(text + "\n" + marker + "\n")
            os.replace(tmp, path); ino = os.stat(path).st_ino
    except OSError:
        continue
    edits.write(json.dumps({"path": rel, "marker": marker, "how": how, "t": time.time(), "ino": ino}) + "\n")
    edits.flush()
    n += 1
    time.sleep(rng.random() * 0.002)
"""


@dataclass
class Trial:
    """What one run saw: edits made, where each ended up, and how undo did."""

    edits: int = 0
    by_how: Counter[str] = field(default_factory=Counter)
    lost: list[str] = field(default_factory=list)
    in_kept_file: int = 0
    written: int = 0
    reported: Counter[str] = field(default_factory=Counter)
    undo_wrong: list[str] = field(default_factory=list)
    seconds: float = 0.0


def _digest(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in root.rglob("*.md") if ".tagger" not in p.parts
    }


def trial(vault: Path, model: Path, *, seed: int, work: Path, tagger_src: Path | None = None, min_score: str | None = None) -> Trial:
    """One `retag --write` on `vault` with the editor running; checks every edit, then undo."""
    env = dict(os.environ)
    if tagger_src is not None:
        env["PYTHONPATH"] = str(tagger_src)
    log, stop, edits_file = work / f"log-{seed}.jsonl", work / f"stop-{seed}", work / f"edits-{seed}.jsonl"
    before = _digest(vault)
    editor = subprocess.Popen([sys.executable, "-c", EDITOR, str(log), str(stop), str(edits_file), str(seed)], env=env)
    cmd = [sys.executable, "-m", "tagger", "retag", str(vault), "--model", str(model), "--write", "--log", str(log), "--format", "jsonl"]
    if min_score is not None:
        cmd += ["--min-score", min_score]
    start = time.perf_counter()
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    (work / f"stderr-{seed}.txt").write_text(proc.stderr)
    seconds = time.perf_counter() - start
    stop.touch()
    editor.wait(timeout=60)
    out = Trial(seconds=seconds)
    records = [json.loads(x) for x in proc.stdout.splitlines() if x.startswith("{")]
    told = proc.stdout + proc.stderr
    out.written = sum(1 for r in records if r.get("type") == "change" and r.get("status") == "written")
    out.reported = Counter(str(r.get("skip_reason", "")).split(";")[0] for r in records if r.get("skip_reason"))
    edits = [json.loads(x) for x in edits_file.read_text(encoding="utf-8").splitlines()] if edits_file.exists() else []
    out.edits = len(edits)
    out.by_how = Counter(e["how"] for e in edits)
    kept = {p: p.read_text(encoding="utf-8", errors="replace") for p in vault.rglob(".*.edited-*") if p.name in told}
    for e in edits:
        note = vault / e["path"]
        if e["marker"] in note.read_text(encoding="utf-8", errors="replace"):
            continue
        if any(e["marker"] in text and p.parent == note.parent for p, text in kept.items()):
            out.in_kept_file += 1
            continue
        out.lost.append(f"{e['path']}: {e['marker']} ({e['how']})")
    # Undo: notes tagger changed and nobody edited go back byte for byte; no other note is touched.
    edited = {e["path"] for e in edits}
    mid = _digest(vault)
    subprocess.run([sys.executable, "-m", "tagger", "undo", str(log)], env=env, capture_output=True, text=True, check=False)
    after = _digest(vault)
    for rel, digest in after.items():
        if rel in edited:
            if digest != mid.get(rel):
                out.undo_wrong.append(f"{rel}: edited, yet undo changed it")
        elif digest != before.get(rel):
            out.undo_wrong.append(f"{rel}: not restored to its bytes before the retag")
    return out


def corpus_vault(corpus: Path, work: Path) -> tuple[Path, Path]:
    """A copy of the corpus and a model trained on it (once per benchmark run)."""
    vault = work / "vault"
    shutil.copytree(corpus, vault)
    for p in vault.rglob("*"):  # the shared corpus is read-only; the copy is the author's vault
        p.chmod(p.stat().st_mode | 0o200)
    model = work / "tagger.model"
    subprocess.run([sys.executable, "-m", "tagger", "train", str(vault), "--model", str(model)], check=True, capture_output=True)
    return vault, model


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.concurrency", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=4)
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    ap.add_argument("--tagger-src", type=Path, help="the src/ folder of another tagger checkout to run instead")
    args = ap.parse_args(argv)
    if not args.corpus.is_dir():
        print(f"concurrency: skipped, corpus not found: {args.corpus} (needs ../shared)")
        return 2
    total = Trial()
    with tempfile.TemporaryDirectory(prefix="tagger-concurrency-") as tmp:
        work = Path(tmp)
        for seed in range(args.runs):
            vault, model = corpus_vault(args.corpus, work / f"run{seed}")
            t = trial(vault, model, seed=seed, work=work, tagger_src=args.tagger_src, min_score="0.05")
            print(f"run {seed}: {t.edits} edits ({dict(t.by_how)}), {t.written} notes written in {t.seconds:.1f} s, "
                  f"lost {len(t.lost)}, kept beside {t.in_kept_file}, reported {dict(t.reported)}, undo wrong {len(t.undo_wrong)}",
                  flush=True)
            for x in (t.lost + t.undo_wrong)[:5]:
                print(f"    {x}")
            total.edits += t.edits
            total.lost += t.lost
            total.undo_wrong += t.undo_wrong
            total.in_kept_file += t.in_kept_file
    print(f"all runs: {total.edits} edits, {len(total.lost)} lost, {total.in_kept_file} kept beside their note, "
          f"{len(total.undo_wrong)} notes undo got wrong")
    return 0 if not total.lost and not total.undo_wrong else 1


if __name__ == "__main__":
    sys.exit(main())
