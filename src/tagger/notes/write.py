"""Write tags back into a note's text, changing nothing else. Pure: text in, text out."""

from __future__ import annotations

from collections.abc import Sequence

from tagger.errors import TagError
from tagger.notes.layout import (
    FRONT_ITEM_RE,
    FRONT_TAGS_RE,
    Layout,
    Line,
    TagRun,
    layout,
    mistyped_tag_line,
    note_tags,
    odd_tag_lines,
    split_lines,
)
from tagger.spelling import dedupe_tags, invalid_tag_reason, tag_key


def _eol(text: str) -> str:
    if "\r\n" in text:
        return "\r\n"
    if "\r" in text and "\n" not in text:
        return "\r"
    return "\n"


def _blank(line: Line | None) -> bool:
    return line is not None and not line.text.strip()


def format_tag_line(tags: Sequence[str]) -> str:
    """A note's tag line: tags joined by spaces, each with exactly one `#`.

    >>> format_tag_line(["rl", "#moe"])
    '#rl #moe'
    """
    return " ".join("#" + t.lstrip("#") for t in tags)


def _remove_tag_line(text: str, lines: tuple[Line, ...], idx: int) -> str:
    """Drop one tag line (`lines` = all lines of `text`), and the blank line that setting it had added.

    This is the exact inverse of where `set_tags` adds a tag line, so adding
    tags to an untagged note and removing them again gives back the same bytes.
    """
    ln = lines[idx]
    prev = lines[idx - 1] if idx > 0 else None
    nxt = lines[idx + 1] if idx + 1 < len(lines) else None
    if nxt is not None and _blank(nxt) and (prev is None or _blank(prev)):
        return text[: ln.start] + text[nxt.end :]
    if nxt is None and _blank(prev):
        assert prev is not None
        if ln.end > ln.start + len(ln.text):  # the tag line has its own line ending
            return text[: prev.start] + text[ln.end :]
        before = lines[idx - 2] if idx >= 2 else None
        cut = before.start + len(before.text) if before is not None else prev.start
        return text[:cut] + text[ln.end :]
    if nxt is None and prev is not None and ln.end == ln.start + len(ln.text):
        # The note had no final newline: the line that is now last keeps none either.
        return text[: prev.start + len(prev.text)]
    return text[: ln.start] + text[ln.end :]


def set_tags(text: str, tags: Sequence[str]) -> str:
    """Return `text` with its tags replaced by `tags`; every other byte unchanged.

    Tags are changed where they stand, in a tag line or in a run of tags closing a
    prose line (`… 방법. #gan`): a tag kept stays where it is (respelled there), a tag
    dropped goes (its line too, if nothing else is on it), a new tag joins the first
    tag line (else the last run). A note without tags gets a tag line
    where the author puts it: after the comment, before `# Links`. Front-matter tags
    are rewritten where they stand. An empty `tags` removes them. A tag given twice
    is written once. A tag the reader would not read back (`c++`, `has space`), or a
    note with a mistyped tag line (`odd_tag_lines`: where its tags are is unclear),
    raises `TagError` (an `InputError` and a `ValueError`) and changes nothing.

    >>> set_tags("Title\\n\\n코멘트.\\n\\n#GAN", ["gan", "diffusion"])
    'Title\\n\\n코멘트.\\n\\n#gan #diffusion'
    >>> set_tags("코멘트. #GAN\\n", ["gan", "diffusion"])
    '코멘트. #gan #diffusion\\n'
    >>> set_tags("코멘트.\\n\\n# Links\\n[[x]]\\n", ["rl"])
    '코멘트.\\n\\n#rl\\n\\n# Links\\n[[x]]\\n'
    >>> set_tags("---\\ntags:\\n  - rl\\n---\\n코멘트.", ["rl", "moe"])
    '---\\ntags:\\n  - rl\\n  - moe\\n---\\n코멘트.'
    """
    tags = list(dedupe_tags(t.lstrip("#") for t in tags))
    for t in tags:
        # Written anyway, it would be read back as text, not tags: refuse before touching the note.
        if (why := invalid_tag_reason(t)) is not None:
            raise TagError(why)
    lay = layout(text)
    if list(dedupe_tags(note_tags(lay))) == tags:
        # Unchanged tags leave the note alone, whatever style its tags are written in
        # (a front matter `- item` list, tags split over several lines, one written twice, …).
        return text
    if odd := odd_tag_lines(text):
        raise TagError(mistyped_tag_line(odd))
    front_span = _front_matter_tag_span(lay.front_matter)
    if front_span is not None:
        start, end, indent, item_indent = front_span
        if item_indent is not None and tags:
            # Keep the author's YAML list style: `tags:` then one `- tag` per line.
            eol = _eol(text)
            block = indent + "tags:" + "".join(f"{eol}{item_indent}- {t}" for t in tags)
        else:
            block = indent + "tags: [" + ", ".join(tags) + "]"
        text = text[:start] + block + text[end:]
        # Tags live in the front matter now: those in the body go.
        while (lay := layout(text)).tag_runs:
            text = _remove_run(text, lay.tag_runs[-1])
        return text
    if not lay.tag_runs:
        return _add_tag_line(text, lay, tags) if tags else text
    return _edit_runs(text, lay.tag_runs, tags)


