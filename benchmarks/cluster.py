"""Batch suggestion rates: in-process, and `suggest_frame` on a local Dask cluster of 1 and 2 workers.

    python -m benchmarks.cluster [--corpus DIR] [--workers 1 2] [--partitions-per-worker 4] [--spark]

Trains on the corpus, strips the tag lines, and scores every note with text. The
cluster figures leave out starting the cluster and scattering the model (done once
per job), and include everything after: Kiwi reads every comment (its memo is
cleared in each worker, Kiwi itself is already built there), partitions go out
and results come back. Needs the `dask` extra; skips (exit 2) without it or
without ../shared. `--spark` also runs the README's PySpark recipe (`mapInPandas`,
the model broadcast) on `local[1]`, one Python worker, if pyspark is installed.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

    from tagger import TagModel

REPO = Path(__file__).resolve().parent.parent
DEFAULT_CORPUS = REPO.parent / "shared" / "corpus" / "arxiv-today"


def _warm_worker() -> None:
    """Build Kiwi in this worker and forget analysed comments: the timed run reads every comment afresh."""
    from tagger.model.korean import KoreanSettings, analyser, clear_memo

    analyser(KoreanSettings())
    clear_memo()


def run(corpus: Path, workers: Sequence[int], per_worker: int, *, spark: bool = False) -> dict[str, float]:
    import dask.dataframe as dd
    from dask.distributed import Client, LocalCluster

    from tagger import TagModel, entries_to_frame, read_entries, suggest_frame
    from tagger.model.korean import clear_memo

    entries = read_entries(corpus, on_problem=lambda err: None)
    model = TagModel().fit(entries)
    frame = entries_to_frame([e.replace(tags=()) for e in entries if e.has_text])
    out = {"notes": float(len(frame))}

    suggest_frame(frame.iloc[:5], model=model)  # Kiwi built here, caches warm
    clear_memo()
    start = time.perf_counter()
    expected = suggest_frame(frame, model=model)
    out["in_process"] = len(frame) / (time.perf_counter() - start)

    meta = expected.iloc[:0]
    for n in workers:
        with LocalCluster(n_workers=n, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, Client(cluster) as client:
            remote = client.scatter(model, broadcast=True)
            client.run(_warm_worker)
            ddf = dd.from_pandas(frame, npartitions=n * per_worker)
            start = time.perf_counter()
            got = ddf.map_partitions(suggest_frame, model=remote, meta=meta).compute()
            took = time.perf_counter() - start
        got = got.sort_values(["row", "rank"]).reset_index(drop=True)
        if not got.equals(expected.sort_values(["row", "rank"]).reset_index(drop=True)):
            raise RuntimeError(f"{n} workers' suggestions differ from the in-process ones")
        out[f"workers_{n}"] = len(frame) / took
    if spark:
        out["spark_1"] = _spark_rate(model, frame, expected)
    return out


#: What `suggest_frame` reads, as plain strings: Spark needs a schema it can infer.
_TEXT = ["url", "title", "authors", "abstract", "comment", "translation"]


def _spark_rate(model: TagModel, frame: pd.DataFrame, expected: pd.DataFrame) -> float:
    """Notes/s of the README's mapInPandas recipe on one local Spark core (start-up and the first batch left out)."""
    from pyspark.sql import SparkSession

    from tagger import suggest_frame

    # The workers' Python must be one with tagger installed (Spark starts `python3` otherwise).
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    spark = SparkSession.builder.master("local[1]").appName("tagger").config("spark.ui.enabled", "false").getOrCreate()
    try:
        table = frame[_TEXT].fillna("").reset_index(names="id")
        sdf = spark.createDataFrame(table).repartition(4).cache()
        sdf.count()
        shared = spark.sparkContext.broadcast(model)

        def tag_batches(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
            for pdf in batches:
                yield suggest_frame(pdf.set_index("id"), model=shared.value)

        schema = "row long, rank long, tag string, score double, assigned boolean"
        sdf.limit(5).mapInPandas(tag_batches, schema=schema).toPandas()  # the worker starts, Kiwi loads
        start = time.perf_counter()
        got = sdf.mapInPandas(tag_batches, schema=schema).toPandas()
        took = time.perf_counter() - start
    finally:
        spark.stop()
    got = got.sort_values(["row", "rank"]).reset_index(drop=True)
    want = expected.sort_values(["row", "rank"]).reset_index(drop=True)
    if not (got[["row", "rank", "tag", "assigned"]].equals(want[["row", "rank", "tag", "assigned"]]) and (got["score"] - want["score"]).abs().max() < 1e-12):
        raise RuntimeError("Spark's suggestions differ from the in-process ones")
    return len(frame) / took


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.cluster", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--partitions-per-worker", type=int, default=4)
    ap.add_argument("--spark", action="store_true", help="also time the PySpark mapInPandas recipe on local[1]")
    args = ap.parse_args(argv)
    if not args.corpus.is_dir():
        print(f"cluster: skipped, corpus not found: {args.corpus} (needs ../shared)")
        return 2
    try:
        import dask.distributed  # noqa: F401
    except ImportError:
        print("cluster: skipped, dask is not installed (pip install -e '.[dask]')")
        return 2
    if args.spark:
        try:
            import pyspark  # noqa: F401
        except ImportError:
            print("cluster: --spark skipped, pyspark is not installed")
            args.spark = False
    figures = run(args.corpus, args.workers, args.partitions_per_worker, spark=args.spark)
    print(f"{int(figures['notes']):,} notes, Korean analysis included")
    print(f"  in-process suggest_frame    {figures['in_process']:7.0f} notes/s")
    for n in args.workers:
        rate = figures[f"workers_{n}"]
        print(f"  Dask, {n} worker{'s' if n > 1 else ' '}              {rate:7.0f} notes/s  ({rate / n:.0f} per worker)")
    if "spark_1" in figures:
        print(f"  Spark mapInPandas, local[1]  {figures['spark_1']:7.0f} notes/s")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(REPO))
    sys.exit(main())
