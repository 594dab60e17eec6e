"""Reading from disk: bad inputs give one clear line and are skipped; tables round-trip."""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

import pandas as pd
import pytest

from tagger import Entry, InputError, entries_from_frame, entries_to_frame, read_entries, read_note
from tagger.notes.files import MAX_NOTE_BYTES

GOOD = "https://arxiv.org/abs/2401.00001\n\n*A Paper* (Ann Author)\n\n> We do X.\n\nX를 했군요.\n\n#rl"


def _huge(path: Path) -> None:
    with path.open("wb") as fh:  # sparse: 50 MB that take no disk space
        fh.truncate(50 * 2**20)


# (file name, how to make it, words the one line must contain)
BAD = [
    pytest.param("latin1.md", lambda p: p.write_bytes("café #rl".encode("latin-1")), ["not UTF-8", "0xe9"], id="non-UTF-8"),
    pytest.param("empty.md", lambda p: p.write_bytes(b""), ["is empty"], id="empty"),
    pytest.param("blank.md", lambda p: p.write_bytes(b" \n\r\n\t"), ["is empty"], id="only whitespace"),
    pytest.param("image.md", lambda p: p.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), ["binary"], id="binary"),
    pytest.param("huge.md", _huge, ["52 MB", "too large"], id="huge (50 MB)"),
    pytest.param("notes.pdf", lambda p: p.write_bytes(b"%PDF-1.4"), ["not a note"], id="unknown suffix"),
    pytest.param("digest.txt", lambda p: p.write_text(""), ["is empty"], id="empty digest"),
    pytest.param("bad.jsonl", lambda p: p.write_text('{"title": \n'), ["line 1", "not JSON"], id="broken jsonl"),
    pytest.param("list.jsonl", lambda p: p.write_text("[1, 2]\n"), ["line 1", "JSON object"], id="jsonl not objects"),
    pytest.param("num.jsonl", lambda p: p.write_text('{"title": "x", "tags": 5}\n'), ["line 1", "list of strings"], id="jsonl tags not text"),
    pytest.param("cols.csv", lambda p: p.write_text("foo,bar\n1,2\n"), ["none of the columns"], id="csv without known columns"),
    pytest.param("date.csv", lambda p: p.write_text("title,date\nT,2024-13-01\n"), ["line 2", "2024-13-01"], id="csv bad date"),
]


@pytest.mark.parametrize(("name", "make", "words"), BAD)
def test_bad_input_gives_one_line_naming_file_and_problem(tmp_path: Path, name: str, make, words: list[str]) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / name
    make(path)
    problems: list[InputError] = []
    assert read_entries(path, on_problem=problems.append) == []
    assert len(problems) == 1
    line = str(problems[0])
    assert "\n" not in line and line.startswith(f"{path}: ")
    assert all(w in line for w in words), line
    with pytest.raises(InputError) as info:
        read_entries(path, strict=True)
    assert str(info.value) == line


def test_huge_file_is_refused_without_reading_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "huge.md"
    _huge(path)
    monkeypatch.setattr(Path, "read_bytes", lambda self: pytest.fail("read a huge file"))
    with pytest.raises(InputError, match="too large"):
        read_note(path)
    assert path.stat().st_size > MAX_NOTE_BYTES


def test_url_only_note_is_reported_but_kept(tmp_path: Path) -> None:
    path = tmp_path / "200511 Sparse Voxel Fields.md"
    path.write_text("https://arxiv.org/abs/2005.04412\n")
    problems: list[InputError] = []
    entries = read_entries(path, on_problem=problems.append)
    assert [str(p) for p in problems] == [f"{path}: has no text besides a URL; nothing to tag it from but its file name"]
    assert [(e.url, e.title, e.tags) for e in entries] == [("https://arxiv.org/abs/2005.04412", "Sparse Voxel Fields", ())]


def test_url_and_tags_only_note_is_fine(tmp_path: Path) -> None:
    """The 2020 notes: a URL and a tag line are training data (the title is in the file name)."""
    path = tmp_path / "200109 Consistency GAN.md"
    path.write_text("https://arxiv.org/abs/2001.04127\n\n#GAN")
    problems: list[InputError] = []
    assert read_entries(path, on_problem=problems.append)[0].tags == ("GAN",)
    assert problems == []


def test_odd_tag_line_is_reported_and_read_as_text(tmp_path: Path) -> None:
    path = tmp_path / "n.md"
    path.write_text("코멘트.\n\n#rl #c++")
    problems: list[InputError] = []
    [entry] = read_entries(path, on_problem=problems.append)
    assert entry.tags == ("rl",) and entry.comment == "코멘트.\n#c++"  # a valid tag is a tag wherever it stands
    assert [str(p) for p in problems] == [
        f"{path}: line 3: '#c++' is not a valid tag (letters, digits, _ - / only, and not all digits); it is read as text"
    ]


