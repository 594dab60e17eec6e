"""Where things are in a note's text: lines, front matter, tags, `# Links`. Shared by reader and writer.

Tags are read as Obsidian reads them, word by word: a word `#name` whose name is a
valid tag (`tagger.spelling.is_valid_tag`) is a tag wherever it stands in the body —
a tag line (`#rl #moe`), a run of tags closing a prose line (`… 방법. #gan`) or
inside one — except in code blocks and after `# Links`; tags in front matter
(`tags: [rl, moe]`) count too. A word glued to punctuation (`#InsTag:` in a title)
is text. What the reader reads as the note's tags (`note_tags`) is exactly what the
writer rewrites, where it stands.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from tagger.spelling import invalid_tag_reason, is_valid_tag

BOM = "\ufeff"
_LINE_RE = re.compile(r"[^\r\n]*(?:\r\n|\n|\r)|[^\r\n]+$")
_TOKEN_RE = re.compile(r"#[^\s#][^\s]*")
_LINKS_HEADING_RE = re.compile(r"^#{1,6}\s+Links\s*$", re.IGNORECASE)
_HEADING_MARK_RE = re.compile(r"#+")
_WORD_RE = re.compile(r"\S+")
# Lines starting with `#` (after a BOM or blanks), however the note ends its lines (`\n`, `\r\n`
# or a lone `\r`, as `split_lines` does: `^` with re.MULTILINE would miss lines after a lone `\r`).
# The first line apart: a pattern opening with a character class is scanned for quickly, where
# one opening with "start, or after a line break" is tried at every offset (3× slower on the corpus).
_HASH_LINE_RE = re.compile(r"[\r\n]\ufeff?[ \t]*(#\S[^\r\n]*)")
_FIRST_HASH_LINE_RE = re.compile(r"\ufeff?[ \t]*(#\S[^\r\n]*)")

#: A front matter `tags:` (or `tag:`) key and its value; an item of a YAML list under it.
#: Shared with the writer, so what is read as front-matter tags is exactly what is rewritten.
FRONT_TAGS_RE = re.compile(r"^(tags|tag)\s*:\s*(.*)$", re.IGNORECASE)
FRONT_ITEM_RE = re.compile(r"^\s*-\s+")


class Line(NamedTuple):
    """One physical line: `text` without its ending, `start`/`end` offsets with it.

    A named tuple, not a frozen dataclass: a note is split into lines every time it is
    read, and a tuple is made several times faster (0.05 s over the corpus).
    """

    number: int
    start: int
    end: int
    text: str


def split_lines(text: str) -> list[Line]:
    """Split keeping offsets, so writers can change one line and nothing else.

    A leading BOM belongs to no line (a tag line may come right after it).

    >>> [(ln.start, ln.text) for ln in split_lines("\\ufeff#rl\\r\\nx")]
    [(1, '#rl'), (6, 'x')]
    """
    out = []
    for i, m in enumerate(_LINE_RE.finditer(text, len(BOM) if text.startswith(BOM) else 0)):
        raw = m.group(0)
        out.append(Line(i, m.start(), m.end(), raw.rstrip("\r\n")))
    return out


def tag_tokens(line: str) -> list[str] | None:
    """The tags of a tag line (without `#`), or None if `line` is not one.

    A tag line is made only of valid tags: `#rl #moe`. Headings (`# Links`),
    `C#` and `#1` inside prose are text.

    >>> tag_tokens("#rl #state-space-model "), tag_tokens("#1 on the board"), tag_tokens("# Links")
    (['rl', 'state-space-model'], None, None)
    """
    words = line.split()
    if not words or not all(_TOKEN_RE.fullmatch(w) for w in words):
        return None
    tags = [w[1:] for w in words]
    if not all(is_valid_tag(t) for t in tags):
        return None
    return tags


def odd_tag_line(line: str) -> str | None:
    """If `line` looks like a tag line (every word starts with `#`) but is not one, say why.

    A first word of only `#`s is a heading marker (`# Links`, `##`): a heading, not tags.

    >>> odd_tag_line("#rl #c++")
    "'#c++' is not a valid tag (letters, digits, _ - / only, and not all digits)"
    >>> odd_tag_line("#rl #"), odd_tag_line("##x")
    ("'#' is not a valid tag (letters, digits, _ - / only, and not all digits)", "'##x' is not a valid tag (letters, digits, _ - / only, and not all digits)")
    >>> odd_tag_line("# Links"), odd_tag_line("#1 on the board"), odd_tag_line("#rl #moe")
    (None, None, None)
    """
    words = line.split()
    if not words or _HEADING_MARK_RE.fullmatch(words[0]) or not all(w.startswith("#") for w in words):
        return None
    if tag_tokens(line) is not None:
        return None
    return next(why for w in words if (why := _token_problem(w)) is not None)


def _token_problem(word: str) -> str | None:
    if _TOKEN_RE.fullmatch(word) and is_valid_tag(word[1:]):
        return None
    return invalid_tag_reason(word) or f"'{word}' is not a valid tag"


def mistyped_tag_line(odd: Sequence[str]) -> str:
    """Why retag and the hook leave a note with a mistyped tag line alone (from `odd_tag_lines`).

    >>> mistyped_tag_line(["line 3: '#' is not a valid tag"])
    "line 3: '#' is not a valid tag; fix that line by hand (tagger would otherwise add a second tag line)"
    """
    more = f" (and {len(odd) - 1} more such line{'s' if len(odd) > 2 else ''})" if len(odd) > 1 else ""
    return f"{odd[0]}{more}; fix that line by hand (tagger would otherwise add a second tag line)"


@dataclass(frozen=True)
class TagRun:
    """Tags written side by side on one line: a whole tag line, or a run inside prose (`… 방법. #gan #rl`).

    `start` and `end` are offsets in the note's text of the run's first character and
    just past its last tag; `whole_line` says the line holds nothing else.
    """

    line: Line
    start: int
    end: int
    tags: tuple[str, ...]
    whole_line: bool


@dataclass(frozen=True)
class Layout:
    """Where things are in a note's text, for readers and writers alike."""

    body_start: int
    front_matter: tuple[Line, ...]
    lines: tuple[Line, ...]
    #: Every run of tags in the body, in order (before `# Links`, outside code).
    tag_runs: tuple[TagRun, ...]
    links_heading: Line | None

    @property
    def tag_lines(self) -> tuple[Line, ...]:
        """The lines made only of tags."""
        return tuple(r.line for r in self.tag_runs if r.whole_line)


