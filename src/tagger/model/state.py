"""A trained `TagModel` as the parts its file holds, and back: JSON-able state, vocabularies, arrays.

Only this module (with `tagger.model.io`) knows the saved layout. A change to it bumps
`tagger.model.io.FORMAT`. Loading checks every part before the model is built: types,
lengths, shapes, index ranges, finite numbers, so a damaged or edited file is refused at
load (as a `KeyError`, `TypeError` or `ValueError`, which `load_model` turns into one
line), never an IndexError halfway through a suggestion or an out-of-bounds read in scipy.
"""

from __future__ import annotations

import dataclasses
import io
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp

from tagger.model.estimator import TagModel
from tagger.model.korean import KoreanSettings
from tagger.model.vectorize import Block
from tagger.spelling import Spellings

#: Each array member: its dtype in the file. Shapes follow from the JSON state (`array_shapes`).
ARRAY_DTYPES: dict[str, str] = {
    "intercept": "<f8",
    "coef_indptr": "<i4",
    "coef_indices": "<i4",
    "coef_data": "<f4",
    **{f"idf_{field}": "<f4" for field in TagModel.block_fields},
}
_INT32_MAX = 2**31 - 1


@dataclass
class Parts:
    """A model as saved: `state` (model.json's "model"), `vocabulary` (each block's terms in column order), `arrays`.

    >>> model_parts(model).vocabulary["title"][:2]  # doctest: +SKIP
    ['#abil', '#able']
    """

    state: dict[str, Any]
    vocabulary: dict[str, list[str]]
    arrays: dict[str, np.ndarray]


def model_parts(model: TagModel) -> Parts:
    """The model as plain data (what is saved).

    >>> sorted(model_parts(model).arrays)[:2]  # doctest: +SKIP
    ['coef_data', 'coef_indices']
    """
    model.check_fitted()
    settings = model.get_params()
    # Saved as used (None means the default analysis): the file says what it was, and the fingerprint hashes it.
    korean = model.korean_settings
    settings["korean"] = {**dataclasses.asdict(korean), "pos": list(korean.pos)}
    coef = model.coef_.tocsr()
    if coef.nnz > _INT32_MAX or coef.shape[1] > _INT32_MAX:
        raise ValueError(f"a model of {coef.nnz} weights over {coef.shape[1]} features is too large to save")
    vocabulary: dict[str, list[str]] = {}
    arrays: dict[str, np.ndarray] = {
        "intercept": np.ascontiguousarray(model.intercept_, dtype="<f8"),
        "coef_indptr": np.ascontiguousarray(coef.indptr, dtype="<i4"),
        "coef_indices": np.ascontiguousarray(coef.indices, dtype="<i4"),
        "coef_data": np.ascontiguousarray(coef.data, dtype="<f4"),
    }
    blocks = []
    for field, b in zip(TagModel.block_fields, model.blocks_, strict=True):
        terms = [""] * b.size
        for term, i in (b.vocabulary_ or {}).items():
            terms[i] = term
        vocabulary[field] = terms
        arrays[f"idf_{field}"] = np.ascontiguousarray(b.idf_, dtype="<f4")
        blocks.append({"field": field, "min_df": b.min_df, "max_df": b.max_df, "weight": b.weight, "tf_k1": b.tf_k1, "terms": b.size})
    state = {
        "settings": _plain(settings),
        "tags": list(model.tags_),
        "keys": list(model.keys_),
        "tag_counts": {k: int(v) for k, v in model.tag_counts_.items()},
        "tag_phrases": list(model.tag_phrases_),
        "blocks": blocks,
        "coef": {"nnz": int(coef.nnz)},
        "calibration": [float(c) for c in model.calibration_],
        "assign_rule": [float(c) for c in model.assign_rule_],
        "heldout": {k: float(v) for k, v in model.heldout_.items()},
        "spellings": {"latest": dict(model.spellings_.latest), "seen": {k: list(v) for k, v in model.spellings_.seen.items()}},
    }
    return Parts(state, vocabulary, arrays)


def npy_bytes(array: np.ndarray) -> bytes:
    """`array` as a `.npy` file's bytes (format 1.0, never pickled).

    >>> npy_bytes(np.zeros(2, dtype="<f4"))[:6]
    b'\x93NUMPY'
    """
    buf = io.BytesIO()
    np.lib.format.write_array(buf, array, version=(1, 0), allow_pickle=False)
    return buf.getvalue()


def array_shapes(state: dict[str, Any]) -> dict[str, tuple[int, ...]]:
    """The shape each array member must have, from the sizes the JSON state declares.

    >>> array_shapes({"tags": ["rl", "gan"], "coef": {"nnz": 5}, "blocks": [{"terms": 3}] * 4})["coef_indptr"]
    (3,)
    """
    tags = _list(state["tags"], str, "tags")
    blocks = _list(state["blocks"], dict, "blocks")
    if len(blocks) != len(TagModel.block_fields):
        raise ValueError(f"{len(blocks)} TF-IDF blocks, not {len(TagModel.block_fields)}")
    sizes = [_count(b["terms"], "a block's term count") for b in blocks]
    nnz = _count(state["coef"]["nnz"], "the weight count")
    return {
        "intercept": (len(tags),),
        "coef_indptr": (len(tags) + 1,),
        "coef_indices": (nnz,),
        "coef_data": (nnz,),
        **{f"idf_{field}": (n,) for field, n in zip(TagModel.block_fields, sizes)},
    }