def test_vault_read_skips_bad_files_with_reasons_and_goes_on(tmp_path: Path) -> None:
    (tmp_path / "2024").mkdir()
    (tmp_path / "2024" / "240101 Good.md").write_text(GOOD)
    (tmp_path / "2024" / "240102 Latin.md").write_bytes("café".encode("latin-1"))
    (tmp_path / "2024" / "240103 Empty.md").write_bytes(b"")
    (tmp_path / "2024" / "240104 Binary.md").write_bytes(b"\x00\x01\x02")
    (tmp_path / "2025").mkdir()
    (tmp_path / "2025" / "250101 Also good.md").write_text("코멘트.\n\n#moe", encoding="utf-8")
    (tmp_path / "2025" / "Digest.txt").write_text("not a note, not read from a vault")
    for tool_dir in (".obsidian", ".git", ".trash"):
        (tmp_path / tool_dir).mkdir()
        (tmp_path / tool_dir / "x.md").write_bytes(b"\x00")
    problems: list[InputError] = []
    entries = read_entries(tmp_path, on_problem=problems.append)
    assert [e.path.name for e in entries if e.path] == ["240101 Good.md", "250101 Also good.md"]
    assert [e.tags for e in entries] == [("rl",), ("moe",)]
    assert sorted((p.path.name if p.path else "", p.message.split(" (")[0]) for p in problems) == [
        ("240102 Latin.md", "is not UTF-8"),
        ("240103 Empty.md", "is empty"),
        ("240104 Binary.md", "is a binary file, not a text note"),
    ]
    with pytest.raises(InputError, match="240102 Latin.md"):
        read_entries(tmp_path, strict=True)


def test_default_problem_report_is_a_warning_on_the_tagger_logger(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    (tmp_path / "a.md").write_bytes(b"")
    (tmp_path / "b.md").write_text(GOOD)
    with caplog.at_level("WARNING", logger="tagger"):
        assert len(read_entries(tmp_path)) == 1
    assert [r.getMessage() for r in caplog.records] == [f"{tmp_path / 'a.md'}: is empty"]


@pytest.mark.parametrize(
    ("setup", "words"),
    [
        pytest.param(lambda p: p.mkdir(), "holds no notes (*.md)", id="empty folder"),
        pytest.param(lambda p: (p.mkdir(), (p / "a.txt").write_text("x")), "holds no notes (*.md)", id="folder without notes"),
        pytest.param(lambda p: None, "does not exist", id="missing path"),
    ],
)
def test_folder_without_notes_or_missing_path_raises_one_line(tmp_path: Path, setup, words: str) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "vault"
    setup(path)
    with pytest.raises(InputError) as info:
        read_entries(path, on_problem=lambda err: None)
    assert str(info.value) == f"{path}: {words}"


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root can read anything")
def test_unreadable_file(tmp_path: Path) -> None:
    path = tmp_path / "n.md"
    path.write_text(GOOD)
    path.chmod(0)
    with pytest.raises(InputError, match="cannot be read: Permission denied"):
        read_note(path)


# ---- tables --------------------------------------------------------------------------------------


def test_jsonl_in(tmp_path: Path) -> None:
    path = tmp_path / "papers.jsonl"
    rows = [
        {"title": "A", "abstract": "We do X.", "tags": ["rl", "#moe"], "date": "2024-08-28"},
        {},  # skipped below: a blank line
        {"comment": "코멘트.", "tags": "#a #b", "date": "240829", "path": "notes/x.md", "links": ["240828 A"]},
    ]
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) if r else "" for r in rows) + "\n", encoding="utf-8")
    a, b = read_entries(path)
    assert (a.title, a.abstract, a.tags, a.date, a.path) == ("A", "We do X.", ("rl", "moe"), dt.date(2024, 8, 28), path)
    assert (b.comment, b.tags, b.date, b.path, b.links) == ("코멘트.", ("a", "b"), dt.date(2024, 8, 29), Path("notes/x.md"), ("240828 A",))


def test_csv_in(tmp_path: Path) -> None:
    path = tmp_path / "papers.csv"
    path.write_text('title,abstract,comment,tags\nA,"We do X, and Y.",코멘트.,#rl #moe\nB,,,"rl, agent"\nC,,,\n', encoding="utf-8")
    entries = read_entries(path)
    assert [(e.title, e.abstract, e.comment, e.tags) for e in entries] == [
        ("A", "We do X, and Y.", "코멘트.", ("rl", "moe")),
        ("B", "", "", ("rl", "agent")),
        ("C", "", "", ()),
    ]


