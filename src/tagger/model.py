"""The tag model: per-field TF-IDF blocks → one linear scorer per tag → calibrated scores.

`TagModel` follows scikit-learn's conventions: settings are the `__init__`
arguments, stored unchanged; what is learned ends in `_`; `fit` returns self.
Learning needs scikit-learn; scoring needs only numpy and scipy, so a saved
model is quick to load and use in a fresh process.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from operator import itemgetter
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import scipy.sparse as sp

from tagger.entry import Entry, Suggestion, chronological, entry_date
from tagger.errors import InputError
from tagger.features import Tokens, tokenize
from tagger.korean import KoreanSettings
from tagger.tagnames import Spellings, tag_key
from tagger.vectorize import Block

Progress = Callable[[str, float], None]
_SPLIT_RE = re.compile(r"[a-z0-9]+")


def _stem(word: str) -> str:
    return word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word


# Every byte but [a-z0-9] becomes a space, so `bytes.split()` yields `_SPLIT_RE`'s tokens at C
# speed; lowering first and encoding with "replace" turns each non-ASCII character into "?",
# a separator, exactly as the regex treats it.
_TOKEN_BYTES = bytes(c if 48 <= c <= 57 or 97 <= c <= 122 else 32 for c in range(256))
# A note repeats a few thousand distinct words, so looking stems up is cheaper than a Python
# call per word; cleared when full so a long-running process does not grow without bound.
_STEMS: dict[str, str] = {}
_STEMS_MAX = 200_000


def _words(text: str) -> list[str]:
    """The stemmed lowercase [a-z0-9] tokens of `text`.

    >>> _words("Mixture-of-Experts scales (cafés)")
    ['mixture', 'of', 'expert', 'scale', 'caf', 's']
    """
    tokens = text.lower().encode("ascii", "replace").translate(_TOKEN_BYTES).decode("ascii").split()
    try:
        return list(map(_STEMS.__getitem__, tokens))
    except KeyError:  # a word not seen yet: this note pays for stemming, later ones look it up
        if len(_STEMS) > _STEMS_MAX:
            _STEMS.clear()
        stems = [_stem(w) for w in tokens]
        _STEMS.update(zip(tokens, stems))
        return stems


def _initials(words: Sequence[str]) -> str:
    """The first letter of every word: the initials of any k-word phrase are a k-letter substring.

    >>> _initials(["mixture", "of", "expert"])
    'moe'
    """
    return "".join(map(itemgetter(0), words))


def name_occurs(phrase: str, words_line: str, initials: str) -> bool:
    """Whether a tag's name (stemmed words joined by spaces) occurs in a note.

    An acronym tag also matches its spelled-out name (2–4 words), so `rl`
    matches "reinforcement learning".

    >>> words = _words("We scale Mixture of Experts with RL.")
    >>> [name_occurs(p, " " + " ".join(words) + " ", _initials(words)) for p in ("moe", "rl", "expert", "vit")]
    [True, True, True, False]
    """
    if f" {phrase} " in words_line:
        return True
    return " " not in phrase and 2 <= len(phrase) <= 4 and phrase in initials


@dataclass
class _PhraseIndex:
    """The tag phrases arranged for `name_occurs` on many notes: a note costs a few set and dict
    look-ups instead of a substring search per tag.

    >>> index = _PhraseIndex.of(["rl", "mixture of expert", "vit", "expert"])
    >>> sorted(index.columns(_words("We scale Mixture of Experts with reinforcement learning.")))
    [0, 1, 3]
    """

    #: The `tag_phrases_` this was built from (a copy), to notice when they change.
    phrases: list[str]
    #: One-word phrase → its columns: it occurs iff it is one of the note's words.
    single: dict[str, list[int]]
    #: First word of a longer phrase → {" phrase ": columns}: only phrases whose first word the
    #: note has need a substring search.
    by_first: dict[str, dict[str, list[int]]]
    #: One-word phrases of 2–4 letters, also looked for in the note's initials.
    acronyms: list[tuple[str, list[int]]]
    #: Phrases with an empty word, left to `name_occurs`: "" (a tag named without [a-z0-9], such as
    #: a Korean one) occurs in notes without words; stray spaces never occur.
    odd: list[tuple[str, int]]

    @classmethod
    def of(cls, phrases: Sequence[str]) -> _PhraseIndex:
        single: dict[str, list[int]] = {}
        by_first: dict[str, dict[str, list[int]]] = {}
        odd: list[tuple[str, int]] = []
        for j, phrase in enumerate(phrases):
            parts = phrase.split(" ")
            if "" in parts:
                odd.append((phrase, j))
            elif len(parts) == 1:
                single.setdefault(phrase, []).append(j)
            else:
                by_first.setdefault(parts[0], {}).setdefault(f" {phrase} ", []).append(j)
        acronyms = [(p, cols) for p, cols in single.items() if 2 <= len(p) <= 4]
        return cls(list(phrases), single, by_first, acronyms, odd)

    def columns(self, words: Sequence[str]) -> list[int]:
        """The columns whose phrase `name_occurs` in a note with these (stemmed) words; may repeat."""
        present = set(words)
        found: list[int] = []
        for w in present & self.single.keys():
            found += self.single[w]
        line = ""
        for w in present & self.by_first.keys():
            line = line or " " + " ".join(words) + " "
            for padded, cols in self.by_first[w].items():
                if padded in line:
                    found += cols
        if words and self.acronyms:
            initials = _initials(words)
            for phrase, cols in self.acronyms:
                if phrase in initials:
                    found += cols
        if self.odd:
            line, initials = " " + " ".join(words) + " ", _initials(words)
            found += [j for phrase, j in self.odd if name_occurs(phrase, line, initials)]
        return found


@dataclass
class Scores:
    """Raw and calibrated scores for a batch: rows are entries, columns the model's tags."""

    decision: np.ndarray
    proba: np.ndarray


