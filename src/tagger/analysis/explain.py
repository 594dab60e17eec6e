"""Why a tag was suggested: the note's own words that pushed it up, and similar past notes carrying it.

A tag's score starts from a linear decision: the sum over features of
(tf-idf value in this note × the tag's weight for that feature). Each feature is
a word, a word pair or a Korean morpheme of one field, so the largest positive
products are the words that argued for the tag. They are shown as they appear
in the note (original case; the Korean morpheme as written in the comment),
labelled by field.

Similar past notes are found by cosine similarity in the same feature space,
among `history` entries (the notes the model was trained on) carrying the tag.

>>> exps = explain(model, [entry], history=training_entries)         # doctest: +SKIP
>>> [(ev.field, ev.text) for ev in exps[0][0].evidence]                   # doctest: +SKIP
[('abstract', 'distill'), ('abstract', 'Transformer'), ('comment', 'Distillation'), ('comment', '증류')]
"""

from __future__ import annotations

import datetime as dt
import re
import weakref
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

from tagger.entry import Entry, entry_date
from tagger.model.estimator import TagModel
from tagger.spelling import AliasTable, tag_key

#: What each of the model's TF-IDF blocks reads, in the order of `coef_`'s columns ("text" is title + abstract).
BLOCK_SOURCES: tuple[str, ...] = TagModel.block_fields
#: Contributions below this (in decision units) are noise, not evidence.
MIN_WEIGHT = 0.005
#: The order fields are shown in.
FIELD_ORDER: tuple[str, ...] = ("title", "abstract", "comment", "translation")


@dataclass(frozen=True)
class Evidence:
    """A word, word pair or morpheme of the note and how much it added to the tag's decision."""

    field: str
    text: str
    weight: float


@dataclass(frozen=True)
class Neighbour:
    """A past note carrying the tag, and its cosine similarity to this note."""

    title: str
    date: dt.date | None
    path: Path | None
    similarity: float


@dataclass(frozen=True)
class Explanation:
    """One suggested tag with the evidence for it."""

    tag: str
    score: float
    assigned: bool
    evidence: tuple[Evidence, ...] = ()
    neighbours: tuple[Neighbour, ...] = ()
    #: Whether the tag's own name occurs in the note (the model adds a bonus for that).
    name_match: bool = False


# ---- the model's feature space -------------------------------------------------------------


def _matrix(model: TagModel, entries: Sequence[Entry]) -> sp.csr_matrix:
    """Entries in the model's feature space (the rows its `coef_` multiplies)."""
    x = model.feature_matrix(entries)
    if model.coef_ is not None and x.shape[1] != model.coef_.shape[1]:
        raise RuntimeError(f"feature layout changed: {x.shape[1]} features, the model has {model.coef_.shape[1]} weights")
    return x


#: model → (its blocks, their feature names): built once per fitted model (170,000 names on the corpus: 16 ms).
_NAMES: weakref.WeakKeyDictionary[TagModel, tuple[object, list[tuple[int, str]]]] = weakref.WeakKeyDictionary()


def _feature_names(model: TagModel) -> list[tuple[int, str]]:
    """(block index, token) for every column of the feature space."""
    known = _NAMES.get(model)
    if known is not None and known[0] is model.blocks_:  # a refit makes new blocks
        return known[1]
    out: list[tuple[int, str]] = []
    for b, block in enumerate(model.blocks_):
        names = [""] * block.size
        for token, i in (block.vocabulary_ or {}).items():
            names[i] = token
        out.extend((b, t) for t in names)
    _NAMES[model] = (model.blocks_, out)
    return out


