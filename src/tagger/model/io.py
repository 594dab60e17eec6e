"""Saving and loading models: one zip of JSON and `.npy` arrays, never a pickle; checked on load, written atomically.

A model file (`VAULT/.tagger/tagger.model` by default) holds

    model.json        {"magic": "tagger-model", "format": 6, "fingerprint", "metadata", "model"}
    vocabulary.json   each TF-IDF block's terms, in column order
    intercept.npy  coef_indptr.npy  coef_indices.npy  coef_data.npy  idf_<field>.npy

Loading it runs no code from it: JSON and plain numeric arrays only, each size checked
before it is read (`tagger.model.container`), every part checked before the model is
built (`tagger.model.state`). It is refused, with one line saying to retrain, when its
`format` is not this tagger's, or its `fingerprint` — a hash of how notes become features
(`tagger.model.fingerprint`) — differs. A model from another tagger version that reads
notes the same way loads; one made with another kiwipiepy loads with a warning.

This module imports only the standard library: `read_metadata` (the hook's staleness
check, on every commit) never loads numpy. `save_model` and `load_model` import it when called.
"""

from __future__ import annotations

import json
import logging
import os
import platform
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tagger._version import __version__
from tagger.config import resolve_model_path
from tagger.errors import ModelError
from tagger.model.container import MAX_HEADER_BYTES, MAX_VOCABULARY_BYTES, ModelFile, write_container

if TYPE_CHECKING:
    from tagger.model.estimator import TagModel

log = logging.getLogger("tagger")

#: Bumped whenever the saved layout (or the meaning of a saved field) changes; 5 was the last joblib format.
FORMAT = 6
MAGIC = "tagger-model"
_HEADER = "model.json"
_VOCABULARY = "vocabulary.json"
_RETRAIN = "retrain with `tagger train VAULT`"


def _members() -> list[str]:
    from tagger.model.state import ARRAY_DTYPES

    return [_HEADER, _VOCABULARY, *(f"{name}.npy" for name in ARRAY_DTYPES)]


def _versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    out = {"tagger_version": __version__, "python_version": platform.python_version()}
    for dist in ("numpy", "scipy", "kiwipiepy", "kiwipiepy_model"):
        try:
            out[f"{dist}_version"] = version(dist)
        except PackageNotFoundError:  # pragma: no cover - installed with tagger
            out[f"{dist}_version"] = "unknown"
    return out


def save_model(model: TagModel, path: str | os.PathLike[str], *, provenance: dict[str, Any] | None = None) -> Path:
    """Write `model` to `path` atomically (temp file in the same folder, fsync, rename).

    A reader never sees half a model, and an interrupted save leaves the old one.
    `provenance` (where the notes came from, the aliases folded into them) is saved
    with the model's metadata and comes back in `metadata_` on load.

    >>> save_model(model, "models/tagger.model")  # doctest: +SKIP
    PosixPath('models/tagger.model')
    """
    from tagger.model.fingerprint import FEATURES_VERSION, features_fingerprint
    from tagger.model.state import model_parts, npy_bytes

    target = check_writable(path)
    parts = model_parts(model)
    header = {
        "magic": MAGIC,
        "format": FORMAT,
        "fingerprint": features_fingerprint(model.korean_settings),
        "features_version": FEATURES_VERSION,
        # Metadata describes; a Path or a date given as provenance is saved as its text.
        "metadata": json.loads(json.dumps({**model.metadata_, **(provenance or {}), **_versions()}, default=str)),
        "model": parts.state,
    }
    members = [
        (_HEADER, _json(header)),
        (_VOCABULARY, _json(parts.vocabulary)),
        *((f"{name}.npy", npy_bytes(array)) for name, array in parts.arrays.items()),
    ]
    write_container(target, members)
    return target


def _json(data: Any) -> bytes:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def check_writable(path: str | os.PathLike[str]) -> Path:
    """`path` as a model file to write, its folder created; a clear `ModelError` if it cannot be one.

    Called before training, so a bad `--model` fails in a second, not after the work.

    >>> check_writable("src")
    Traceback (most recent call last):
    tagger.errors.ModelError: src: is a folder; give a file name such as .tagger/tagger.model
    """
    target = Path(path)
    if target.is_dir():
        raise ModelError("is a folder; give a file name such as .tagger/tagger.model", path=target)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise ModelError(f"cannot be written: {err.strerror}", path=target) from None
    if not os.access(target.parent, os.W_OK) or (target.exists() and not os.access(target, os.W_OK)):
        raise ModelError("cannot be written: permission denied", path=target)
    return target


def _header(mf: ModelFile) -> dict[str, Any]:
    header = mf.read_json(_HEADER, MAX_HEADER_BYTES) if _HEADER in mf.members else None
    if not isinstance(header, dict) or header.get("magic") != MAGIC:
        raise ModelError(f"is a zip file but not a tagger model; {_RETRAIN}", path=mf.path)
    if not isinstance(header.get("metadata"), dict):
        raise mf.fail("is damaged (its metadata is not a table)")
    return header


