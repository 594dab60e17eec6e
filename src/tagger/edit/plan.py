"""Deciding what to write: one note and its wanted tags → a `Change` (or a `Skip` with the reason).

`propose_change` is the only way from (note, tags) to a change; `plan_retag`
decides the wanted tags note by note for `tagger retag`. Both are pure: they read
no file and write none (suggestions come from a `Suggester` callable, the model's
`suggest` or a fake one in tests). Writing is `tagger.edit.apply`'s.

>>> from tagger.entry import Suggestion
>>> note = NoteFile.from_text(Path("a.md"), "A paper\\n\\n코멘트.\\n")
>>> plan = plan_retag([note], suggester=lambda es: [[Suggestion("rl", 0.9, True)] for _ in es])
>>> [(c.rel, c.old_tags, c.new_tags) for c in plan.changes]
[('a.md', (), ('rl',))]
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from tagger.entry import Entry, Suggestion
from tagger.errors import TagError
from tagger.notes.files import NoteFile, Skip, sha256
from tagger.notes.parse import parse_note
from tagger.notes.write import set_tags
from tagger.progress import Progress
from tagger.spelling import SpellingRule, dedupe_tags, tag_key

#: A batch of entries → ranked suggestions per entry (e.g. `lambda es: model.suggest(es, k=10)`).
Suggester = Callable[[Sequence[Entry]], list[list[Suggestion]]]

MODES = ("only_untagged", "add", "normalize")
#: The score a tag must reach to be written into a note (retag, tagger-fix, the review page).
#: Chosen on notes newer than the model (time splits A and B of benchmarks/experiments.py):
#: assigned tags scoring ≥ 0.65 were the author's own 81.7 % and 81.9 % of the time (≥ 0.6:
#: 80.5 % / 79.9 %). Below it, a note is left alone and reported as having no confident tag.
WRITE_FLOOR = 0.65
#: `--add` puts tags into notes the author already tagged: a little more confidence by default.
DEFAULT_MIN_SCORE = {"only_untagged": WRITE_FLOOR, "add": 0.7, "normalize": 0.0}
_BATCH = 128


@dataclass(frozen=True)
class Change:
    """A planned change of one note's tags, with everything needed to write and undo it."""

    path: Path
    rel: str
    old_tags: tuple[str, ...]
    new_tags: tuple[str, ...]
    #: Scores of the tags the model added (none for spelling changes).
    scores: tuple[tuple[str, float], ...]
    reason: str
    sha256_before: str
    sha256_after: str
    new_text: str
    #: The note's text before, kept only when `set_tags(new_text, old_tags)` would not give it back.
    restore_text: str | None = None

    @property
    def added(self) -> tuple[str, ...]:
        """Tags the change adds (by key: a respelling is not an addition)."""
        old = {tag_key(t) for t in self.old_tags}
        return tuple(t for t in self.new_tags if tag_key(t) not in old)

    @property
    def removed(self) -> tuple[str, ...]:
        """Old spellings the change no longer writes (dropped tags and respelled ones)."""
        new = set(self.new_tags)
        return tuple(t for t in self.old_tags if t not in new)


@dataclass
class Plan:
    """What a retag would do: the changes, the skips, and why the rest stay as they are."""

    mode: str
    min_score: float
    max_tags: int | None
    changes: list[Change] = field(default_factory=list)
    skips: list[Skip] = field(default_factory=list)
    #: Untagged notes left alone for want of a confident tag: (path, best tag, its score).
    unconfident: list[tuple[str, str, float]] = field(default_factory=list)
    #: reason → number of notes that need no change for that reason
    kept: Counter[str] = field(default_factory=Counter)

    @property
    def seen(self) -> int:
        """Notes the plan looked at: to change, skipped, or kept as they are."""
        return len(self.changes) + len(self.skips) + sum(self.kept.values())


def _picks(
    suggestions: Sequence[Suggestion], *, min_score: float, rule: SpellingRule, have: set[str]
) -> list[tuple[str, float]]:
    out: list[tuple[str, float]] = []
    for s in suggestions:
        if not s.assigned or s.score < min_score:
            continue
        tag = rule.spell(s.tag)
        if tag_key(tag) in have:
            continue
        have.add(tag_key(tag))
        out.append((tag, s.score))
    return out


def propose_change(
    note: NoteFile, new_tags: Sequence[str], *, scores: Sequence[tuple[str, float]] = (), reason: str = ""
) -> Change | Skip | None:
    """The change that gives `note` the tags `new_tags`, a `Skip` saying why it cannot, or None (nothing to change).

    The one way from (note, wanted tags) to a change, for retag, `tagger-fix` and the
    review page: only the tag line changes (`set_tags`), the new text must read back
    as exactly these tags, and the change carries what undo needs.

    >>> note = NoteFile.from_text(Path("a.md"), "Title\\n\\n코멘트.\\n")
    >>> change = propose_change(note, ["rl"])
    >>> change.new_text, change.added
    ('Title\\n\\n코멘트.\\n\\n#rl\\n', ('rl',))
    >>> propose_change(note, ["c++"]).reason
    "'c++' is not a valid tag (letters, digits, _ - / only, and not all digits)"
    """
    new_tags = tuple(new_tags)
    if new_tags == note.entry.tags:
        return None
    try:
        new_text = set_tags(note.text, new_tags)
        if new_text == note.text:
            return None
        # Never write what tagger itself would not read back as these tags (in any order: tags stay where they stand).
        if sorted(parse_note(new_text, path=note.path).tags) != sorted(new_tags):
            return Skip(note.path, note.rel, "its tag layout is unusual; tagger cannot place the tags safely (edit it by hand)")
        back = set_tags(new_text, note.entry.tags)
    except TagError as err:
        return Skip(note.path, note.rel, err.message)
    return Change(
        path=note.path,
        rel=note.rel,
        old_tags=note.entry.tags,
        new_tags=new_tags,
        scores=tuple(scores),
        reason=reason,
        sha256_before=note.sha256,
        sha256_after=sha256(new_text),
        new_text=new_text,
        restore_text=None if back == note.text else note.text,
    )


