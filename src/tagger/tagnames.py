"""Tag spelling: one canonical key per tag, displayed as the author last wrote it."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tagger.entry import Entry

#: An Obsidian tag: letters, digits, `_`, `-`, `/`, and at least one non-digit.
TAG_RE = re.compile(r"[\w\-/]*[^\W\d][\w\-/]*")


def tag_key(tag: str) -> str:
    """The canonical key of a tag: `#` dropped, case folded, `_` → `-`.

    >>> tag_key("#Efficient_Training")
    'efficient-training'
    """
    return tag.lstrip("#").casefold().replace("_", "-")


def is_valid_tag(tag: str) -> bool:
    """Whether `tag` (without `#`) is a tag Obsidian would recognise.

    >>> is_valid_tag("state-space-model"), is_valid_tag("1"), is_valid_tag("c++")
    (True, False, False)
    """
    return TAG_RE.fullmatch(tag) is not None


@dataclass
class Spellings:
    """Maps canonical keys to the spelling the author used most recently.

    Feed it tags in chronological order; the last spelling seen wins.

    >>> s = Spellings()
    >>> s.update(["efficient_training", "GAN"]); s.update(["efficient-training"])
    >>> s.display("Efficient_Training"), s.display("gan")
    ('efficient-training', 'GAN')
    """

    latest: dict[str, str] = field(default_factory=dict)
    seen: dict[str, list[str]] = field(default_factory=dict)

    def update(self, tags: Iterable[str]) -> None:
        """Record `tags` as the latest spellings of their keys (and remember every variant)."""
        for tag in tags:
            key = tag_key(tag)
            self.latest[key] = tag
            variants = self.seen.setdefault(key, [])
            if tag not in variants:
                variants.append(tag)

    @classmethod
    def of(cls, entries: Iterable[Entry]) -> Spellings:
        """The spellings of `entries`' tags, read oldest note first (`entry.chronological`).

        >>> import datetime as dt; from tagger.entry import Entry
        >>> Spellings.of([Entry(tags=("gan",), date=dt.date(2024, 1, 1)), Entry(tags=("GAN",), date=dt.date(2020, 1, 1))]).display("Gan")
        'gan'
        """
        from tagger.entry import chronological

        out = cls()
        for e in chronological(entries):
            out.update(e.tags)
        return out

    def display(self, tag: str) -> str:
        """The latest spelling of `tag`'s key; `tag` itself when the key was never seen."""
        return self.latest.get(tag_key(tag), tag)

    def groups(self) -> dict[str, list[str]]:
        """Keys written in more than one spelling."""
        return {k: v for k, v in self.seen.items() if len(v) > 1}


def dedupe_tags(tags: Iterable[str]) -> tuple[str, ...]:
    """Tags in order, dropping later ones that fold to a key already present.

    >>> dedupe_tags(["GAN", "rl", "gan"])
    ('GAN', 'rl')
    """
    out: list[str] = []
    seen: set[str] = set()
    for t in tags:
        if tag_key(t) not in seen:
            seen.add(tag_key(t))
            out.append(t)
    return tuple(out)


def merge_aliases(*tables: Mapping[str, str]) -> dict[str, str]:
    """Alias tables in written order: a tag written again, in any spelling, replaces the earlier line and moves to the end.

    Order matters: of a target written several ways, the last spelling counts
    (later lines, and later tables such as `--aliases FILE`, override earlier ones).

    >>> merge_aliases({"lm": "LLM", "language_model": "llm"}, {"LM": "LLM"})
    {'language_model': 'llm', 'LM': 'LLM'}
    """
    by_key: dict[str, tuple[str, str]] = {}
    for table in tables:
        for k, v in table.items():
            key = tag_key(k)
            by_key.pop(key, None)
            by_key[key] = (k, v)
    return dict(by_key.values())


def fold_aliases(aliases: Mapping[str, str]) -> dict[str, str]:
    """An alias table keyed by tag key, so a tag in any spelling finds its alias (targets kept as written).

    Keys written twice are merged as `merge_aliases` does.

    >>> fold_aliases({"LM": "llm", "Efficient_Training": "efficient-training"})
    {'lm': 'llm', 'efficient-training': 'efficient-training'}
    >>> list(fold_aliases({"lm": "LLM", "language_model": "llm", "LM": "LLM"}).items())
    [('language-model', 'llm'), ('lm', 'LLM')]
    """
    return {tag_key(k): v for k, v in merge_aliases(aliases).items()}


def apply_aliases(tags: Iterable[str], aliases: Mapping[str, str]) -> tuple[str, ...]:
    """Map tags through an alias table (keys folded), dropping duplicates by key.

    >>> apply_aliases(["lm", "LLM", "rl"], {"lm": "llm"})
    ('llm', 'rl')
    """
    folded = fold_aliases(aliases)
    return dedupe_tags(folded.get(tag_key(tag), tag) for tag in tags)


__all__ = ["TAG_RE", "Spellings", "apply_aliases", "dedupe_tags", "fold_aliases", "is_valid_tag", "merge_aliases", "tag_key"]