def read_header(path: str | os.PathLike[str]) -> dict[str, Any]:
    """A model file's model.json: format, fingerprint, metadata and the model's small parts (no arrays).

    Standard library only, and cheap (one small member of the zip). Any format is read,
    so `tagger model` can say what an old or newer file is; `load_model` checks it.

    >>> read_header("models/tagger.model")["format"]  # doctest: +SKIP
    6
    """
    with ModelFile.open(path) as mf:
        return _header(mf)


def read_metadata(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The metadata saved with a model (versions, vocabulary, notes used, held-out scores).

    Standard library only: the pre-commit hook reads it on every commit.

    >>> read_metadata("models/tagger.model")["notes"]  # doctest: +SKIP
    3104
    >>> read_metadata("models/none.model")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    tagger.errors.NotTrainedError: models/none.model: no model here; ...
    """
    return dict(read_header(path)["metadata"])


def compatibility(header: dict[str, Any], path: Path) -> list[str]:
    """Warnings about a model this tagger can use; a `ModelError` ("retrain") for one it cannot.

    Refused: another `format`, or another features fingerprint (notes would become other
    features than the weights were learned on). Warned: another kiwipiepy or its model
    (a few Korean words may be split otherwise; retraining removes the warning).

    >>> compatibility({"format": 5, "metadata": {"tagger_version": "0.1.0"}}, Path("old.model"))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    tagger.errors.ModelError: old.model: is a model in format 5 (made by tagger 0.1.0); this tagger ... reads format 6: retrain ...
    """
    from tagger.model.fingerprint import features_fingerprint
    from tagger.model.state import korean_from_json

    meta = header["metadata"]
    made_by = f"tagger {meta.get('tagger_version', '?')}"
    if header.get("format") != FORMAT:
        raise ModelError(
            f"is a model in format {header.get('format')!r} (made by {made_by}); this tagger {__version__} reads "
            f"format {FORMAT}: {_RETRAIN}",
            path=path,
        )
    try:
        korean = korean_from_json(header["model"]["settings"]["korean"])
    except (KeyError, TypeError, ValueError) as err:
        raise ModelError(f"is damaged (its Korean settings: {err}); {_RETRAIN}", path=path) from None
    expected = features_fingerprint(korean)
    if header.get("fingerprint") != expected:
        raise ModelError(
            f"was made by {made_by}, which turns notes into features differently from this tagger {__version__} "
            f"(features fingerprint {header.get('fingerprint')!r}, here {expected!r}); {_RETRAIN}",
            path=path,
        )
    warnings = []
    current = _versions_now()
    for dist in ("kiwipiepy", "kiwipiepy_model"):
        then, now = meta.get(f"{dist}_version"), current.get(dist)
        if then and now and then != now:
            warnings.append(
                f"{path}: made with {dist} {then}, this is {now}: a few Korean words may be read differently; "
                "retrain to be sure"
            )
    return warnings


def _versions_now() -> dict[str, str]:
    # Cheap here: numpy has already imported importlib.metadata by the time a model loads.
    from importlib.metadata import PackageNotFoundError, version

    out = {}
    for dist in ("kiwipiepy", "kiwipiepy_model"):
        try:
            out[dist] = version(dist)
        except PackageNotFoundError:  # pragma: no cover
            pass
    return out


def load_model(path: str | os.PathLike[str] | None = None, *, vault: Path | None = None) -> TagModel:
    """Load a model saved by `save_model`, checking it is one this tagger reads the same way.

    The path is found by `resolve_model_path`. Nothing in the file is run: it is JSON
    and numeric arrays, each checked before use; anything else is a `ModelError`.

    >>> load_model("models/none.model")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    tagger.errors.NotTrainedError: models/none.model: no model here; train one with `tagger train VAULT` ...
    """
    model, warnings = load_checked(resolve_model_path(path, vault=vault))
    for w in warnings:
        log.warning("%s", w)
    return model


def load_checked(where: Path) -> tuple[TagModel, list[str]]:
    """`load_model` without logging: the model and the warnings about it (for `tagger model`).

    >>> model, warnings = load_checked(Path("models/tagger.model"))  # doctest: +SKIP
    """
    import numpy as np

    from tagger.model.state import ARRAY_DTYPES, array_shapes, model_from_parts

    with ModelFile.open(where) as mf:
        header = _header(mf)
        warnings = compatibility(header, where)  # the format first: another format has other members
        mf.expect(_members())
        try:
            state = header["model"]
            shapes = array_shapes(state)
            vocabulary = mf.read_json(_VOCABULARY, MAX_VOCABULARY_BYTES)
            arrays = {}
            for name, descr in ARRAY_DTYPES.items():
                data = mf.read_array(f"{name}.npy", descr, shapes[name])
                arrays[name] = np.frombuffer(data, dtype=descr)
            model = model_from_parts(state, vocabulary, arrays)
        except (KeyError, TypeError, ValueError, AttributeError, IndexError) as err:
            raise mf.fail(f"is damaged ({type(err).__name__}: {err})") from None
    model.metadata_ = dict(header["metadata"])
    return model, warnings


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
    "MAGIC",
    "check_writable",
    "compatibility",
    "describe",
    "load_checked",
    "load_model",
    "read_header",
    "read_metadata",
    "save_model",
]
