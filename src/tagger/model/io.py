"""Saving and loading models: joblib with metadata, checked on load, written atomically.

A model file holds plain data only (numbers, strings, numpy arrays), never
tagger's classes, so a file from another version is recognised and refused with
a message instead of failing inside unpickling. Model files are still pickles:
load only models you trust.
"""

from __future__ import annotations

import dataclasses
import os
import platform
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

from tagger._version import __version__
from tagger.config import resolve_model_path
from tagger.errors import ModelError, missing_model
from tagger.model.estimator import TagModel
from tagger.model.korean import KoreanSettings
from tagger.model.vectorize import Block
from tagger.spelling import Spellings

#: Bumped whenever the saved layout changes; a file with another number is refused.
FORMAT = 5
_MAGIC = "tagger-model"


def _versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    out = {"tagger_version": __version__, "python_version": platform.python_version(), "numpy_version": np.__version__}
    for dist, key in (("scikit-learn", "sklearn_version"), ("kiwipiepy", "kiwipiepy_version")):
        try:
            out[key] = version(dist)
        except PackageNotFoundError:  # pragma: no cover
            out[key] = "unknown"
    return out


def model_state(model: TagModel) -> dict[str, Any]:
    """The model as plain data (what is saved).

    >>> sorted(model_state(model))[:4]  # doctest: +SKIP
    ['assign_rule', 'blocks', 'calibration', 'coef']
    """
    model.check_fitted()
    settings = model.get_params()
    settings["korean"] = dataclasses.asdict(model.korean)
    return {
        "settings": settings,
        "tags": list(model.tags_),
        "keys": list(model.keys_),
        "tag_counts": dict(model.tag_counts_),
        "blocks": [
            {"min_df": b.min_df, "max_df": b.max_df, "weight": b.weight, "tf_k1": b.tf_k1, "vocabulary": b.vocabulary_, "idf": b.idf_}
            for b in model.blocks_
        ],
        "coef": model.coef_,
        "intercept": model.intercept_,
        "calibration": list(model.calibration_),
        "assign_rule": list(model.assign_rule_),
        "heldout": dict(model.heldout_),
        "spellings": {"latest": dict(model.spellings_.latest), "seen": {k: list(v) for k, v in model.spellings_.seen.items()}},
        "tag_phrases": list(model.tag_phrases_),
    }


def model_from_state(state: dict[str, Any]) -> TagModel:
    """Rebuild a trained `TagModel` from the plain data `model_state` made.

    The inverse of `model_state`: only this module knows the saved layout, so
    a change to it bumps `FORMAT` here and nowhere else. A missing or malformed
    field, or parts that do not fit together, raise `KeyError`, `TypeError` or
    `ValueError`; `load_model` turns those into a `ModelError`.

    >>> model_from_state(model_state(model)).tags_ == model.tags_  # doctest: +SKIP
    True
    """
    settings = dict(state["settings"])
    settings["korean"] = KoreanSettings(**{**settings["korean"], "pos": tuple(settings["korean"]["pos"])})
    model = TagModel(**settings)
    model.tags_ = list(state["tags"])
    model.keys_ = list(state["keys"])
    model.tag_counts_ = dict(state["tag_counts"])
    model.blocks_ = [
        Block(
            min_df=b["min_df"], max_df=b["max_df"], weight=b["weight"], tf_k1=b["tf_k1"], vocabulary_=b["vocabulary"], idf_=b["idf"]
        )
        for b in state["blocks"]
    ]
    model.coef_ = state["coef"]
    model.intercept_ = state["intercept"]
    model.calibration_ = tuple(float(c) for c in state["calibration"])
    model.assign_rule_ = (float(state["assign_rule"][0]), float(state["assign_rule"][1]))
    model.heldout_ = dict(state["heldout"])
    model.spellings_ = Spellings(latest=dict(state["spellings"]["latest"]), seen={k: list(v) for k, v in state["spellings"]["seen"].items()})
    model.tag_phrases_ = list(state["tag_phrases"])
    _check_consistent(model)
    return model


def _check_consistent(model: TagModel) -> None:
    """Raise `ValueError` if the parts of a loaded model do not fit together.

    A file can unpickle yet hold a model no code path can use (edited, or damaged inside
    a valid pickle): say so at load, not as an IndexError halfway through a suggestion.
    """
    n = len(model.tags_)
    if not (len(model.keys_) == len(model.tag_phrases_) == n):
        raise ValueError(f"{n} tags but {len(model.keys_)} keys and {len(model.tag_phrases_)} tag phrases")
    coef, intercept = model.coef_, model.intercept_
    if coef is None or not sp.issparse(coef) or not isinstance(intercept, np.ndarray):
        raise ValueError("weights are not a sparse matrix and an array")
    for b in model.blocks_:
        if b.vocabulary_ is None or b.idf_ is None or len(b.idf_) != len(b.vocabulary_):
            raise ValueError("a TF-IDF block's vocabulary and idf differ in length")
        if b.vocabulary_ and (min(b.vocabulary_.values()) < 0 or max(b.vocabulary_.values()) >= len(b.vocabulary_)):
            raise ValueError("a TF-IDF block's vocabulary points outside it")
    features = sum(b.size for b in model.blocks_)
    if coef.shape != (n, features) or intercept.shape != (n,):
        raise ValueError(f"weights of shape {coef.shape} and {intercept.shape} for {n} tags and {features} features")
    if len(model.calibration_) != 3:
        raise ValueError(f"calibration has {len(model.calibration_)} numbers, not 3")


