"""The tag vocabulary of a vault: counts, first and last use, spellings.

Pure: entries in, records out. `build_vocabulary` counts each tag (folded to its
key, so `GAN` and `gan` are one tag) and `spelling_groups` lists keys written more
than one way; `tagger.analysis.aliases` points at *different* tags that may mean
the same.

>>> from tagger.entry import Entry
>>> import datetime as dt
>>> v = build_vocabulary([Entry(tags=("GAN",), date=dt.date(2020, 1, 1)), Entry(tags=("gan", "rl"), date=dt.date(2024, 1, 1))])
>>> [(t.tag, t.notes, t.spellings) for t in v.tags]
[('gan', 2, (('GAN', 1), ('gan', 1))), ('rl', 1, (('rl', 1),))]
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from tagger.entry import Entry, chronological
from tagger.spelling import AliasTable, Spellings, SpellingRule, tag_key


@dataclass(frozen=True)
class TagStats:
    """One tag of the vocabulary: its key, current spelling, use, and spellings seen.

    `spellings` holds `(spelling, notes)` pairs in order of first use.
    """

    key: str
    tag: str
    notes: int
    first: dt.date | None
    last: dt.date | None
    spellings: tuple[tuple[str, int], ...]


@dataclass
class Vocabulary:
    """A vault's tags, most used first, with what is needed to compare them."""

    tags: list[TagStats] = field(default_factory=list)
    spellings: Spellings = field(default_factory=Spellings)
    #: key → keys of the notes' other tags, counted
    cooccurrence: dict[str, Counter[str]] = field(default_factory=dict)
    notes: int = 0
    tagged: int = 0

    def __post_init__(self) -> None:
        self._by_key = {t.key: t for t in self.tags}

    def get(self, tag: str) -> TagStats | None:
        """The stats of `tag` in any spelling, or None if the vault never uses it."""
        return self._by_key.get(tag_key(tag))

    def spelling_groups(self) -> list[TagStats]:
        """Tags written in more than one spelling (all fold to one key)."""
        return [t for t in self.tags if len(t.spellings) > 1]

    def rule(self, aliases: Mapping[str, str] | AliasTable | None = None) -> SpellingRule:
        """The `SpellingRule` of this vocabulary: aliases first, then each tag's most recent spelling.

        >>> v = build_vocabulary([Entry(tags=("efficient_training", "lm")), Entry(tags=("efficient-training", "LLM"))])
        >>> r = v.rule({"lm": "llm"}); r.spell("efficient_training"), r.spell("lm"), r.spell("LLM")
        ('efficient-training', 'llm', 'llm')
        """
        return SpellingRule(self.spellings.latest, aliases)


def build_vocabulary(entries: Iterable[Entry]) -> Vocabulary:
    """Count every tag of `entries` by key; the latest spelling (by note date) is the current one.

    The one vocabulary behind `tagger tags`, `retag --normalize` and the hook's spelling check.

    >>> v = build_vocabulary([Entry(tags=("efficient_training",), date=dt.date(2024, 1, 1)),
    ...                       Entry(tags=("efficient-training", "rl"), date=dt.date(2025, 1, 1))])
    >>> [(t.tag, t.notes, t.spellings) for t in v.tags][0]
    ('efficient-training', 2, (('efficient_training', 1), ('efficient-training', 1)))
    """
    notes: Counter[str] = Counter()
    per_spelling: dict[str, Counter[str]] = defaultdict(Counter)
    first: dict[str, dt.date] = {}
    last: dict[str, dt.date] = {}
    co: dict[str, Counter[str]] = defaultdict(Counter)
    spellings = Spellings()
    n = tagged = 0
    for e in chronological(entries):
        n += 1
        if not e.tags:
            continue
        tagged += 1
        spellings.update(e.tags)
        keys = list(dict.fromkeys(tag_key(t) for t in e.tags))
        for t in dict.fromkeys(e.tags):
            per_spelling[tag_key(t)][t] += 1
        for k in keys:
            notes[k] += 1
            if e.date is not None:
                first.setdefault(k, e.date)
                last[k] = e.date
            for other in keys:
                if other != k:
                    co[k][other] += 1
    stats = [
        TagStats(
            key=k,
            tag=spellings.latest[k],
            notes=c,
            first=first.get(k),
            last=last.get(k),
            spellings=tuple((s, per_spelling[k][s]) for s in spellings.seen[k]),
        )
        for k, c in notes.items()
    ]
    stats.sort(key=lambda t: (-t.notes, t.key))
    return Vocabulary(tags=stats, spellings=spellings, cooccurrence=dict(co), notes=n, tagged=tagged)


def newer_tagged(last_note: object, entries: Iterable[Entry]) -> tuple[dt.date, int] | None:
    """The model's newest note date (`metadata_["last_note"]`, ISO) and how many tagged notes of `entries` are dated after it.

    None when the model says no date. The count behind the hook's stale-model warning (`cli.staged.stale_warning`), here so the
    server counts with its own index and the client still words the warning.

    >>> newer_tagged("2025-06-30", [Entry(tags=("rl",), date=dt.date(2025, 7, 1)), Entry(date=dt.date(2025, 7, 2))])
    (datetime.date(2025, 6, 30), 1)
    """
    if not last_note:
        return None
    try:
        since = dt.date.fromisoformat(str(last_note)[:10])
    except ValueError:
        return None
    return since, sum(1 for e in entries if e.tags and e.date is not None and e.date > since)


__all__ = ["TagStats", "Vocabulary", "build_vocabulary", "newer_tagged"]