def _is_tag_word(word: str) -> bool:
    return _TOKEN_RE.fullmatch(word) is not None and is_valid_tag(word[1:])


def _runs(ln: Line) -> list[TagRun]:
    if "#" not in ln.text:  # most lines: no word can be a tag
        return []
    words = list(_WORD_RE.finditer(ln.text))
    runs: list[TagRun] = []
    i = 0
    while i < len(words):
        if not _is_tag_word(words[i].group()):
            i += 1
            continue
        j = i
        while j + 1 < len(words) and _is_tag_word(words[j + 1].group()):
            j += 1
        tags = tuple(w.group()[1:] for w in words[i : j + 1])
        runs.append(TagRun(ln, ln.start + words[i].start(), ln.start + words[j].end(), tags, i == 0 and j == len(words) - 1))
        i = j + 1
    return runs


def layout(text: str) -> Layout:
    r"""Locate front matter, tags and the `# Links` heading of a note.

    >>> lay = layout("---\ntags: [rl]\n---\nA note. #moe\n#rl #gan\n# Links\n#not-a-tag-line\n")
    >>> [(r.tags, r.whole_line) for r in lay.tag_runs], lay.links_heading.text
    ([(('moe',), False), (('rl', 'gan'), True)], '# Links')
    """
    lines = split_lines(text)
    front: list[Line] = []
    body = lines
    first = lines[0].text.removeprefix(BOM) if lines else ""
    if first.strip() == "---":
        for j in range(1, len(lines)):
            if lines[j].text.strip() in ("---", "..."):
                front, body = lines[: j + 1], lines[j + 1 :]
                break
    fenced = fenced_lines(body)
    links = next((ln for ln in body if ln.number not in fenced and _LINKS_HEADING_RE.match(ln.text)), None)
    runs = tuple(
        run
        for ln in body
        if (links is None or ln.number < links.number) and ln.number not in fenced
        for run in _runs(ln)
    )
    return Layout(body[0].start if body else len(text), tuple(front), tuple(body), runs, links)


def prose(ln: Line, runs: Sequence[TagRun]) -> str:
    """The text of line `ln` without its runs of tags (`runs`: the layout's, any lines), whitespace tidied.

    >>> lay = layout("Text #gan (more) #rl\\n")
    >>> prose(lay.lines[0], lay.tag_runs)
    'Text (more)'
    """
    cuts = [r for r in runs if r.line.number == ln.number]
    if not cuts:
        return ln.text
    pieces, at = [], ln.start
    for r in cuts:
        pieces.append(ln.text[at - ln.start : r.start - ln.start])
        at = r.end
    pieces.append(ln.text[at - ln.start :])
    return " ".join(p.strip() for p in pieces if p.strip())


def fenced_lines(lines: Sequence[Line]) -> set[int]:
    r"""Numbers of the lines inside ``` or ~~~ code fences (fence lines included): code, never tags.

    >>> sorted(fenced_lines(split_lines("a\n```\n#define X\n```\n#rl")))
    [1, 2, 3]
    """
    out: set[int] = set()
    fence: str | None = None
    for ln in lines:
        stripped = ln.text.strip()
        if fence is None and (stripped.startswith("```") or stripped.startswith("~~~")):
            fence = stripped[:3]
            out.add(ln.number)
        elif fence is not None:
            out.add(ln.number)
            if stripped.startswith(fence):
                fence = None
    return out