def save_model(model: TagModel, path: str | os.PathLike[str], *, provenance: dict[str, Any] | None = None) -> Path:
    """Write `model` to `path` atomically (temp file in the same folder, then rename).

    A reader never sees half a model, and an interrupted save leaves the old one.
    `provenance` (where the notes came from, the aliases folded into them) is saved
    with the model's metadata and comes back in `metadata_` on load.

    >>> save_model(model, "models/tagger.joblib")  # doctest: +SKIP
    PosixPath('models/tagger.joblib')
    """
    import joblib

    target = check_writable(path)
    meta = {**model.metadata_, **(provenance or {}), **_versions()}
    payload = {"magic": _MAGIC, "format": FORMAT, "metadata": meta, "state": model_state(model)}
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    except OSError as err:
        raise ModelError(f"cannot be written: {err.strerror}", path=target) from None
    try:
        with os.fdopen(fd, "wb") as fh:
            joblib.dump(payload, fh, compress=3)
            fh.flush()
            os.fsync(fh.fileno())
        # mkstemp makes the file private (0600); a model is an ordinary file.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


def check_writable(path: str | os.PathLike[str]) -> Path:
    """`path` as a model file to write, its folder created; a clear `ModelError` if it cannot be one.

    Called before training, so a bad `--model` fails in a second, not after the work.

    >>> check_writable("src")
    Traceback (most recent call last):
    tagger.errors.ModelError: src: is a folder; give a file name such as models/tagger.joblib
    """
    target = Path(path)
    if target.is_dir():
        raise ModelError("is a folder; give a file name such as models/tagger.joblib", path=target)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise ModelError(f"cannot be written: {err.strerror}", path=target) from None
    if not os.access(target.parent, os.W_OK) or (target.exists() and not os.access(target, os.W_OK)):
        raise ModelError("cannot be written: permission denied", path=target)
    return target


def read_metadata(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The metadata saved with a model (versions, vocabulary, notes used, held-out scores).

    >>> read_metadata("models/tagger.joblib")["notes"]  # doctest: +SKIP
    3104
    >>> read_metadata("models/none.joblib")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    tagger.errors.NotTrainedError: models/none.joblib: no model here; ...
    """
    return _load_payload(Path(path))["metadata"]  # type: ignore[no-any-return]


def _load_payload(path: Path) -> dict[str, Any]:
    import joblib

    if not path.exists():
        raise missing_model(path)
    if path.is_dir():
        raise ModelError("is a folder, not a model file", path=path)
    try:
        payload = joblib.load(path)
    except Exception as err:  # noqa: BLE001 - any unpickling failure means "not a model we can read"
        raise ModelError(
            f"cannot be read as a tagger model ({type(err).__name__}); retrain with `tagger train VAULT`", path=path
        ) from None
    if not isinstance(payload, dict) or payload.get("magic") != _MAGIC:
        raise ModelError("is not a tagger model file; retrain with `tagger train VAULT`", path=path)
    return payload


def load_model(path: str | os.PathLike[str] | None = None, *, vault: Path | None = None) -> TagModel:
    """Load a model saved by `save_model`, checking it was made by this version of tagger.

    The path is found by `resolve_model_path`. Model files are pickles: load only
    models you trust.

    >>> load_model("models/none.joblib")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    tagger.errors.NotTrainedError: models/none.joblib: no model here; train one with `tagger train VAULT` ...
    """
    where = resolve_model_path(path, vault=vault)
    payload = _load_payload(where)
    meta = payload.get("metadata", {})
    made_by = meta.get("tagger_version", "unknown")
    if payload.get("format") != FORMAT or made_by != __version__:
        raise ModelError(
            f"was made by tagger {made_by} (model format {payload.get('format')}); this is tagger {__version__} "
            f"(format {FORMAT}). Retrain with `tagger train VAULT`",
            path=where,
        )
    try:
        model = model_from_state(payload["state"])
    except (KeyError, TypeError, ValueError, AttributeError, IndexError) as err:
        raise ModelError(f"is damaged ({type(err).__name__}: {err}); retrain with `tagger train VAULT`", path=where) from None
    model.metadata_ = dict(meta)
    return model


def describe(meta: dict[str, Any]) -> str:
    """A one-line summary of a model's metadata.

    >>> describe({"notes": 120, "first_note": "2020-01-09", "last_note": "2025-05-20", "tag_counts": {"rl": 9, "gan": 4},
    ...           "trained_at": "2025-06-01T09:30:12", "tagger_version": "0.4.0"})
    '120 notes (2020-01-09 – 2025-05-20), 2 tags, trained 2025-06-01 09:30 with tagger 0.4.0'
    """
    trained = meta.get("trained_at", "?")
    if isinstance(trained, str):
        trained = trained[:16].replace("T", " ")
    return (
        f"{meta.get('notes', '?')} notes ({meta.get('first_note') or '?'} – {meta.get('last_note') or '?'}), "
        f"{len(meta.get('tag_counts', {}))} tags, trained {trained} with tagger {meta.get('tagger_version', '?')}"
    )


__all__ = [
    "FORMAT",
    "check_writable",
    "describe",
    "load_model",
    "model_from_state",
    "model_state",
    "read_metadata",
    "save_model",
]
