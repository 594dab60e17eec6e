"""`TagModel.name_matches` (indexed phrases, cached stems) against a plain reading of its rule.

The rule: a note's words are the stemmed lowercase [a-z0-9]+ tokens of title, abstract,
comment and translation; tag phrase j matches when " phrase " occurs in " " + words + " ",
or when it is one word of 2–4 letters found in the note's initials.
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

import tagger.model.names
from tagger import read_entries
from tagger.entry import Entry
from tagger.model import TagModel
from tagger.model.io import load_model, save_model
from tagger.model.state import model_parts

_TOKEN = re.compile(r"[a-z0-9]+")


def _ref_stem(word: str) -> str:
    return word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word


def reference(phrases: Sequence[str], n_columns: int, entries: Sequence[Entry]) -> np.ndarray:
    """The rule as written, one substring search per note and phrase."""
    out = np.zeros((len(entries), n_columns))
    for i, e in enumerate(entries):
        text = " ".join((e.title, e.abstract, e.comment, e.translation)).lower()
        words = [_ref_stem(w) for w in _TOKEN.findall(text)]
        line = " " + " ".join(words) + " "
        initials = "".join(w[0] for w in words)
        for j, phrase in enumerate(phrases):
            if f" {phrase} " in line or (" " not in phrase and 2 <= len(phrase) <= 4 and phrase in initials):
                out[i, j] = 1.0
    return out


def _model(phrases: Sequence[str]) -> TagModel:
    model = TagModel()
    model.keys_ = list(phrases)
    model.tag_phrases_ = list(phrases)
    return model


def _notes(*texts: str) -> list[Entry]:
    return [Entry(abstract=t) for t in texts]


def _matched(phrases: Sequence[str], text: str) -> list[str]:
    """The phrases found in one note, checked against the reference on the way."""
    model = _model(phrases)
    got = model.name_matches(_notes(text))
    assert np.array_equal(got, reference(phrases, len(phrases), _notes(text)))
    return [p for p, hit in zip(phrases, got[0]) if hit]


@pytest.fixture(scope="module")
def example_model(example_model_file: Path) -> TagModel:
    return load_model(example_model_file)


@pytest.fixture(scope="module")
def example_entries(example_vault: Path) -> list[Entry]:
    return read_entries(example_vault, on_problem=lambda err: None)


def test_acronym_matches_spelled_out_name_via_initials() -> None:
    text = "We train agents with Reinforcement Learning and a Vision Transformer."
    assert _matched(["rl", "vt", "rlw", "ml", "reinforcement learning"], text) == ["rl", "vt", "reinforcement learning"]


def test_acronym_needs_two_to_four_letters() -> None:
    text = "a big cat drinks every fine glass"  # initials "abcdefg"
    assert _matched(["c", "ab", "abcd", "abcde", "cdef", "abcdefg"], text) == ["ab", "abcd", "cdef"]


def test_multi_word_phrase_must_be_contiguous() -> None:
    phrases = ["mixture of expert", "of expert", "expert mixture"]
    assert _matched(phrases, "Sparse Mixture-of-Experts layers") == ["mixture of expert", "of expert"]
    assert _matched(phrases, "a mixture of the experts") == []


def test_plurals_are_stemmed_but_short_words_and_ss_are_not() -> None:
    phrases = ["transformer", "gas", "ga", "class", "clas", "bia"]
    assert _matched(phrases, "Transformers, gas, classes? No: class and bias.") == ["transformer", "gas", "class", "bia"]


def test_whole_words_only() -> None:
    assert _matched(["transformer", "rl", "url"], "TransformerXL at a URL") == ["url"]


def test_phrase_at_start_and_end_of_text() -> None:
    phrases = ["diffusion model", "distillation"]
    assert _matched(phrases, "Diffusion models meet distillation") == phrases
    assert _matched(phrases, "distillation: diffusion model") == phrases


def test_empty_text_matches_nothing_but_its_own_oddities() -> None:
    model = _model(["rl", "mixture of expert", ""])
    entries = [Entry(), Entry(title="...!"), Entry(title="rl")]
    got = model.name_matches(entries)
    assert np.array_equal(got, reference(model.tag_phrases_, 3, entries))
    # the empty phrase matches exactly the notes without words, as the substring rule says
    assert got.tolist() == [[0, 0, 1], [0, 0, 1], [1, 0, 0]]
    assert model.name_matches([]).shape == (0, 3)


def test_odd_phrases_follow_the_substring_rule() -> None:
    phrases = [" rl", "rl ", "mixture  of", "", "moe", " "]
    texts = ["", "rl", "x rl y", "mixture of expert", "mixture  of", "MoE", "m o e"]
    model = _model(phrases)
    assert np.array_equal(model.name_matches(_notes(*texts)), reference(phrases, len(phrases), _notes(*texts)))


def test_duplicate_phrases_fill_every_column() -> None:
    phrases = ["llm", "vit", "llm", "large language", "large language", "transformer", "transformer"]
    assert _matched(phrases, "Large language models (LLMs) are transformers") == [
        "llm", "llm", "large language", "large language", "transformer", "transformer"
    ]


def test_non_ascii_letters_separate_words() -> None:
    # lowercasing can turn non-ASCII letters into ASCII ones (Kelvin sign → k) or into several
    # characters (İ → i + combining dot); both readings must agree on all of it
    text = "İstanbul KELVIN \u212aernel naïve cafés straße ﬁne 中文 rl"
    phrases = ["kernel", "stanbul", "istanbul", "na", "ve", "naive", "caf", "cafe", "stra", "strasse", "ne", "fine", "kelvin"]
    assert _matched(phrases, text) == ["kernel", "stanbul", "na", "ve", "caf", "stra", "ne", "kelvin"]


def test_random_notes_equal_reference() -> None:
    rng = random.Random(7)
    vocab = ["model", "models", "class", "gas", "rl", "mixture", "of", "experts", "vit", "ss", "bias", "a", "x9", "É", "-", "."]
    phrases = ["model", "mixture of expert", "of", "moe", "mm", "rl", "gas", "class", "bia", "x9 a", "a", "mom", "vit model"]
    texts = [" ".join(rng.choice(vocab) for _ in range(rng.randint(0, 25))) for _ in range(300)]
    model = _model(phrases)
    want = reference(phrases, len(phrases), _notes(*texts))
    assert want.any() and not want.all()
    assert np.array_equal(model.name_matches(_notes(*texts)), want)
    assert np.array_equal(model.name_matches(_notes(*texts)), want)  # stems now cached


def test_stem_cache_may_be_cleared_at_any_time(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tagger.model.names, "_STEMS_MAX", 0)
    texts = ["Fresh zebras jump", "zebras again", "Yet more unseen words: quokkas"]
    phrases = ["zebra", "quokka", "fresh zebra"]
    assert np.array_equal(_model(phrases).name_matches(_notes(*texts)), reference(phrases, 3, _notes(*texts)))
    assert len(tagger.model.names._STEMS) == 5  # only the last note's words: cleared on each new word


def test_index_follows_changed_phrases() -> None:
    model = _model(["rl", "moe"])
    notes = _notes("Mixture of Experts", "reinforcement learning")
    assert model.name_matches(notes).tolist() == [[0, 1], [1, 0]]
    model.tag_phrases_[0] = "mixture"  # changed in place
    assert model.name_matches(notes).tolist() == [[1, 1], [0, 0]]
    model.tag_phrases_ = ["learning", "expert"]  # replaced
    assert model.name_matches(notes).tolist() == [[0, 1], [1, 0]]


def test_example_vault_equals_reference(example_model: TagModel, example_entries: list[Entry]) -> None:
    got = example_model.name_matches(example_entries)
    want = reference(example_model.tag_phrases_, len(example_model.keys_), example_entries)
    assert want.sum() > 0
    assert np.array_equal(got, want)


def test_save_load_round_trip_after_matching(
    example_model: TagModel, example_entries: list[Entry], tmp_path: Path
) -> None:
    before = example_model.name_matches(example_entries)  # the index is built now
    parts = model_parts(example_model)
    assert "phrase_index" not in repr(sorted(parts.state)) and "phrase_index" not in repr(sorted(parts.state["settings"]))
    assert not any("phrase" in name for name in parts.arrays)
    loaded = load_model(save_model(example_model, tmp_path / "m.model"))
    assert loaded.tag_phrases_ == example_model.tag_phrases_
    assert np.array_equal(loaded.name_matches(example_entries), before)
    assert "phrase_index" not in repr(loaded)


def test_corpus_equals_reference(example_model: TagModel, corpus_dir: Path) -> None:
    entries = read_entries(corpus_dir, on_problem=lambda err: None)
    got = example_model.name_matches(entries)
    want = reference(example_model.tag_phrases_, len(example_model.keys_), entries)
    assert want.sum() > 100
    assert np.array_equal(got, want)