def test_frame_round_trip_over_the_example_vault(example_vault: Path, tmp_path: Path) -> None:
    entries = read_entries(example_vault, on_problem=lambda err: None)
    frame = entries_to_frame(entries)
    assert list(frame.columns) == ["path", "date", "url", "title", "authors", "abstract", "comment", "translation", "tags", "links"]
    assert len(frame) == len(entries)
    assert entries_from_frame(frame) == entries
    # Through files too: CSV (lists as pandas writes them) and JSON lines.
    frame.to_csv(tmp_path / "v.csv", index=False)
    assert read_entries(tmp_path / "v.csv") == entries
    frame.assign(date=frame["date"].map(lambda d: d.isoformat() if d else None)).to_json(
        tmp_path / "v.jsonl", orient="records", lines=True, force_ascii=False
    )
    assert read_entries(tmp_path / "v.jsonl") == entries


def test_frame_with_some_columns_and_pandas_types() -> None:
    frame = pd.DataFrame(
        {"title": ["T", "U"], "tags": [["rl"], None], "date": [pd.Timestamp("2024-08-28"), pd.NaT], "comment": [None, "c"]}
    )
    assert entries_from_frame(frame) == [
        Entry(title="T", tags=("rl",), date=dt.date(2024, 8, 28)),
        Entry(title="U", comment="c"),
    ]
    with pytest.raises(InputError, match="row 1: date 'x'"):
        entries_from_frame(pd.DataFrame({"title": ["T"], "date": ["x"]}))


# (file, its text, titles read, problems as (warning?, words), exit code of `tagger parse`)
TABLES = [
    ("extra comma.csv", "title,tags\nA,rl\nB, Jr.,moe\nC,agent\n", ["A", "C"],
     [(False, "line 3: 3 fields where the header has 2 (a value holding a comma needs double quotes); row skipped")], 1),
    ("missing comma.csv", "title,abstract,tags\nA,x,rl\nB moe\n", ["A"], [(False, "line 3: 1 field where the header has 3")], 1),
    ("first row ragged.csv", "title,tags\nA,x,rl\nB,moe\n", ["B"], [(False, "line 2: 3 fields where the header has 2")], 1),
    ("quoted line breaks.csv", 'title,abstract,tags\nA,"x, y\nz",rl\nB,,moe,\n', ["A"], [(False, "line 4: 4 fields")], 1),
    ("bad line.jsonl", '{"title": "A"}\n{"title": \n\n{"title": "C"}\n', ["A", "C"], [(False, "line 2: not JSON (Expecting value); row skipped")], 1),
    ("row without text.jsonl", '{"title": "A"}\n{"date": "2024-01-01"}\n', ["A"], [(False, "line 2: has none of the columns")], 1),
    ("header only.csv", "title,tags\n", [], [(True, "has a header row but no rows: nothing to read")], 0),
    ("unknown column.csv", "title,abstarct,tags\nA,x,rl\n", ["A"], [(True, "column 'abstarct' is not read (tagger reads path, date,")], 0),
    ("unknown keys.jsonl", '{"title": "A", "id": 1}\n{"title": "B", "score": 2}\n', ["A", "B"], [(True, "keys 'id', 'score' are not read")], 0),
    ("excel.csv", "\ufefftitle,tags\r\nA,rl\r\n", ["A"], [], 0),
]


@pytest.mark.parametrize(("name", "text", "titles", "expected", "code"), TABLES, ids=[t[0] for t in TABLES])
def test_table_rows_are_read_or_named_by_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, text: str, titles: list[str], expected: list[tuple[bool, str]], code: int
) -> None:
    from tagger.cli.main import main
    from tagger.errors import NoteWarning

    path = tmp_path / name
    path.write_bytes(text.encode("utf-8"))
    problems: list[InputError] = []
    assert [e.title for e in read_entries(path, on_problem=problems.append)] == titles
    assert len(problems) == len(expected)
    for err, (warning, words) in zip(problems, expected):
        assert isinstance(err, NoteWarning) is warning and words in str(err) and str(err).startswith(f"{path}: ")
    assert main(["parse", str(path)]) == code
    assert len(capsys.readouterr().err.splitlines()) == len(expected)
    if any(not warning for warning, _ in expected):
        with pytest.raises(InputError, match="line"):
            read_entries(path, strict=True)
