"""Korean analysis: content morphemes only, and each comment analysed once per process."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import tagger.model.korean as korean
from tagger.model.korean import KoreanSettings, content_morphemes


def test_particles_after_english_terms_are_not_nouns() -> None:
    assert content_morphemes(["Attention의 Weight를 초기점으로 Transformer의 지식을 전이"], KoreanSettings()) == [
        ["초기", "점", "지식", "전이"]
    ]


def test_each_comment_is_analysed_once(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = KoreanSettings(min_length=2)  # settings of its own: a fresh memo
    real = korean.analyser(settings)
    seen: list[str] = []

    class Counting:
        def tokenize(self, texts: list[str]) -> Any:
            seen.extend(texts)
            return real.tokenize(texts)

    monkeypatch.setattr(korean, "analyser", lambda s: Counting())
    texts = ["학생 모델을 증류", "교사 모델의 지식", "학생 모델을 증류"]
    first = content_morphemes(texts, settings)
    again = content_morphemes(texts[:2], settings)
    assert first[0] == first[2] == again[0] == ["학생", "모델", "증류"]
    assert len(seen) == 2


# ---- the child analyser (warm_up): same morphemes, and nothing lost when it fails ----------

TEXTS = [
    "학생 모델을 증류하는 방법",
    "Attention의 Weight를 초기점으로 Transformer의 지식을 전이",
    "https://arxiv.org/abs/2501.00001 참고. RL로 추론 능력을 강화 🤖",
    "",
    "English only, no Hangul.",
    "긴 코멘트 " * 300,
]


@pytest.fixture
def fresh(monkeypatch: pytest.MonkeyPatch) -> Any:
    """Settings no other test uses, an empty memo, and no child left behind."""
    monkeypatch.setattr(korean, "_memo", {})
    monkeypatch.setattr(korean, "_kiwis", {})  # warm_up does nothing where an analyser is built
    settings = KoreanSettings(pos=("NNG", "NNP", "SH", "XR", "XSN"))
    yield settings
    korean._close_children()


def _in_process(texts: list[str], settings: KoreanSettings) -> list[list[str]]:
    found = korean._analyse(korean.analyser(settings), [t for t in texts if korean._has_hangul(t)], settings)
    it = iter(found)
    return [list(next(it)) if korean._has_hangul(t) else [] for t in texts]


def test_child_gives_the_same_morphemes(fresh: KoreanSettings, monkeypatch: pytest.MonkeyPatch) -> None:
    expected = _in_process(TEXTS, fresh)
    monkeypatch.setattr(korean, "_kiwis", {})
    korean.warm_up(fresh)

    def no_local(settings: KoreanSettings) -> Any:
        raise AssertionError("analysed in-process although the child was running")

    monkeypatch.setattr(korean, "analyser", no_local)
    assert content_morphemes(TEXTS, fresh) == expected
    assert fresh in korean._children


@pytest.mark.parametrize(
    ("attr", "value"),
    [("executable", "/nonexistent/python3"), ("executable", ""), ("frozen", True)],
    ids=["no such interpreter", "no interpreter known", "frozen app"],
)
def test_no_child_when_it_cannot_start(fresh: KoreanSettings, monkeypatch: pytest.MonkeyPatch, attr: str, value: object) -> None:
    monkeypatch.setattr(korean.sys, attr, value, raising=False)
    korean.warm_up(fresh)
    assert fresh not in korean._children
    monkeypatch.undo()  # the real interpreter back for the in-process comparison
    monkeypatch.setattr(korean, "_memo", {})
    assert content_morphemes(TEXTS, fresh) == _in_process(TEXTS, fresh)


@pytest.mark.parametrize("texts", [TEXTS, TEXTS[:1]], ids=["a long request", "one short comment"])
def test_a_dead_child_is_replaced_by_in_process_analysis(fresh: KoreanSettings, texts: list[str]) -> None:
    # A short request fits the pipe's buffer: the failure then comes from the flush and again
    # from closing the pipe, not from the write.
    korean.warm_up(fresh)
    child = korean._children[fresh]
    child.proc.kill()
    child.proc.wait()
    assert content_morphemes(texts, fresh) == _in_process(texts, fresh)
    assert fresh not in korean._children


def test_a_child_that_does_not_answer_in_time_is_given_up(fresh: KoreanSettings, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(korean, "_REPLY_S", 0.0)
    monkeypatch.setattr(korean, "_REPLY_PER_TEXT_S", 0.0)
    korean.warm_up(fresh)
    child = korean._children[fresh]
    assert content_morphemes(TEXTS, fresh) == _in_process(TEXTS, fresh)
    assert fresh not in korean._children and child.proc.returncode is not None


def test_an_interrupted_exchange_ends_the_child(fresh: KoreanSettings) -> None:
    # Its reply, read later, would answer the next request: the next request must not reach it.
    korean.warm_up(fresh)
    child = korean._children[fresh]

    class Interrupted:
        def readline(self) -> bytes:
            raise KeyboardInterrupt

        def close(self) -> None:
            pass

    real_stdout = child.proc.stdout
    child.proc.stdout = Interrupted()  # type: ignore[assignment]
    with pytest.raises(KeyboardInterrupt):
        content_morphemes(["학생 모델을 증류하는 방법"], fresh)
    assert fresh not in korean._children and child.proc.returncode is not None
    assert real_stdout is not None
    real_stdout.close()
    assert content_morphemes(["고양이가 사과를 먹었다"], fresh) == _in_process(["고양이가 사과를 먹었다"], fresh)


def test_the_child_never_imports_from_the_working_folder(tmp_path: Path) -> None:
    # A hook runs in the vault: a json.py or kiwipiepy.py there must not run.
    for name in ("json", "kiwipiepy", "tagger"):
        (tmp_path / f"{name}.py").write_text(f"open({str(tmp_path / (name + '.ran'))!r}, 'w').close()\n", encoding="utf-8")
    script = (
        "from tagger.model import korean\n"
        "s = korean.KoreanSettings()\n"
        "korean.warm_up(s)\n"
        "print(korean.content_morphemes(['학생 모델'], s), bool(korean._children))\n"
    )
    out = subprocess.run([sys.executable, "-P", "-c", script], cwd=tmp_path, capture_output=True, text=True, check=True, timeout=120)
    assert out.stdout.strip() == "[['학생', '모델']] True"
    assert not list(tmp_path.glob("*.ran"))


def test_the_child_ends_with_its_parent() -> None:
    # The parent leaves while the child is still loading Kiwi (about a second): without the
    # clean-up at exit the child would still be there when the parent is gone.
    script = (
        "from tagger.model import korean\n"
        "s = korean.KoreanSettings()\n"
        "korean.warm_up(s)\n"
        "print(korean._children[s].proc.pid)\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=120)
    with pytest.raises(ProcessLookupError):
        os.kill(int(out.stdout.strip()), 0)


def test_no_child_when_no_text_has_hangul(fresh: KoreanSettings) -> None:
    korean.warm_up(fresh, ["English only.", ""])
    assert fresh not in korean._children
    korean.warm_up(fresh, ["English only.", "한국어 코멘트"])
    assert fresh in korean._children


def test_one_comment_at_a_time_gives_what_a_batch_gives(fresh: KoreanSettings) -> None:
    batch = content_morphemes(TEXTS, fresh)
    korean.clear_memo()
    assert [content_morphemes([t], fresh)[0] for t in TEXTS] == batch
