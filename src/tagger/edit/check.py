"""What the pre-commit hook finds wrong with a note, and the tags `tagger-fix` would write. Pure.

A note fails the check when it cannot be read, has no tags, or has a tag the
`SpellingRule` writes otherwise (a spelling or an alias). A tag the rule does not
know in any spelling is a tag the author is coining: allowed, and named.

>>> from tagger.spelling import SpellingRule
>>> check = NoteCheck(Path("a.md"), NoteFile.from_text(Path("a.md"), "코멘트.\\n\\n#GAN #augmentation\\n"))
>>> review_tags(check, SpellingRule({"gan": "gan"}))
>>> [(r.old, r.new, r.why) for r in check.renames], check.coined, check.fixed_tags()
([('GAN', 'gan', 'spelled #gan in the vocabulary')], ['augmentation'], ['gan', 'augmentation'])
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from tagger.edit.plan import WRITE_FLOOR, Change, propose_change
from tagger.entry import Suggestion
from tagger.notes.files import NoteFile, Skip
from tagger.spelling import SpellingRule, dedupe_tags


@dataclass(frozen=True)
class Rename:
    """One tag to rewrite: `old` as written, `new` the canonical form, and why."""

    old: str
    new: str
    why: str


@dataclass
class NoteCheck:
    """Everything the hook found about one staged note."""

    path: Path
    note: NoteFile | None = None
    #: One line saying why the note cannot be checked (then nothing else is filled).
    error: str | None = None
    renames: list[Rename] = field(default_factory=list)
    #: Tags the vocabulary has never seen in any spelling: the author is coining them.
    coined: list[str] = field(default_factory=list)
    suggestions: list[Suggestion] = field(default_factory=list)
    #: The score a suggested tag must reach to be written (`--min-score`).
    floor: float = WRITE_FLOOR

    @property
    def untagged(self) -> bool:
        """Whether the note was read and has no tags: the case the hook fills from the suggestions."""
        return self.note is not None and not self.note.entry.tags

    @property
    def failing(self) -> bool:
        """Whether the note makes `tagger-check` fail: unreadable, untagged, or with a tag to rename."""
        return self.error is not None or self.untagged or bool(self.renames)

    def fixed_tags(self) -> list[str]:
        """The tags `tagger-fix` writes: the assigned tags clearing `floor` if untagged, else canonical spellings."""
        if self.note is None:
            return []
        if not self.note.entry.tags:
            return list(dedupe_tags(s.tag for s in self.suggestions if s.assigned and s.score >= self.floor))
        new = {r.old: r.new for r in self.renames}
        return list(dedupe_tags(new.get(t, t) for t in self.note.entry.tags))

    def fix(self) -> Change | Skip | None:
        """The change `tagger-fix` makes (through `propose_change`, as retag does), a reason it cannot, or None."""
        if self.note is None or not self.failing:
            return None
        scores = tuple((s.tag, s.score) for s in self.suggestions if s.tag in self.fixed_tags()) if self.untagged else ()
        return propose_change(self.note, self.fixed_tags(), scores=scores, reason="untagged" if self.untagged else "spelling")


def canonical_tag(tag: str, rule: SpellingRule) -> tuple[str, str]:
    """The canonical form of `tag` and the reason it differs ('' when it does not).

    `rule` decides (the same `SpellingRule` as `retag --normalize`); this only says why in words.

    >>> rule = SpellingRule({"efficient-training": "efficient-training", "llm": "llm"}, {"lm": "llm"})
    >>> canonical_tag("efficient_training", rule)
    ('efficient-training', 'spelled #efficient-training in the vocabulary')
    >>> canonical_tag("lm", rule)
    ('llm', 'an alias of #llm (see [aliases])')
    >>> canonical_tag("brand-new", rule)
    ('brand-new', '')
    """
    spelled, why = rule.respell(tag)
    if why is None:
        return tag, ""
    if why == "alias":
        return spelled, f"an alias of #{spelled} (see [aliases])"
    return spelled, f"spelled #{spelled} in {'your [aliases]' if why == 'alias spelling' else 'the vocabulary'}"


def review_tags(check: NoteCheck, rule: SpellingRule) -> None:
    """Fill `renames` and `coined` of a readable note's check by `rule`."""
    assert check.note is not None
    check.renames.clear()
    check.coined.clear()
    for tag in check.note.entry.tags:
        new, why = canonical_tag(tag, rule)
        if why:
            check.renames.append(Rename(tag, new, why))
        elif not rule.knows(tag):
            check.coined.append(tag)


__all__ = ["NoteCheck", "Rename", "canonical_tag", "review_tags"]