@dataclass
class TagModel:
    """Learns one author's tagging from their tagged entries.

    >>> model = TagModel(half_life_days=180).fit(entries)          # doctest: +SKIP
    >>> model.suggest([new_entry], k=3)[0][0].tag                   # doctest: +SKIP
    'distillation'
    """

    half_life_days: float = 180.0
    alpha: float = 0.5
    title_weight: float = 0.5
    text_weight: float = 1.0
    comment_weight: float = 1.0
    translation_weight: float = 0.5
    min_df: int = 2
    #: Term-frequency saturation of every TF-IDF block (see `Block`).
    tf_k1: float = 10.0
    min_tag_notes: int = 2
    name_bonus: float = 0.2
    calibration_share: float = 0.15
    max_assigned: int = 5
    keep_weights: int = 6000
    centroid_weight: float = 2.5
    tag_bias_strength: float = 30.0
    korean: KoreanSettings = field(default_factory=KoreanSettings)

    # learned state
    tags_: list[str] = field(default_factory=list, repr=False)
    keys_: list[str] = field(default_factory=list, repr=False)
    tag_counts_: dict[str, int] = field(default_factory=dict, repr=False)
    blocks_: list[Block] = field(default_factory=list, repr=False)
    coef_: sp.csr_matrix | None = field(default=None, repr=False)
    intercept_: np.ndarray | None = field(default=None, repr=False)
    #: P(tag right) = σ(slope·decision + name_weight·[name in text] + bias): (slope, name_weight, bias).
    calibration_: tuple[float, ...] = (4.0, 0.8, -2.0)
    assign_rule_: tuple[float, float] = (0.5, 0.5)
    heldout_: dict[str, float] = field(default_factory=dict, repr=False)
    spellings_: Spellings = field(default_factory=Spellings, repr=False)
    tag_phrases_: list[str] = field(default_factory=list, repr=False)
    metadata_: dict[str, Any] = field(default_factory=dict, repr=False)
    path_: Path | None = field(default=None, repr=False)
    # `coef_` transposed (features × tags), built once per fit or load: x @ this touches only
    # the weights of the note's own features (0.05 ms) instead of all 1.5 M (2 ms).
    _by_feature: tuple[int, sp.csr_matrix] | None = field(default=None, init=False, repr=False, compare=False)
    # `tag_phrases_` indexed for `name_matches`; derived data, so never saved (modelio stores
    # `tag_phrases_` only) and rebuilt whenever the phrases differ from those it was built from.
    _phrase_index: _PhraseIndex | None = field(default=None, init=False, repr=False, compare=False)

    # ---- learning -------------------------------------------------------------------------

    def _check_settings(self) -> None:
        """Refuse settings no model can be fit with, saying which and what is allowed."""
        positive = {"alpha": self.alpha, "tf_k1": self.tf_k1}
        at_least_one = {"min_df": self.min_df, "min_tag_notes": self.min_tag_notes, "max_assigned": self.max_assigned,
                        "keep_weights": self.keep_weights}
        # half_life_days 0: every note weighs the same (what `tagger review` trains with).
        not_negative = {"half_life_days": self.half_life_days, "title_weight": self.title_weight, "text_weight": self.text_weight, "comment_weight": self.comment_weight,
                        "translation_weight": self.translation_weight, "name_bonus": self.name_bonus,
                        "centroid_weight": self.centroid_weight, "tag_bias_strength": self.tag_bias_strength}
        for name, value in positive.items():
            if not value > 0:  # NaN too
                raise InputError(f"{name} must be more than 0, got {value} (default {getattr(TagModel, name)})")
        for name, value in at_least_one.items():
            if value < 1:
                raise InputError(f"{name} must be at least 1, got {value} (default {getattr(TagModel, name)})")
        for name, value in not_negative.items():
            if not value >= 0:
                raise InputError(f"{name} must be 0 or more, got {value} (default {getattr(TagModel, name)})")
        if not 0 < self.calibration_share < 1:
            raise InputError(f"calibration_share must be between 0 and 1, got {self.calibration_share} (default 0.15)")

    def fit(self, entries: Sequence[Entry], *, progress: Progress | None = None) -> TagModel:
        """Learn from the tagged entries with text; returns self."""
        self._check_settings()
        report = progress or (lambda stage, frac: None)
        usable = [e for e in entries if e.tags and e.has_text]
        if len(usable) < 5:
            raise InputError(
                f"found {len(usable)} tagged notes with text; tagger needs at least 5 to learn from. "
                "Tag a few notes by hand first"
            )
        usable = chronological(usable)
        self.spellings_ = Spellings.of(usable)
        counts = Counter(k for e in usable for k in {tag_key(t) for t in e.tags})
        self.keys_ = sorted(k for k, c in counts.items() if c >= self.min_tag_notes)
        if not self.keys_:
            raise InputError(f"no tag is used on {self.min_tag_notes} or more notes; nothing to learn")
        self.tags_ = [self.spellings_.display(k) for k in self.keys_]
        self.tag_counts_ = {k: counts[k] for k in self.keys_}
        self.tag_phrases_ = [" ".join(_stem(w) for w in _SPLIT_RE.findall(k)) for k in self.keys_]
        index = {k: j for j, k in enumerate(self.keys_)}
        y = np.zeros((len(usable), len(self.keys_)), dtype=np.float32)
        for i, e in enumerate(usable):
            for t in e.tags:
                j = index.get(tag_key(t))
                if j is not None:
                    y[i, j] = 1.0
        report("reading Korean comments", 0.05)
        tokens = tokenize(usable, self.korean)
        dates = [entry_date(e) for e in usable]

        # Calibration and the assignment rule are learned on the newest notes,
        # scored by a model that has not seen them: that is how new notes look.
        n_hold = max(int(len(usable) * self.calibration_share), 10)
        tag_bias: np.ndarray | None = None
        if len(usable) >= 3 * n_hold:
            report("learning on older notes", 0.25)
            cut = len(usable) - n_hold
            blocks, coef, icpt = self._fit_core(tokens[:cut], y[:cut], dates[:cut])
            dec = _decision(blocks, coef.T.tocsr(), icpt, tokens[cut:])
            report("calibrating on the newest notes", 0.55)
            names = self.name_matches(usable[cut:])
            self.calibration_ = _fit_calibration(dec, names, y[cut:], name_bonus=self.name_bonus)
            proba = _calibrated(dec, names, self.calibration_)
            if self.tag_bias_strength > 0:
                tag_bias = _fit_tag_bias(proba, y[cut:], self.tag_bias_strength)
                proba = _sigmoid(_logit(proba) + tag_bias)
            self.assign_rule_ = _fit_assign_rule(proba, y[cut:], self.max_assigned)
            self.heldout_ = _heldout_summary(proba, y[cut:], self.assign_rule_, self.max_assigned)
        report("learning on all notes", 0.65)
        self.blocks_, self.coef_, self.intercept_ = self._fit_core(tokens, y, dates)
        if tag_bias is not None and self.calibration_[0] > 0:
            # calibration is a·decision + …, so a logit offset b is an intercept shift of b/a:
            # scoring stays one matrix product and the saved model keeps its shape.
            self.intercept_ = self.intercept_ + tag_bias / self.calibration_[0]
        known = [d for d in dates if d is not None]
        self.metadata_ = {
            "trained_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
            "notes": len(usable),
            "notes_offered": len(entries),
            "first_note": min(known).isoformat() if known else None,
            "last_note": max(known).isoformat() if known else None,
            "tag_counts": {self.tags_[j]: counts[k] for j, k in enumerate(self.keys_)},
            "rare_tags_left_out": sorted(self.spellings_.display(k) for k, c in counts.items() if c < self.min_tag_notes),
            "features": self.n_features,
            "heldout": dict(self.heldout_),
        }
        report("done", 1.0)
        return self

    def _weights(self, dates: Sequence[dt.date | None]) -> np.ndarray:
        known = [d for d in dates if d is not None]
        newest = max(known) if known else dt.date.today()
        oldest = min(known) if known else newest
        age = np.array([(newest - (d or oldest)).days for d in dates], dtype=np.float64)
        if self.half_life_days <= 0:
            return np.ones(len(dates))
        return np.power(0.5, age / self.half_life_days)

    def _fit_core(
        self, tokens: Sequence[Tokens], y: np.ndarray, dates: Sequence[dt.date | None]
    ) -> tuple[list[Block], sp.csr_matrix, np.ndarray]:
        blocks = [
            Block(min_df=self.min_df, weight=self.title_weight, tf_k1=self.tf_k1),
            Block(min_df=self.min_df, weight=self.text_weight, tf_k1=self.tf_k1),
            Block(min_df=self.min_df, weight=self.comment_weight, tf_k1=self.tf_k1),
            Block(min_df=self.min_df, weight=self.translation_weight, tf_k1=self.tf_k1),
        ]
        for b, f in zip(blocks, _fields(tokens)):
            b.fit(f)
        x = _stack(blocks, tokens)
        coef, icpt = _ridge_dual(x, y, self._weights(dates), self.alpha)
        if self.centroid_weight:
            coef = coef + self.centroid_weight * _centroids(x, y)
        return blocks, _prune(coef, self.keep_weights), icpt

    # ---- scoring --------------------------------------------------------------------------

    def check_fitted(self) -> None:
        """Raise `InputError` unless the model has been trained: scoring an empty model would fail obscurely."""
        if self.coef_ is None or self.intercept_ is None:
            raise InputError("the model is not trained yet: call fit() or load a trained model")

    def _weights_by_feature(self) -> sp.csr_matrix:
        assert self.coef_ is not None
        if self._by_feature is None or self._by_feature[0] != id(self.coef_):
            self._by_feature = (id(self.coef_), self.coef_.T.tocsr())
        return self._by_feature[1]

    def name_matches(self, entries: Sequence[Entry]) -> np.ndarray:
        """1 where a tag's own name occurs in the note (`MoE`, `mixture of experts` → moe)."""
        index = self._phrase_index
        if index is None or index.phrases != self.tag_phrases_:
            index = self._phrase_index = _PhraseIndex.of(self.tag_phrases_)
        out = np.zeros((len(entries), len(self.keys_)))
        rows: list[int] = []
        cols: list[int] = []
        for i, e in enumerate(entries):
            found = index.columns(_words(" ".join((e.title, e.abstract, e.comment, e.translation))))
            rows += [i] * len(found)
            cols += found
        out[rows, cols] = 1.0
        return out

    #: What each TF-IDF block reads, in the order of `coef_`'s columns.
    block_fields: ClassVar[tuple[str, ...]] = ("title", "text", "comment", "translation")

    def feature_matrix(self, entries: Sequence[Entry]) -> sp.csr_matrix:
        """Entries in the model's feature space: the stacked blocks, in `coef_` column order."""
        self.check_fitted()
        return _stack(self.blocks_, tokenize(entries, self.korean))

    def scores(self, entries: Sequence[Entry]) -> Scores:
        """Raw decision values and calibrated probabilities for each entry and tag."""
        self.check_fitted()
        assert self.coef_ is not None and self.intercept_ is not None
        tokens = tokenize(entries, self.korean)
        dec = _decision(self.blocks_, self._weights_by_feature(), self.intercept_, tokens)
        return Scores(dec, _calibrated(dec, self.name_matches(entries), self.calibration_))

    def predict_proba(self, entries: Sequence[Entry]) -> np.ndarray:
        """Calibrated probability of each tag (columns: `tags_`) for each entry."""
        return self.scores(entries).proba

    def assigned(self, proba_row: np.ndarray, order: np.ndarray | None = None) -> list[int]:
        """Column indices of the assigned set for one entry: the top tag, then those near it."""
        order = np.argsort(-proba_row, kind="stable") if order is None else order
        top = order[: self.max_assigned]
        return [int(j) for j in top[: _assign_size(proba_row[top], self.assign_rule_)]]

    def suggest(self, entries: Sequence[Entry], *, k: int = 5) -> list[list[Suggestion]]:
        """The top `k` tags for each entry, best first, with the assigned set marked.

        An entry with no text gets no suggestions (there is nothing to read).
        """
        if not entries:
            return []
        proba = self.predict_proba(entries)
        out: list[list[Suggestion]] = []
        for e, row in zip(entries, proba):
            if not e.has_text:
                out.append([])
                continue
            order = np.argsort(-row, kind="stable")
            chosen = set(self.assigned(row, order))
            top = [int(j) for j in order[: max(k, 0)]]
            out.append([Suggestion(self.tags_[j], float(row[j]), j in chosen) for j in top])
        return out

    @property
    def n_features(self) -> int:
        """How many features (vocabulary terms across all TF-IDF blocks) the trained model reads."""
        return sum(b.size for b in self.blocks_)


