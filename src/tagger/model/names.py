"""Whether a tag's own name occurs in a note (`MoE`, `mixture of experts` → #moe).

The model adds a calibrated bonus for it; this module only finds the matches,
fast enough to run on every note of a vault (a few set and dict look-ups a note).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from operator import itemgetter
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from tagger.entry import Entry

_SPLIT_RE = re.compile(r"[a-z0-9]+")


def tag_phrase(key: str) -> str:
    """A tag key as the stemmed words `name_occurs` looks for.

    >>> tag_phrase("state-space-models"), tag_phrase("rl")
    ('state space model', 'rl')
    """
    return " ".join(stem(w) for w in _SPLIT_RE.findall(key))


def stem(word: str) -> str:
    """A word without its plural `s` (`experts` → `expert`; `loss`, `gas` kept).

    >>> stem("experts"), stem("loss"), stem("gas")
    ('expert', 'loss', 'gas')
    """
    return word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word


# Every byte but [a-z0-9] becomes a space, so `bytes.split()` yields `_SPLIT_RE`'s tokens at C
# speed; lowering first and encoding with "replace" turns each non-ASCII character into "?",
# a separator, exactly as the regex treats it.
_TOKEN_BYTES = bytes(c if 48 <= c <= 57 or 97 <= c <= 122 else 32 for c in range(256))
# A note repeats a few thousand distinct words, so looking stems up is cheaper than a Python
# call per word; cleared when full so a long-running process does not grow without bound.
_STEMS: dict[str, str] = {}
_STEMS_MAX = 200_000


def note_words(text: str) -> list[str]:
    """The stemmed lowercase [a-z0-9] tokens of `text`.

    >>> note_words("Mixture-of-Experts scales (cafés)")
    ['mixture', 'of', 'expert', 'scale', 'caf', 's']
    """
    tokens = text.lower().encode("ascii", "replace").translate(_TOKEN_BYTES).decode("ascii").split()
    try:
        return list(map(_STEMS.__getitem__, tokens))
    except KeyError:  # a word not seen yet: this note pays for stemming, later ones look it up
        if len(_STEMS) > _STEMS_MAX:
            _STEMS.clear()
        stems = [stem(w) for w in tokens]
        _STEMS.update(zip(tokens, stems))
        return stems


def initials_of(words: Sequence[str]) -> str:
    """The first letter of every word: the initials of any k-word phrase are a k-letter substring.

    >>> initials_of(["mixture", "of", "expert"])
    'moe'
    """
    return "".join(map(itemgetter(0), words))


def name_occurs(phrase: str, words_line: str, initials: str) -> bool:
    """Whether a tag's name (stemmed words joined by spaces) occurs in a note.

    An acronym tag also matches its spelled-out name (2–4 words), so `rl`
    matches "reinforcement learning".

    >>> words = note_words("We scale Mixture of Experts with RL.")
    >>> [name_occurs(p, " " + " ".join(words) + " ", initials_of(words)) for p in ("moe", "rl", "expert", "vit")]
    [True, True, True, False]
    """
    if f" {phrase} " in words_line:
        return True
    return " " not in phrase and 2 <= len(phrase) <= 4 and phrase in initials


@dataclass
class PhraseIndex:
    """The tag phrases arranged for `name_occurs` on many notes: a note costs a few set and dict
    look-ups instead of a substring search per tag.

    >>> index = PhraseIndex.of(["rl", "mixture of expert", "vit", "expert"])
    >>> sorted(index.columns(note_words("We scale Mixture of Experts with reinforcement learning.")))
    [0, 1, 3]
    """

    #: The `tag_phrases_` this was built from (a copy), to notice when they change.
    phrases: list[str]
    #: One-word phrase → its columns: it occurs iff it is one of the note's words.
    single: dict[str, list[int]]
    #: First word of a longer phrase → {" phrase ": columns}: only phrases whose first word the
    #: note has need a substring search.
    by_first: dict[str, dict[str, list[int]]]
    #: One-word phrases of 2–4 letters, also looked for in the note's initials.
    acronyms: list[tuple[str, list[int]]]
    #: Phrases with an empty word, left to `name_occurs`: "" (a tag named without [a-z0-9], such as
    #: a Korean one) occurs in notes without words; stray spaces never occur.
    odd: list[tuple[str, int]]

    @classmethod
    def of(cls, phrases: Sequence[str]) -> PhraseIndex:
        single: dict[str, list[int]] = {}
        by_first: dict[str, dict[str, list[int]]] = {}
        odd: list[tuple[str, int]] = []
        for j, phrase in enumerate(phrases):
            parts = phrase.split(" ")
            if "" in parts:
                odd.append((phrase, j))
            elif len(parts) == 1:
                single.setdefault(phrase, []).append(j)
            else:
                by_first.setdefault(parts[0], {}).setdefault(f" {phrase} ", []).append(j)
        acronyms = [(p, cols) for p, cols in single.items() if 2 <= len(p) <= 4]
        return cls(list(phrases), single, by_first, acronyms, odd)

    def columns(self, words: Sequence[str]) -> list[int]:
        """The columns whose phrase `name_occurs` in a note with these (stemmed) words; may repeat."""
        present = set(words)
        found: list[int] = []
        for w in present & self.single.keys():
            found += self.single[w]
        line = ""
        for w in present & self.by_first.keys():
            line = line or " " + " ".join(words) + " "
            for padded, cols in self.by_first[w].items():
                if padded in line:
                    found += cols
        if words and self.acronyms:
            initials = initials_of(words)
            for phrase, cols in self.acronyms:
                if phrase in initials:
                    found += cols
        if self.odd:
            line, initials = " " + " ".join(words) + " ", initials_of(words)
            found += [j for phrase, j in self.odd if name_occurs(phrase, line, initials)]
        return found


def name_match_matrix(index: PhraseIndex, entries: Sequence[Entry]) -> np.ndarray:
    """Entries × phrases: 1 where the phrase occurs in the entry's title, abstract, comment or translation.

    >>> from tagger.entry import Entry
    >>> name_match_matrix(PhraseIndex.of(["moe", "vit"]), [Entry(title="A Mixture of Experts")]).tolist()
    [[1.0, 0.0]]
    """
    out = np.zeros((len(entries), len(index.phrases)))
    rows: list[int] = []
    cols: list[int] = []
    for i, e in enumerate(entries):
        found = index.columns(note_words(" ".join((e.title, e.abstract, e.comment, e.translation))))
        rows += [i] * len(found)
        cols += found
    out[rows, cols] = 1.0
    return out


__all__ = ["PhraseIndex", "name_match_matrix", "initials_of", "name_occurs", "note_words", "stem", "tag_phrase"]
