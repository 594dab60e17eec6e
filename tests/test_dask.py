"""suggest_frame on a Dask cluster: the model sent to the workers once, Kiwi built in each, the same answers.

Needs the `dask` extra (`pip install -e '.[dask]'`; `make test` installs it). Runs on
the example vault with a real two-process LocalCluster, in about 10–20 s.
"""

from __future__ import annotations

import io
import pickle
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from tagger import TagModel, entries_to_frame, read_entries, suggest_frame


class _NoKiwi(pickle.Unpickler):
    """Refuses anything from kiwipiepy: a pickled model must carry settings, never an analyser."""

    def find_class(self, module: str, name: str) -> Any:
        if module.split(".")[0] == "kiwipiepy":
            raise AssertionError(f"the pickle holds {module}.{name}")
        return super().find_class(module, name)


def _models_in(collection: Any) -> int:
    """How many `TagModel`s pickling the collection's task graph would send (as the scheduler does)."""
    import cloudpickle

    class Spy(cloudpickle.Pickler):  # type: ignore[misc]
        found = 0

        def reducer_override(self, obj: Any) -> Any:
            if isinstance(obj, TagModel):
                Spy.found += 1
            return super().reducer_override(obj)

    Spy(io.BytesIO()).dump(dict(collection.__dask_graph__()))
    return Spy.found


@pytest.fixture(scope="module")
def model(example_vault: Path) -> TagModel:
    return TagModel().fit(read_entries(example_vault, on_problem=lambda err: None))


@pytest.fixture(scope="module")
def frame(example_vault: Path) -> pd.DataFrame:
    """The example vault's notes with their tags stripped, as a table (Korean comments included)."""
    entries = [e.replace(tags=()) for e in read_entries(example_vault, on_problem=lambda err: None) if e.has_text]
    out = entries_to_frame(entries)
    assert out["comment"].str.contains("[가-힣]", regex=True).any()
    out.index = pd.RangeIndex(1000, 1000 + len(out))  # not 0..n-1: `row` must come from the index
    return out


def test_pickled_model_carries_no_kiwi_and_no_caches(model: TagModel, frame: pd.DataFrame) -> None:
    fresh = len(pickle.dumps(model))
    expected = suggest_frame(frame, model=model)  # builds the scoring caches and Kiwi
    assert getattr(model, "_by_feature", None) is not None and getattr(model, "_phrase_index", None) is not None
    data = pickle.dumps(model)
    assert len(data) <= fresh * 1.05, f"{len(data)} bytes pickled after use, {fresh} before"
    copy = _NoKiwi(io.BytesIO(data)).load()
    assert getattr(copy, "_by_feature", None) is None and getattr(copy, "_phrase_index", None) is None
    pd.testing.assert_frame_equal(suggest_frame(frame, model=copy), expected)


def test_suggest_frame_on_a_local_cluster_gives_the_in_process_answer(model: TagModel, frame: pd.DataFrame) -> None:
    pytest.importorskip("dask.dataframe", reason="dask is not installed (pip install -e '.[dask]')")
    distributed = pytest.importorskip("dask.distributed", reason="dask.distributed is not installed (pip install -e '.[dask]')")
    import dask.dataframe as dd

    expected = suggest_frame(frame, model=model)
    meta = expected.iloc[:0]
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        with distributed.Client(cluster) as client:
            remote = client.scatter(model, broadcast=True)
            holders = client.who_has([remote])[remote.key]
            assert len(holders) == 2  # on both workers before any task runs
            ddf = dd.from_pandas(frame, npartitions=4)
            lazy = ddf.map_partitions(suggest_frame, model=remote, meta=meta)
            # The model goes out once: the tasks refer to the scattered copy and carry none of their
            # own (the check finds the model in a graph built with the model itself).
            assert _models_in(lazy) == 0 and _models_in(ddf.map_partitions(suggest_frame, model=model, meta=meta)) == 1
            assert any(remote.key in getattr(task, "dependencies", ()) for task in dict(lazy.__dask_graph__()).values())
            got = lazy.compute()
            # Each worker that scored a partition built its own Kiwi from the model's settings.
            built = client.run(lambda: [str(s) for s in __import__("tagger.model.korean").model.korean._kiwis])
            assert any(built.values()) and all(v in ([], [str(model.korean_settings)]) for v in built.values())
    got = got.sort_values(["row", "rank"]).reset_index(drop=True)
    pd.testing.assert_frame_equal(got, expected.reset_index(drop=True))
    assert set(got["row"]) == set(frame.index)
