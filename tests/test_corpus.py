"""The whole shared archive: counts as its README states them, and the writer's round trip on every note.

Skipped when `../shared/corpus` is absent (a fresh clone outside CI).
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from tagger import Entry, InputError, Spellings, parse_note, read_entries, set_tags, tag_key
from tagger.notes.layout import layout
from tagger.notes.vault import note_paths

pytestmark = pytest.mark.slow

#: Notes whose body is only a URL and that carry no tag: reported, still read.
URL_ONLY_UNTAGGED = {"230418 HCI.md", "230502 RedPajama.md", "230713 Hassabis.md", "230825 Ily Sutskever.md", "230901 DeepSpeed Ulysses.md"}


@pytest.fixture(scope="module")
def corpus(corpus_dir: Path) -> tuple[list[Entry], list[InputError]]:
    problems: list[InputError] = []
    return read_entries(corpus_dir, on_problem=problems.append), problems


@pytest.fixture(scope="module")
def texts(corpus_dir: Path) -> dict[Path, str]:
    return {p: p.read_bytes().decode("utf-8") for p in note_paths(corpus_dir)}


def test_counts_match_the_readme(corpus: tuple[list[Entry], list[InputError]]) -> None:
    entries, _ = corpus
    assert len(entries) == 3467
    # 3,124 notes with a tag line, 66 whose tags close a prose line, 4 with a run of tags inside a
    # line (three tag lines with a stray letter after them, one followed by a remark): as Obsidian reads them.
    assert sum(bool(e.tags) for e in entries) == 3194
    assert sum(not e.tags for e in entries) == 273
    assert len({tag_key(t) for e in entries for t in e.tags}) == 350
    assert len({t for e in entries for t in e.tags}) == 374
    spellings = Spellings()
    for e in sorted(entries, key=lambda e: e.date or dt.date.min):
        spellings.update(e.tags)
    groups = spellings.groups()
    assert len(groups) == 24
    assert groups["efficient-training"] == ["efficient_training", "efficient-training"]
    assert spellings.display("GAN") == spellings.display("gan")
    assert max(len(e.tags) for e in entries) >= 3


def test_every_note_reads_and_only_url_only_notes_are_reported(corpus: tuple[list[Entry], list[InputError]]) -> None:
    entries, problems = corpus
    assert {p.path.name for p in problems if p.path} == URL_ONLY_UNTAGGED
    assert all("has no text besides a URL" in str(p) for p in problems)
    assert all(e.has_text for e in entries)  # the file name gives a title at least


def test_fields_of_every_era_are_found(corpus: tuple[list[Entry], list[InputError]], texts: dict[Path, str]) -> None:
    """Counted twice, by a grep-like scan of the files and by the parser, the numbers agree."""
    entries, _ = corpus
    by_path = {e.path: e for e in entries}
    abstract = {p for p, t in texts.items() if re.search(r"^> *\S", t, re.M)}
    english = {p for p, t in texts.items() if re.search(r"^<english>", t, re.M)}
    links = {p for p, t in texts.items() if "# Links" in t and "[[" in t.split("# Links", 1)[1]}
    dated = {p for p in texts if re.match(r"\d{6}( |\.md$)", p.name)}
    assert {p for p, e in by_path.items() if e.abstract} == abstract
    assert {p for p, e in by_path.items() if e.translation} == english
    assert {p for p, e in by_path.items() if e.links} == links
    assert {p for p, e in by_path.items() if e.date} == dated
    assert len(abstract) > 1300 and len(english) > 700 and len(texts) - len(dated) > 0
    # Titles: the `*Title* (Authors)` and `Title (Authors)` lines are read, not left in the comment
    # (one is wrapped over two lines in 124 notes, and some authors hold parentheses).
    assert sum(bool(e.authors) for e in entries) >= 3200
    assert not any(re.match(r"\*[^*]+\* \(", e.comment) for e in entries)


def test_round_trip_on_every_note(texts: dict[Path, str]) -> None:
    failures = []
    for path, text in texts.items():
        tags = parse_note(text).tags
        ok = set_tags(text, tags) == text
        for new in (tags + ("new-tag",), ("rl",), ()):
            once = set_tags(text, new)
            ok = ok and parse_note(once).tags == new and set_tags(once, new) == once
            if not tags:  # adding tags to an untagged note and taking them off gives it back
                ok = ok and set_tags(once, ()) == text
        if not ok:
            failures.append(path.name)
    assert failures == []


def test_set_tags_changes_nothing_but_the_tags(texts: dict[Path, str]) -> None:
    """Rewriting the tags of a tagged note touches its tags only, where they stand."""
    places = {1: 0, 2: 0}
    for path, text in texts.items():
        runs = layout(text).tag_runs
        if not runs:
            continue
        out = set_tags(text, ("x",))
        assert parse_note(out).tags == ("x",), path.name
        assert set_tags(out, ()) == set_tags(text, ()), path.name  # the two differ in their tags only
        old, new = text.splitlines(keepends=True), out.splitlines(keepends=True)
        changed = [(a, b) for a, b in zip(old, new) if a != b]
        if len(runs) == 1:  # tags in one place (a tag line, or a run in a prose line): that line alone changes
            assert len(old) == len(new) and len(changed) == 1 and "#x" in changed[0][1].split(), path.name
        places[min(len(runs), 2)] += 1
    assert places == {1: 3191, 2: 3}