def _normalised(x: sp.csr_matrix) -> sp.csr_matrix:
    norms = np.sqrt(np.asarray(x.multiply(x).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    out: sp.csr_matrix = sp.csr_matrix(sp.diags(1.0 / norms) @ x)
    return out


class History:
    """Past notes in the model's feature space, built once and reused across `explain` calls.

    Tags are mapped through the aliases the model was trained with, so a
    neighbour "carries the tag" exactly when the model would have learned it so.
    """

    def __init__(self, model: TagModel, entries: Iterable[Entry]) -> None:
        aliases = AliasTable(model.metadata_.get("aliases") or {})
        usable = [e for e in entries if e.tags and e.has_text]
        if aliases:
            usable = [e.replace(tags=aliases.apply(e.tags)) for e in usable]
        self.entries = usable
        self.keys = [{tag_key(t) for t in e.tags} for e in usable]
        self.matrix = _normalised(_matrix(model, usable)) if usable else sp.csr_matrix((0, model.n_features))


#: Neighbours at least this similar are the same paper (a digest copy of a vault note, a re-saved note).
SAME_PAPER_SIMILARITY = 0.98

_ARXIV_ID = re.compile(r"arxiv\.org/(?:abs|pdf|html)/([a-z\-]+/\d{7}|\d{4}\.\d{4,5})", re.IGNORECASE)
# Multi-entry sources: every entry of a digest or table shares the file's path.
_SHARED_PATH_SUFFIXES = frozenset({".txt", ".jsonl", ".csv"})


def _paper_id(url: str) -> str:
    """The arXiv id in `url` (version dropped), else the URL without scheme, `www.` and trailing slash."""
    m = _ARXIV_ID.search(url)
    if m:
        return "arxiv:" + m.group(1).casefold()
    u = re.sub(r"^https?://(?:www\.)?", "", url.strip(), flags=re.IGNORECASE).rstrip("/")
    return u.casefold()


def _title_key(title: str) -> str:
    """A title with case, punctuation and spacing folded away."""
    return " ".join(re.findall(r"\w+", title.casefold()))


def same_paper(a: Entry, b: Entry) -> bool:
    """Whether two entries are the same paper: same note file, same arXiv id or URL, or same title.

    A digest or table entry shares its file's path with its siblings, so a path
    only identifies a note when it is a note of its own (a `.md` file).

    >>> a = Entry(url="https://arxiv.org/abs/2408.15237v2", title="The Mamba in the Llama")
    >>> same_paper(a, Entry(url="http://arxiv.org/pdf/2408.15237", title="Other title"))
    True
    >>> same_paper(a, Entry(title="The Mamba in the Llama: Distilling..."))
    False
    >>> same_paper(a, Entry(title="the mamba in the llama"))
    True
    """
    if a.path is not None and b.path is not None and a.path.suffix.lower() not in _SHARED_PATH_SUFFIXES:
        try:
            if a.path.resolve() == b.path.resolve():
                return True
        except OSError:
            if a.path == b.path:
                return True
    ida, idb = _paper_id(a.url), _paper_id(b.url)
    if ida and ida == idb:
        return True
    ta, tb = _title_key(a.title), _title_key(b.title)
    return bool(ta) and ta == tb


# ---- mapping features back to the note's text ----------------------------------------------

_LATIN = re.compile(r"[A-Za-z0-9+\-_]+")


def surface(token: str, text: str) -> str | None:
    """Where `token` (a feature: word, `word_word` pair or morpheme) occurs in `text`, as written there.

    >>> surface("linear_rnns", "distill large Transformers into linear RNNs by")
    'linear RNNs'
    >>> surface("large_transformers", "distill large Transformers into")
    'large Transformers'
    >>> surface("mamba_llama", "The Mamba in the Llama")
    'Mamba in the Llama'
    >>> surface("증류", "모델을 증류하는"), surface("absent", "text")
    ('증류', None)
    """
    if not token:
        return None
    if _LATIN.fullmatch(token):
        parts = [p for p in token.split("_") if p]
        gap = r"(?:[^A-Za-z0-9]+[A-Za-z0-9]+){0,3}?[^A-Za-z0-9]+"
        pattern = r"(?<![A-Za-z])" + gap.join(re.escape(p) for p in parts) + r"(?![A-Za-z0-9])"
        m = re.search(pattern, text, re.IGNORECASE)
        return m.group(0) if m else None
    i = text.find(token)
    if i < 0:
        i = text.casefold().find(token.casefold())
    return text[i : i + len(token)] if i >= 0 else None


def _locate(source: str, token: str, e: Entry) -> tuple[str, str] | None:
    """(field, surface text) of a feature of block `source` in entry `e`."""
    if source == "text":
        for name, text in (("abstract", e.abstract), ("title", e.title)):
            found = surface(token, text)
            if found:
                return name, found
        return None
    found = surface(token, getattr(e, source))
    return (source, found) if found else None


def _evidence(
    e: Entry, contrib: np.ndarray, cols: np.ndarray, names: Sequence[tuple[int, str]], words: int
) -> tuple[Evidence, ...]:
    merged: dict[tuple[str, str], list[Any]] = {}
    for c, w in zip(cols, contrib):
        if w < MIN_WEIGHT:
            continue
        block, token = names[int(c)]
        where = _locate(BLOCK_SOURCES[block] if block < len(BLOCK_SOURCES) else "", token, e)
        if where is None:
            continue
        key = (where[0], where[1].casefold())
        slot = merged.setdefault(key, [where[1], 0.0])
        slot[0] = min(slot[0], where[1])  # one spelling whatever the matrix's column order
        slot[1] += float(w)
    out: list[Evidence] = []
    for field in FIELD_ORDER:
        # Ties broken by the word, not by column order (which the matrix layout decides).
        items = sorted(((k, v) for k, v in merged.items() if k[0] == field), key=lambda kv: (-kv[1][1], kv[0][1]))
        shown: list[Evidence] = []
        for (_, _), (text, weight) in items:
            if len(shown) >= words:
                break
            shown.append(Evidence(field, text, round(weight, 4)))
        out.extend(shown)
    return tuple(out)


# ---- the public functions ------------------------------------------------------------------


def explain(
    model: TagModel,
    entries: Sequence[Entry],
    *,
    k: int = 5,
    neighbours: int = 3,
    history: Sequence[Entry] | History | None = None,
    words: int = 3,
) -> list[list[Explanation]]:
    """For each entry, its top `k` suggestions, each with evidence words (up to `words` per field) and neighbours.

    `history`: the notes to find similar past notes in (usually the training
    vault's entries; a prepared `History` saves re-reading them). Without it,
    explanations carry no neighbours. A neighbour is never the same paper as the
    entry (`same_paper`, or similarity ≥ `SAME_PAPER_SIMILARITY`).

    >>> (exps,) = explain(model, [entry], k=3, history=read_entries("vault"))   # doctest: +SKIP
    >>> [(x.tag, [ev.text for ev in x.evidence]) for x in exps][0]                # doctest: +SKIP
    ('state-space-model', ['Mamba', 'Linear', 'hybrid', 'Mamba', 'Attention'])
    """
    if not entries:
        return []
    model.check_fitted()
    assert model.coef_ is not None
    rows = model.suggest(entries, k=k)
    x = _matrix(model, entries)
    names = _feature_names(model)
    column = {t: j for j, t in enumerate(model.tags_)}
    coef = sp.csr_matrix(model.coef_)
    matches = model.name_matches(entries)
    hist: History | None
    if history is None or isinstance(history, History):
        hist = history
    else:
        hist = History(model, history)
    sims: np.ndarray | None = None
    if hist is not None and hist.entries:
        sims = np.asarray((_normalised(x) @ hist.matrix.T).toarray())
    out: list[list[Explanation]] = []
    for i, (e, sugg) in enumerate(zip(entries, rows)):
        xi = x.getrow(i)
        cols = xi.indices
        per_entry: list[Explanation] = []
        for s in sugg:
            j = column.get(s.tag)
            if j is None:
                per_entry.append(Explanation(s.tag, s.score, s.assigned))
                continue
            weights = np.asarray(coef.getrow(j)[:, cols].toarray()).ravel()
            contrib = xi.data * weights
            ev = _evidence(e, contrib, cols, names, words)
            near: tuple[Neighbour, ...] = ()
            if sims is not None and hist is not None and neighbours > 0:
                near = _neighbours(e, sims[i], hist, tag_key(s.tag), neighbours)
            per_entry.append(Explanation(s.tag, s.score, s.assigned, ev, near, bool(matches[i, j])))
        out.append(per_entry)
    return out


def _neighbours(e: Entry, sims: np.ndarray, hist: History, key: str, n: int) -> tuple[Neighbour, ...]:
    out: list[Neighbour] = []
    for r in np.argsort(-sims, kind="stable"):
        if sims[r] <= 0 or len(out) >= n:
            break
        other = hist.entries[int(r)]
        if key not in hist.keys[int(r)] or sims[r] >= SAME_PAPER_SIMILARITY or same_paper(e, other):
            continue
        out.append(Neighbour(other.title, entry_date(other), other.path, round(float(sims[r]), 4)))
    return tuple(out)


def explanation_record(x: Explanation) -> dict[str, Any]:
    """One explanation as JSON-able data.

    >>> explanation_record(Explanation("rl", 0.8, True, (Evidence("comment", "RL", 0.3),)))["evidence"]
    [{'field': 'comment', 'text': 'RL', 'weight': 0.3}]
    """
    return {
        "tag": x.tag,
        "score": round(x.score, 4),
        "assigned": x.assigned,
        "name_match": x.name_match,
        "evidence": [{"field": ev.field, "text": ev.text, "weight": round(ev.weight, 4)} for ev in x.evidence],
        "neighbours": [
            {
                "title": nb.title,
                "date": nb.date.isoformat() if nb.date else None,
                "path": str(nb.path) if nb.path else None,
                "similarity": round(nb.similarity, 4),
            }
            for nb in x.neighbours
        ],
    }


__all__ = [
    "BLOCK_SOURCES",
    "FIELD_ORDER",
    "MIN_WEIGHT",
    "SAME_PAPER_SIMILARITY",
    "Evidence",
    "Explanation",
    "History",
    "Neighbour",
    "explain",
    "explanation_record",
    "same_paper",
    "surface",
]
