"""Korean analysis: content morphemes only, and each comment analysed once per process."""

from __future__ import annotations

from typing import Any

import pytest

import tagger.korean as korean
from tagger.korean import KoreanSettings, content_morphemes


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
