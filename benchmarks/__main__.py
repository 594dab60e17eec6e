"""Run every benchmark and print its figures: `python -m benchmarks [name ...]`.

Names: read_speed, quality (with the baseline and the Annif peers), speed,
retag_speed, hook_speed, tags_speed, serve, scale (1×, 3×, 6× the corpus; its `--big`
30× run is left to `python -m benchmarks.scale --big`). Each also runs on its own:
`python -m benchmarks.<name>`. `benchmarks.cluster` (Dask and Spark rates) needs the
optional extras and runs only on its own; `benchmarks.peers` needs Annif
(`bash benchmarks/setup_annif.sh`); `benchmarks.compare --old SRC` times old code against this,
interleaved.
"""

from __future__ import annotations

import importlib
import sys
import time
from collections.abc import Sequence

ALL = ["read_speed", "quality", "speed", "retag_speed", "hook_speed", "tags_speed", "serve", "scale"]


def main(argv: Sequence[str] | None = None) -> int:
    names = list(argv if argv is not None else sys.argv[1:]) or ALL
    unknown = [n for n in names if n not in ALL]
    if unknown:
        print(f"unknown benchmark(s) {unknown}; choose from {ALL}", file=sys.stderr)
        return 2
    for name in names:
        print(f"\n=== {name} " + "=" * (60 - len(name)), flush=True)
        start = time.perf_counter()
        mod = importlib.import_module(f"benchmarks.{name}")
        code = mod.main([])
        print(f"--- {name}: {time.perf_counter() - start:.0f} s, exit {code}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