def _fields(tokens: Sequence[Tokens]) -> list[list[tuple[str, ...]]]:
    return [[t.title for t in tokens], [t.text for t in tokens], [t.comment for t in tokens], [t.translation for t in tokens]]


def _decision(blocks: Sequence[Block], by_feature: sp.csr_matrix, icpt: np.ndarray, tokens: Sequence[Tokens]) -> np.ndarray:
    """Raw per-tag scores: the notes' feature rows times the (features × tags) weights, plus intercepts."""
    out: np.ndarray = np.asarray((_stack(blocks, tokens) @ by_feature).toarray(), dtype=np.float64) + icpt
    return out


def _stack(blocks: Sequence[Block], tokens: Sequence[Tokens]) -> sp.csr_matrix:
    """Tokens → the feature matrix: each field through its fitted block, side by side (`coef_` column order)."""
    return sp.hstack([b.transform(f) for b, f in zip(blocks, _fields(tokens))], format="csr")


# ---- learning helpers ---------------------------------------------------------------------


def _ridge_dual(x: sp.csr_matrix, y: np.ndarray, w: np.ndarray, alpha: float) -> tuple[np.ndarray, np.ndarray]:
    """Weighted ridge regression on ±1 targets for all tags at once, solved in the dual.

    With a few thousand notes and tens of thousands of features the n×n system
    is small: one solve serves every tag.
    """
    sw = np.sqrt(w)
    ones = sp.csr_matrix(np.ones((x.shape[0], 1), dtype=np.float32))
    xb = sp.hstack([x, ones], format="csr")
    xw = sp.diags(sw) @ xb
    k = (xw @ xw.T).toarray().astype(np.float64)
    k[np.diag_indices_from(k)] += alpha
    t = (2.0 * y - 1.0) * sw[:, None]
    a = np.linalg.solve(k, t)
    full = np.asarray((xw.T @ a).T, dtype=np.float64)
    return full[:, :-1].astype(np.float32), full[:, -1]


