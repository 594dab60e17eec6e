"""Tag spelling: what a tag is, its one canonical key, aliases, and how a tag should be written.

The one place for every rule about a tag's name, used by the reader, the writer,
the model, the vocabulary, the hook and `retag --normalize`:

* `is_valid_tag` / `invalid_tag_reason`: what Obsidian reads as a tag;
* `tag_key`: `GAN` and `gan`, `efficient_training` and `efficient-training` are one tag;
* `Spellings`: each key shown as the author last wrote it;
* `AliasTable`: the author's `[aliases]`, folded once;
* `SpellingRule`: whose spelling wins (see its docstring: aliases first, then the
  vocabulary's most recent use).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from tagger.errors import InputError

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


def invalid_tag_reason(tag: str) -> str | None:
    """Why `tag` (as written, `#` included if it was) is not a tag, in the words every message uses; None if it is one.

    >>> invalid_tag_reason("#c++")
    "'#c++' is not a valid tag (letters, digits, _ - / only, and not all digits)"
    >>> invalid_tag_reason("rl") is None
    True
    """
    if is_valid_tag(tag.removeprefix("#")):
        return None
    return f"'{tag}' is not a valid tag (letters, digits, _ - / only, and not all digits)"


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


# ---- aliases --------------------------------------------------------------------------------


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


def resolve_aliases(aliases: Mapping[str, str], *, path: Path | None = None) -> dict[str, str]:
    """Follow alias chains to their end so each tag maps straight to its canonical form.

    A cycle (`a → b`, `b → a`) cannot have a canonical tag and is an error.

    >>> resolve_aliases({"lm": "language-model", "language-model": "llm"})
    {'lm': 'llm', 'language-model': 'llm'}
    """
    folded = fold_aliases(aliases)
    out: dict[str, str] = {}
    for src, dst in aliases.items():
        seen = [tag_key(src)]
        while tag_key(dst) in folded:
            nxt = folded[tag_key(dst)]
            if tag_key(nxt) == tag_key(dst):  # `GAN = "gan"`: a spelling choice, not a hop
                dst = nxt
                break
            if tag_key(nxt) in seen:
                chain = " → ".join([*seen, tag_key(dst), tag_key(nxt)])
                raise InputError(f"aliases form a cycle ({chain}); pick one canonical tag", path=path)
            seen.append(tag_key(dst))
            dst = nxt
        out[src] = dst
    return out


class AliasTable:
    """An alias table (tag in any spelling → canonical tag, chains resolved), folded once.

    >>> table = AliasTable({"LM": "llm"})
    >>> table.target("lm"), table.target("rl"), table.apply(["lm", "LLM", "rl"])
    ('llm', None, ('llm', 'rl'))
    """

    def __init__(self, aliases: Mapping[str, str] | None = None) -> None:
        self.aliases: dict[str, str] = dict(aliases or {})
        self.folded = fold_aliases(self.aliases)

    def __bool__(self) -> bool:
        return bool(self.folded)

    def target(self, tag: str) -> str | None:
        """The tag `tag` is an alias of (as the table writes it), or None."""
        return self.folded.get(tag_key(tag))

    def apply(self, tags: Iterable[str]) -> tuple[str, ...]:
        """Tags mapped through the table, dropping duplicates by key (how `train` reads a note's tags)."""
        return dedupe_tags(self.folded.get(tag_key(t), t) for t in tags)


# ---- whose spelling wins ------------------------------------------------------------------------

#: Why `SpellingRule` respells a tag: an alias maps it to another tag; the alias
#: table writes this very tag another way; the vocabulary's current spelling differs.
Respelling = Literal["alias", "alias spelling", "vocabulary"]


class SpellingRule:
    """How a tag should be written: the one answer for the hook, `tagger-fix` and `retag --normalize`.

    `spellings` maps tag keys to the vocabulary's current spelling (its most recent
    use, `Spellings.latest`); `aliases` maps tags, in any spelling, to their
    canonical tag, chains already resolved (as `Config.aliases` holds them).

    * A tag an alias maps to another tag becomes that tag (`"alias"`).
    * A tag the alias table writes as a target is written as the table writes
      it, over the vocabulary (`"alias spelling"`); a target written several
      ways takes the last (later lines and `--aliases FILE` override earlier ones).
    * Any other tag the vocabulary knows takes its current spelling (`"vocabulary"`).
    * A tag known to neither is kept as written: the author is coining it.

    The spelling depends only on the key a tag lands on, so applying the rule
    twice changes nothing the second time.

    >>> rule = SpellingRule({"efficient-training": "efficient-training", "llm": "LLM"}, {"LM": "llm"})
    >>> rule.respell("efficient_training"), rule.respell("lm"), rule.respell("LLM"), rule.respell("brand-new")
    (('efficient-training', 'vocabulary'), ('llm', 'alias'), ('llm', 'alias spelling'), ('brand-new', None))
    """

    def __init__(self, spellings: Mapping[str, str], aliases: Mapping[str, str] | AliasTable | None = None) -> None:
        self.spellings = spellings
        self.aliases = aliases.folded if isinstance(aliases, AliasTable) else fold_aliases(aliases or {})
        self._alias_spelling = {tag_key(v): v for v in self.aliases.values()}

    def respell(self, tag: str) -> tuple[str, Respelling | None]:
        """`tag` as it should be written, and why it changed (None when it does not)."""
        key = tag_key(tag)
        dest = self.aliases.get(key)
        dest_key = key if dest is None else tag_key(dest)
        why: Respelling
        if dest_key in self._alias_spelling:
            spelled, why = self._alias_spelling[dest_key], "alias" if dest_key != key else "alias spelling"
        elif key in self.spellings:
            spelled, why = self.spellings[key], "vocabulary"
        else:
            return tag, None
        return (tag, None) if spelled == tag else (spelled, why)

    def spell(self, tag: str) -> str:
        """`tag` as it should be written (`respell` without the reason)."""
        return self.respell(tag)[0]

    def knows(self, tag: str) -> bool:
        """Whether the vocabulary or the alias table has `tag` in any spelling."""
        key = tag_key(tag)
        return key in self.spellings or key in self.aliases or key in self._alias_spelling

    def table(self) -> dict[str, str]:
        """key → spelling for every tag the rule knows.

        >>> SpellingRule({"gan": "GAN"}, {"gans": "gan"}).table() == {"gan": "gan", "gans": "gan"}
        True
        """
        return {k: self.respell(k)[0] for k in {*self.spellings, *self.aliases, *self._alias_spelling}}


__all__ = [
    "TAG_RE",
    "AliasTable",
    "Respelling",
    "SpellingRule",
    "Spellings",
    "dedupe_tags",
    "fold_aliases",
    "invalid_tag_reason",
    "is_valid_tag",
    "merge_aliases",
    "resolve_aliases",
    "tag_key",
]
