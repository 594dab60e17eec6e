"""Text and JSON for people and scripts: shared wording, and the reports of `review`, `model` and `suggest --explain`.

(`tagger eval`'s reports are in `tagger.cli.evaluation`.)

The analysis layer computes records (`tagger.analysis`); how they look on a
terminal is decided here and nowhere else.
"""

from __future__ import annotations

import json
import math
import re
import shlex
import textwrap
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from tagger.errors import printable

# Types only: rendering must not load numpy (`tagger parse` and `undo` use this module too).
if TYPE_CHECKING:
    from tagger.entry import Entry
    from tagger.analysis.explain import Explanation
    from tagger.analysis.review import Review


def to_json(data: Any) -> str:
    """JSON text for `--format json` (UTF-8 tag names kept as they are).

    >>> print(to_json({"tag": "한국어"}))
    {
      "tag": "한국어"
    }
    """
    return json.dumps(data, ensure_ascii=False, indent=2)


def plural(n: int, word: str, many: str | None = None) -> str:
    """`n word` with the word in the plural unless `n` is 1.

    >>> plural(1, "note"), plural(3, "note"), plural(2, "entry", "entries")
    ('1 note', '3 notes', '2 entries')
    """
    return f"{n} {word if n == 1 else (many or word + 's')}"


def shell_word(name: object) -> str:
    r"""`name` (a path) as one word to paste into a shell: quoted as needed, `./` before a
    leading `-` (else the command reads it as an option), control characters as `$'…'`.

    For every command tagger prints for the author to run (`tagger-fix FILE`, `tagger undo LOG`).

    >>> shell_word("2025/250701 New.md"), shell_word("-draft.md"), shell_word("a\nb.md")
    ("'2025/250701 New.md'", './-draft.md', "$'a\\nb.md'")
    """
    text = str(name)
    if text.startswith("-"):
        text = "./" + text
    if printable(text) != text:
        # bash and zsh read \n, \xHH and \uHHHH inside $'…'; a quoted newline would break the printed line.
        return "$'" + printable(text.replace("\\", "\\\\").replace("'", "\\'")) + "'"
    return shlex.quote(text)


def read_line(entries: Sequence[Entry], skipped: int = 0) -> str:
    """What a command read, said the same way by train, eval and review: notes, the tagged ones with text (what a model learns from), skips.

    >>> from tagger.entry import Entry
    >>> read_line([Entry(title="a", tags=("rl",)), Entry(title="b"), Entry(tags=("rl",))], skipped=1)
    '3 notes read, 1 tagged with text; 1 skipped (listed above)'
    """
    tagged = sum(1 for e in entries if e.tags and e.has_text)
    return f"{plural(len(entries), 'note')} read, {tagged} tagged with text" + (f"; {skipped} skipped (listed above)" if skipped else "")


def none_read(n: int) -> str:
    """Why a folder of `n` notes gave nothing to work on, when every note was skipped.

    >>> none_read(1), none_read(3)
    ('its only note could not be read (the reason is above)', 'none of its 3 notes could be read (reasons above)')
    """
    return "its only note could not be read (the reason is above)" if n == 1 else f"none of its {n} notes could be read (reasons above)"


#: A note's own detail in a skip reason: which line, which tag.
_LINE_DETAIL = re.compile(r"line \d+: ")


def short_reason(reason: str) -> str:
    """A skip reason without what is particular to one note, so notes can be counted by it.

    >>> short_reason("is not UTF-8 (byte 0xff at offset 0); convert it to UTF-8")
    'is not UTF-8'
    >>> short_reason("line 7: '#c++' is not a valid tag (letters, digits, _ - / only); fix that line by hand")
    'has a mistyped tag line'
    """
    if _LINE_DETAIL.match(reason) and "tag" in reason:
        return "has a mistyped tag line"
    return reason.split(";")[0].split(" (")[0]


def reason_lines(reasons: Iterable[str], *, indent: str = "    ") -> list[str]:
    """One line per short reason (`short_reason`) with how many it stopped, most first: a summary that reads as a list.

    >>> for line in reason_lines(["is empty", "is a binary file, not a text note", "is empty"]): print(line)
        2  is empty
        1  is a binary file, not a text note
    """
    counts = Counter(short_reason(r) for r in reasons)
    width = len(str(max(counts.values(), default=0)))
    return [f"{indent}{n:>{width}}  {why}" for why, n in sorted(counts.items(), key=lambda x: (-x[1], x[0]))]


