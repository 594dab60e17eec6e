"""The tag model: per-field TF-IDF blocks → one linear scorer per tag → calibrated scores.

`TagModel` is a scikit-learn estimator (the protocol written out in `params`, so that
scikit-learn is never imported to use one): settings are the `__init__` arguments,
stored unchanged (`get_params` / `set_params`, `sklearn.base.clone`); everything learned
ends in `_` and is set in `fit` (or by loading a saved model); `fit` returns self; a
model used before that raises `NotFittedError`; `score` is P@1, so `GridSearchCV` works
without a scorer. Learning needs nothing beyond
numpy and scipy, nor does scoring, so a saved model is quick to load and use in a
fresh process. The pieces live beside it: `features` and `vectorize` (text →
matrix), `ridge` and `solvers` (the weights), `calibrate` (scores → probabilities and the
assigned set), `names` (a tag's own name in the note).
"""

from __future__ import annotations

import datetime as dt
import inspect
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import scipy.sparse as sp

from tagger.entry import Entry, Suggestion, chronological, entry_date
from tagger.errors import InputError, NotFittedError
from tagger.model.calibrate import (
    DEFAULT_ASSIGN_RULE,
    DEFAULT_CALIBRATION,
    assign_size,
    calibrated,
    fit_assign_rule,
    fit_calibration,
    fit_tag_bias,
    heldout_summary,
    logit,
    sigmoid,
)
from tagger.model.features import Tokens, tokenize
from tagger.model.inputs import as_entries, with_tags
from tagger.model.korean import KoreanSettings
from tagger.model.names import PhraseIndex, name_match_matrix, tag_phrase
from tagger.model.params import Estimator
from tagger.model.ridge import TOL as RIDGE_TOL
from tagger.model.ridge import ridge_cg
from tagger.model.solvers import add_centroids, prune, tag_matrix
from tagger.model.vectorize import Block
from tagger.progress import Progress, no_progress
from tagger.spelling import Spellings, tag_key

#: How closely the held-out model's ridge is solved (`ridge.TOL` for the final one). That model
#: only calibrates (Platt scaling, per-tag offsets, the assignment rule) and is thrown away:
#: solving it twice as loosely takes a third fewer steps, with the same figures on both time splits.
CALIBRATION_TOL = 0.2


@dataclass
class Scores:
    """Raw and calibrated scores for a batch: rows are entries, columns the model's tags."""

    decision: np.ndarray
    proba: np.ndarray


