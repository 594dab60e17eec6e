"""What turns a note into features, as one short hash saved in every model file.

A model's weights mean something only for the features it was trained on: the same
note must become the same tokens when suggesting as when training. Those come from
the reader (which lines are the title, the abstract, the comment, the tag line), tag
names (how a tag folds to its key), the tokenizer (words, stopwords, pairs, n-grams),
the Korean analysis (which morphemes count, and the model's own `KoreanSettings`) and
the name matcher. The fingerprint hashes

* `FEATURES_VERSION`, bumped by hand whenever that code changes in a way no constant shows
  (a new field, another n-gram length, the tf formula of `Block`);
* every compiled regex, string frozenset and byte table at the top of those modules,
  collected automatically, so editing a stopword or a tag-line pattern changes the
  fingerprint without anyone remembering to bump anything;
* the model's `KoreanSettings` and the order of its TF-IDF blocks.

A model whose fingerprint differs is refused with "retrain" (see `tagger.model.io`).
What the hash leaves out on purpose: the tagger version itself (a release that reads
notes the same way keeps its models), and the kiwipiepy version (pinned to 0.24.x; a
different one loads with a warning, since its dictionary may split a few words otherwise).

>>> from tagger.model.korean import KoreanSettings
>>> len(features_fingerprint(KoreanSettings()))
16
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import importlib
import json
import re
from typing import Any

from tagger.model.korean import KoreanSettings

#: Bump whenever the way a note becomes features changes in code no constant shows.
FEATURES_VERSION = 1

#: The modules whose rules decide a note's features (the reader, tag names, tokenizer, Korean, names).
RULE_MODULES = (
    "tagger.notes.layout",
    "tagger.notes.parse",
    "tagger.spelling",
    "tagger.model.features",
    "tagger.model.korean",
    "tagger.model.names",
)
#: The order of the TF-IDF blocks (`TagModel.block_fields`); repeated here so hashing needs no numpy.
BLOCK_FIELDS = ("title", "text", "comment", "translation")


def rules() -> dict[str, dict[str, str]]:
    """The module-level rules of `RULE_MODULES`: each regex, string frozenset and byte table, as text.

    >>> sorted(rules()["tagger.model.korean"])
    ['CONTENT_TAGS', '_LATIN_RE']
    """
    out: dict[str, dict[str, str]] = {}
    for name in RULE_MODULES:
        found: dict[str, str] = {}
        for attr, value in sorted(vars(importlib.import_module(name)).items()):
            if isinstance(value, re.Pattern):
                found[attr] = f"{value.flags}:{value.pattern!s}"
            elif isinstance(value, frozenset) and all(isinstance(v, str) for v in value):
                found[attr] = " ".join(sorted(value))
            elif isinstance(value, bytes):
                found[attr] = value.hex()
        out[name] = found
    return out


def fingerprint_source(korean: KoreanSettings) -> dict[str, Any]:
    """Everything the fingerprint hashes, as plain data (to see what changed when a model is refused).

    >>> fingerprint_source(KoreanSettings())["features_version"] == FEATURES_VERSION
    True
    """
    return {
        "features_version": FEATURES_VERSION,
        "block_fields": list(BLOCK_FIELDS),
        "korean": {**dataclasses.asdict(korean), "pos": list(korean.pos)},
        "rules": rules(),
    }


@functools.cache
def features_fingerprint(korean: KoreanSettings) -> str:
    """16 hex digits of SHA-256 over `fingerprint_source(korean)`; computed once per process and settings.

    >>> features_fingerprint(KoreanSettings()) == features_fingerprint(KoreanSettings(min_length=1))
    True
    """
    text = json.dumps(fingerprint_source(korean), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


__all__ = ["BLOCK_FIELDS", "FEATURES_VERSION", "RULE_MODULES", "features_fingerprint", "fingerprint_source", "rules"]
