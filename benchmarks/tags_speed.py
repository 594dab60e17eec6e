"""How `tagger tags` (and the other whole-vocabulary paths) grow with the number of distinct tags.

    python -m benchmarks.tags_speed [--sizes 250 1000 2000 10000] [--all]

Builds synthetic vaults (`make_vault`) with 250, 1,000, 2,000 and 10,000 distinct
tags — names made of one to three pseudo-words, with hyphen variants, word forms,
initials and one-letter slips mixed in so the likely-alias search has work, about
0.6 notes per distinct tag, 3–6 tags a note, popular tags Zipf-distributed — and
times `tagger tags VAULT` as a fresh process. With `--all` it also times
`tagger retag VAULT --normalize` (dry run) and the pre-commit hook checking one
tagged note (neither needs a model). Prints each time and the fitted growth
exponent b of time ≈ a·nᵇ (1 is linear, 2 quadratic): over all sizes (flattened by
the fixed start-up time) and between the two largest.

Target (issue 12): 10,000 distinct tags in ≤ 10 s for `tagger tags`.
`run()` returns {command: {size: seconds}}.
"""

from __future__ import annotations

import argparse
import math
import os
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SIZES = (250, 1000, 2000, 10000)
TARGET_S = 10.0

_ONSETS = ["b", "c", "d", "f", "g", "h", "l", "m", "n", "p", "r", "s", "t", "v", "st", "pr", "tr", "gr", "sp", "ch"]
_VOWELS = ["a", "e", "i", "o", "u", "io", "ea"]
_CODAS = ["", "", "n", "r", "s", "t", "l", "m", "x", "nd", "ng"]


def _word(rng: random.Random) -> str:
    return "".join(rng.choice(_ONSETS) + rng.choice(_VOWELS) + rng.choice(_CODAS) for _ in range(rng.choice((1, 2, 2, 3))))