def plan_retag(
    notes: Sequence[NoteFile],
    *,
    mode: str = "only_untagged",
    suggester: Suggester | None = None,
    rule: SpellingRule | None = None,
    min_score: float | None = None,
    max_tags: int | None = None,
    progress: Progress | None = None,
) -> Plan:
    """Decide each note's tags before → after. Reads and writes nothing.

    - `only_untagged`: notes without tags get the model's assigned tags scoring at
      least `min_score` (`WRITE_FLOOR` by default); a note with none is left alone
      and listed in `unconfident` with its best tag.
    - `add`: every note with text also gets assigned tags it lacks (scored at
      least `min_score`, 0.7 by default); the author's tags are never removed.
    - `normalize`: tags are respelled by `rule` (aliases, then the vault's current
      spelling: `SpellingRule`); no model is needed.

    `max_tags` caps the tags a note ends with (the author's own always stay).
    New tags are written as `rule` spells them, so a later `normalize` has nothing to do.

    >>> n = NoteFile.from_text(Path("v/a.md"), "Title\\n\\n코멘트.\\n\\n#GAN\\n", vault=Path("v"))
    >>> [(c.old_tags, c.new_tags) for c in plan_retag([n], mode="normalize", rule=SpellingRule({"gan": "gan"})).changes]
    [(('GAN',), ('gan',))]
    """
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}, not {mode!r}")
    if max_tags is not None and max_tags < 1:
        raise ValueError("max_tags must be at least 1")
    floor = DEFAULT_MIN_SCORE[mode] if min_score is None else min_score
    rule = rule or SpellingRule({})
    plan = Plan(mode=mode, min_score=floor, max_tags=max_tags)

    def add(note: NoteFile, got: Change | Skip | None, kept_reason: str) -> None:
        if got is None:
            plan.kept[kept_reason] += 1
        elif isinstance(got, Skip):
            plan.skips.append(got)
        elif note.locked is not None:
            plan.skips.append(Skip(note.path, note.rel, note.locked))
        else:
            plan.changes.append(got)

    if mode == "normalize":
        for note in notes:
            new = dedupe_tags(rule.spell(t) for t in note.entry.tags)
            kept = "spelled canonically" if note.entry.tags else "untagged (normalize only respells tags)"
            add(note, propose_change(note, new, reason="canonical spelling"), kept)
        return plan

    if suggester is None:
        raise ValueError(f"mode {mode!r} needs a suggester (a model)")
    targets: list[NoteFile] = []
    for note in notes:
        if note.entry.tags and mode == "only_untagged":
            plan.kept["already tagged"] += 1
        elif not note.entry.has_own_text:
            # Only a URL (its title is the file name): a tag guessed from that is not one to
            # write. Left as it is, counted in the summary; the reader has already said so.
            plan.kept["no text besides a URL"] += 1
        else:
            targets.append(note)
    for start in range(0, len(targets), _BATCH):
        if progress is not None:
            progress(f"suggesting {start}/{len(targets)}", start / len(targets))
        batch = targets[start : start + _BATCH]
        suggestions = suggester([n.entry for n in batch])
        if len(suggestions) != len(batch):
            raise ValueError(f"the suggester gave {len(suggestions)} results for {len(batch)} entries")
        for note, sugg in zip(batch, suggestions):
            old = note.entry.tags
            have = {tag_key(rule.spell(t)) for t in old}
            picks = _picks(sugg, min_score=floor, rule=rule, have=have)
            if max_tags is not None:
                picks = picks[: max(0, max_tags - len(old))]
            if not picks:
                if old and max_tags is not None and len(old) >= max_tags:
                    plan.kept[f"already {max_tags}+ tags"] += 1
                elif old:
                    plan.kept["nothing confident to add"] += 1
                else:
                    plan.kept[f"no confident tag (none scores ≥ {floor:.2f})"] += 1
                    if sugg:
                        plan.unconfident.append((note.rel, rule.spell(sugg[0].tag), sugg[0].score))
                continue
            reason = "untagged" if not old else "confident tags missing"
            add(note, propose_change(note, old + tuple(t for t, _ in picks), scores=picks, reason=reason), "unchanged")
    if progress is not None:
        progress("suggesting", 1.0)
    return plan


__all__ = ["DEFAULT_MIN_SCORE", "MODES", "WRITE_FLOOR", "Change", "Plan", "Suggester", "plan_retag", "propose_change"]
