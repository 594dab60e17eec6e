"""The tag vocabulary: counts, spelling groups, its spelling rule, likely aliases."""

from __future__ import annotations

import datetime as dt

import pytest

from tagger.entry import Entry
from tagger.analysis.aliases import alias_suggestions, name_relation
from tagger.analysis.vocabulary import build_vocabulary
from tagger.spelling import SpellingRule


def e(date: str, *tags: str) -> Entry:
    return Entry(title="t", date=dt.date.fromisoformat(date), tags=tags)


def test_counts_dates_and_spellings() -> None:
    v = build_vocabulary([
        e("2021-03-01", "efficient_training", "GAN"),
        e("2020-01-01", "GAN"),
        e("2024-05-01", "efficient-training", "rl"),
        Entry(title="untagged"),
    ])
    rows = {t.key: t for t in v.tags}
    assert (v.notes, v.tagged) == (4, 3)
    et = rows["efficient-training"]
    assert (et.tag, et.notes, et.first, et.last) == ("efficient-training", 2, dt.date(2021, 3, 1), dt.date(2024, 5, 1))
    assert et.spellings == (("efficient_training", 1), ("efficient-training", 1))
    assert rows["gan"].tag == "GAN" and rows["gan"].notes == 2 and rows["gan"].first == dt.date(2020, 1, 1)
    assert [t.key for t in v.spelling_groups()] == ["efficient-training"]
    assert v.tags[0].notes >= v.tags[-1].notes
    assert v.get("Efficient_Training") is et and v.get("nope") is None


def test_vocabulary_rule_prefers_aliases_and_is_stable() -> None:
    v = build_vocabulary([e("2020-01-01", "GAN", "lm"), e("2024-01-01", "gan", "LLM"), e("2024-02-01", "rl")])
    n = v.rule({"lm": "llm", "RL": "reinforcement-learning"}).table()
    assert n["gan"] == "gan"                # current spelling
    assert n["lm"] == "llm" and n["llm"] == "llm"   # the alias target's spelling wins over "LLM"
    assert n["rl"] == "reinforcement-learning"
    # every target maps to itself: normalizing twice changes nothing more
    assert all(n.get(k.casefold().replace("_", "-"), k) == k for k in set(n.values()))


def test_spelling_rule_is_the_vocabularys_and_takes_one_spelling_per_target() -> None:
    # `lm` and `language-model` both point at llm, written "LLM" then "llm": every way in
    # lands on the last spelling (the hook once wrote "llm" for one and "LLM" for the other).
    v = build_vocabulary([e("2020-01-01", "Llm", "gan"), e("2024-01-01", "GAN", "rl")])
    aliases = {"lm": "LLM", "Language_Model": "llm"}
    rule = SpellingRule({t.key: t.tag for t in v.tags}, aliases)
    assert [rule.respell(t) for t in ("lm", "language-model", "LLM", "Llm", "llm")] == [
        ("llm", "alias"), ("llm", "alias"), ("llm", "alias spelling"), ("llm", "alias spelling"), ("llm", None)
    ]
    assert rule.respell("gan") == ("GAN", "vocabulary") and rule.respell("new-tag") == ("new-tag", None)
    assert rule.table() == v.rule(aliases).table()
    assert all(rule.respell(rule.respell(t)[0]) == (rule.respell(t)[0], None) for t in [*rule.table(), "Efficient_Training"])
    assert rule.knows("LANGUAGE_MODEL") and rule.knows("Rl") and not rule.knows("new-tag")


@pytest.mark.parametrize(
    ("a", "b", "why"),
    [
        ("pretraining", "pre-training", "hyphens"),
        ("self-supervised", "self-supervision", "word forms"),
        ("world-models", "world-model", "word forms"),
        ("rl", "reinforcement-learning", "initials"),
        ("moe", "mixture-of-experts", "initials"),
        ("tts", "text-to-speech", "initials"),
        ("vit", "vision-transformer", "abbreviates"),
        ("text2img", "text-to-image", "abbreviates"),
        ("text-gen", "text-generation", "abbreviates"),
        ("self-improvment", "self-improvement", "one letter"),
        ("lm", "llm", "a letter or two"),
    ],
)
def test_name_relations_found(a: str, b: str, why: str) -> None:
    rel = name_relation(a, b)
    assert rel is not None and why in rel[1]


@pytest.mark.parametrize(
    ("a", "b"),
    [("GAN", "gan"), ("rl", "nlp"), ("image", "image-editing"), ("pose", "positional-encoding"), ("transfer", "transformer"),
     ("mlp", "mlops"), ("loss", "loss-surface"), ("diffusion", "distillation")],
)
def test_name_relations_rejected(a: str, b: str) -> None:
    assert name_relation(a, b) is None


def _drifting_vault() -> list[Entry]:
    notes = []
    for month in range(1, 13):  # 2020: language-model, then lm from 2021
        notes.append(e(f"2020-{month:02d}-01", "language-model", "pretraining"))
        notes.append(e(f"2021-{month:02d}-01", "lm", "pretraining"))
        notes.append(e(f"2021-{month:02d}-02", "vision-transformer", "backbone"))
        notes.append(e(f"2022-{month:02d}-01", "vit", "backbone"))
        # distinct tags that often go together: no suggestion
        notes.append(e(f"2022-{month:02d}-03", "rl", "rlhf", "alignment"))
    return notes


def test_alias_suggestions_by_name_and_use() -> None:
    v = build_vocabulary(_drifting_vault())
    got = {frozenset(s.tags): s for s in alias_suggestions(v)}
    lm = got[frozenset({"lm", "language-model"})]
    assert lm.canonical == "lm"             # the newer habit
    assert lm.aliases() == {"language-model": "lm"}
    assert any("never on the same note" in r and "initials" in r for r in lm.reasons)
    assert any("last used 2020-12" in r for r in lm.reasons)
    assert got[frozenset({"vit", "vision-transformer"})].canonical == "vit"
    assert not any("rlhf" in s for s in got)  # on the same notes: two tags, not one
    # suggestions only: the vocabulary itself still has every tag
    assert {t.key for t in v.tags} >= {"lm", "language-model", "vit", "vision-transformer"}


def test_alias_suggestions_skip_pairs_already_aliased() -> None:
    v = build_vocabulary(_drifting_vault())
    got = alias_suggestions(v, aliases={"language-model": "lm"})
    assert not any(set(s.tags) == {"lm", "language-model"} for s in got)
    assert any(set(s.tags) == {"vit", "vision-transformer"} for s in got)


def test_model_and_vocabulary_agree_on_the_latest_spelling() -> None:
    """An undated note is placed by its arXiv id for both, so the hook and --normalize never fight."""
    from tagger.model import TagModel

    entries = [Entry(title=f"GAN paper {i}", comment="GAN 생성 모델", tags=("gan",), date=dt.date(2020, 1, i + 1)) for i in range(6)]
    entries.append(Entry(title="New GAN", comment="GAN 생성 모델", tags=("GAN",), url="https://arxiv.org/abs/2408.00001"))
    model = TagModel().fit(entries)
    assert build_vocabulary(entries).rule().spell("gan") == model.spellings_.display("gan") == "GAN"
