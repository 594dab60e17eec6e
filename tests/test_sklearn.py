"""`TagModel` as a scikit-learn estimator: clone, params, check_is_fitted, GridSearchCV, the estimator checks.

`TagModel` writes the protocol out (`tagger.model.params`) instead of subclassing
`BaseEstimator`, whose import costs seconds in every fresh `tagger suggest` and hook run;
these tests hold it to scikit-learn's own tools.

scikit-learn's estimator checks feed numeric arrays (`make_blobs`, sparse matrices, memmaps)
to `fit`; a model of text entries cannot take them, and says so in its tags
(`input_tags.two_d_array = False`, as `TfidfVectorizer` does), so `check_estimator` runs only
the clone check. The checks that need no numeric X run here one by one; for the numeric ones
that carry a rule of the protocol (fit returns self, leaves the settings alone, is idempotent;
pickling; predicting a subset) an equivalent on text entries runs below.
"""

from __future__ import annotations

import pickle
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError as SklearnNotFittedError
from sklearn.model_selection import GridSearchCV, KFold
from sklearn.utils import estimator_checks
from sklearn.utils.validation import check_is_fitted

import tagger
from tagger import Entry, NotFittedError, TagModel, read_entries
from tagger.analysis.metrics import ranking_metrics
from tagger.model.korean import KoreanSettings


@pytest.fixture(scope="module")
def entries(example_vault: Path) -> list[Entry]:
    return read_entries(example_vault, on_problem=lambda err: None)


@pytest.fixture(scope="module")
def fitted(entries: list[Entry]) -> TagModel:
    return TagModel().fit(entries)


def p_at_1(estimator: TagModel, X: list[Entry], y: Any = None) -> float:
    """A scorer (`scoring=` callable): P@1 by the metric code of `tagger eval`."""
    rows = estimator.suggest(X, k=1)
    return ranking_metrics([set(e.tags) for e in X], [[(s.tag, s.score) for s in r] for r in rows])["P@1"]


# ---- the protocol --------------------------------------------------------------------------------


def test_clone_gives_an_unfitted_model_with_the_same_settings(fitted: TagModel) -> None:
    model = TagModel(half_life_days=90.0, alpha=0.3, korean=KoreanSettings(min_length=2))
    twin = clone(model)
    assert twin is not model and type(twin) is TagModel
    assert twin.get_params() == model.get_params()
    assert twin.korean == KoreanSettings(min_length=2)
    fresh = clone(fitted)
    assert fresh.get_params() == fitted.get_params() and not hasattr(fresh, "coef_")


def test_get_params_round_trip_and_set_params() -> None:
    model = TagModel(half_life_days=30.0, min_df=3)
    params = model.get_params()
    assert list(params) == TagModel.setting_names() and params["half_life_days"] == 30.0
    assert TagModel(**params).get_params() == params
    assert model.set_params(alpha=0.1, max_assigned=3) is model
    assert model.get_params()["alpha"] == 0.1 and model.max_assigned == 3
    assert repr(model) == "TagModel(half_life_days=30.0, alpha=0.1, min_df=3, max_assigned=3)"
    with pytest.raises(ValueError, match="no setting 'alpah'"):
        model.set_params(alpah=0.2)
    assert TagModel().get_params(deep=False) == TagModel().get_params(deep=True)


def test_check_is_fitted(entries: list[Entry], fitted: TagModel) -> None:
    model = TagModel()
    with pytest.raises(SklearnNotFittedError):
        check_is_fitted(model)
    check_is_fitted(fitted)
    # tagger's own error is a ValueError and an AttributeError, as scikit-learn's is.
    for call in (lambda: model.predict_proba(entries), lambda: model.score(entries), lambda: model.suggest(entries)):
        with pytest.raises(NotFittedError) as err:
            call()
        assert isinstance(err.value, ValueError) and isinstance(err.value, AttributeError)
    with pytest.raises(NotFittedError):
        model.predict_proba(np.zeros((3, 2)))  # before looking at X, as scikit-learn asks


def test_grid_search_over_half_life_with_a_p_at_1_scorer(entries: list[Entry]) -> None:
    grid = GridSearchCV(TagModel(), {"half_life_days": [0.0, 90.0, 180.0]}, scoring=p_at_1, cv=KFold(3), refit=True)
    grid.fit(entries)
    scores = grid.cv_results_["mean_test_score"]
    assert len(scores) == 3 and all(0.0 <= s <= 1.0 for s in scores)
    assert grid.best_params_["half_life_days"] in (0.0, 90.0, 180.0)
    assert grid.best_score_ == max(scores)
    best = grid.best_estimator_
    assert best.half_life_days == grid.best_params_["half_life_days"] and hasattr(best, "coef_")
    # Each fold's figure is the model's own P@1 on the held-out fold: recompute one.
    train, test = next(iter(KFold(3).split(entries)))
    model = TagModel(half_life_days=0.0).fit([entries[i] for i in train])
    assert grid.cv_results_["split0_test_score"][0] == pytest.approx(p_at_1(model, [entries[i] for i in test]))
    # Without scoring=, GridSearchCV uses TagModel.score, which is the same P@1.
    assert model.score([entries[i] for i in test]) == pytest.approx(p_at_1(model, [entries[i] for i in test]))


