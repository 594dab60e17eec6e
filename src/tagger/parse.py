"""Read one note or one digest into `Entry` values. Pure: text in, entries out.

The archive spans several formats (see the README); each field is found by what
its line looks like, not by its position, so all eras go through one parser.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from tagger.entry import Entry
from tagger.tagnames import is_valid_tag

BOM = "\ufeff"
_LINE_RE = re.compile(r"[^\r\n]*(?:\r\n|\n|\r)|[^\r\n]+$")
_TOKEN_RE = re.compile(r"#[^\s#][^\s]*")
_URL_RE = re.compile(r"https?://\S+")
_HANGUL_RE = re.compile(r"[\uac00-\ud7a3\u3131-\u318e]")
_DATE_PREFIX_RE = re.compile(r"^(\d{2})(\d{2})(\d{2})(?:\s|$|(?=\.\w+$))")
_LINKS_HEADING_RE = re.compile(r"^#{1,6}\s+Links\s*$", re.IGNORECASE)
_HEADING_RE = re.compile(r"^#{1,6}\s")
_WIKILINK_RE = re.compile(r"\[\[([^\]|#]+)(?:[#|][^\]]*)?\]\]")
# Authors may hold one level of parentheses: "Michele (Mike) Lunati", "(additional authors not shown)".
_AUTHORS = r"(?:[^()]|\([^()]*\))*"
_TITLE_RE = re.compile(rf"^\*{{1,2}}(?P<t>.+?)\*{{1,2}}\s*\((?P<a>{_AUTHORS})\)\s*$|^(?P<t2>[^()]+?)\s*\((?P<a2>{_AUTHORS})\)\s*$")
_KOREAN_DATE_RE = re.compile(r"^\s*(\d{4})년\s*(\d{1,2})월\s*(\d{1,2})일\s*$")


@dataclass(frozen=True)
class Line:
    """One physical line: `text` without its ending, `start`/`end` offsets with it."""

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
    bad = next(w for w in words if not (_TOKEN_RE.fullmatch(w) and is_valid_tag(w[1:])))
    return f"'{bad}' is not a valid tag (letters, digits, _ - / only, and not all digits)"


_HEADING_MARK_RE = re.compile(r"#+")
_HASH_LINE_RE = re.compile(r"^\ufeff?[ \t]*#\S[^\r\n]*", re.MULTILINE)


def mistyped_tag_line(odd: Sequence[str]) -> str:
    """Why retag and the hook leave a note with a mistyped tag line alone (from `odd_tag_lines`).

    >>> mistyped_tag_line(["line 3: '#' is not a valid tag"])
    "line 3: '#' is not a valid tag; fix that line by hand (tagger would otherwise add a second tag line)"
    """
    more = f" (and {len(odd) - 1} more such line{'s' if len(odd) > 2 else ''})" if len(odd) > 1 else ""
    return f"{odd[0]}{more}; fix that line by hand (tagger would otherwise add a second tag line)"


def odd_tag_lines(text: str) -> list[str]:
    """`line N: why` for each line of a note that looks like a tag line but is not one.

    Code blocks and what follows `# Links` are left out, as they are when tags are read.
    Retag and the hook leave such a note alone: adding a tag line beside a mistyped one
    would give the note two.

    >>> odd_tag_lines("코멘트.\\n\\n#rl #c++\\n\\n```\\n#!/bin/sh\\n```\\n")
    ["line 3: '#c++' is not a valid tag (letters, digits, _ - / only, and not all digits)"]
    >>> odd_tag_lines("\\ufeff##x"), odd_tag_lines("코멘트.\\n\\n#rl #moe\\n")
    (["line 1: '##x' is not a valid tag (letters, digits, _ - / only, and not all digits)"], [])
    """
    # Most notes have no such line: look at the lines starting with `#` before laying out.
    if not any(odd_tag_line(m.group(0).lstrip(BOM)) for m in _HASH_LINE_RE.finditer(text)):
        return []
    lay = layout(text)
    fenced = _fenced(lay.lines)
    end = lay.links_heading.number if lay.links_heading is not None else None
    out = []
    for ln in lay.lines:
        if ln.number in fenced or (end is not None and ln.number >= end):
            continue
        why = odd_tag_line(ln.text)
        if why:
            out.append(f"line {ln.number + 1}: {why}")
    return out


@dataclass(frozen=True)
class Layout:
    """Where things are in a note's text, for readers and writers alike."""

    body_start: int
    front_matter: tuple[Line, ...]
    lines: tuple[Line, ...]
    tag_lines: tuple[Line, ...]
    links_heading: Line | None