def _centroids(x: sp.csr_matrix, y: np.ndarray) -> np.ndarray:
    """Each tag's unit-length centroid of its notes' feature rows (Rocchio), over all notes alike.

    A second, linear scorer folded into the ridge weights. Unlike the ridge it is
    not weighted by recency and does not shrink tags with few notes, so old and
    rare tags keep a voice: measured +0.03 P@1 / R@5 on split B, +0.01 R@5 and
    assigned-set F1 on split A.
    """
    cen = np.asarray((sp.csr_matrix(y.T.astype(np.float32)) @ x).toarray(), dtype=np.float32)
    cen /= np.maximum(np.linalg.norm(cen, axis=1, keepdims=True), 1e-9)
    return cen


def _logit(p: np.ndarray) -> np.ndarray:
    q = np.clip(p, 1e-9, 1.0 - 1e-9)
    out: np.ndarray = np.log(q / (1.0 - q))
    return out


def _sigmoid(z: np.ndarray) -> np.ndarray:
    out: np.ndarray = 1.0 / (1.0 + np.exp(-z))
    return out


def _fit_tag_bias(proba: np.ndarray, y: np.ndarray, strength: float, *, steps: int = 20) -> np.ndarray:
    """Per-tag logit offsets on held-out notes, shrunk toward 0 (a Gaussian prior of precision `strength`).

    The held-out notes are newer than what scored them, so the offsets measure
    each tag's drift: fading tags (`llm`, `transformer`) get pushed down, rising
    ones up. Newton steps, one independent 1-D problem per tag.

    >>> b = _fit_tag_bias(np.full((40, 2), 0.5), np.array([[1.0, 0.0]] * 40), 10.0)
    >>> bool(b[0] > 0 > b[1])
    True
    """
    z0 = _logit(proba)
    b = np.zeros(proba.shape[1])
    for _ in range(steps):
        p = _sigmoid(z0 + b)
        grad = (p - y).sum(axis=0) + strength * b
        hess = (p * (1.0 - p)).sum(axis=0) + strength
        b -= grad / hess
    return b


