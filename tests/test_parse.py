"""The parser reads every era of the archive, tells tag lines from `#` in prose, and reads digests."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from tagger import Entry, parse_digest, parse_note
from tagger.notes.layout import tag_tokens
from tagger.notes.parse import date_from_name

ABSTRACT = "We distill large Transformers into linear RNNs by reusing attention weights."
COMMENT = "Transformer에서 Mamba로 Distillation. Attention Weight를 재사용했군요."

# (note text, path, the fields that must come out); one row per format of the archive.
ERAS = [
    pytest.param(
        "https://arxiv.org/abs/2001.04127\n\n#GAN",
        "2020/200109 Consistency Regularized GAN Training.md",
        dict(url="https://arxiv.org/abs/2001.04127", title="Consistency Regularized GAN Training", comment="", tags=("GAN",),
             date=dt.date(2020, 1, 9)),
        id="2020 URL + tag line only (title from the file name)",
    ),
    pytest.param(
        "AugGAN https://arxiv.org/abs/2001.05312\n판별자에 augmentation을 주는 GAN.\n두 번째 줄.\n\n#GAN #augmentation ",
        "2020/200114 AugGAN.md",
        dict(url="https://arxiv.org/abs/2001.05312", title="AugGAN", comment="판별자에 augmentation을 주는 GAN.\n두 번째 줄.",
             tags=("GAN", "augmentation")),
        id="2020 `ShortName URL` + comment",
    ),
    pytest.param(
        "https://arxiv.org/abs/2203.02155\n\nTraining Language Models to Follow Instructions (Long Ouyang, Jeff Wu)\n\n"
        "sft 후에 reward model로 rl을 하네요.\n\n#alignment #rl ",
        "2022/220304 InstructGPT.md",
        dict(title="Training Language Models to Follow Instructions", authors="Long Ouyang, Jeff Wu",
             comment="sft 후에 reward model로 rl을 하네요.", abstract="", tags=("alignment", "rl")),
        id="2021-2023 `Title (Authors)` + comment",
    ),
    pytest.param(
        "https://arxiv.org/abs/2002.06224\n\nTop-k Training of GANs: Improving GAN Performance by Throwing Away Bad\n"
        "Samples (Samarth Sinha, Zhengli Zhao)\n\nGAN 학습에서 나쁜 샘플을 버리는 방법.\n\n#gan",
        "2020/200214 Top-k Training of GANs.md",
        dict(title="Top-k Training of GANs: Improving GAN Performance by Throwing Away Bad Samples",
             authors="Samarth Sinha, Zhengli Zhao", comment="GAN 학습에서 나쁜 샘플을 버리는 방법.", tags=("gan",)),
        id="`Title (Authors)` wrapped over two lines",
    ),
    pytest.param(
        "*LLM Critics Help Catch LLM Bugs* (Nat McAleese, Rai (Michael Pokorny), Jan Leike)\n\n> abs\n\n코멘트.",
        None,
        dict(title="LLM Critics Help Catch LLM Bugs", authors="Nat McAleese, Rai (Michael Pokorny), Jan Leike", comment="코멘트."),
        id="parentheses inside the authors",
    ),
    pytest.param(
        f"https://arxiv.org/abs/2408.15237\n\n*The Mamba in the Llama* (Junxiong Wang, Tri Dao)\n\n> {ABSTRACT}\n\n{COMMENT}\n\n"
        "#distillation #state-space-model ",
        "2024/240828 The Mamba in the Llama.md",
        dict(title="The Mamba in the Llama", authors="Junxiong Wang, Tri Dao", abstract=ABSTRACT, comment=COMMENT,
             translation="", tags=("distillation", "state-space-model"), links=()),
        id="2024 `*Title* (Authors)` + > abstract + comment",
    ),
    pytest.param(
        f"https://arxiv.org/abs/2501.12948\n\n*DeepSeek-R1* (DeepSeek-AI)\n\n> {ABSTRACT}\n> Second line.\n\n{COMMENT}\n\n두 번째 문단.\n\n"
        "<english>\nDistillation into Mamba.\n\nSecond paragraph.\n</english>\n\n#rl #reasoning\n\n# Links\n\n"
        "[[240919 Self-Correct via RL.md]]\n[[240828 The Mamba in the Llama]]",
        "2025/250122 DeepSeek-R1.md",
        dict(title="DeepSeek-R1", authors="DeepSeek-AI", abstract=ABSTRACT + " Second line.", comment=COMMENT + "\n두 번째 문단.",
             translation="Distillation into Mamba.\nSecond paragraph.", tags=("rl", "reasoning"),
             links=("240919 Self-Correct via RL", "240828 The Mamba in the Llama"), date=dt.date(2025, 1, 22)),
        id="2025 + <english> translation + # Links",
    ),
    pytest.param(
        "https://research.nvidia.com/labs/dir/cosmos-tokenizer/\n\nNVIDIA의 비디오 토크나이저.\n\n#tokenizer ",
        "2024/Cosmos.md",
        dict(title="Cosmos", date=None, comment="NVIDIA의 비디오 토크나이저.", tags=("tokenizer",)),
        id="no date prefix",
    ),
    pytest.param(
        "---\ntitle: x\ntags: [moe, 'efficient-training']\n---\n*T* (A)\n\n> abs\n\n코멘트.",
        "2024/240801 T.md",
        dict(title="T", abstract="abs", comment="코멘트.", tags=("moe", "efficient-training")),
        id="front matter tags: [a, b]",
    ),
    pytest.param(
        "---\ntags:\n  - rl\n  - '#moe'\naliases: [x]\n---\n코멘트.\n\n#agent",
        None,
        dict(comment="코멘트.", tags=("rl", "moe", "agent")),
        id="front matter list + a tag line",
    ),
    pytest.param("---\ntag: rl moe\n---\n코멘트.", None, dict(tags=("rl", "moe")), id="front matter tag: a b"),
    pytest.param(
        "\ufeffhttps://arxiv.org/abs/1\r\n\r\nA Title (A. Author)\r\n\r\n코멘트.  \r\n\r\n#rl \r\n",
        None,
        dict(url="https://arxiv.org/abs/1", title="A Title", authors="A. Author", comment="코멘트.", tags=("rl",)),
        id="BOM + CRLF + trailing spaces",
    ),
    pytest.param("\ufeff#rl #moe\n\n코멘트.", None, dict(tags=("rl", "moe"), comment="코멘트."), id="tag line right after a BOM"),
]


@pytest.mark.parametrize(("text", "path", "expected"), ERAS)
def test_each_era_parses(text: str, path: str | None, expected: dict[str, object]) -> None:
    entry = parse_note(text, path=path)
    got = {k: getattr(entry, k) for k in expected}
    assert got == expected


@pytest.mark.parametrize(
    ("line", "tags"),
    [
        ("#rl #moe", ["rl", "moe"]),
        ("  #GAN\t#efficient_training  ", ["GAN", "efficient_training"]),
        ("#state-space-model #vision/language", ["state-space-model", "vision/language"]),
        ("#1stage", ["1stage"]),
        ("#1", None),
        ("#1 on the board", None),
        ("C# is nice", None),
        ("#rl and more words", None),
        ("# Links", None),
        ("## Notes", None),
        ("#c++", None),
        ("", None),
        ("#", None),
    ],
)
def test_tag_line_is_a_line_made_only_of_tags(line: str, tags: list[str] | None) -> None:
    assert tag_tokens(line) == tags


def test_hash_in_prose_is_text_but_tags_in_prose_are_tags() -> None:
    # As Obsidian reads them: `C#`, `#1` and `#InsTag:` are text; a word that is a valid tag is a tag
    # wherever it stands (a run closing a prose line, 65 such notes in the archive), and is cut from the text.
    text = ("코드 생성 벤치마크. C#이나 Kotlin에서 성능이 떨어지네요. 리더보드 #1 모델도요.\n\n#1 자리를 두고 다투네요.\n\n"
            "#InsTag: a title word. abc #domain_adaptation #semi_supervised\n\n#llm #code ")
    e = parse_note(text)
    assert e.tags == ("domain_adaptation", "semi_supervised", "llm", "code")
    assert "C#이나" in e.comment and "#1 자리를" in e.comment and "#InsTag: a title word. abc" in e.comment
    assert "#domain_adaptation" not in e.comment


def test_tags_under_links_are_not_tags() -> None:
    e = parse_note("코멘트.\n\n#rl\n\n# Links\n\n#moe\n[[a.md]] [[b|alias]] [[c#heading]]")
    assert e.tags == ("rl",)
    assert e.links == ("a", "b", "c")


def test_several_tag_lines_are_read_in_order_without_duplicates() -> None:
    assert parse_note("a\n\n#rl #moe\n\nb\n\n#moe #agent").tags == ("rl", "moe", "agent")


@pytest.mark.parametrize(
    ("name", "date"),
    [
        ("240828 The Mamba in the Llama.md", dt.date(2024, 8, 28)),
        ("200103 BlendMask.md", dt.date(2020, 1, 3)),
        ("991399 Not a date.md", None),
        ("2408281 Seven digits.md", None),
        ("AlphaEvolve.md", None),
    ],
)
def test_date_from_name(name: str, date: dt.date | None) -> None:
    assert date_from_name(name) == date


def test_a_given_date_wins_over_the_file_name() -> None:
    assert parse_note("x", path="240828 X.md", date=dt.date(2020, 1, 1)).date == dt.date(2020, 1, 1)


def test_entry_is_frozen_and_hashable() -> None:
    e = parse_note("코멘트.\n\n#rl")
    assert {e, e.replace()} == {e}
    with pytest.raises(AttributeError):
        e.tags = ("moe",)  # type: ignore[misc]


# ---- digests -------------------------------------------------------------------------------------

SEED_TAGS = {
    "Generative Verifiers: Reward Modeling as Next-Token Prediction": ("search",),
    "Diffusion Models Are Real-Time Game Engines": ("diffusion", "rl"),
    "BaichuanSEED: Sharing the Potential of ExtensivE Data Collection and Deduplication by Introducing a "
    "Competitive Large Language Model Baseline": ("corpus", "pretraining"),
    "The Mamba in the Llama: Distilling and Accelerating Hybrid Models": ("distillation", "state-space-model"),
    "Instruct-SkillMix: A Powerful Pipeline for LLM Instruction Tuning": ("alignment", "instruction-tuning"),
}


def test_seed_digest_gives_its_five_papers_and_tags(seed_digest: Path) -> None:
    from tagger import read_entries

    entries = read_entries(seed_digest)
    assert {e.title: e.tags for e in entries} == SEED_TAGS
    assert [e.title for e in entries] == list(SEED_TAGS)  # in the digest's order
    assert all(e.date == dt.date(2024, 8, 28) for e in entries)
    by_title = {e.title.split(":")[0]: e for e in entries}
    mamba = by_title["The Mamba in the Llama"]
    assert mamba.authors == "Junxiong Wang, Daniele Paliotta, Avner May, Alexander M. Rush, Tri Dao"
    assert mamba.abstract.startswith("Linear RNN architectures") and mamba.abstract.endswith("linear RNN model.")
    assert mamba.comment.startswith("Transformer에서 Mamba로 Distillation.")
    assert by_title["Diffusion Models Are Real-Time Game Engines"].url == "https://gamengen.github.io/"
    # A comment line that holds a URL in parentheses stays comment, not the paper's URL.
    assert by_title["BaichuanSEED"].url == "" and "(https://arxiv.org/abs/2403.17297)" in by_title["BaichuanSEED"].comment


def test_example_digest_parses(example_vault: Path) -> None:
    from tagger import read_entries

    entries = read_entries(example_vault / "digests" / "2024-08-28.txt")
    assert [e.tags for e in entries] == [
        ("reasoning", "distillation"),
        ("diffusion", "vision-language"),
        ("retrieval", "long-context"),
        ("moe", "efficient-training"),
        ("alignment",),
    ]
    assert all(e.date == dt.date(2024, 8, 28) and e.authors and e.abstract and e.comment for e in entries)
    assert entries[3].url == "https://github.com/example/expert-merging"


def test_digest_entry_without_tag_line_and_without_date() -> None:
    text = "A Title\n(Ann Author)\nWe do X.\nX를 했군요.\n#rl\nAnother Title\n(Bob)\nWe do Y.\nY를 했네요.\n"
    entries = parse_digest(text, path="digest.txt")
    assert [(e.title, e.authors, e.abstract, e.comment, e.tags, e.date) for e in entries] == [
        ("A Title", "Ann Author", "We do X.", "X를 했군요.", ("rl",), None),
        ("Another Title", "Bob", "We do Y.", "Y를 했네요.", (), None),
    ]
    assert all(isinstance(e, Entry) for e in entries)


def test_hash_lines_inside_code_fences_are_code_not_tags() -> None:
    from tagger import set_tags

    text = "*T* (A)\n\n> abs\n\n코멘트\n\n```c\n#define\n#include\n```\n\n#rl"
    assert parse_note(text).tags == ("rl",)
    changed = set_tags(text, ["moe"])
    assert "#define\n#include\n" in changed and changed.endswith("#moe")
    fenced_only = "코멘트\n\n~~~\n#rl\n~~~"
    assert parse_note(fenced_only).tags == ()


ODD_LINES = [
    ("코멘트.\n\n#rl #\n", ["line 3: '#'"]),
    ("코멘트.\r\n\r\n  ##x\r\n", ["line 3: '##x'"]),
    ("\ufeff#rl #c++\n\nbody", ["line 1: '#c++'"]),
    ("a\n\n#rl #c++\n\n#moe #1\n", ["line 3: '#c++'", "line 5: '#1'"]),
    ("코멘트.\n\n#rl #moe\n", []),
    ("# Links\n\n## Section\n#1 on the board\n", []),
    ("```\n#!/bin/sh\n#x #\n```\n\n#rl\n", []),
    ("코멘트.\n\n#rl\n\n# Links\n\n#c++ #x\n", []),
]


@pytest.mark.parametrize(("text", "expected"), ODD_LINES)
def test_odd_tag_lines(text: str, expected: list[str]) -> None:
    from tagger.notes.layout import odd_tag_lines

    got = odd_tag_lines(text)
    assert len(got) == len(expected)
    for line, start in zip(got, expected):
        assert line.startswith(start) and "is not a valid tag" in line