# ---- review and explanations ----------------------------------------------------------------


def format_review(result: Review) -> str:
    """The review as the table `tagger review` prints.

    >>> import datetime as dt; from pathlib import Path; from tagger.analysis.review import Flag, Review, ReviewItem
    >>> it = ReviewItem(Path("2025/a.md"), "A", dt.date(2025, 3, 7), ("lm",), (Flag("rl", 0.97),), (Flag("lm", 0.004),), 1.9, 0)
    >>> print(format_review(Review([it], notes=100, judged=90, folds=5, seconds=1.0)))  # doctest: +NORMALIZE_WHITESPACE
    1 of the 90 tagged notes with an abstract or comment disagrees with its tags (5-fold out-of-fold scores over the 100 tagged with text, 1.0 s)
    <BLANKLINE>
       1. 1.90  2025-03-07  A  (2025/a.md)
           tags: #lm
           likely missing: #rl 0.97
           likely stray:   #lm 0.004
    """
    one = len(result.items) == 1
    lines = [
        f"{len(result.items)} of the {result.judged} tagged notes with an abstract or comment "
        f"{'disagrees with its' if one else 'disagree with their'} tags "
        f"({result.folds}-fold out-of-fold scores over the {result.notes} tagged with text, {result.seconds:.1f} s)",
        "",
    ]
    for rank, it in enumerate(result.items, 1):
        when = it.date.isoformat() if it.date else "undated"
        where = f"  ({printable(it.path)})" if it.path else ""
        lines.append(f"{rank:4d}. {it.disagreement:.2f}  {when}  {printable(it.title)}{where}")
        lines.append(f"        tags: {' '.join('#' + t for t in it.tags)}")
        if it.missing:
            lines.append("        likely missing: " + ", ".join(f"#{f.tag} {f.score:.2f}" for f in it.missing))
        if it.stray:
            lines.append("        likely stray:   " + ", ".join(f"#{f.tag} {f.score:.3f}" for f in it.stray))
    return "\n".join(lines)


def format_explanations(explanations: Sequence[Explanation], *, indent: str = "      ") -> str:
    """Explanations of one entry as indented text lines (for `tagger suggest --explain`).

    >>> import datetime as dt; from tagger.analysis.explain import Evidence, Explanation, Neighbour
    >>> x = Explanation("distillation", 0.91, True, (Evidence("abstract", "distill", 0.21),
    ...     Evidence("comment", "증류", 0.05)), (Neighbour("MiniLLM", dt.date(2023, 6, 14), None, 0.41),), True)
    >>> print(format_explanations([x]))
        why #distillation (0.91):
          abstract: distill (+0.21)
          comment: 증류 (+0.05)
          its name occurs in the note
          like: 2023-06-14 MiniLLM (similarity 0.41)
    """
    head = indent[:-2] if len(indent) >= 2 else ""
    lines: list[str] = []
    for x in explanations:
        lines.append(f"{head}why #{x.tag} ({x.score:.2f}):")
        for field in dict.fromkeys(ev.field for ev in x.evidence):  # explain gives them in field order
            items = [ev for ev in x.evidence if ev.field == field]
            lines.append(f"{indent}{field}: " + ", ".join(f"{ev.text} (+{ev.weight:.2f})" for ev in items))
        if x.name_match:
            lines.append(f"{indent}its name occurs in the note")
        if not x.evidence and not x.name_match:
            lines.append(f"{indent}no word of this note argues for it (suggested from how often it is used)")
        for nb in x.neighbours:
            when = nb.date.isoformat() if nb.date else "undated"
            where = f"  {printable(nb.path)}" if nb.path else ""
            lines.append(f"{indent}like: {when} {printable(nb.title)} (similarity {nb.similarity:.2f}){where}")
    return "\n".join(lines)


# ---- a model file ---------------------------------------------------------------------------


def _num(x: Any) -> str:
    return f"{x:,}" if isinstance(x, int) and not isinstance(x, bool) else str(x if x is not None else "?")