def _prune(coef: np.ndarray, keep: int) -> sp.csr_matrix:
    """Each tag's `keep` largest weights, as a sparse matrix.

    Ridge weights are dense but mostly tiny; dropping the tail keeps the model
    file small and scoring fast at no measurable cost in quality.
    """
    if keep <= 0 or keep >= coef.shape[1]:
        return sp.csr_matrix(coef.astype(np.float32))
    idx = np.argpartition(-np.abs(coef), keep - 1, axis=1)[:, :keep]
    rows = np.repeat(np.arange(coef.shape[0]), keep)
    vals = np.take_along_axis(coef, idx, axis=1).ravel()
    return sp.csr_matrix((vals.astype(np.float32), (rows, idx.ravel())), shape=coef.shape)


def _calibrated(dec: np.ndarray, names: np.ndarray, weights: tuple[float, ...]) -> np.ndarray:
    slope, name_weight, bias = weights
    return _sigmoid(slope * dec + name_weight * names + bias)


def _fit_calibration(dec: np.ndarray, names: np.ndarray, y: np.ndarray, *, name_bonus: float) -> tuple[float, ...]:
    """Platt scaling of decision + `name_bonus`·[name in text], one for all tags, on held-out notes.

    Learning the name-match weight (or tag-share terms) here instead was tried and
    lost R@5 on both splits (benchmarks/LOG.md).
    """
    x = (dec + name_bonus * names).reshape(-1, 1)
    a, b = _logistic(x, y.reshape(-1).astype(np.float64))
    return (float(a), float(a * name_bonus), float(b))


