"""Korean morphology through kiwipiepy: the only module that imports it.

A `Kiwi` object cannot be pickled, so models store `KoreanSettings` and this
module rebuilds the analyser on first use (once per process). Construction
happens in a background thread as soon as `warm_up()` is called, so a fresh
process can load its model while Kiwi loads its dictionaries.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

#: Content morphemes: common and proper nouns, roots, and Hanja.
CONTENT_TAGS = frozenset({"NNG", "NNP", "XR", "SH"})


@dataclass(frozen=True)
class KoreanSettings:
    """How to build the analyser; saved inside a model instead of the analyser."""

    load_typo_dict: bool = False
    load_multi_dict: bool = False
    load_default_dict: bool = False
    pos: tuple[str, ...] = tuple(sorted(CONTENT_TAGS))
    min_length: int = 1
    #: Shorten URLs and Latin-script words to one letter before Kiwi sees the text
    #: (they are taken by a regex instead); halves Kiwi's time on this author's comments.
    strip_latin: bool = True


_lock = threading.Lock()
#: Morphemes of comments already analysed, per settings (bounded: cleared past the limit).
_memo: dict[KoreanSettings, dict[str, tuple[str, ...]]] = {}
_MEMO_LIMIT = 100_000
_kiwis: dict[KoreanSettings, Any] = {}
_threads: dict[KoreanSettings, threading.Thread] = {}


def _build(settings: KoreanSettings) -> Any:
    from kiwipiepy import Kiwi

    # Two worker threads halve the batch analysis of a vault's comments on a
    # 2-core machine (4.2 s → 1.7 s for 3,100 comments); -1 measured slower here.
    kiwi = Kiwi(
        num_workers=max(1, min(4, os.cpu_count() or 1)),
        load_typo_dict=settings.load_typo_dict,
        load_multi_dict=settings.load_multi_dict,
        load_default_dict=settings.load_default_dict,
    )
    kiwi.tokenize("모델을 불러옵니다.")  # Kiwi loads lazily: finish it now
    return kiwi


def warm_up(settings: KoreanSettings) -> None:
    """Start building the analyser in the background (no-op if built or building)."""
    with _lock:
        if settings in _kiwis or settings in _threads:
            return

        def work() -> None:
            kiwi = _build(settings)
            with _lock:
                _kiwis[settings] = kiwi

        t = threading.Thread(target=work, name="tagger-kiwi", daemon=True)
        _threads[settings] = t
        t.start()


def analyser(settings: KoreanSettings) -> Any:
    """The (shared, per-process) Kiwi analyser for `settings`."""
    warm_up(settings)
    _threads[settings].join()
    return _kiwis[settings]


def content_morphemes(texts: Sequence[str], settings: KoreanSettings) -> list[list[str]]:
    """Hangul content morphemes of each text, in order.

    Latin-script words are left to the caller (Kiwi can split them inside a word
    at a sentence end: `Distillation.` → `Distill` + `ation.`).

    >>> content_morphemes(["학생 모델을 증류하는 방법"], KoreanSettings())
    [['학생', '모델', '증류', '방법']]
    >>> content_morphemes(["Transformer의 지식을 Mamba로 증류하는 방법"], KoreanSettings())
    [['지식', '증류', '방법']]
    """
    out: list[list[str]] = [[] for _ in texts]
    todo = [(i, t) for i, t in enumerate(texts) if _has_hangul(t)]
    if not todo:
        return out
    # eval, review and explain fit several models over the same notes: each comment is
    # analysed once per process, not once per fit.
    memo = _memo.setdefault(settings, {})
    missing = list(dict.fromkeys(t for _, t in todo if t not in memo))
    if missing:
        kiwi = analyser(settings)
        keep = frozenset(settings.pos)
        # Each Latin word becomes one letter, not a blank: a particle after it ("Attention의")
        # then stays a particle instead of being read as a noun ("의").
        texts_in = [_LATIN_RE.sub("A", t) for t in missing] if settings.strip_latin else missing
        if len(memo) + len(missing) > _MEMO_LIMIT:
            memo.clear()
        for text, tokens in zip(missing, kiwi.tokenize(texts_in)):
            memo[text] = tuple(tok.form for tok in tokens if tok.tag in keep and len(tok.form) >= settings.min_length)
    for i, t in todo:
        out[i] = list(memo[t])
    return out


_LATIN_RE = re.compile(r"https?://\S+|[A-Za-z0-9][A-Za-z0-9\-+.]*")


def _has_hangul(text: str) -> bool:
    return any("\uac00" <= ch <= "\ud7a3" for ch in text)


__all__ = ["CONTENT_TAGS", "KoreanSettings", "analyser", "content_morphemes", "warm_up"]