def format_model(s: dict[str, Any]) -> str:
    """What `tagger model` prints for `tagger.cli.commands.model.model_summary`'s record.

    >>> print(format_model({"path": "m.model", "file_bytes": 8_000_000, "format": 6, "usable": True, "notes": 120,
    ...     "first_note": "2020-01-09", "last_note": "2025-05-20", "tags": 2, "top_tags": [{"tag": "rl", "notes": 9}]}))
    m.model: a tagger model (format 6), 8.0 MB
      usable      yes
      notes       120 tagged notes with text, dated 2020-01-09 – 2025-05-20
      tags        2 suggested
      top tags    #rl 9
    """
    size = f"{s['file_bytes'] / 1e6:.1f} MB" if isinstance(s.get("file_bytes"), int) else "size unknown"
    lines = [f"{s['path']}: a tagger model (format {s.get('format')}), {size}"]

    def row(label: str, text: str) -> None:
        lines.extend(textwrap.wrap(text, width=110, initial_indent=f"  {label:11} ", subsequent_indent=" " * 14,
                                   break_on_hyphens=False) or [f"  {label}"])

    if s.get("usable"):
        row("usable", "yes" + (f" (features fingerprint {s['fingerprint']})" if s.get("fingerprint") else ""))
    else:
        row("usable", "no: this tagger refuses it (reason below)")
    for w in s.get("warnings") or []:
        row("warning", str(w))
    if s.get("trained_at"):
        versions = dict(s.get("versions") or {})
        by = f"tagger {versions.pop('tagger', '?')}"
        rest = ", ".join(f"{k} {v}" for k, v in versions.items())
        when = str(s["trained_at"]).replace("T", " ")
        when = when[:16] + " UTC" if when.endswith("+00:00") else when
        row("trained", f"{when} by {by}" + (f" ({rest})" if rest else ""))
    for src in s.get("sources") or []:
        row("vault", src)
    if s.get("notes") is not None:
        offered = f" (of {_num(s['notes_offered'])} read)" if s.get("notes_offered") is not None else ""
        row("notes", f"{_num(s['notes'])} tagged notes with text{offered}, dated {s.get('first_note') or '?'} – {s.get('last_note') or '?'}")
    if s.get("aliases"):
        row("aliases", ", ".join(f"{k} → {v}" for k, v in s["aliases"].items()))
    if s.get("tags") is not None:
        fewest = (s.get("settings") or {}).get("min_tag_notes", "?")
        rare = f"; {_num(s['rare_tags_left_out'])} used on fewer than {fewest} notes, left out" if s.get("rare_tags_left_out") else ""
        row("tags", f"{_num(s['tags'])} suggested{rare}")
    if s.get("top_tags"):
        row("top tags", "  ".join(f"#{t['tag']} {t['notes']}" for t in s["top_tags"]))
    vocab = {k: v for k, v in (s.get("vocabulary") or {}).items() if isinstance(v, int)}
    if vocab:
        parts = " · ".join(f"{k} {v:,}" for k, v in vocab.items())
        weights = f"; {_num(s['weights'])} weights" if s.get("weights") is not None else ""
        row("vocabulary", f"{sum(vocab.values()):,} terms ({parts}){weights}")
    held = s.get("heldout") or {}
    if held.get("notes") is not None:
        figures = ", ".join(f"{name} {held[key]:.3f}" for key, name in (("P@1", "P@1"), ("assigned_f1", "assigned-set F1"))
                            if isinstance(held.get(key), (int, float)))
        row("held out", f"newest {int(held['notes']) if isinstance(held['notes'], (int, float)) else held['notes']} notes: {figures}")
    settings = dict(s.get("settings") or {})
    korean = settings.pop("korean", None)
    if settings:
        row("settings", ", ".join(f"{k}={v}" for k, v in settings.items()))
    if isinstance(korean, dict):
        row("korean", ", ".join(f"{k}={' '.join(map(str, v)) if isinstance(v, list) else v}" for k, v in korean.items()))
    return "\n".join(lines)


__all__ = [
    "format_explanations",
    "format_model",
    "format_review",
    "none_read",
    "plural",
    "printable",
    "read_line",
    "reason_lines",
    "shell_word",
    "short_reason",
    "to_json",
]
