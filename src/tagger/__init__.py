"""tagger: learn how an author tags paper notes, and suggest tags for new ones.

>>> from tagger import parse_note
>>> parse_note("Mamba로 Distillation.\\n\\n#distillation").tags
('distillation',)
"""

from __future__ import annotations

from tagger.entry import Entry, Suggestion
from tagger.errors import InputError, ModelError, NotTrainedError, TaggerError
from tagger.parse import parse_digest, parse_note
from tagger.read import entries_from_frame, entries_to_frame, entry_from_dict, read_entries, read_note
from tagger.tagnames import Spellings, tag_key
from tagger.write import set_tags, write_atomic

__version__ = "0.1.0"

__all__ = [
    "Entry",
    "InputError",
    "ModelError",
    "NotTrainedError",
    "Spellings",
    "Suggestion",
    "TaggerError",
    "__version__",
    "entries_from_frame",
    "entries_to_frame",
    "entry_from_dict",
    "parse_digest",
    "parse_note",
    "read_entries",
    "read_note",
    "set_tags",
    "tag_key",
    "write_atomic",
]
