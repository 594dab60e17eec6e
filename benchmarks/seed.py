"""The seed digest: one newsletter post of five papers, tagged by a model trained only on the notes before it.

For each paper: the author's tags, tagger's top 5 (author's tags marked), and in all how many
of the author's tags are in the top 5 and for how many papers the top tag is the author's.

    python -m benchmarks.seed [--corpus DIR] [--seed FILE]
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tagger import TagModel, read_entries, tag_key  # noqa: E402
from tagger.analysis.explain import same_paper  # noqa: E402
from tagger.entry import entry_date  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
DEFAULT_CORPUS = REPO.parent / "shared" / "corpus" / "arxiv-today"
DEFAULT_SEED = REPO.parent / "shared" / "seed" / "000_1c39748830d48db5.txt"


def run(corpus: Path, seed: Path) -> tuple[int, int, int, int]:
    """Prints the table; returns (author's tags found in the top 5, author's tags, papers whose top tag is the author's, papers)."""
    papers = read_entries(seed, strict=True)
    vault = read_entries(corpus, on_problem=lambda err: None)
    # The vault holds notes on these very papers, dated the day before the post (240827): the
    # cut is the earliest of them, so no note on a paper of the digest is learned from.
    own = [d for e in vault if any(same_paper(e, p) for p in papers) and (d := entry_date(e)) is not None]
    cut = min([*own, *(d for e in papers if (d := entry_date(e)) is not None)])
    model = TagModel().fit([e for e in vault if (d := entry_date(e)) is not None and d < cut])
    print(f"seed digest {seed.name}: {len(papers)} papers, whose own notes are dated {min(own) if own else '-'}; "
          f"model trained on the {model.metadata_['notes']} tagged notes dated before {cut}")
    found = total = top_right = 0
    for e, sugg in zip(papers, model.suggest([p.replace(tags=()) for p in papers], k=5)):
        gold = {tag_key(t) for t in e.tags}
        top = [f"{'+' if tag_key(s.tag) in gold else ' '}{s.tag} {s.score:.2f}" for s in sugg]
        found += len(gold & {tag_key(s.tag) for s in sugg})
        total += len(gold)
        top_right += bool(sugg) and tag_key(sugg[0].tag) in gold
        print(f"  {e.title[:70]}\n    author: {' '.join('#' + t for t in e.tags)}\n    tagger: {'  '.join(top)}   (+ = the author's)")
    print(f"author's tags in the top 5: {found} of {total}; top tag the author's: {top_right} of {len(papers)}")
    return found, total, top_right, len(papers)


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.seed", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    ap.add_argument("--seed", type=Path, default=DEFAULT_SEED)
    args = ap.parse_args(argv)
    if not args.corpus.is_dir() or not args.seed.is_file():
        print("seed: skipped, ../shared/corpus or ../shared/seed not found")
        return 2
    run(args.corpus, args.seed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
