"""`set_tags` changes the tag line and nothing else; `write_atomic` never leaves half a note."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tagger import InputError, parse_note, set_tags, write_atomic
from tagger.notes.layout import BOM, layout, split_lines

# ---- a generator of notes in the archive's formats, with the awkward bytes mixed in ------

tag_st = st.from_regex(r"[A-Za-z][A-Za-z0-9_\-]{0,11}(/[a-z]{1,5})?", fullmatch=True)
tags_st = st.lists(tag_st, max_size=4, unique=True)

# Line contents the author writes, including `#` that is prose, not tags.
prose_st = st.sampled_from(
    [
        "https://arxiv.org/abs/2408.15237",
        "BlendNet https://arxiv.org/abs/2001.00309",
        "The Mamba in the Llama (Junxiong Wang, Tri Dao)",
        "*Scaling Diffusion Transformers* (Zhengcong Fei)",
        "> We distill large Transformers into linear RNNs.",
        "Transformer에서 Mamba로 Distillation. MoE도 사용했네요.",
        "C#이나 Kotlin에서는 성능이 떨어지네요. 리더보드 #1 모델도 마찬가지.",
        "#1 on the leaderboard",
        "issue #42 and C# code",
        "<english>",
        "Distillation from Transformer to Mamba.",
        "</english>",
        "[[240828 The Mamba in the Llama]]",
        "  indented text",
        "",
    ]
)
trail_st = st.sampled_from(["", " ", "  ", "\t"])


@st.composite
def notes(draw: st.DrawFn) -> str:
    """A note: optional BOM and front matter, body lines, optional tag line, optional `# Links`."""
    eol = draw(st.sampled_from(["\n", "\r\n"]))
    lines: list[str] = []
    front = draw(st.sampled_from(["none", "inline", "list", "words", "other"]))
    if front != "none":
        ftags = draw(tags_st)
        lines.append("---")
        lines.append("title: x")
        if front == "inline":
            lines.append("tags: [" + ", ".join(ftags) + "]")
        elif front == "list":
            lines.append("tags:")
            lines += [f"  - {t}" for t in ftags]
        elif front == "words":
            lines.append("tags: " + " ".join(ftags))
        lines.append("---")
    lines += [p + draw(trail_st) for p in draw(st.lists(prose_st, max_size=8))]
    if draw(st.booleans()):
        tags = draw(tags_st.filter(bool))
        lines += ["", " ".join("#" + t for t in tags) + draw(trail_st)]
    if draw(st.booleans()):
        lines += ["", "# Links", ""] + [f"[[2{i}0101 Note {i}.md]]" for i in range(draw(st.integers(0, 2)))]
    text = eol.join(lines)
    if draw(st.booleans()):
        text += eol
    if draw(st.booleans()):
        text = BOM + text
    return text


def body_lines(text: str) -> list[str]:
    """Every line but tag lines, front matter and blank lines, trailing spaces and all."""
    lay = layout(text)
    tag_numbers = {ln.number for ln in lay.tag_lines}
    return [
        ln.text
        for ln in lay.lines
        if ln.number not in tag_numbers and ln.text.strip() and ln.text.strip() != BOM
    ]


PROPS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPS
@given(notes())
def test_setting_the_tags_a_note_has_changes_nothing(text: str) -> None:
    assert set_tags(text, parse_note(text).tags) == text


@PROPS
@given(notes(), tags_st)
def test_set_tags_then_parse_gives_the_tags(text: str, tags: list[str]) -> None:
    # Exactly the tags asked for, in some order: tags the note already had keep their places and
    # new ones join a tag line (the table tests pin where), so the order read back may differ.
    assert sorted(parse_note(set_tags(text, tags)).tags) == sorted(tags)


@PROPS
@given(notes(), tags_st)
def test_set_tags_is_idempotent(text: str, tags: list[str]) -> None:
    once = set_tags(text, tags)
    assert set_tags(once, tags) == once


@PROPS
@given(notes(), tags_st)
def test_set_tags_keeps_every_other_line_and_the_bytes_around_them(text: str, tags: list[str]) -> None:
    out = set_tags(text, tags)
    assert body_lines(out) == body_lines(text)
    assert out.startswith(BOM) == text.startswith(BOM)
    if "\r\n" in text:  # a CRLF note gets no bare LF
        assert "\n" not in out.replace("\r\n", "")
    # A missing final newline stays missing. (Removing a last tag line after two blank
    # lines must change one byte or the other: the removal cases are in the examples.)
    if tags and not layout(text).front_matter:
        assert out.endswith("\n") == text.endswith("\n")
    front = layout(text).front_matter
    if front:  # front matter stays first, and only its `tags:` entry may change
        out_front = layout(out).front_matter
        assert [ln.text for ln in out_front if not ln.text.lstrip().startswith(("tags", "- "))] == [
            ln.text for ln in front if not ln.text.lstrip().startswith(("tags", "- "))
        ]


@PROPS
@given(notes(), tags_st)
def test_adding_then_removing_tags_of_an_untagged_note_gives_it_back(text: str, tags: list[str]) -> None:
    if parse_note(text).tags or layout(text).front_matter:
        return
    assert set_tags(set_tags(text, tags), []) == text


# ---- where a new tag line goes, and what is kept: worked examples ----------------------------

PLACEMENT = [
    pytest.param("코멘트.", ["rl"], "코멘트.\n\n#rl", id="no final newline: blank line, then tags"),
    pytest.param("코멘트.\n", ["rl"], "코멘트.\n\n#rl\n", id="final newline kept"),
    pytest.param("코멘트.\r\n", ["rl"], "코멘트.\r\n\r\n#rl\r\n", id="CRLF"),
    pytest.param(
        "*T* (A)\n\n> abs\n\n코멘트.\n\n# Links\n\n[[x]]",
        ["rl", "moe"],
        "*T* (A)\n\n> abs\n\n코멘트.\n\n#rl #moe\n\n# Links\n\n[[x]]",
        id="after the comment, before # Links",
    ),
    pytest.param(
        "코멘트.\n\n<english>\nComment.\n</english>",
        ["rl"],
        "코멘트.\n\n<english>\nComment.\n</english>\n\n#rl",
        id="after the translation",
    ),
    pytest.param("코멘트.\n\n#GAN ", ["gan", "diffusion"], "코멘트.\n\n#gan #diffusion ", id="trailing space kept"),
    pytest.param("코멘트.\n\n  #rl\t\n끝", ["moe"], "코멘트.\n\n  #moe\t\n끝", id="indent and tab kept"),
    pytest.param("코멘트.\n\n#rl", [], "코멘트.", id="remove the tag line"),
    pytest.param("코멘트.\n#rl", [], "코멘트.", id="remove: no final newline stays so"),
    pytest.param("코멘트.\r\n\r\n#rl \r\n", [], "코멘트.\r\n", id="remove: final CRLF stays"),
    pytest.param("\ufeff#rl\n\nbody", ["moe"], "\ufeff#moe\n\nbody", id="tag line right after the BOM"),
    pytest.param("\ufeff코멘트.\n\n#rl", ["moe"], "\ufeff코멘트.\n\n#moe", id="BOM kept"),
    pytest.param("C#이 #1.\n\n#rl", ["moe"], "C#이 #1.\n\n#moe", id="prose # untouched"),
    pytest.param("a\n\n#rl\n\n#moe ", ["x"], "a\n\n#x", id="a second tag line goes"),
    pytest.param(
        "---\ntitle: T\ntags: [rl]\n---\nbody", ["rl", "moe"], "---\ntitle: T\ntags: [rl, moe]\n---\nbody", id="front matter"
    ),
    pytest.param(
        "---\ntags:\n  - rl\n  - moe\n---\nbody", ["rl", "moe"], "---\ntags:\n  - rl\n  - moe\n---\nbody", id="front matter list unchanged"
    ),
    pytest.param("#rl #moe", ["#rl", "moe"], "#rl #moe", id="tags given with #"),
]


@pytest.mark.parametrize("bad", ["c++", "has space", "", "#", "1"])
def test_set_tags_refuses_a_tag_it_could_not_read_back(bad: str) -> None:
    with pytest.raises(ValueError, match="is not a valid tag"):
        set_tags("코멘트.\n\n#rl\n", ["moe", bad])


def test_set_tags_writes_a_repeated_tag_once() -> None:
    assert set_tags("코멘트.\n", ["rl", "moe", "rl"]) == "코멘트.\n\n#rl #moe\n"


@pytest.mark.parametrize(("text", "tags", "expected"), PLACEMENT)
def test_set_tags_examples(text: str, tags: list[str], expected: str) -> None:
    assert set_tags(text, tags) == expected
    assert parse_note(expected).tags == tuple(t.lstrip("#") for t in tags)


def test_a_kept_tag_keeps_its_place_and_a_new_one_joins_after_it() -> None:
    # The order asked for is not the order written: the note's own tag stays where it stood.
    assert set_tags("\n#A", ["B", "A"]) == "\n#A #B"
    assert parse_note("\n#A #B").tags == ("A", "B")


def test_set_tags_on_example_vault_notes_keeps_their_bytes(example_vault: Path) -> None:
    """The CRLF note and the front matter note of the vault, written and read back."""
    crlf = (example_vault / "2023" / "230710 Consistency Distillation for Few-Step Diffusion.md").read_bytes().decode()
    out = set_tags(crlf, ["diffusion", "distillation", "efficient-training"])
    assert out.count("\r\n") == crlf.count("\r\n") and "\n" not in out.replace("\r\n", "")
    assert out.replace("#diffusion #distillation #efficient-training", "#diffusion #distillation") == crlf

    fm = (example_vault / "2024" / "240801 Expert-Parallel Training on Commodity Clusters.md").read_text(encoding="utf-8")
    out = set_tags(fm, ["moe"])
    assert out == fm.replace("tags: [moe, efficient-training]", "tags: [moe]")


# ---- write_atomic ------------------------------------------------------------------------------


def test_write_atomic_replaces_content_and_keeps_mode(tmp_path: Path) -> None:
    note = tmp_path / "n.md"
    note.write_bytes(b"old\r\n")
    note.chmod(0o640)
    write_atomic(note, "새 내용\r\n#rl")
    assert note.read_bytes() == "새 내용\r\n#rl".encode()
    assert stat.S_IMODE(note.stat().st_mode) == 0o640
    assert [p.name for p in tmp_path.iterdir()] == ["n.md"]  # no temporary file left


def test_write_atomic_creates_a_new_file(tmp_path: Path) -> None:
    write_atomic(tmp_path / "new.md", "x")
    assert (tmp_path / "new.md").read_text() == "x"


@pytest.mark.parametrize("failing", ["tagger.notes.replace.exchange", "os.fsync"])
def test_write_atomic_failure_leaves_the_original_intact(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, failing: str) -> None:
    note = tmp_path / "n.md"
    note.write_bytes(b"original #rl")

    def boom(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(failing, boom)
    with pytest.raises(OSError):
        write_atomic(note, "new text")
    monkeypatch.undo()
    assert note.read_bytes() == b"original #rl"
    assert [p.name for p in tmp_path.iterdir()] == ["n.md"]


def test_write_atomic_refuses_a_note_changed_since_it_was_read(tmp_path: Path) -> None:
    note = tmp_path / "n.md"
    note.write_bytes(b"edited by the author")
    with pytest.raises(InputError, match="changed since it was planned"):
        write_atomic(note, "planned", expect_bytes=b"what we read")
    assert note.read_bytes() == b"edited by the author"
    write_atomic(note, "planned", expect_bytes=b"edited by the author")
    assert note.read_text() == "planned"


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root may write read-only files")
def test_write_atomic_refuses_a_read_only_note(tmp_path: Path) -> None:
    note = tmp_path / "n.md"
    note.write_text("x")
    note.chmod(0o444)
    with pytest.raises(InputError, match="read-only"):
        write_atomic(note, "y")
    assert note.read_text() == "x"


def test_split_lines_covers_every_byte() -> None:
    text = "a\r\nb\n\rc\rd"
    lines = split_lines(text)
    assert "".join(text[ln.start : ln.end] for ln in lines) == text
    assert [ln.text for ln in lines] == ["a", "b", "", "c", "d"]


@pytest.mark.parametrize("text", ["---\ntags : [GAN]\n---\nx", "---\ntags:\n-\tGAN\n---\nx", "---\nTag: GAN\n---\nx"])
def test_front_matter_tags_are_rewritten_where_they_are_read(text: str) -> None:
    from tagger import parse_note, set_tags

    changed = set_tags(text, ["gan"])
    assert parse_note(changed).tags == ("gan",)
    assert "#gan" not in changed and "GAN" not in changed
