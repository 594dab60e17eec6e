"""The model: text → features → one linear scorer per tag → calibrated scores; saving and loading it.

Light to import: `tagger.model.korean` (which the hook starts before numpy loads)
lives here too, so the heavy names below are loaded only when asked for.

>>> from tagger.model import TagModel   # numpy and scipy load here, not at `import tagger.model`
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tagger.model.estimator import TagModel
    from tagger.model.io import load_model, save_model

_LAZY = {"TagModel": "tagger.model.estimator", "load_model": "tagger.model.io", "save_model": "tagger.model.io"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'tagger.model' has no attribute {name!r}")


__all__ = ["TagModel", "load_model", "save_model"]
