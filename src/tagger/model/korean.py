"""Korean morphology through kiwipiepy: the only module that imports it.

A `Kiwi` object cannot be pickled, so models store `KoreanSettings` and this
module rebuilds the analyser on first use (once per process).

Kiwi holds the GIL for the whole of its loading (about 0.9 s here), so a thread
cannot overlap it with loading the model. `warm_up()` therefore starts Kiwi in
a child process (a Python running `_child_main`), which loads on the other core while
this one loads the model, and then analyses the comments sent to it. If the
child cannot start or dies, the analyser is built here instead: same morphemes,
only slower to start.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import re
import subprocess
import sys
import threading
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import IO, Any

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

    def to_json(self) -> str:
        """These settings as one line of JSON (what a child analyser is started with)."""
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> KoreanSettings:
        """Settings back from `to_json`.

        >>> s = KoreanSettings(min_length=2)
        >>> KoreanSettings.from_json(s.to_json()) == s
        True
        """
        raw = json.loads(text)
        raw["pos"] = tuple(raw["pos"])
        return cls(**raw)


_lock = threading.Lock()
#: Morphemes of comments already analysed, per settings (bounded: cleared past the limit).
_memo: dict[KoreanSettings, dict[str, tuple[str, ...]]] = {}
_MEMO_LIMIT = 100_000
_kiwis: dict[KoreanSettings, Any] = {}
_children: dict[KoreanSettings, _Child] = {}


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


def analyser(settings: KoreanSettings) -> Any:
    """The (shared, per-process) Kiwi analyser for `settings`, built here on first use."""
    with _lock:
        if settings not in _kiwis:
            _kiwis[settings] = _build(settings)
        return _kiwis[settings]


def _analyse(kiwi: Any, texts: Sequence[str], settings: KoreanSettings) -> list[tuple[str, ...]]:
    """Content morphemes of each text, by `kiwi` (here or in a child: one definition)."""
    keep = frozenset(settings.pos)
    # Each Latin word becomes one letter, not a blank: a particle after it ("Attention의")
    # then stays a particle instead of being read as a noun ("의").
    texts_in = [_LATIN_RE.sub("A", t) for t in texts] if settings.strip_latin else list(texts)
    # One text goes in as a string: a list hands it to Kiwi's worker pool, which costs
    # more than the analysis (2.1 → 1.8 ms a comment here; same morphemes on every corpus comment).
    analysed = [kiwi.tokenize(texts_in[0])] if len(texts_in) == 1 else kiwi.tokenize(texts_in)
    return [
        tuple(tok.form for tok in tokens if tok.tag in keep and len(tok.form) >= settings.min_length)
        for tokens in analysed
    ]


#: The child's start: the parent's import path (minus the working folder, so no file of the
#: vault a hook runs in is ever imported), then the loop. `-P` keeps Python from putting the
#: working folder first on its own.
_BOOT = "import sys, json; sys.path[:] = json.loads(sys.argv[1]); from tagger.model.korean import _child_main; _child_main(sys.argv[2])"

#: How long a reply may take before the child is given up: its load (about 1 s), plus its
#: analysis (about 1 ms a comment), with a wide margin for a busy machine.
_REPLY_S, _REPLY_PER_TEXT_S = 30.0, 0.02


def _child_path() -> list[str]:
    here = {"", os.getcwd()}
    path = [p for p in sys.path if p not in here and os.path.abspath(p) not in here]
    src = str(Path(__file__).resolve().parents[2])  # the folder holding this tagger package, wherever it is installed
    return path if src in path else [*path, src]


class _Child:
    """A child Python analysing for this process: one JSON line of texts in, one of morphemes out."""

    def __init__(self, settings: KoreanSettings) -> None:
        self.proc: subprocess.Popen[bytes] = subprocess.Popen(
            [sys.executable, "-P", "-c", _BOOT, json.dumps(_child_path()), settings.to_json()],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )

    def analyse(self, texts: Sequence[str]) -> list[tuple[str, ...]] | None:
        """Morphemes of `texts`, or None if the child is gone (the caller then works alone)."""
        stdin, stdout = self.proc.stdin, self.proc.stdout
        assert stdin is not None and stdout is not None
        # A stuck child is killed: the read below then ends and we work alone.
        timer = threading.Timer(_REPLY_S + _REPLY_PER_TEXT_S * len(texts), self.proc.kill)
        timer.start()
        try:
            # One whole request before any reply: the child reads the full line before
            # writing, so neither side can block on a full pipe.
            stdin.write(json.dumps(list(texts)).encode("ascii") + b"\n")
            stdin.flush()
            reply = json.loads(stdout.readline())
        except (OSError, ValueError):
            self.close()
            return None
        except BaseException:
            # Interrupted between request and reply: the reply would answer the next
            # request instead. This child is done.
            self.close()
            raise
        finally:
            timer.cancel()
        if not isinstance(reply, list) or len(reply) != len(texts):
            self.close()
            return None
        return [tuple(r) for r in reply]

    def close(self) -> None:
        """End the child: it owes us nothing once no request is waiting."""
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        for pipe in (self.proc.stdin, self.proc.stdout):
            if pipe is not None:
                # Closing flushes: a request left in the buffer of a dead child's pipe raises again.
                with contextlib.suppress(OSError):
                    pipe.close()


def warm_up(settings: KoreanSettings, texts: Sequence[str] | None = None) -> None:
    """Start loading the analyser for `settings` in a child process (no-op if started or built).

    For short runs that analyse a few comments (one `tagger suggest`, the pre-commit
    hook): the child loads Kiwi while this process loads the model. Given the
    `texts` to be analysed, only if one of them has Hangul. Training and batch jobs
    need not call it; the analyser is built in-process on first use.

    >>> warm_up(KoreanSettings(), ["English only"])   # nothing to analyse: no child
    """
    if texts is not None and not any(_has_hangul(t) for t in texts):
        return
    with _lock:
        if settings in _kiwis or settings in _children or not sys.executable or getattr(sys, "frozen", False):
            return  # a frozen app's executable is the app itself, not a Python to run -c with
        try:
            _children[settings] = _Child(settings)
        except OSError:
            return  # no child: the analyser is built here when needed
        if len(_children) == 1:
            atexit.register(_close_children)


def _close_children() -> None:
    with _lock:
        for child in _children.values():
            child.close()
        _children.clear()


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
        found = _from_child(missing, settings)
        if found is None:
            found = _analyse(analyser(settings), missing, settings)
        if len(memo) + len(missing) > _MEMO_LIMIT:
            memo.clear()
        memo.update(zip(missing, found))
    for i, t in todo:
        out[i] = list(memo[t])
    return out


def clear_memo() -> None:
    """Forget the comments analysed so far in this process, so the next ones go through Kiwi again.

    For benchmarks, which time the analysis itself, and for tests.

    >>> clear_memo()
    """
    with _lock:
        _memo.clear()


def _from_child(texts: Sequence[str], settings: KoreanSettings) -> list[tuple[str, ...]] | None:
    with _lock:
        child = _children.get(settings)
        if child is None:
            return None
        try:
            found = child.analyse(texts)
        except BaseException:
            del _children[settings]  # closed by analyse: an interrupted exchange cannot be resumed
            raise
        if found is None:
            del _children[settings]
        return found


_LATIN_RE = re.compile(r"https?://\S+|[A-Za-z0-9][A-Za-z0-9\-+.]*")


def _has_hangul(text: str) -> bool:
    return any("\uac00" <= ch <= "\ud7a3" for ch in text)


def _serve(settings: KoreanSettings, requests: IO[bytes], replies: IO[bytes]) -> None:
    """The child's loop: build the analyser, then answer each line of texts until end of input."""
    kiwi = _build(settings)
    for line in requests:
        texts = json.loads(line)
        morphemes = _analyse(kiwi, texts, settings)
        replies.write(json.dumps([list(m) for m in morphemes]).encode("ascii") + b"\n")
        replies.flush()


def _child_main(settings_json: str) -> None:
    """The child's entry: replies go to the real stdout; anything else printed goes to stderr."""
    replies = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # a stray print (from C code, a .pth file, …) cannot break a reply
    _serve(KoreanSettings.from_json(settings_json), sys.stdin.buffer, replies)


__all__ = ["CONTENT_TAGS", "KoreanSettings", "analyser", "clear_memo", "content_morphemes", "warm_up"]
