"""Run Annif (https://annif.org) as a peer: train on tagger's notes, suggest for others.

Annif lives in a venv of its own (`benchmarks/setup_annif.sh` makes `.venv-annif`)
and is only ever run through its CLI, by subprocess: it is never imported here.

One call of `run_annif` writes, under `workdir/<backend>/`:

- `projects.cfg`: one Annif project for the backend;
- `vocab.tsv`: the subject vocabulary, one tag key per line
  (`<http://example.org/tag/KEY>` TAB `KEY`);
- `train.tsv`: the training corpus, one note per line (text TAB `<uri> <uri>`);
- `test.jsonl`: the test notes (`document_id`, `text`), suggested for in one
  `annif index` process, whose results land in `results.jsonl`;

and runs `annif load-vocab`, `annif train`, `annif index`, then one fresh
`annif suggest` for a single note, to time what a user waits for one note.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import time
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import quote

from tagger.entry import Entry
from tagger.tagnames import tag_key

REPO = Path(__file__).resolve().parent.parent
ANNIF_VENV = Path(os.environ.get("ANNIF_VENV", REPO / ".venv-annif"))
URI_BASE = "http://example.org/tag/"
ANALYZER = "snowball(english)"

#: Annif project settings per backend. `limit` is how many candidates the backend
#: keeps internally; the CLI's `--limit` cuts the output. Bonsai's settings are the
#: ones Annif's documentation gives for Omikuji's Bonsai mode; SVC and TF-IDF run
#: with Annif's defaults.
BACKENDS: dict[str, dict[str, str]] = {
    "parabel": {"backend": "omikuji"},
    "bonsai": {
        "backend": "omikuji",
        "cluster_balanced": "False",
        "cluster_k": "100",
        "max_depth": "3",
    },
    "svc": {"backend": "svc"},
    "tfidf": {"backend": "tfidf"},
}

Ranked = list[list[tuple[str, float]]]


class AnnifError(RuntimeError):
    """An Annif command failed; the message carries its stderr."""


def annif_bin() -> Path:
    exe = ANNIF_VENV / "bin" / "annif"
    if not exe.exists():
        raise AnnifError(f"{exe} not found: run `bash benchmarks/setup_annif.sh` first")
    return exe


def note_text(entry: Entry) -> str:
    """Title, abstract, comment and translation, whitespace folded to single spaces."""
    joined = " ".join(v for v in entry.text_fields().values() if v.strip())
    return re.sub(r"\s+", " ", joined).strip()


def subject_uri(key: str) -> str:
    return URI_BASE + quote(key, safe="-")


def projects_cfg(project: str, backend: str) -> str:
    if backend not in BACKENDS:
        raise ValueError(f"unknown backend {backend!r}; choose from {sorted(BACKENDS)}")
    settings = {
        "name": f"tagger peer ({backend})",
        "language": "en",
        "vocab": "tags",
        "analyzer": ANALYZER,
        "limit": "100",
        **BACKENDS[backend],
    }
    return f"[{project}]\n" + "".join(f"{k}={v}\n" for k, v in settings.items())


def write_inputs(train: Sequence[Entry], test: Sequence[Entry], workdir: Path) -> dict[str, str]:
    """Write vocab.tsv, train.tsv and test.jsonl; return the URI → tag key map."""
    keys = sorted({tag_key(t) for e in train for t in e.tags})
    uri_to_key = {subject_uri(k): k for k in keys}
    (workdir / "vocab.tsv").write_text(
        "".join(f"<{subject_uri(k)}>\t{k}\n" for k in keys), encoding="utf-8"
    )
    with (workdir / "train.tsv").open("w", encoding="utf-8") as f:
        for e in train:
            uris = dict.fromkeys(subject_uri(tag_key(t)) for t in e.tags)
            if uris:
                f.write(note_text(e) + "\t" + " ".join(f"<{u}>" for u in uris) + "\n")
    with (workdir / "test.jsonl").open("w", encoding="utf-8") as f:
        for i, e in enumerate(test):
            f.write(json.dumps({"document_id": str(i), "text": note_text(e)}) + "\n")
    return uri_to_key


def _annif(args: list[str], workdir: Path, stdin: str | None = None) -> tuple[str, float]:
    """Run one annif command in `workdir`; return its stdout and wall-clock seconds."""
    env = {**os.environ, "ANNIF_DATADIR": str(workdir / "data")}
    cmd = [str(annif_bin()), *args, "--projects", str(workdir / "projects.cfg")]
    start = time.perf_counter()
    proc = subprocess.run(
        cmd, cwd=workdir, env=env, input=stdin, capture_output=True, text=True, check=False
    )
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        raise AnnifError(f"`annif {' '.join(args[:2])}` exited {proc.returncode}:\n{proc.stderr[-3000:]}")
    return proc.stdout, seconds


def run_annif(
    train: list[Entry],
    test: list[Entry],
    *,
    backend: str,
    limit: int = 10,
    workdir: Path,
) -> tuple[Ranked, dict[str, float]]:
    """Train Annif's `backend` on `train`, suggest for `test`.

    Returns, per test entry in order, up to `limit` (tag key, score) pairs ranked by
    score, and timings in seconds: `train_s` (`annif train`), `batch_s` (one
    `annif index` process over all test notes, start-up and model loading
    included), `notes_per_s` (test notes / batch_s) and `one_note_s` (a fresh
    `annif suggest` process for the first test note, as a user would run it).
    The test entries' tags are never written anywhere Annif reads.
    """
    project = f"peer-{backend}"
    workdir = Path(workdir) / backend
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "projects.cfg").write_text(projects_cfg(project, backend), encoding="utf-8")
    uri_to_key = write_inputs(train, test, workdir)

    _annif(["load-vocab", "tags", "vocab.tsv", "--language", "en", "--force"], workdir)
    _, train_s = _annif(["train", project, "train.tsv"], workdir)
    _, batch_s = _annif(
        ["index", project, "test.jsonl", "--limit", str(limit), "--no-include-doc",
         "--force", "--output", "results.jsonl"],
        workdir,
    )
    ranked: Ranked = [[] for _ in test]
    for line in (workdir / "results.jsonl").read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        hits = [(uri_to_key[r["uri"]], float(r["score"])) for r in row["results"]]
        ranked[int(row["document_id"])] = sorted(hits, key=lambda h: -h[1])[:limit]

    one_note_s = float("nan")
    if test:
        _, one_note_s = _annif(["suggest", project, "--limit", str(limit)], workdir,
                               stdin=note_text(test[0]))
    timings = {
        "train_s": train_s,
        "batch_s": batch_s,
        "notes_per_s": len(test) / batch_s if batch_s > 0 else float("nan"),
        "one_note_s": one_note_s,
    }
    return ranked, timings
