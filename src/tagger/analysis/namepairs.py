"""How two tag names relate (`name_relation`), and which pairs of a vocabulary can (`related_pairs`).

`name_relation` says whether two names look like one tag under two names:
hyphens, word forms, initials and abbreviations, one-letter slips, a letter or two
more. `related_pairs` finds every pair it could say yes to without comparing all
pairs: each rule has an exact index (a shared hyphen-free form, word-form stem,
deleted letter, spelled-out initials, abbreviated words, prefix or suffix), so
the work grows with the number of tags and of pairs found, not with its square.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence

from tagger.spelling import tag_key

#: Small words an abbreviation may skip: `moe` for mixture-of-experts, `tts` for text-to-speech.
_SKIPPABLE = {"of", "to", "for", "and", "the", "in", "on", "with", "a"}
#: Word endings folded when comparing word forms (longest first).
_ENDINGS = ("ations", "ation", "itions", "ition", "ions", "ion", "ings", "ing", "ies", "ed", "es", "s", "e", "y")
_DIGIT_TO = re.compile(r"(?<=[a-z])2(?=[a-z])")


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
    # `_` and `_/` are tags with no word at all: nothing to compare word by word.
    if wa and len(wa) == len(wb) and wa[:-1] == wb[:-1] and _stem(wa[-1]) == _stem(wb[-1]) and len(_stem(wa[-1])) >= 4:
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


# ---- which pairs can relate ---------------------------------------------------------------------


def _prefixes(words: Iterable[str]) -> set[str]:
    return {w[:i] for w in words for i in range(len(w) + 1)}


def _spellings_by_initials(words: Sequence[str], prefixes: set[str]) -> set[str]:
    """Every string `_initials` could accept for `words` that starts some word of `prefixes`.

    Each word gives its first letter or two, a small word (of, to, …) may give none;
    a partial spelling no word starts with is dropped at once, so the search stays small.
    """
    out: set[str] = set()
    stack: list[tuple[int, str]] = [(0, "")]
    seen = set(stack)
    while stack:
        j, s = stack.pop()
        if j == len(words):
            out.add(s)
            continue
        w = words[j]
        for part in {w[:1], w[:2], *([""] if w in _SKIPPABLE else [])}:
            state = (j + 1, s + part)
            if state[1] in prefixes and state not in seen:
                seen.add(state)
                stack.append(state)
    return out


def _abbreviations(long_words: Iterable[str], short_words: set[str]) -> dict[str, set[str]]:
    """For each of `long_words`, the words of `short_words` that `_word_abbreviates` it and are not it.

    Those are its subsequences of three letters or more that keep its first letter
    (`img`, `imag` of `image`): walked letter by letter, only while some short word starts so.
    """
    # For each start of a short word, the letters that continue it (a set lookup per letter of `y`).
    following: dict[str, set[str]] = defaultdict(set)
    for w in short_words:
        for i in range(1, len(w)):
            following[w[:i]].add(w[i])
    out: dict[str, set[str]] = {}
    for y in long_words:
        if y[:1] not in following:
            continue
        found: set[str] = set()
        stack: list[tuple[int, str]] = [(0, y[:1])]
        seen = set(stack)
        while stack:
            i, s = stack.pop()
            if 3 <= len(s) < len(y) and s in short_words:
                found.add(s)
            letters = following.get(s, ())
            for k in range(i + 1, len(y)):
                if y[k] in letters and (state := (k, s + y[k])) not in seen:
                    seen.add(state)
                    stack.append(state)
        if found:
            out[y] = found
    return out


def _compared_before(a: str, b: str, words: dict[str, list[str]]) -> bool:
    """Whether the earlier all-pairs search compared `a` and `b`: a shared first letter (of the tag or a word), hyphen-free form or deleted letter.

    `candidate_pairs` keeps only such pairs, so the likely aliases are exactly what
    they were; only a name two letters longer at the front (`lm` / `xylm`) fails this.
    """
    if {a[0], *(w[0] for w in words[a])} & {b[0], *(w[0] for w in words[b])}:
        return True
    if a.replace("-", "") == b.replace("-", ""):
        return True
    return bool((_deletions(a) | {a}) & (_deletions(b) | {b}))


def candidate_pairs(keys: Iterable[str]) -> list[tuple[str, str]]:
    """Every pair of tag keys `name_relation` could relate (sorted, `a < b`), found through indexes, never all pairs.

    >>> candidate_pairs(["rl", "reinforcement-learning", "pretraining", "pre-training", "gan", "moe"])
    [('pre-training', 'pretraining'), ('reinforcement-learning', 'rl')]
    """
    keys = sorted(set(keys))
    words = {k: _words(k) for k in keys}
    # One index per rule: tags sharing a hyphen-free form, a word-form stem, a deleted letter, a word.
    hyphens: dict[str, list[str]] = defaultdict(list)
    forms: dict[tuple[str, ...], list[str]] = defaultdict(list)
    edits: dict[str, list[str]] = defaultdict(list)
    same_word: dict[str, list[str]] = defaultdict(list)
    for k in keys:
        w = words[k]
        hyphens[k.replace("-", "")].append(k)
        if w and len(stem := _stem(w[-1])) >= 4:
            forms[(*w[:-1], stem)].append(k)
        if len(k) >= 5:  # one-letter slips count from five letters on
            edits[k].append(k)
            for i in range(len(k)):
                edits[k[:i] + k[i + 1 :]].append(k)
    # The other rules pair a tag with the few others its name points at, not with each other.
    linked: list[tuple[list[str], list[str]]] = []
    single: dict[str, list[str]] = defaultdict(list)
    multi: dict[tuple[str, ...], list[str]] = defaultdict(list)
    for k in keys:
        if len(words[k]) == 1:
            single[words[k][0]].append(k)
        elif len(words[k]) >= 2:
            multi[tuple(words[k])].append(k)
    for word, ks in single.items():
        # `llm` / `lm`: a word with a letter or two more at either end (or the same word, written otherwise).
        same_word[word].extend(ks)
        for extra in (1, 2):
            for part in {word[:-extra], word[extra:]}:
                if len(part) >= 2 and part in single:
                    linked.append((single[part], ks))
    # Initials and abbreviations of a multi-word tag by a one-word tag (`rl`, `vit`).
    starts = _prefixes(single)
    for ws, ks in multi.items():
        for spelled in _spellings_by_initials(ws, starts):
            if spelled in single:
                linked.append((single[spelled], ks))
    # Word-by-word abbreviations between tags of as many words (`text-gen` / `text-generation`).
    all_words = {w for ws in multi for w in ws}
    abbreviations = _abbreviations(all_words, {w for w in all_words if len(w) >= 3})
    partial = {ws[:j] for ws in multi for j in range(len(ws) + 1)}
    for long_ws, long_ks in multi.items():
        stack: list[tuple[str, ...]] = [()]
        while stack:
            ws = stack.pop()
            if len(ws) == len(long_ws):
                if ws != long_ws and ws in multi:
                    linked.append((multi[ws], long_ks))
                continue
            here = long_ws[len(ws)]
            for w in {here, *abbreviations.get(here, ())}:
                if (*ws, w) in partial:
                    stack.append((*ws, w))
    pairs: set[tuple[str, str]] = set()
    groups = (*hyphens.values(), *forms.values(), *edits.values(), *same_word.values())
    for members in groups:
        if len(members) < 2:  # most: a deleted letter or a stem no other tag shares
            continue
        ms = sorted(set(members))
        for i, a in enumerate(ms):
            for b in ms[i + 1 :]:
                if _compared_before(a, b, words):
                    pairs.add((a, b))
    for left, right in linked:
        for a in left:
            for b in right:
                if a != b and _compared_before(a, b, words):
                    pairs.add((min(a, b), max(a, b)))
    return sorted(pairs)


__all__ = ["candidate_pairs", "name_relation"]
