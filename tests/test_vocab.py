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


# ---- likely aliases stay near-linear in the number of tags ------------------------------------


def _all_pairs_in_buckets(keys: list[str]) -> list[tuple[str, str]]:
    """The search before issue 12, kept as the reference: every pair sharing a first letter
    (of the tag or a word), a hyphen-free form or a deleted letter, kept if `name_relation` relates it."""
    import itertools
    from collections import defaultdict

    from tagger.analysis.namepairs import _deletions, _words

    buckets: dict[str, list[str]] = defaultdict(list)
    for k in keys:
        buckets["^" + k[0]].append(k)
        buckets["=" + k.replace("-", "")].append(k)
        for d in _deletions(k) | {k}:
            buckets["~" + d].append(k)
        for w in _words(k):
            buckets["^" + w[0]].append(k)
    pairs = {p for ks in buckets.values() for p in itertools.combinations(sorted(set(ks)), 2)}
    return sorted(p for p in pairs if name_relation(*p) is not None)


def _fuzzed_keys(seed: int) -> list[str]:
    import random

    from tagger.spelling import is_valid_tag, tag_key

    rng = random.Random(seed)
    keys = set()
    for _ in range(rng.randint(20, 120)):
        k = "".join(rng.choice("aeilmnrst2-_/3학") for _ in range(rng.randint(1, 9)))
        if rng.random() < 0.3:
            k = rng.choice(["of-", "the-", "to-", "a-", "text-", "self-"]) + k
        if is_valid_tag(k):
            keys.add(tag_key(k))
    return sorted(keys)


def _synthetic_keys(n: int) -> list[str]:
    import sys
    from pathlib import Path

    from tagger.spelling import tag_key

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from benchmarks.tags_speed import tag_names

    return [tag_key(t) for t in tag_names(n)]


_NAMED = ["rl", "reinforcement-learning", "moe", "mixture-of-experts", "tts", "text-to-speech", "vit", "vision-transformer",
          "text2img", "text-to-image", "text-gen", "text-generation", "img-gen", "image-generation", "lm", "llm", "vllm",
          "language-model", "pretraining", "pre-training", "self-improvment", "self-improvement", "scale", "scaling",
          "world-models", "world-model", "xylm", "-", "-/", "rl-", "3d", "3d-vision", "강화-학습", "강화학습"]


@pytest.mark.parametrize(
    "keys",
    [pytest.param(_NAMED, id="named"), pytest.param(_synthetic_keys(600), id="600 synthetic tags"),
     *[pytest.param(_fuzzed_keys(seed), id=f"fuzz {seed}") for seed in range(40)]],
)
def test_candidate_pairs_relate_exactly_the_pairs_the_all_pairs_search_related(keys: list[str]) -> None:
    from tagger.analysis.namepairs import candidate_pairs

    got = [p for p in candidate_pairs(keys) if name_relation(*p) is not None]
    assert got == _all_pairs_in_buckets(sorted(set(keys)))


def test_alias_suggestions_on_the_corpus_are_unchanged(corpus_dir) -> None:  # type: ignore[no-untyped-def]
    from tagger import read_entries

    got = alias_suggestions(build_vocabulary(read_entries(corpus_dir, on_problem=lambda err: None)))
    # As `tagger tags` printed them before the search was indexed (canonical ← others, score), with the
    # 70 notes whose tags stand in a prose line read as tagged: they add `metalearning` and `text_gen`,
    # and put `lm`/`language_model` and `llm` on more notes together (0.893 → 0.738).
    assert [(s.canonical, tuple(t for t in s.tags if t != s.canonical), s.score) for s in got] == [
        ("meta-learning", ("metalearning",), 1.0), ("moe", ("mixture_of_experts",), 1.0),
        ("post-training", ("posttraining",), 1.0), ("pretraining", ("pre-training",), 1.0), ("scaling", ("scale",), 1.0),
        ("self-supervision", ("self_supervised",), 1.0), ("instruction", ("instruct",), 0.95),
        ("text-to-speech", ("tts",), 0.95), ("vit", ("vision_transformer",), 0.95),
        ("text-to-image", ("text2img",), 0.94), ("self-improvement", ("self-improvment",), 0.863),
        ("rl", ("reinforcement_learning",), 0.786), ("llm", ("lm", "language_model"), 0.738),
        ("text_gen", ("text_generation",), 0.7),
    ]


def test_alias_search_compares_names_in_proportion_to_the_tags_not_their_square(monkeypatch: pytest.MonkeyPatch) -> None:
    import tagger.analysis.aliases as aliases

    calls = [0]
    relation = aliases.name_relation

    def counted(a: str, b: str) -> tuple[float, str] | None:
        calls[0] += 1
        return relation(a, b)

    monkeypatch.setattr(aliases, "name_relation", counted)
    keys = _synthetic_keys(3000)
    vocab = build_vocabulary([Entry(title="t", tags=(k,), date=dt.date(2024, 1, 1)) for k in keys])
    alias_suggestions(vocab)
    # The all-pairs-in-buckets search compared ~800,000 pairs here; the indexes ask only about likely ones.
    assert calls[0] <= len(keys)


def test_tags_with_no_word_have_no_relation() -> None:
    assert name_relation("_", "_/") is None  # was an IndexError: `tagger tags` crashed on such a vault