def model_from_parts(state: dict[str, Any], vocabulary: Any, arrays: dict[str, np.ndarray]) -> TagModel:
    """Rebuild a trained `TagModel` from what `model_parts` made, checking every part.

    >>> p = model_parts(model); model_from_parts(p.state, p.vocabulary, p.arrays).tags_ == model.tags_  # doctest: +SKIP
    True
    """
    settings = dict(state["settings"])
    korean = korean_from_json(settings.pop("korean"))
    settings["korean"] = None if korean == KoreanSettings() else korean
    model = TagModel(**settings)
    model._check_settings()
    model.tags_ = _list(state["tags"], str, "tags")
    model.keys_ = _list(state["keys"], str, "tag keys")
    model.tag_phrases_ = _list(state["tag_phrases"], str, "tag phrases")
    model.tag_counts_ = {str(k): _count(v, "a tag count") for k, v in dict(state["tag_counts"]).items()}
    if not isinstance(vocabulary, dict):
        raise TypeError("the vocabulary is not a table of terms per block")
    blocks = []
    for field, b in zip(TagModel.block_fields, state["blocks"], strict=True):
        terms = _list(vocabulary[field], str, f"the {field} vocabulary")
        index = dict(zip(terms, range(len(terms))))
        if len(index) != len(terms) or b["field"] != field:
            raise ValueError(f"the {field} vocabulary repeats a term")
        idf = arrays[f"idf_{field}"]
        if len(idf) != len(terms) or not np.all(np.isfinite(idf)):
            raise ValueError(f"the {field} idf does not fit its vocabulary")
        blocks.append(Block(min_df=_count(b["min_df"], "min_df"), max_df=_real(b["max_df"]), weight=_real(b["weight"]),
                            tf_k1=_real(b["tf_k1"]), vocabulary_=index, idf_=idf))
    model.blocks_ = blocks
    model.coef_ = _weights(arrays, len(model.tags_), sum(b.size for b in blocks))
    model.intercept_ = arrays["intercept"]
    model.calibration_ = tuple(_real(c) for c in _list(state["calibration"], (int, float), "calibration"))
    rule = _list(state["assign_rule"], (int, float), "the assignment rule")
    model.assign_rule_ = (_real(rule[0]), _real(rule[1]))
    model.heldout_ = {str(k): float(v) for k, v in dict(state["heldout"]).items()}
    spell = state["spellings"]
    model.spellings_ = Spellings(
        latest={str(k): str(v) for k, v in dict(spell["latest"]).items()},
        seen={str(k): _list(v, str, "spellings") for k, v in dict(spell["seen"]).items()},
    )
    _check_consistent(model)
    return model


def korean_from_json(raw: Any) -> KoreanSettings:
    """`KoreanSettings` from JSON, each field of its default's type (they reach Kiwi's constructor).

    >>> korean_from_json({"min_length": 2, "pos": ["NNG"]}).pos
    ('NNG',)
    >>> korean_from_json({"load_typo_dict": "yes", "pos": ["NNG"]})
    Traceback (most recent call last):
    TypeError: the Korean setting load_typo_dict is not a bool
    """
    values = dict(raw)
    values["pos"] = tuple(_list(values.get("pos"), str, "Korean tags"))
    settings = KoreanSettings(**values)
    for field in dataclasses.fields(KoreanSettings):
        if type(getattr(settings, field.name)) is not type(getattr(KoreanSettings(), field.name)):
            raise TypeError(f"the Korean setting {field.name} is not a {type(getattr(KoreanSettings(), field.name)).__name__}")
    return settings


def _weights(arrays: dict[str, np.ndarray], n_tags: int, n_features: int) -> sp.csr_matrix:
    """The (tags × features) weights, after checking the CSR arrays describe such a matrix."""
    data, indices, indptr = arrays["coef_data"], arrays["coef_indices"], arrays["coef_indptr"]
    if indptr[0] != 0 or indptr[-1] != len(data) or np.any(np.diff(indptr) < 0):
        raise ValueError("the weights' row pointers are out of order")
    if len(indices) and (indices.min() < 0 or indices.max() >= n_features):
        raise ValueError(f"a weight's column lies outside the {n_features} features")
    if not np.all(np.isfinite(data)) or not np.all(np.isfinite(arrays["intercept"])):
        raise ValueError("a weight is not a finite number")
    return sp.csr_matrix((data, indices, indptr), shape=(n_tags, n_features))


def _check_consistent(model: TagModel) -> None:
    """Raise `ValueError` if the parts of a model do not fit together."""
    n = len(model.tags_)
    if not (len(model.keys_) == len(model.tag_phrases_) == n):
        raise ValueError(f"{n} tags but {len(model.keys_)} keys and {len(model.tag_phrases_)} tag phrases")
    if model.intercept_.shape != (n,) or model.coef_.shape != (n, model.n_features):
        raise ValueError(f"weights of shape {model.coef_.shape} and {model.intercept_.shape} for {n} tags")
    if len(model.calibration_) != 3:
        raise ValueError(f"calibration has {len(model.calibration_)} numbers, not 3")


def _list(value: Any, kind: type | tuple[type, ...], what: str) -> list[Any]:
    if not isinstance(value, list) or not all(isinstance(v, kind) and not isinstance(v, bool) for v in value):
        raise TypeError(f"{what} is not a list of {getattr(kind, '__name__', 'numbers')}")
    return value


def _count(value: Any, what: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise TypeError(f"{what} is not a count")
    return value


def _real(value: Any) -> float:
    if not isinstance(value, (int, float)) or isinstance(value, bool) or not math.isfinite(value):
        raise TypeError(f"{value!r} is not a finite number")
    return float(value)


def _plain(value: Any) -> Any:
    """`value` as JSON-able data: numpy scalars as Python numbers, tuples as lists."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    return value


__all__ = ["ARRAY_DTYPES", "Parts", "array_shapes", "korean_from_json", "model_from_parts", "model_parts", "npy_bytes"]