class TagModel(Estimator):
    """Learns one author's tagging from their tagged entries.

    >>> model = TagModel(half_life_days=180).fit(entries)          # doctest: +SKIP
    >>> model.suggest([new_entry], k=3)[0][0].tag                   # doctest: +SKIP
    'distillation'
    >>> TagModel(alpha=0.3).get_params()["alpha"]
    0.3
    """

    #: What each TF-IDF block reads, in the order of `coef_`'s columns.
    block_fields: ClassVar[tuple[str, ...]] = ("title", "text", "comment", "translation")

    # Learned in `fit` (or set by `tagger.model.io.load_model`):
    tags_: list[str]
    keys_: list[str]
    tag_counts_: dict[str, int]
    blocks_: list[Block]
    coef_: sp.csr_matrix
    intercept_: np.ndarray
    #: P(tag right) = σ(slope·decision + name_weight·[name in text] + bias): (slope, name_weight, bias).
    calibration_: tuple[float, ...]
    assign_rule_: tuple[float, float]
    heldout_: dict[str, float]
    spellings_: Spellings
    tag_phrases_: list[str]
    metadata_: dict[str, Any]
    # Derived caches (never saved or pickled), built on first use.
    _by_feature: tuple[int, sp.csr_matrix] | None
    _phrase_index: PhraseIndex | None

    def __init__(
        self,
        *,
        half_life_days: float = 180.0,
        alpha: float = 0.5,
        title_weight: float = 0.5,
        text_weight: float = 1.0,
        comment_weight: float = 1.0,
        translation_weight: float = 0.5,
        min_df: int = 2,
        tf_k1: float = 10.0,
        min_tag_notes: int = 1,
        name_bonus: float = 0.2,
        calibration_share: float = 0.15,
        max_assigned: int = 5,
        assign_min_score: float = 0.05,
        keep_weights: int = 6000,
        centroid_weight: float = 2.5,
        tag_bias_strength: float = 30.0,
        korean: KoreanSettings | None = None,
    ) -> None:
        self.half_life_days = half_life_days
        self.alpha = alpha
        self.title_weight = title_weight
        self.text_weight = text_weight
        self.comment_weight = comment_weight
        self.translation_weight = translation_weight
        self.min_df = min_df
        #: Term-frequency saturation of every TF-IDF block (see `Block`).
        self.tf_k1 = tf_k1
        #: Tags used on fewer notes are not learned. 1 (issue 14): a tag the author coins is
        #: suggestible after the next retrain; on splits A and B it moved P@1 / R@5 / F1 by
        #: at most 0.003 (benchmarks/LOG.md).
        self.min_tag_notes = min_tag_notes
        self.name_bonus = name_bonus
        self.calibration_share = calibration_share
        self.max_assigned = max_assigned
        #: An assigned tag scores at least this: a note the model cannot read gets none (not `* 0.00 #x`).
        self.assign_min_score = assign_min_score
        self.keep_weights = keep_weights
        self.centroid_weight = centroid_weight
        self.tag_bias_strength = tag_bias_strength
        #: The Korean analysis (`KoreanSettings`); None for the default one. A plain None rather
        #: than a `KoreanSettings()` default: scikit-learn allows only simple values as defaults.
        self.korean = korean

    @property
    def korean_settings(self) -> KoreanSettings:
        """The Korean analysis this model uses: `korean`, or the default `KoreanSettings()`."""
        return self.korean if self.korean is not None else KoreanSettings()

    def __getstate__(self) -> dict[str, Any]:
        # Derived caches are rebuilt on use: a pickled model (sent to a worker) carries only its state.
        return {k: v for k, v in self.__dict__.items() if k not in ("_by_feature", "_phrase_index")}

    # ---- learning ---------------------------------------------------------------------------

    def _check_settings(self) -> None:
        """Refuse settings no model can be fit with (a programming error: `ValueError`), saying which and what is allowed."""
        defaults = inspect.signature(type(self)).parameters
        # (lowest allowed, whether it may be equal, in words); NaN fails every comparison, so it is refused too.
        limits: dict[str, tuple[float, bool, str]] = {
            **dict.fromkeys(("alpha", "tf_k1"), (0.0, False, "more than 0")),
            **dict.fromkeys(("min_df", "min_tag_notes", "max_assigned", "keep_weights"), (1.0, True, "at least 1")),
            # half_life_days 0: every note weighs the same (what `tagger review` trains with).
            **dict.fromkeys(("half_life_days", "title_weight", "text_weight", "comment_weight", "translation_weight",
                             "name_bonus", "centroid_weight", "tag_bias_strength", "assign_min_score"), (0.0, True, "0 or more")),
        }
        for name, (low, equal_ok, what) in limits.items():
            value = getattr(self, name)
            if not (value >= low if equal_ok else value > low):
                raise ValueError(f"{name} must be {what}, got {value} (default {defaults[name].default})")
        if not 0 < self.calibration_share < 1:
            raise ValueError(f"calibration_share must be between 0 and 1, got {self.calibration_share} (default 0.15)")

    def fit(self, X: Any, y: Sequence[Any] | None = None, *, progress: Progress | None = None) -> TagModel:
        """Learn from the tagged entries with text; returns self.

        `X`: entries, a DataFrame with `entries_to_frame`'s columns, or a path (a vault,
        notes, a digest, a table; see `as_entries`). `y`, if given, replaces each entry's
        tags (one collection of tags per entry); by default the entries' own tags are learned.

        Every learned attribute is set here, whatever an earlier fit left: with too few
        notes to hold the newest out, calibration and the assignment rule take their
        documented defaults (`tagger.model.calibrate`) and `heldout_` is empty.
        """
        self._check_settings()
        entries = with_tags(as_entries(X), y)
        report = progress or no_progress
        usable = [e for e in entries if e.tags and e.has_text]
        if len(usable) < 5:
            raise InputError(
                f"found {len(usable)} tagged notes with text; tagger needs at least 5 to learn from. "
                "Tag a few notes by hand first"
            )
        usable = chronological(usable)
        spellings = Spellings.of(usable)
        counts = Counter(k for e in usable for k in {tag_key(t) for t in e.tags})
        keys = sorted(k for k, c in counts.items() if c >= self.min_tag_notes)
        if not keys:
            raise InputError(f"no tag is used on {self.min_tag_notes} or more notes; nothing to learn")
        self.spellings_ = spellings
        self.keys_ = keys
        self.tags_ = [spellings.display(k) for k in keys]
        self.tag_counts_ = {k: counts[k] for k in keys}
        self.tag_phrases_ = [tag_phrase(k) for k in keys]
        labels = tag_matrix(usable, keys)
        report("reading Korean comments", 0.05)
        tokens = tokenize(usable, self.korean_settings)
        dates = [entry_date(e) for e in usable]

        # Calibration and the assignment rule are learned on the newest notes,
        # scored by a model that has not seen them: that is how new notes look.
        self.calibration_ = DEFAULT_CALIBRATION
        self.assign_rule_ = DEFAULT_ASSIGN_RULE
        self.heldout_ = {}
        n_hold = max(int(len(usable) * self.calibration_share), 10)
        tag_bias: np.ndarray | None = None
        if len(usable) >= 3 * n_hold:
            report("learning on older notes", 0.25)
            cut = len(usable) - n_hold
            blocks, coef, icpt = self._fit_core(tokens[:cut], labels[:cut], dates[:cut], tol=CALIBRATION_TOL)
            dec = _decision(blocks, coef.T.tocsr(), icpt, tokens[cut:])
            report("calibrating on the newest notes", 0.55)
            names = self.name_matches(usable[cut:])
            held = labels[cut:].toarray()
            self.calibration_ = fit_calibration(dec, names, held, name_bonus=self.name_bonus)
            proba = calibrated(dec, names, self.calibration_)
            if self.tag_bias_strength > 0:
                tag_bias = fit_tag_bias(proba, held, self.tag_bias_strength)
                proba = sigmoid(logit(proba) + tag_bias)
            self.assign_rule_ = fit_assign_rule(proba, held, self.max_assigned)
            self.heldout_ = heldout_summary(proba, held, self.assign_rule_, self.max_assigned)
        report("learning on all notes", 0.65)
        self.blocks_, self.coef_, self.intercept_ = self._fit_core(tokens, labels, dates)
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
            "tag_counts": {self.tags_[j]: counts[k] for j, k in enumerate(keys)},
            "rare_tags_left_out": sorted(spellings.display(k) for k, c in counts.items() if c < self.min_tag_notes),
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
        self, tokens: Sequence[Tokens], y: sp.csr_matrix, dates: Sequence[dt.date | None], *, tol: float = RIDGE_TOL
    ) -> tuple[list[Block], sp.csr_matrix, np.ndarray]:
        blocks = [
            Block(min_df=self.min_df, weight=w, tf_k1=self.tf_k1)
            for w in (self.title_weight, self.text_weight, self.comment_weight, self.translation_weight)
        ]
        for b, f in zip(blocks, _fields(tokens)):
            b.fit(f)
        x = _stack(blocks, tokens)
        coef, icpt, *_ = ridge_cg(x, y, self._weights(dates), self.alpha, tol=tol)
        if self.centroid_weight:
            add_centroids(coef, x, y, self.centroid_weight)
        return blocks, prune(coef, self.keep_weights), icpt

    # ---- scoring ----------------------------------------------------------------------------

    def __sklearn_is_fitted__(self) -> bool:
        return hasattr(self, "coef_")

    def check_fitted(self) -> None:
        """Raise `NotFittedError` unless the model has been fitted or loaded."""
        if not hasattr(self, "coef_"):
            raise NotFittedError("this TagModel is not fitted yet: call fit(entries) first, or load a trained model")

    def _weights_by_feature(self) -> sp.csr_matrix:
        # `coef_` transposed (features × tags), built once per fit or load: x @ this touches only
        # the weights of the note's own features (0.05 ms) instead of all 1.5 M (2 ms).
        cached: tuple[int, sp.csr_matrix] | None = getattr(self, "_by_feature", None)
        if cached is None or cached[0] != id(self.coef_):
            cached = self._by_feature = (id(self.coef_), self.coef_.T.tocsr())
        return cached[1]

    def name_matches(self, entries: Sequence[Entry]) -> np.ndarray:
        """1 where a tag's own name occurs in the note (`MoE`, `mixture of experts` → moe)."""
        # Derived from `tag_phrases_`, never saved, and rebuilt whenever the phrases change.
        index: PhraseIndex | None = getattr(self, "_phrase_index", None)
        if index is None or index.phrases != self.tag_phrases_:
            index = self._phrase_index = PhraseIndex.of(self.tag_phrases_)
        return name_match_matrix(index, entries)

    def feature_matrix(self, entries: Sequence[Entry]) -> sp.csr_matrix:
        """Entries in the model's feature space: the stacked blocks, in `coef_` column order."""
        self.check_fitted()
        return _stack(self.blocks_, tokenize(entries, self.korean_settings))

    def scores(self, entries: Sequence[Entry]) -> Scores:
        """Raw decision values and calibrated probabilities for each entry and tag."""
        self.check_fitted()
        tokens = tokenize(entries, self.korean_settings)
        dec = _decision(self.blocks_, self._weights_by_feature(), self.intercept_, tokens)
        return Scores(dec, calibrated(dec, self.name_matches(entries), self.calibration_))

    def predict_proba(self, X: Any) -> np.ndarray:
        """Calibrated probability of each tag (columns: `tags_`) for each entry (`X` as in `fit`)."""
        self.check_fitted()  # before reading X: an unfitted model says so whatever it is given
        return self.scores(as_entries(X)).proba

    def score(self, X: Any, y: Sequence[Any] | None = None) -> float:
        """P@1: the share of tagged entries with text whose top suggestion is one of their tags.

        scikit-learn's default score for model selection (`GridSearchCV` without `scoring=`);
        `y`, if given, replaces the entries' tags as in `fit`. NaN when no entry is tagged.
        """
        self.check_fitted()
        entries = [e for e in with_tags(as_entries(X), y) if e.tags and e.has_text]
        if not entries:
            return float("nan")
        top = np.argmax(self.predict_proba(entries), axis=1)
        hits = [self.keys_[j] in {tag_key(t) for t in e.tags} for e, j in zip(entries, top)]
        return float(np.mean(hits))

    def assigned(self, proba_row: np.ndarray, order: np.ndarray | None = None) -> list[int]:
        """Column indices of the assigned set for one entry: the top tag, then those near it (by the
        learned rule), each scoring at least `assign_min_score`."""
        order = np.argsort(-proba_row, kind="stable") if order is None else order
        top = order[: self.max_assigned]
        return [int(j) for j in top[: assign_size(proba_row[top], self.assign_rule_)] if proba_row[j] >= self.assign_min_score]

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


__all__ = ["Scores", "TagModel"]
