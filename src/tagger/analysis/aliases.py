"""Likely aliases: *different* tags of a vault that may mean the same (`lm` / `language-model` / `llm`).

Pairs are found by name (hyphens, word forms, initials and abbreviations,
one-letter slips) and weighed by use (never on the same note, used beside the
same tags, one replacing the other over time). They are suggestions only:
nothing is merged unless the author writes an alias.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
import re
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from tagger.analysis.vocabulary import TagStats, Vocabulary, build_vocabulary
from tagger.entry import Entry
from tagger.spelling import tag_key

#: Small words an abbreviation may skip: `moe` for mixture-of-experts, `tts` for text-to-speech.
_SKIPPABLE = {"of", "to", "for", "and", "the", "in", "on", "with", "a"}
#: Word endings folded when comparing word forms (longest first).
_ENDINGS = ("ations", "ation", "itions", "ition", "ions", "ion", "ings", "ing", "ies", "ed", "es", "s", "e", "y")
_DIGIT_TO = re.compile(r"(?<=[a-z])2(?=[a-z])")


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


# ---- how two tag names relate ---------------------------------------------------------------


def _words(key: str) -> list[str]:
    return [w for w in _DIGIT_TO.sub("-to-", key).replace("/", "-").split("-") if w]


def _stem(word: str) -> str:
    for end in _ENDINGS:
        if word.endswith(end) and len(word) - len(end) >= 4:
            return word[: -len(end)]
    return word


def _is_subsequence(short: str, long: str) -> bool:
    it = iter(long)
    return all(c in it for c in short)


def _word_abbreviates(w: str, full: str) -> bool:
    """`w` stands for `full`: equal, a prefix (`gen`), or a same-initial contraction (`img`)."""
    if w == full:
        return True
    if len(w) < 3 or w[0] != full[0] or len(w) >= len(full):
        return False
    return full.startswith(w) or _is_subsequence(w, full)


def _initials(short: str, words: Sequence[str]) -> str | None:
    """How `short` spells `words` by their beginnings, or None.

    Every word except small ones (of, to, …) must contribute its first letter
    or its first two (`vit`: vision transformer); returns "initials" when
    each gave one letter.
    """

    def match(i: int, j: int, letters_only: bool) -> bool:
        if i == len(short):
            return all(w in _SKIPPABLE for w in words[j:])
        if j == len(words):
            return False
        w = words[j]
        if w in _SKIPPABLE and match(i, j + 1, letters_only):
            return True
        limit = 1 if letters_only else 2
        for n in range(1, min(limit, len(short) - i) + 1):
            if short[i : i + n] != w[:n]:
                break
            if match(i + n, j + 1, letters_only):
                return True
        return False

    if len(words) < 2 or not short.isalnum():
        return None
    if match(0, 0, True):
        return "initials"
    if match(0, 0, False):
        return "abbreviation"
    return None


def _deletions(s: str) -> set[str]:
    return {s[:i] + s[i + 1 :] for i in range(len(s))}


def _one_edit(a: str, b: str) -> bool:
    """Whether `a` and `b` differ by one inserted, deleted, replaced or swapped letter."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diff = [i for i, (x, y) in enumerate(zip(a, b)) if x != y]
        return len(diff) == 1 or (len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]])
    short, long = sorted((a, b), key=len)
    return short in _deletions(long)


def name_relation(a: str, b: str) -> tuple[float, str] | None:
    """How alike two tag names are as names, with the reason in words; None if unrelated.

    >>> name_relation("pretraining", "pre-training")
    (0.9, 'the same word with and without hyphens')
    >>> name_relation("rl", "reinforcement-learning")
    (0.5, "'rl' is the initials of 'reinforcement-learning'")
    >>> name_relation("text2img", "text-to-image")[1]
    "'text2img' abbreviates 'text-to-image'"
    >>> name_relation("rl", "nlp") is None
    True
    """
    ka, kb = tag_key(a), tag_key(b)
    if ka == kb:
        return None
    if ka.replace("-", "") == kb.replace("-", ""):
        return 0.9, "the same word with and without hyphens"
    wa, wb = _words(ka), _words(kb)
    if len(wa) == len(wb) and wa[:-1] == wb[:-1] and _stem(wa[-1]) == _stem(wb[-1]) and len(_stem(wa[-1])) >= 4:
        return 0.7, "word forms of one word"
    if min(len(ka), len(kb)) >= 5 and _one_edit(ka, kb):
        return 0.6, "one letter apart (a slip?)"
    short, long = (a, b) if len(ka) <= len(kb) else (b, a)
    ws, wl = _words(tag_key(short)), _words(tag_key(long))
    if len(ws) == 1 and len(wl) >= 2:
        how = _initials(ws[0], wl)
        if how == "initials":
            # Two letters stand for many things (mt: machine translation or mid-training?).
            return (0.5 if len(ws[0]) == 2 else 0.7), f"'{short}' is the initials of '{long}'"
        if how is not None:
            return 0.5, f"'{short}' abbreviates '{long}'"
    if len(ws) == len(wl) >= 2 and ws != wl and all(_word_abbreviates(x, y) for x, y in zip(ws, wl)):
        return 0.6, f"'{short}' abbreviates '{long}'"
    if len(ws) == len(wl) == 1 and len(ws[0]) >= 2 and len(wl[0]) - len(ws[0]) <= 2:
        if wl[0].endswith(ws[0]) or wl[0].startswith(ws[0]):
            return 0.4, f"'{long}' is '{short}' with a letter or two more"
    return None


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
    candidates: set[tuple[str, str]] = set()
    # Names are compared pairwise only where they can relate: one-letter slips via
    # shared deletions, everything else by first letter or hyphen-free form.
    buckets: dict[str, list[str]] = defaultdict(list)
    for k in by_key:
        buckets["^" + k[0]].append(k)
        buckets["=" + k.replace("-", "")].append(k)
        for d in _deletions(k) | {k}:
            buckets["~" + d].append(k)
        for w in _words(k):
            buckets["^" + w[0]].append(k)
    for keys in buckets.values():
        for a, b in itertools.combinations(sorted(set(keys)), 2):
            candidates.add((a, b))

    pairs: list[tuple[float, str, str, list[str]]] = []
    for a, b in sorted(candidates):
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


__all__ = ["AliasSuggestion", "alias_suggestions", "name_relation"]