def _front_items(front: tuple[Line, ...]) -> Iterator[tuple[Line, str]]:
    """Each tag written in a front matter block (`tags: [a, b]`, `tags: a b`, a `- a` list), with its line."""
    in_list = False
    for ln in front[1:-1]:
        m = FRONT_TAGS_RE.match(ln.text.strip())
        if m:
            value = m.group(2).strip()
            in_list = not value
            for t in re.split(r"[,\s]+", value.strip("[]")):
                if t.strip():
                    yield ln, t.strip().strip("'\"").lstrip("#")
        elif in_list and FRONT_ITEM_RE.match(ln.text):
            yield ln, ln.text.strip()[1:].strip().strip("'\"").lstrip("#")
        elif in_list and ln.text.strip():
            in_list = False


def front_matter_tags(front: tuple[Line, ...]) -> list[str]:
    r"""Tags from an Obsidian front matter block: `tags: [a, b]`, `tags: a b` or a `- a` list.

    What is not a valid tag (`c++`) is not read as one: `odd_tag_lines` names it instead.

    >>> front_matter_tags(layout("---\ntags: [rl, '#gan', c++]\n---\nA note\n").front_matter)
    ['rl', 'gan']
    >>> front_matter_tags(layout("---\ntags:\n  - rl\n  - gan\n---\n").front_matter)
    ['rl', 'gan']
    """
    return [t for _, t in _front_items(front) if t and is_valid_tag(t)]


def note_tags(lay: Layout) -> tuple[str, ...]:
    r"""The note's tags (without `#`, as written, each once): front matter first, then every run of tags in order.

    The one definition of "a note's tags": the reader's `Entry.tags` and the writer's
    "unchanged?" test both come from here.

    >>> note_tags(layout("---\ntags: [rl]\n---\nText. #gan\n\n#rl #moe\n"))
    ('rl', 'gan', 'moe')
    """
    tags = front_matter_tags(lay.front_matter)
    for run in lay.tag_runs:
        tags += run.tags
    return tuple(dict.fromkeys(tags))


def odd_tag_lines(text: str) -> list[str]:
    """`line N: why` for each line of a note that looks like a tag line but is not one.

    Also every front matter tag that is not a valid tag. Code blocks and what
    follows `# Links` are left out, as they are when tags are read. Retag and the
    hook leave such a note alone (adding a tag line beside a mistyped one would give
    the note two), and `set_tags` refuses to change its tags.

    >>> odd_tag_lines("코멘트.\\n\\n#rl #c++\\n\\n```\\n#!/bin/sh\\n```\\n")
    ["line 3: '#c++' is not a valid tag (letters, digits, _ - / only, and not all digits)"]
    >>> odd_tag_lines("\\ufeff##x"), odd_tag_lines("코멘트.\\n\\n#rl #moe\\n")
    (["line 1: '##x' is not a valid tag (letters, digits, _ - / only, and not all digits)"], [])
    >>> odd_tag_lines("Title\\r\\r#rl #c++\\r"), odd_tag_lines("---\\ntags: [c++, GAN]\\n---\\n")
    (["line 3: '#c++' is not a valid tag (letters, digits, _ - / only, and not all digits)"], ["line 2: 'c++' is not a valid tag (letters, digits, _ - / only, and not all digits)"])
    """
    # Most notes have no such line: look at the lines starting with `#` before laying out.
    first = _FIRST_HASH_LINE_RE.match(text)
    hashes = any(odd_tag_line(m.group(1)) for m in itertools.chain((first,) if first else (), _HASH_LINE_RE.finditer(text)))
    if not hashes and not text.lstrip(BOM).startswith("---"):
        return []
    lay = layout(text)
    out = [f"line {ln.number + 1}: {why}" for ln, t in _front_items(lay.front_matter) if (why := invalid_tag_reason(t)) is not None]
    if not hashes:
        return out
    fenced = fenced_lines(lay.lines)
    end = lay.links_heading.number if lay.links_heading is not None else None
    for ln in lay.lines:
        if ln.number in fenced or (end is not None and ln.number >= end):
            continue
        why = odd_tag_line(ln.text)
        if why:
            out.append(f"line {ln.number + 1}: {why}")
    return out


__all__ = [
    "BOM",
    "FRONT_ITEM_RE",
    "FRONT_TAGS_RE",
    "Layout",
    "Line",
    "TagRun",
    "fenced_lines",
    "front_matter_tags",
    "layout",
    "mistyped_tag_line",
    "note_tags",
    "odd_tag_line",
    "odd_tag_lines",
    "prose",
    "split_lines",
    "tag_tokens",
]