def _logistic(x: np.ndarray, y: np.ndarray, *, l2: float = 1e-4, steps: int = 50) -> np.ndarray:
    """Logistic regression by Newton's method (weights then bias): a few columns, many rows.

    Written out because importing scikit-learn for it would cost more than the fit.

    >>> w = _logistic(np.array([[-2.0], [-1.0], [1.0], [2.0], [0.5], [-0.5]]), np.array([0, 0, 1, 1, 0, 1.0]))
    >>> bool(w[0] > 0)
    True
    """
    xb = np.hstack([x, np.ones((len(x), 1))])
    w = np.zeros(xb.shape[1])
    reg = np.full(xb.shape[1], l2 * len(x))
    reg[-1] = 0.0
    for _ in range(steps):
        p = 1.0 / (1.0 + np.exp(-np.clip(xb @ w, -30, 30)))
        grad = xb.T @ (p - y) + reg * w
        hess = (xb * (p * (1 - p))[:, None]).T @ xb + np.diag(reg + 1e-9)
        step = np.linalg.solve(hess, grad)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    return w


def _assign_size(ranked: np.ndarray, rule: tuple[float, float]) -> int:
    """How many of the best scores `ranked` (descending) are assigned: the top one, then each
    following score that is ≥ floor and ≥ ratio × top, until one is not.

    >>> _assign_size(np.array([0.9, 0.6, 0.2, 0.5]), (0.3, 0.5))
    2
    """
    return int(_assign_sizes(ranked[None, :], rule)[0])