def layout(text: str) -> Layout:
    r"""Locate front matter, tag lines and the `# Links` heading of a note.

    >>> lay = layout("---\ntags: [rl]\n---\nA note\n#rl #gan\n# Links\n#not-a-tag-line\n")
    >>> [ln.text for ln in lay.tag_lines], lay.links_heading.text
    (['#rl #gan'], '# Links')
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
    fenced = _fenced(body)
    links = next((ln for ln in body if ln.number not in fenced and _LINKS_HEADING_RE.match(ln.text)), None)
    tag_lines = tuple(
        ln
        for ln in body
        if (links is None or ln.number < links.number) and ln.number not in fenced and tag_tokens(ln.text) is not None
    )
    return Layout(body[0].start if body else len(text), tuple(front), tuple(body), tag_lines, links)


def _fenced(lines: Sequence[Line]) -> set[int]:
    r"""Numbers of the lines inside ``` or ~~~ code fences (fence lines included): code, never tags.

    >>> sorted(_fenced(split_lines("a\n```\n#define X\n```\n#rl")))
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


#: A front matter `tags:` (or `tag:`) key and its value; an item of a YAML list under it.
#: Shared with the writer, so what is read as front-matter tags is exactly what is rewritten.
FRONT_TAGS_RE = re.compile(r"^(tags|tag)\s*:\s*(.*)$", re.IGNORECASE)
FRONT_ITEM_RE = re.compile(r"^\s*-\s+")


def front_matter_tags(front: tuple[Line, ...]) -> list[str]:
    r"""Tags from an Obsidian front matter block: `tags: [a, b]`, `tags: a b` or a `- a` list.

    >>> front_matter_tags(layout("---\ntags: [rl, '#gan']\n---\nA note\n").front_matter)
    ['rl', 'gan']
    >>> front_matter_tags(layout("---\ntags:\n  - rl\n  - gan\n---\n").front_matter)
    ['rl', 'gan']
    """
    tags: list[str] = []
    in_list = False
    for ln in front[1:-1]:
        m = FRONT_TAGS_RE.match(ln.text.strip())
        if m:
            value = m.group(2).strip()
            in_list = not value
            value = value.strip("[]")
            tags += [t.strip().strip("'\"").lstrip("#") for t in re.split(r"[,\s]+", value) if t.strip()]
        elif in_list and FRONT_ITEM_RE.match(ln.text):
            tags.append(ln.text.strip()[1:].strip().strip("'\"").lstrip("#"))
        elif in_list and ln.text.strip():
            in_list = False
    return [t for t in tags if t]