def tag_names(n: int, seed: int = 0) -> list[str]:
    """`n` tags with distinct keys: pseudo-word names, about one in ten a variant of another (as real vaults have).

    >>> len(tag_names(500)), len({t.casefold().replace("_", "-") for t in tag_names(500)})
    (500, 500)
    """
    rng = random.Random(seed)
    words = sorted({_word(rng) for _ in range(max(200, n // 2))})
    out: list[str] = []
    keys: set[str] = set()

    def add(tag: str) -> None:
        key = tag.casefold().replace("_", "-")
        if tag and key not in keys and len(out) < n:
            keys.add(key)
            out.append(tag)

    while len(out) < n:
        if out and rng.random() < 0.1:
            base = rng.choice(out)
            parts = base.split("-")
            variant = rng.choice(("hyphen", "plural", "initials", "slip"))
            if variant == "hyphen":
                add(base.replace("-", "") if len(parts) > 1 else base[:3] + "-" + base[3:])
            elif variant == "plural":
                add(base + "s")
            elif variant == "initials" and len(parts) > 1:
                add("".join(p[0] for p in parts))
            elif len(base) >= 5:
                i = rng.randrange(1, len(base) - 1)
                add(base[:i] + rng.choice("aeiou") + base[i + 1 :])
            continue
        add("-".join(rng.choice(words) for _ in range(rng.choice((1, 1, 2, 2, 3)))))
    return out


def make_vault(root: Path, n_tags: int, seed: int = 0) -> int:
    """Write a vault with `n_tags` distinct tags under `root`; returns the number of notes.

    Every tag is used at least once; each note also carries one to three popular tags
    (Zipf-like), so tags co-occur as in a real vault.
    """
    rng = random.Random(seed)
    tags = tag_names(n_tags, seed)
    popular = tags[: max(20, n_tags // 50)]
    weights = [1.0 / (i + 1) for i in range(len(popular))]
    n_notes = max(200, int(0.6 * n_tags))
    rare = tags[:]
    rng.shuffle(rare)
    per_note = math.ceil(len(rare) / n_notes)
    for i in range(n_notes):
        own = rare[i * per_note : (i + 1) * per_note]
        extra = rng.choices(popular, weights, k=rng.randint(1, 3))
        note_tags = list(dict.fromkeys([*own, *extra]))
        year = 2019 + i * 7 // n_notes
        day = f"{year % 100:02d}{1 + i % 12:02d}{1 + i % 28:02d}"
        folder = root / str(year)
        folder.mkdir(parents=True, exist_ok=True)
        title = f"Paper {i} on {' '.join(rng.sample(tags, 2))}"
        text = (
            f"*{title}* (A. Author)\n\n> We study {note_tags[0]} and {note_tags[-1]} at scale.\n\n"
            f"{note_tags[0]}에 대한 코멘트.\n\n" + " ".join("#" + t for t in note_tags) + "\n"
        )
        (folder / f"{day} Paper {i}.md").write_text(text, encoding="utf-8")
    return n_notes


def _env() -> dict[str, str]:
    env = dict(os.environ)
    # This checkout's code, whatever the environment has installed.
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO / "src"), env.get("PYTHONPATH", "")) if p)
    return env


def _time(argv: Sequence[str], cwd: Path) -> float:
    start = time.perf_counter()
    proc = subprocess.run(list(argv), cwd=cwd, env=_env(), capture_output=True, text=True, check=False)
    took = time.perf_counter() - start
    if proc.returncode not in (0, 1):
        raise RuntimeError(f"{' '.join(argv)} failed ({proc.returncode}): {proc.stderr.strip()[-500:]}")
    return took


def exponent(sizes: Sequence[int], seconds: Sequence[float]) -> float:
    """The least-squares slope of log(seconds) against log(size): b in time ≈ a·sizeᵇ.

    >>> round(exponent([10, 100, 1000], [1.0, 10.0, 100.0]), 2), round(exponent([10, 100], [1.0, 100.0]), 2)
    (1.0, 2.0)
    """
    xs = [math.log(s) for s in sizes]
    ys = [math.log(t) for t in seconds]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sum((x - mx) ** 2 for x in xs)


def run(sizes: Sequence[int] = SIZES, *, everything: bool = False) -> dict[str, dict[int, float]]:
    """Time `tagger tags` (and with `everything`, retag --normalize and the hook) on a synthetic vault per size."""
    py = sys.executable
    results: dict[str, dict[int, float]] = {"tags": {}}
    if everything:
        results.update({"retag --normalize": {}, "hook (one tagged note)": {}})
    with tempfile.TemporaryDirectory(prefix="tagger-tags-bench-") as tmp:
        for n in sizes:
            vault = Path(tmp) / f"v{n}"
            notes = make_vault(vault, n)
            (vault / ".git").mkdir()  # a vault root for the hook, as a repository's would be
            results["tags"][n] = _time([py, "-m", "tagger", "tags", str(vault)], vault)
            line = f"{n:6d} tags, {notes:5d} notes: tagger tags {results['tags'][n]:6.2f} s"
            if everything:
                results["retag --normalize"][n] = _time([py, "-m", "tagger", "retag", str(vault), "--normalize"], vault)
                one = next(vault.rglob("*.md")).relative_to(vault)
                results["hook (one tagged note)"][n] = _time([py, "-m", "tagger.cli.hook", "check", str(one)], vault)
                line += f", retag --normalize {results['retag --normalize'][n]:6.2f} s"
                line += f", hook {results['hook (one tagged note)'][n]:6.2f} s"
            print(line, flush=True)
    return results


def main(argv: Sequence[str] | None = None) -> int:
    """Print the timings, the fitted exponents and whether the target is met; exit 1 if it is not."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.tags_speed", description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES), metavar="N")
    parser.add_argument("--all", action="store_true", help="also time retag --normalize and the hook")
    args = parser.parse_args(argv)
    results = run(args.sizes, everything=args.all)
    for command, times in results.items():
        if len(times) >= 2:
            sizes = sorted(times)
            line = f"{command}: time grows as n^{exponent(sizes, [times[n] for n in sizes]):.2f} over {sizes[0]}–{sizes[-1]} tags"
            if len(sizes) > 2:
                # The fit over all sizes is flattened by start-up time; the largest step shows the growth itself.
                last = sizes[-2:]
                line += f", n^{exponent(last, [times[n] for n in last]):.2f} from {last[0]} to {last[1]}"
            print(line)
    if 10000 not in results["tags"]:
        print("target: 10000 tags in ≤ 10 s for tagger tags: not measured (add 10000 to --sizes)")
        return 0
    took = results["tags"][10000]
    met = took <= TARGET_S
    print(f"target: 10000 tags in ≤ {TARGET_S:.0f} s for tagger tags: {'met' if met else 'MISSED'} ({took:.2f} s)")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