def _edit_runs(text: str, runs: Sequence[TagRun], tags: Sequence[str]) -> str:
    """Each run keeps the wanted tags it has (respelled where they stand); the rest go; new ones join
    the first tag line (else the last run, the one closing the note's prose). Runs are edited last
    first, so the offsets of those before stay valid."""
    wanted = {tag_key(t): t for t in tags}
    placed: set[str] = set()
    new_runs: list[list[str]] = []
    for run in runs:
        kept = []
        for t in run.tags:
            key = tag_key(t)
            if key in wanted and key not in placed:
                placed.add(key)
                kept.append(wanted[key])
        new_runs.append(kept)
    new_runs[_primary(runs)] += [t for t in tags if tag_key(t) not in placed]
    for run, kept in reversed(list(zip(runs, new_runs))):
        if list(run.tags) == kept:
            continue  # keeps the author's own spacing between tags
        text = text[: run.start] + format_tag_line(kept) + text[run.end :] if kept else _remove_run(text, run)
    return text


def _primary(runs: Sequence[TagRun]) -> int:
    return next((i for i, r in enumerate(runs) if r.whole_line), len(runs) - 1)


def _add_tag_line(text: str, lay: Layout, tags: Sequence[str]) -> str:
    new_line, eol = format_tag_line(tags), _eol(text)
    if lay.links_heading is not None:
        at = lay.links_heading.start
        return text[:at] + new_line + eol + eol + text[at:]
    if not text:
        return new_line
    if text.endswith(("\n", "\r")):
        return text + eol + new_line + eol
    return text + eol + eol + new_line


def _remove_run(text: str, run: TagRun) -> str:
    """`text` without one run of tags: a tag line goes whole, a run inside prose with the space before it."""
    if run.whole_line:
        return _remove_tag_line(text, tuple(split_lines(text)), run.line.number)
    before = text[run.line.start : run.start]
    after = text[run.end : run.line.start + len(run.line.text)]
    kept = before + after.lstrip() if not before.strip() else before.rstrip() + after
    return text[: run.line.start] + kept + text[run.line.start + len(run.line.text) :]


def _front_matter_tag_span(front: tuple[Line, ...]) -> tuple[int, int, str, str | None] | None:
    """Offsets of a front matter `tags:` entry (with a following `- item` list), its indent, and the list items' indent (None: no list)."""
    inner = front[1:-1]
    for i, ln in enumerate(inner):
        stripped = ln.text.lstrip()
        if FRONT_TAGS_RE.match(stripped.rstrip()):
            end = ln.start + len(ln.text)
            item_indent: str | None = None
            j = i + 1
            while j < len(inner) and FRONT_ITEM_RE.match(inner[j].text):
                end = inner[j].start + len(inner[j].text)
                if item_indent is None:
                    item_indent = inner[j].text[: len(inner[j].text) - len(inner[j].text.lstrip())]
                j += 1
            return ln.start, end, ln.text[: len(ln.text) - len(stripped)], item_indent
    return None


__all__ = ["format_tag_line", "set_tags"]