def test_fit_takes_entries_a_frame_or_a_path(entries: list[Entry], fitted: TagModel, example_vault: Path) -> None:
    some = entries[:10]
    from_frame = TagModel().fit(tagger.entries_to_frame(entries))
    from_path = TagModel().fit(str(example_vault))
    for other in (from_frame, from_path):
        assert other.tags_ == fitted.tags_
        assert np.allclose(other.predict_proba(some), fitted.predict_proba(some))
    assert np.array_equal(fitted.predict_proba(tagger.entries_to_frame(some)), fitted.predict_proba(some))
    with pytest.raises(TypeError, match="entries, a DataFrame of them or a path"):
        TagModel().fit(np.zeros((10, 3)))


def test_y_replaces_the_entries_tags(entries: list[Entry]) -> None:
    y = [["only-tag"] if i % 2 else ["other-tag"] for i in range(len(entries))]
    model = TagModel().fit(entries, y)
    assert sorted(model.tags_) == ["only-tag", "other-tag"]
    with pytest.raises(ValueError, match="rows for"):
        TagModel().fit(entries, y[:-1])


# ---- scikit-learn's estimator checks --------------------------------------------------------------

#: The checks of `sklearn.utils.estimator_checks` that need no numeric X: all pass.
APPLIES = [
    "check_estimator_cloneable",
    "check_estimator_repr",
    "check_estimator_tags_renamed",
    "check_valid_tag_types",
    "check_no_attributes_set_in_init",
    "check_do_not_raise_errors_in_init_or_set_params",
    "check_mixin_order",
    "check_get_params_invariance",
    "check_set_params",
    "check_parameters_default_constructible",
]

#: Checks that do not apply, and why; each is run to show it fails for that reason only.
DOES_NOT_APPLY = {
    # fit on make_blobs / random arrays: a model of text entries refuses numeric X
    "check_fit_score_takes_y": "TagModel reads entries",
    "check_estimators_overwrite_params": "TagModel reads entries",
    "check_dont_overwrite_parameters": "TagModel reads entries",
    "check_estimators_fit_returns_self": "TagModel reads entries",
    "check_readonly_memmap_input": "TagModel reads entries",
    "check_estimators_pickle": "TagModel reads entries",
    "check_estimators_dtypes": "TagModel reads entries",
    "check_fit_idempotent": "TagModel reads entries",
    "check_methods_subset_invariance": "TagModel reads entries",
    "check_dict_unchanged": "TagModel reads entries",
    "check_fit_check_is_fitted": "TagModel reads entries",
    "check_pipeline_consistency": "TagModel reads entries",
    # expects scikit-learn's own NotFittedError class: tagger raises its own (a ValueError and
    # AttributeError, as scikit-learn's), since importing sklearn.exceptions costs about 2 s here
    "check_estimators_unfitted": "should raise a NotFittedError",
}


@pytest.mark.parametrize("check", APPLIES)
def test_sklearn_estimator_check_passes(check: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "does not inherit from BaseEstimator": the point of the exercise
        getattr(estimator_checks, check)("TagModel", TagModel())


@pytest.mark.parametrize("check", sorted(DOES_NOT_APPLY))
def test_sklearn_estimator_check_does_not_apply(check: str) -> None:
    with warnings.catch_warnings(), pytest.raises((TypeError, AssertionError)) as err:
        warnings.simplefilter("ignore")
        getattr(estimator_checks, check)("TagModel", TagModel())
    assert DOES_NOT_APPLY[check] in str(err.value)


def test_check_estimator_says_it_cannot_test_a_text_model() -> None:
    from sklearn.exceptions import SkipTestWarning

    with pytest.warns(SkipTestWarning, match="Can't test estimator TagModel"):
        results = estimator_checks.check_estimator(TagModel(), on_fail=None)
    assert [r["check_name"] for r in results if r["status"] == "passed"] == ["check_estimator_cloneable"]


# ---- the numeric checks' rules, on text -------------------------------------------------------------


def test_fit_returns_self_leaves_settings_alone_and_is_idempotent(entries: list[Entry]) -> None:
    korean = KoreanSettings()
    model = TagModel(alpha=0.4, korean=korean)
    before = model.get_params()
    assert model.fit(entries) is model
    after = model.get_params()
    assert after == before and after["korean"] is korean
    first = model.predict_proba(entries)
    assert np.array_equal(model.fit(entries).predict_proba(entries), first)


def test_pickle_subset_and_dict_unchanged(fitted: TagModel, entries: list[Entry]) -> None:
    proba = fitted.predict_proba(entries)
    again = pickle.loads(pickle.dumps(fitted))
    assert np.array_equal(again.predict_proba(entries), proba)
    state = {k: v for k, v in vars(fitted).items() if not k.startswith("_")}
    for i in (0, 7, len(entries) - 1):
        assert np.array_equal(fitted.predict_proba(entries[i : i + 1])[0], proba[i])
    assert {k: v for k, v in vars(fitted).items() if not k.startswith("_")}.keys() == state.keys()
    assert all(vars(fitted)[k] is v for k, v in state.items())
