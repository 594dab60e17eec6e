"""scikit-learn's estimator protocol, written out: settings from `__init__`, `get_params`/`set_params`, tags, repr.

Why not subclass `sklearn.base.BaseEstimator`: importing it costs about 2.4 s on this
2-core machine on top of numpy and scipy (median of 7 fresh processes: 0.63 s for numpy +
scipy.sparse, 3.0 s with sklearn.base), and the pre-commit hook and `tagger suggest` build
a `TagModel` in a fresh process on every call. The protocol is small, and scikit-learn's
tools take it as it is: `clone`, `check_is_fitted`, `GridSearchCV`, and the API checks of
`sklearn.utils.estimator_checks` (run in tests/test_sklearn.py). scikit-learn is imported
only when one of its tools asks for the tags (`__sklearn_tags__`), so only then.
"""

from __future__ import annotations

import inspect
from typing import Any, Self


class Estimator:
    """A base for estimators whose settings are exactly their keyword-only `__init__` arguments, stored unchanged.

    >>> class Toy(Estimator):
    ...     def __init__(self, *, alpha: float = 1.0) -> None:
    ...         self.alpha = alpha
    >>> Toy(alpha=2.0).set_params(alpha=3.0)
    Toy(alpha=3.0)
    """

    @classmethod
    def setting_names(cls) -> list[str]:
        """The names of the settings (the `__init__` arguments), in signature order."""
        return [p for p in inspect.signature(cls.__init__).parameters if p != "self"]

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """The settings as a dict (`deep` has nothing to descend into: no setting is an estimator)."""
        return {name: getattr(self, name) for name in self.setting_names()}

    def set_params(self, **params: Any) -> Self:
        """Change settings; returns self. An unknown name is a `ValueError`, as in scikit-learn."""
        names = set(self.setting_names())
        for name, value in params.items():
            if name not in names:
                raise ValueError(f"{type(self).__name__} has no setting {name!r}; settings are {', '.join(sorted(names))}")
            setattr(self, name, value)
        return self

    def __repr__(self) -> str:
        defaults = inspect.signature(type(self)).parameters
        changed = {k: v for k, v in self.get_params().items() if not _same(v, defaults[k].default)}
        return f"{type(self).__name__}({', '.join(f'{k}={v!r}' for k, v in changed.items())})"

    def __sklearn_tags__(self) -> Any:
        """What scikit-learn's tools may assume: a text model (no numeric 2-D X), tags from the entries (y optional)."""
        from sklearn.utils import InputTags, Tags, TargetTags

        return Tags(
            estimator_type=None,
            target_tags=TargetTags(required=False, multi_output=True, single_output=False),
            input_tags=InputTags(two_d_array=False, string=True),
            requires_fit=True,
        )


def _same(a: Any, b: Any) -> bool:
    # `!=` on arbitrary values (an array given as a setting) may not give a bool.
    try:
        return bool(a == b)
    except (TypeError, ValueError):
        return a is b


__all__ = ["Estimator"]
