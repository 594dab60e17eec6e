"""Likely aliases: *different* tags of a vault that may mean the same (`lm` / `language-model` / `llm`).

Pairs are found by name (hyphens, word forms, initials and abbreviations,
one-letter slips) and weighed by use (never on the same note, used beside the
same tags, one replacing the other over time). They are suggestions only:
nothing is merged unless the author writes an alias.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass

from tagger.analysis.namepairs import candidate_pairs, name_relation
from tagger.analysis.vocabulary import TagStats, Vocabulary, build_vocabulary
from tagger.entry import Entry
from tagger.spelling import tag_key


@dataclass(frozen=True)
class AliasSuggestion:
    """Tags that look like one tag under several names, and the name to keep.

    `canonical` is the member used most recently (the author's current habit);
    `reasons` say, in words, why the members look alike.
    """

    tags: tuple[str, ...]
    canonical: str
    score: float
    reasons: tuple[str, ...]

    def aliases(self) -> dict[str, str]:
        """The alias lines that would merge this group: every other member → `canonical`."""
        return {t: self.canonical for t in self.tags if t != self.canonical}


# ---- evidence from use --------------------------------------------------------------------


def _cosine(a: Counter[str], b: Counter[str], drop: set[str]) -> float:
    keys = (set(a) & set(b)) - drop
    num = sum(a[k] * b[k] for k in keys)
    na = math.sqrt(sum(v * v for k, v in a.items() if k not in drop))
    nb = math.sqrt(sum(v * v for k, v in b.items() if k not in drop))
    return num / (na * nb) if na and nb else 0.0


def _month(d: dt.date | None) -> str:
    return d.strftime("%Y-%m") if d else "?"


def _succession(x: TagStats, y: TagStats) -> str | None:
    """A reason if one tag stopped being used about when the other started."""
    if not (x.first and x.last and y.first and y.last):
        return None
    old, new = (x, y) if x.first <= y.first else (y, x)
    assert old.last and new.first and new.last
    # Overlap of a few months is a habit changing; a gap of years is two unrelated tags.
    if old.last <= new.first + dt.timedelta(days=180) and new.first <= old.last + dt.timedelta(days=365) and new.last > old.last:
        return f"'{old.tag}' last used {_month(old.last)}, '{new.tag}' from {_month(new.first)}"
    return None


def _pair_score(vocab: Vocabulary, x: TagStats, y: TagStats, base: float, why: str) -> tuple[float, list[str]]:
    reasons = [why]
    together = vocab.cooccurrence.get(x.key, Counter())[y.key]
    rate = together / min(x.notes, y.notes)
    # Two names for one idea are seldom written on the same note.
    score = base * max(0.0, 1.0 - 3.0 * rate)
    if together == 0:
        score += 0.1
        reasons.append("never on the same note")
    else:
        reasons.append(f"together on {together} note{'s' if together > 1 else ''}")
    if (succ := _succession(x, y)) is not None:
        score += 0.15
        reasons.append(succ)
    ctx = _cosine(vocab.cooccurrence.get(x.key, Counter()), vocab.cooccurrence.get(y.key, Counter()), {x.key, y.key})
    if ctx >= 0.2:
        reasons.append(f"used beside the same tags ({ctx:.0%} alike)")
    score += 0.4 * ctx
    return min(score, 1.0), reasons


def alias_suggestions(
    vocab: Vocabulary,
    *,
    aliases: Mapping[str, str] | None = None,
    min_score: float = 0.65,
) -> list[AliasSuggestion]:
    """Groups of different tags that probably mean the same, strongest first.

    Pairs are found by name (hyphens, word forms, initials and abbreviations,
    one-letter slips) and weighed by use: tags for one idea are seldom on the
    same note, often used beside the same other tags, and often one replaced
    the other over time. Pairs the `aliases` already merge are left out.

    >>> es = [Entry(tags=("lm" if i < 5 else "llm", "rl"), date=dt.date(2024, 1 + i, 1)) for i in range(10)]
    >>> [(s.tags, s.canonical) for s in alias_suggestions(build_vocabulary(es))]
    [(('llm', 'lm'), 'llm')]
    >>> alias_suggestions(build_vocabulary(es), aliases={"lm": "llm"})
    []
    """
    folded = {tag_key(k): tag_key(v) for k, v in (aliases or {}).items()}

    def target(key: str) -> str:
        return folded.get(key, key)

    by_key = {t.key: t for t in vocab.tags}
    pairs: list[tuple[float, str, str, list[str]]] = []
    # Only pairs whose names can relate are looked at (`candidate_pairs`): never all pairs.
    for a, b in candidate_pairs(by_key):
        if target(a) == target(b):
            continue
        rel = name_relation(a, b)
        if rel is None:
            continue
        x, y = by_key[a], by_key[b]
        score, reasons = _pair_score(vocab, x, y, *rel)
        if score >= min_score:
            pairs.append((score, a, b, reasons))

    # Join pairs into groups (lm–language-model and lm–llm make one group).
    parent: dict[str, str] = {}

    def find(k: str) -> str:
        while parent.get(k, k) != k:
            k = parent[k]
        return k

    for _, a, b, _ in pairs:
        parent[find(a)] = find(b)
    groups: dict[str, list[tuple[float, str, str, list[str]]]] = defaultdict(list)
    for p in pairs:
        groups[find(p[1])].append(p)
    out = []
    for members in groups.values():
        keys = sorted({k for _, a, b, _ in members for k in (a, b)})
        stats = [by_key[k] for k in keys]
        keep = max(stats, key=lambda t: (t.last or dt.date.min, t.notes))
        lines = [
            f"{by_key[a].tag} ~ {by_key[b].tag}: " + "; ".join(why) for _, a, b, why in sorted(members, key=lambda p: -p[0])
        ]
        ordered = sorted(stats, key=lambda t: (t is not keep, -t.notes))
        out.append(
            AliasSuggestion(
                tags=tuple(t.tag for t in ordered),
                canonical=keep.tag,
                score=round(max(p[0] for p in members), 3),
                reasons=tuple(lines),
            )
        )
    out.sort(key=lambda s: (-s.score, s.canonical))
    return out


__all__ = ["AliasSuggestion", "alias_suggestions", "name_relation"]  # name_relation: from namepairs, where it lives