def _assign_sizes(ranked: np.ndarray, rule: tuple[float, float]) -> np.ndarray:
    """`_assign_size` for every row of `ranked` (each row's best scores, descending) at once."""
    floor, ratio = rule
    ok = (ranked[:, 1:] >= floor) & (ranked[:, 1:] >= ratio * ranked[:, :1])
    stop = np.where(ok.all(axis=1), ok.shape[1], np.argmin(ok, axis=1))
    return np.asarray(1 + stop)


def _rule_f1(hits: np.ndarray, gold: np.ndarray, sizes: np.ndarray) -> float:
    """Mean per-note F1 of assigned sets of `sizes`, given cumulative hits down each ranking."""
    hit = hits[np.arange(len(sizes)), sizes - 1]
    return float(np.mean(np.where(hit > 0, 2 * hit / (sizes + gold), 0.0))) if len(sizes) else 0.0


def _fit_assign_rule(proba: np.ndarray, y: np.ndarray, max_assigned: int) -> tuple[float, float]:
    """The (floor, ratio) with the best mean per-note F1 of the assigned set on held-out notes."""
    # Sorted once: a rule only decides how far down each note's ranking to go.
    order = np.argsort(-proba, axis=1, kind="stable")[:, :max_assigned]
    ranked = np.take_along_axis(proba, order, axis=1)
    hits = np.cumsum(np.take_along_axis(y, order, axis=1), axis=1)
    gold = y.sum(axis=1)
    best = (-1.0, (0.5, 0.5))
    for floor in np.arange(0.05, 0.95, 0.05):
        for ratio in np.arange(0.0, 1.0, 0.1):
            rule = (round(float(floor), 2), round(float(ratio), 2))
            f1 = _rule_f1(hits, gold, _assign_sizes(ranked, rule))
            if f1 > best[0] + 1e-9:
                best = (f1, rule)
    return best[1]


def _heldout_summary(proba: np.ndarray, y: np.ndarray, rule: tuple[float, float], max_assigned: int) -> dict[str, float]:
    has = y.sum(axis=1) > 0
    proba, y = proba[has], y[has]
    order = np.argsort(-proba, axis=1, kind="stable")[:, :max_assigned]
    hits = np.cumsum(np.take_along_axis(y, order, axis=1), axis=1)
    p1 = float(np.mean(hits[:, 0])) if len(y) else math.nan
    f1 = _rule_f1(hits, y.sum(axis=1), _assign_sizes(np.take_along_axis(proba, order, axis=1), rule))
    return {"notes": float(has.sum()), "P@1": p1, "assigned_f1": f1}


__all__ = ["Scores", "TagModel", "name_occurs"]