def date_from_name(name: str) -> dt.date | None:
    """The date in a `yymmdd Title.md` file name, if there is a valid one.

    >>> date_from_name("240828 The Mamba in the Llama.md")
    datetime.date(2024, 8, 28)
    >>> date_from_name("240828.md"), date_from_name("2408281 Title.md")
    (datetime.date(2024, 8, 28), None)
    """
    m = _DATE_PREFIX_RE.match(name)
    if not m:
        return None
    try:
        return dt.date(2000 + int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        return None


def _title_from_name(path: Path | None) -> str:
    if path is None:
        return ""
    return _DATE_PREFIX_RE.sub("", path.stem).strip()


def _title_line(line: str) -> tuple[str, str] | None:
    if _HANGUL_RE.search(line) or _URL_RE.search(line):
        return None
    m = _TITLE_RE.match(line.strip())
    if not m:
        return None
    title = m.group("t") or m.group("t2") or ""
    authors = m.group("a") if m.group("t") else m.group("a2")
    return title.strip(), (authors or "").strip()


def parse_note(text: str, *, path: Path | str | None = None, date: dt.date | None = None) -> Entry:
    """Read one markdown note (any era of the archive) into an `Entry`.

    >>> e = parse_note("https://arxiv.org/abs/2408.15237\\n\\n*The Mamba in the Llama* (J. Wang)\\n\\n"
    ...                "> We distill Transformers.\\n\\nMamba로 Distillation.\\n\\n#distillation #state-space-model")
    >>> e.title, e.abstract, e.comment, e.tags
    ('The Mamba in the Llama', 'We distill Transformers.', 'Mamba로 Distillation.', ('distillation', 'state-space-model'))
    """
    p = Path(path) if path is not None else None
    lay = layout(text)
    tags: list[str] = front_matter_tags(lay.front_matter)
    for ln in lay.tag_lines:
        tags += tag_tokens(ln.text) or []
    seen: set[str] = set()
    tags = [t for t in tags if not (t in seen or seen.add(t))]  # type: ignore[func-returns-value]

    url = ""
    title = authors = ""
    abstract: list[str] = []
    comment: list[str] = []
    english: list[str] = []
    links: list[str] = []
    in_english = False
    tag_numbers = {ln.number for ln in lay.tag_lines}
    joined: set[int] = set()
    for i, ln in enumerate(lay.lines):
        s = ln.text.strip().removeprefix(BOM)
        if ln.number in joined:
            continue
        if lay.links_heading is not None and ln.number >= lay.links_heading.number:
            links += [m.group(1).strip().removesuffix(".md") for m in _WIKILINK_RE.finditer(s)]
            continue
        if ln.number in tag_numbers or not s:
            continue
        if s.lower() == "<english>":
            in_english = True
            continue
        if s.lower() == "</english>":
            in_english = False
            continue
        if in_english:
            english.append(s)
            continue
        urls = _URL_RE.findall(s)
        if urls and _URL_RE.sub("", s).strip() == "":
            url = url or urls[0]
            continue
        if urls and not url and not title and not comment and s.startswith(_URL_RE.sub("", s).strip()) and not _HANGUL_RE.search(s):
            # 2020 style: "ShortName https://arxiv.org/abs/..."
            url = urls[0]
            title = _URL_RE.sub("", s).strip()
            continue
        if s.startswith(">"):
            abstract.append(s.lstrip(">").strip())
            continue
        if not title and not comment and not abstract:
            found = _title_line(s)
            # A `Title (Authors)` line copied from an arXiv listing is often wrapped in two.
            nxt = lay.lines[i + 1] if i + 1 < len(lay.lines) else None
            if not found and nxt is not None and nxt.text.strip() and nxt.number not in tag_numbers:
                found = _title_line(f"{s} {nxt.text.strip()}")
                if found:
                    joined.add(nxt.number)
            if found:
                title, authors = found
                continue
        comment.append(s)
    return Entry(
        path=p,
        date=date or (date_from_name(p.name) if p else None),
        url=url,
        title=title or _title_from_name(p),
        title_from_name=not title and bool(_title_from_name(p)),
        authors=authors,
        abstract=" ".join(a for a in abstract if a),
        comment="\n".join(comment),
        translation="\n".join(english),
        tags=tuple(tags),
        links=tuple(links),
    )


def _digest_chunks(lines: list[str]) -> Iterator[list[str]]:
    chunk: list[str] = []
    for line in lines:
        if not line.strip():
            continue
        chunk.append(line.strip())
        if tag_tokens(line) is not None:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def parse_digest(text: str, *, path: Path | str | None = None, date: dt.date | None = None) -> list[Entry]:
    """Read a plain-text digest (one newsletter post, several papers) into entries.

    Per paper: a title line, an `(authors)` line, the abstract paragraph, Korean
    comment lines, perhaps a URL line, and a tag line that closes the paper.

    >>> es = parse_digest("2024년 8월 28일\\nA Title\\n(Ann Author)\\nWe do X.\\nX를 했군요.\\n#rl\\n")
    >>> [(e.title, e.abstract, e.comment, e.tags, str(e.date)) for e in es]
    [('A Title', 'We do X.', 'X를 했군요.', ('rl',), '2024-08-28')]
    """
    p = Path(path) if path is not None else None
    lines = text.removeprefix(BOM).splitlines()
    if lines and (m := _KOREAN_DATE_RE.match(lines[0])):
        try:
            date = date or dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        except ValueError:
            pass
        lines = lines[1:]
    if date is None and p is not None:
        date = date_from_name(p.name)
    entries = []
    for chunk in _digest_chunks(lines):
        tags = tag_tokens(chunk[-1])
        body = chunk[:-1] if tags is not None else chunk
        if not body:
            continue
        title, rest = body[0], body[1:]
        authors = ""
        if rest and rest[0].startswith("(") and rest[0].endswith(")"):
            authors, rest = rest[0][1:-1].strip(), rest[1:]
        url = ""
        abstract: list[str] = []
        comment: list[str] = []
        for line in rest:
            urls = _URL_RE.findall(line)
            if urls and _URL_RE.sub("", line).strip() == "":
                url = url or urls[0]
            elif not comment and not _HANGUL_RE.search(line):
                abstract.append(line)
            else:
                comment.append(line)
        entries.append(
            Entry(path=p, date=date, url=url, title=title, authors=authors,
                  abstract=" ".join(abstract), comment="\n".join(comment), tags=tuple(tags or ()))
        )
    return entries


__all__ = [
    "BOM",
    "FRONT_ITEM_RE",
    "FRONT_TAGS_RE",
    "Layout",
    "Line",
    "date_from_name",
    "front_matter_tags",
    "layout",
    "odd_tag_line",
    "odd_tag_lines",
    "mistyped_tag_line",
    "parse_digest",
    "parse_note",
    "split_lines",
    "tag_tokens",
]
