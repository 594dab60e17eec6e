"""The values that flow through tagger: one `Entry` in, `Suggestion`s out."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Entry:
    """One paper note, as tagger reads it.

    Every field is plain data; an `Entry` is immutable and hashable, so it can be
    passed between the parser, the features, the model and the writers unchanged.

    >>> e = Entry(title="The Mamba in the Llama", comment="Transformer에서 Mamba로 Distillation.")
    >>> e.text_fields()["title"]
    'The Mamba in the Llama'
    """

    path: Path | None = None
    date: dt.date | None = None
    url: str = ""
    title: str = ""
    authors: str = ""
    abstract: str = ""
    comment: str = ""
    #: The English translation the author sometimes adds after the Korean comment.
    translation: str = ""
    #: Tags as the author wrote them (without `#`), order kept.
    tags: tuple[str, ...] = ()
    #: Targets of `[[wiki links]]` under `# Links`.
    links: tuple[str, ...] = ()
    #: Whether `title` was taken from the file name because the note has none of its own.
    title_from_name: bool = field(default=False, compare=False)

    def text_fields(self) -> dict[str, str]:
        """The fields a model may read (never the tags or the URL)."""
        return {
            "title": self.title,
            "abstract": self.abstract,
            "comment": self.comment,
            "translation": self.translation,
        }

    @property
    def has_text(self) -> bool:
        """Whether there is anything besides a URL to suggest tags from."""
        return any(v.strip() for v in self.text_fields().values())

    @property
    def has_own_text(self) -> bool:
        """Whether the note itself says anything besides a URL (a title from its file name does not count).

        Retagging and the hook leave notes without their own text alone: a tag
        guessed from a file name alone is not one to write.

        >>> Entry(title="Sparse Voxel Fields", title_from_name=True).has_own_text
        False
        """
        fields = self.text_fields()
        if self.title_from_name:
            fields.pop("title")
        return any(v.strip() for v in fields.values())

    def replace(self, **changes: Any) -> Entry:
        """A copy with some fields changed (`dataclasses.replace`)."""
        return dataclasses.replace(self, **changes)


_ARXIV_RE = re.compile(r"arxiv\.org/(?:abs|pdf)/(\d{2})(\d{2})\.\d{4,5}")


def entry_date(e: Entry) -> dt.date | None:
    """The note's date, else the month of its arXiv id, else None.

    >>> entry_date(Entry(url="https://arxiv.org/abs/2408.15237"))
    datetime.date(2024, 8, 1)
    """
    if e.date is not None:
        return e.date
    m = _ARXIV_RE.search(e.url)
    if m and 1 <= int(m.group(2)) <= 12:
        return dt.date(2000 + int(m.group(1)), int(m.group(2)), 1)
    return None


def chronological(entries: Iterable[Entry]) -> list[Entry]:
    """Entries oldest first by `entry_date` (undated first), ties by path: the one order that decides
    which spelling of a tag is the latest, for the model and the vocabulary alike.

    >>> [e.title for e in chronological([Entry(title="b", url="https://arxiv.org/abs/2408.00001"), Entry(title="a")])]
    ['a', 'b']
    """
    return sorted(entries, key=lambda e: (entry_date(e) or dt.date.min, str(e.path or "")))


@dataclass(frozen=True)
class Suggestion:
    """One suggested tag for one entry.

    `score` is a calibrated probability that the tag is right; `assigned` says
    whether the tag belongs to the set tagger would write into the note.

    >>> Suggestion(tag="rl", score=0.83, assigned=True).tag
    'rl'
    """

    tag: str
    score: float
    assigned: bool = False
    evidence: tuple[str, ...] = field(default=(), compare=False)


__all__ = ["Entry", "Suggestion"]
