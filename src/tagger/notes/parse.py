"""Read one note or one digest into `Entry` values. Pure: text in, entries out.

The archive spans several formats (see the README); each field is found by what
its line looks like, not by its position, so all eras go through one parser.
Where the tags are is `tagger.notes.layout`'s business, shared with the writer.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path

from tagger.entry import Entry
from tagger.notes.layout import BOM, layout, note_tags, prose, tag_tokens

_URL_RE = re.compile(r"https?://\S+")
_HANGUL_RE = re.compile(r"[\uac00-\ud7a3\u3131-\u318e]")
_DATE_PREFIX_RE = re.compile(r"^(\d{2})(\d{2})(\d{2})(?:\s|$|(?=\.\w+$))")
_WIKILINK_RE = re.compile(r"\[\[([^\]|#]+)(?:[#|][^\]]*)?\]\]")
# Authors may hold one level of parentheses: "Michele (Mike) Lunati", "(additional authors not shown)".
_AUTHORS = r"(?:[^()]|\([^()]*\))*"
_TITLE_RE = re.compile(rf"^\*{{1,2}}(?P<t>.+?)\*{{1,2}}\s*\((?P<a>{_AUTHORS})\)\s*$|^(?P<t2>[^()]+?)\s*\((?P<a2>{_AUTHORS})\)\s*$")
_KOREAN_DATE_RE = re.compile(r"^\s*(\d{4})년\s*(\d{1,2})월\s*(\d{1,2})일\s*$")


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

    url = ""
    title = authors = ""
    abstract: list[str] = []
    comment: list[str] = []
    english: list[str] = []
    links: list[str] = []
    in_english = False
    tag_numbers = {ln.number for ln in lay.tag_lines}
    inline = {r.line.number for r in lay.tag_runs if not r.whole_line}
    joined: set[int] = set()
    for i, ln in enumerate(lay.lines):
        # Tags are never text: a run of tags inside a line is cut out of it.
        s = (prose(ln, lay.tag_runs) if ln.number in inline else ln.text).strip().removeprefix(BOM)
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
        tags=note_tags(lay),
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


__all__ = ["date_from_name", "parse_digest", "parse_note"]
