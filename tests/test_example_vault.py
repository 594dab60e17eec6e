"""The example vault meets its own spec: the fast tests and the demo stand on it."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from pathlib import Path

import pytest

from tagger import Entry, InputError, Spellings, parse_note, read_entries, tag_key
from tagger.notes.vault import note_paths


@pytest.fixture(scope="module")
def vault(example_vault: Path) -> tuple[list[Entry], list[InputError]]:
    problems: list[InputError] = []
    return read_entries(example_vault, on_problem=problems.append), problems


def _raw(entry: Entry) -> bytes:
    assert entry.path is not None
    return entry.path.read_bytes()


def test_size_and_tags(vault: tuple[list[Entry], list[InputError]]) -> None:
    entries, _ = vault
    assert 70 <= len(entries) <= 90
    per_tag = Counter(tag_key(t) for e in entries for t in e.tags)
    assert sum(n >= 4 for n in per_tag.values()) >= 10
    assert sum(n >= 6 for n in per_tag.values()) >= 12
    for tag in ("rl", "distillation", "state-space-model", "diffusion", "moe", "agent", "reasoning", "llm",
                "efficient-training", "vision-language", "alignment", "retrieval", "quantization", "gan"):
        assert per_tag[tag] >= 6, tag


def test_untagged_notes_for_retagging(vault: tuple[list[Entry], list[InputError]]) -> None:
    entries, problems = vault
    untagged = [e for e in entries if not e.tags]
    with_text = [e for e in untagged if e.comment or e.abstract]
    assert 4 <= len(with_text) <= 6
    # One untagged note is only a URL, and it is the vault's only reported problem.
    assert [p.path.name for p in problems if p.path] == ["200511 Sparse Voxel Fields.md"]
    assert "has no text besides a URL" in str(problems[0])


def test_all_three_eras_are_present(vault: tuple[list[Entry], list[InputError]]) -> None:
    entries, _ = vault
    texts = {e.path: _raw(e).decode("utf-8") for e in entries}
    years = Counter(e.date.year for e in entries if e.date)
    assert set(years) == {2020, 2021, 2022, 2023, 2024, 2025}
    old = [e for e in entries if e.date and e.date.year <= 2022]
    url_and_tags = [e for e in old if e.tags and not e.comment and not e.authors]
    short_name = [e for e in old if e.path and texts[e.path].startswith(f"{e.title} https://")]
    title_authors = [e for e in old if e.authors and e.comment and not e.abstract]
    middle = [e for e in entries if e.abstract and not e.translation and e.date and e.date < dt.date(2024, 9, 1)]
    new = [e for e in entries if e.abstract and e.translation and e.links]
    assert len(url_and_tags) >= 2 and len(short_name) >= 1 and len(title_authors) >= 20
    assert len(middle) >= 10 and len(new) >= 10
    assert all(e.path and re.match(r"^\*.+\* \(", texts[e.path].split("\n\n")[1]) for e in middle + new if e.url.startswith("https://arxiv"))


def test_tag_spelling_drift_folds(vault: tuple[list[Entry], list[InputError]]) -> None:
    entries, _ = vault
    spellings = Spellings()
    for e in sorted(entries, key=lambda e: e.date or dt.date.max):
        spellings.update(e.tags)
    groups = spellings.groups()
    assert groups["gan"] == ["GAN", "gan"]
    assert groups["efficient-training"] == ["efficient_training", "efficient-training"]
    assert spellings.display("GAN") == "gan" and spellings.display("efficient_training") == "efficient-training"
    first_year = {}
    for e in sorted(entries, key=lambda e: e.date or dt.date.max):
        for t in e.tags:
            first_year.setdefault(t, e.date.year if e.date else 9999)
    assert first_year["agent"] >= 2023 and first_year["inference-time-scaling"] >= 2024  # the newer vocabulary


def test_the_awkward_notes_are_there(vault: tuple[list[Entry], list[InputError]], example_vault: Path) -> None:
    entries, _ = vault
    raw = {e.path.name: _raw(e) for e in entries if e.path}
    assert sum(not data.endswith(b"\n") for data in raw.values()) > len(raw) * 0.8  # like the corpus
    crlf = [n for n, d in raw.items() if b"\r\n" in d]
    assert len(crlf) == 1 and b"\n" not in raw[crlf[0]].replace(b"\r\n", b"")
    front = [e for e in entries if e.path and raw[e.path.name].startswith(b"---\n")]
    assert [e.tags for e in front] == [("moe", "efficient-training")]
    assert [e.title for e in entries if e.date is None] == ["AlphaEvolve"]
    prose = [e for e in entries if "C#" in e.comment and "#1" in e.comment]
    assert len(prose) == 1 and prose[0].tags == ("llm", "code")
    assert len(note_paths(example_vault)) == len(entries)


def test_wiki_links_point_at_notes_of_the_vault(vault: tuple[list[Entry], list[InputError]]) -> None:
    entries, _ = vault
    stems = {e.path.stem for e in entries if e.path}
    links = [link for e in entries for link in e.links]
    assert len(links) >= 20
    assert [link for link in links if link not in stems] == []


def test_text_reflects_tags(vault: tuple[list[Entry], list[InputError]]) -> None:
    """Spot checks that the words of a note match its tags (the demo model learns from them)."""
    entries, _ = vault
    cues = {"distillation": "distill", "moe": "expert", "quantization": "quantiz", "diffusion": "diffusion",
            "state-space-model": ("mamba", "state space", "ssm", "s4"), "retrieval": ("retriev", "검색", "rag")}
    for e in entries:
        text = " ".join(e.text_fields().values()).lower()
        for tag, cue in cues.items():
            if tag in {tag_key(t) for t in e.tags}:
                assert any(c in text for c in ((cue,) if isinstance(cue, str) else cue)), (e.title, tag)


def test_digest_and_new_note(example_vault: Path, new_note: Path) -> None:
    digest = read_entries(example_vault / "digests" / "2024-08-28.txt")
    assert 4 <= len(digest) <= 5 and all(e.tags and e.abstract and e.comment for e in digest)
    assert not (example_vault / "digests" / "2024-08-28.txt").read_bytes().endswith(b"\n")  # like the seed
    note = parse_note(new_note.read_text(encoding="utf-8"), path=new_note)
    assert note.tags == () and note.abstract and note.comment and note.translation
    assert example_vault not in new_note.parents
    words = f"{note.title} {note.abstract}".lower()
    assert all(w in words for w in ("distill", "state space", "reinforcement learning"))
