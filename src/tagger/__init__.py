"""tagger: learn how an author tags paper notes, and suggest tags for new ones.

>>> from tagger import parse_note
>>> parse_note("Mamba로 Distillation.\\n\\n#distillation").tags
('distillation',)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tagger._version import __version__
from tagger.entry import Entry, Suggestion, entry_date
from tagger.errors import InputError, ModelError, NoteWarning, NotFittedError, NotTrainedError, TagError, TaggerError
from tagger.notes.replace import write_atomic
from tagger.notes.parse import parse_digest, parse_note
from tagger.notes.read import read_entries, read_note
from tagger.notes.tables import entries_from_frame, entries_to_frame, entry_from_dict
from tagger.notes.write import set_tags
from tagger.spelling import Spellings, tag_key

if TYPE_CHECKING:
    from tagger.model.estimator import TagModel
    from tagger.model.io import load_model, save_model
    from tagger.suggest import suggest_frame, suggest_many, suggest_tags

# The model side needs numpy and scipy; importing it lazily keeps `import tagger`
# (and the hook's start-up) cheap until a model is actually used.
_LAZY = {
    "TagModel": "tagger.model.estimator",
    "load_model": "tagger.model.io",
    "save_model": "tagger.model.io",
    "suggest_frame": "tagger.suggest",
    "suggest_many": "tagger.suggest",
    "suggest_tags": "tagger.suggest",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'tagger' has no attribute {name!r}")


__all__ = [
    "Entry",
    "InputError",
    "ModelError",
    "NoteWarning",
    "NotFittedError",
    "NotTrainedError",
    "Spellings",
    "Suggestion",
    "TagError",
    "TagModel",
    "TaggerError",
    "__version__",
    "entries_from_frame",
    "entries_to_frame",
    "entry_date",
    "entry_from_dict",
    "load_model",
    "parse_digest",
    "parse_note",
    "read_entries",
    "read_note",
    "save_model",
    "set_tags",
    "suggest_frame",
    "suggest_many",
    "suggest_tags",
    "tag_key",
    "write_atomic",
]
