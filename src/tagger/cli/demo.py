"""`make demo`: train on the example vault, then suggest tags for a note outside it.

Runs the same commands a user would type, printing each one first.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

from tagger.cli.main import main as tagger_main

ROOT = Path(__file__).resolve().parents[3]
VAULT = ROOT / "data" / "example-vault"
NOTE = ROOT / "data" / "new-note.md"
MODEL = ROOT / "models" / "demo.model"


def _run(args: list[str]) -> int:
    shown = " ".join(a if " " not in a else f"'{a}'" for a in args)
    print(f"\n$ tagger {shown}", flush=True)
    code = tagger_main(args)
    sys.stdout.flush()
    return code


def rel(path: Path) -> str:
    """`path` relative to the working folder when inside it, so printed commands stay short."""
    return str(path.relative_to(Path.cwd())) if path.is_relative_to(Path.cwd()) else str(path)


def main(argv: Sequence[str] | None = None) -> int:
    """Train on `data/example-vault` and suggest tags for `data/new-note.md`; returns the exit code."""
    del argv
    if not VAULT.is_dir():
        print(f"tagger demo: {VAULT} is missing; run the demo from a clone of the repository", file=sys.stderr)
        return 2
    steps = [
        ["tags", rel(VAULT)],
        ["train", rel(VAULT), "--model", rel(MODEL)],
        ["suggest", "--model", rel(MODEL), rel(NOTE)],
        ["retag", rel(VAULT), "--model", rel(MODEL)],
    ]
    for args in steps:
        code = _run(args)
        if code not in (0, 1):
            return code
    print("\nThe retag above was a dry run: add --write to apply it (an undo log is written first).")
    return 0


__all__ = ["MODEL", "NOTE", "ROOT", "VAULT", "main", "rel"]

if __name__ == "__main__":
    sys.exit(main())
