"""Run Annif (https://annif.org) as a peer: train on tagger's notes, suggest for others.

Annif lives in a venv of its own (`benchmarks/setup_annif.sh` makes `.venv-annif`)
and is never imported into tagger's interpreter: training and one-note latency go
through its CLI, batch suggestion through a small script run by the Annif venv's
own Python (Annif's Python API, the fastest way to suggest for many notes).

One Annif project lives in a folder of its own, `workdir`:

- `projects.cfg`: the project (`PROJECT_ID`) for one backend;
- `vocab.tsv`: the subject vocabulary, one tag key per line
  (`<http://example.org/tag/KEY>` TAB `KEY`);
- `train.tsv`: the training corpus, one note per line (text TAB `<uri> <uri>`);
- `data/`: Annif's data folder (vocabulary and trained model).

>>> subject_uri("inference-time-scaling")
'http://example.org/tag/inference-time-scaling'
>>> uri_key(subject_uri("한국어 tag"))
'한국어 tag'
"""

from __future__ import annotations

import json
import os
import re
import statistics
import subprocess
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import quote, unquote

from tagger.entry import Entry
from tagger.spelling import tag_key

REPO = Path(__file__).resolve().parent.parent
ANNIF_VENV = Path(os.environ.get("ANNIF_VENV", REPO / ".venv-annif"))
URI_BASE = "http://example.org/tag/"
ANALYZER = "snowball(english)"
PROJECT_ID = "peer"

#: Annif project settings per backend. `limit` is how many candidates the backend
#: keeps internally; the suggestion calls cut the output further. Bonsai's settings
#: are the ones Annif's documentation gives for Omikuji's Bonsai mode; Parabel
#: (Omikuji's default mode), SVC and TF-IDF run with Annif's defaults. On the
#: held-out newest 15% of training notes, word bigrams (`ngram=2`) for Parabel,
#: Bonsai or SVC, and the `simple` analyzer for Parabel, did no better than these
#: (P@1 0.55-0.58 vs Parabel's 0.585), so the defaults stand. Annif's SVC is a
#: multi-class classifier: on a note with several tags it trains on one, chosen by
#: Annif at random (its documented behaviour), which is part of what it costs.
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

#: Per note, (tag key, score) pairs ranked by score.
Ranked = list[list[tuple[str, float]]]

# Run by the Annif venv's Python: load the project, warm it up on one note (model
# loading is start-up, not throughput), then suggest for every note in Annif's own
# batch size (32, as `annif index` does). The timed pass runs twice and the faster
# counts, so a stray hiccup of this shared machine does not decide the figure.
_SUGGEST_SCRIPT = r"""
import json, sys, time
import annif, annif.registry
from annif.corpus import Document
from annif.project import Access

req = json.loads(open(sys.argv[1], encoding="utf-8").read())
app = annif.create_flask_app()
with app.app_context():
    start = time.perf_counter()
    project = annif.registry.get_project(req["project"], min_access=Access.private)
    docs = [Document(text=t) for t in req["texts"]]
    limit = req["limit"]
    project.suggest(docs[:1]).filter(limit)
    load_s = time.perf_counter() - start
    best = float("inf")
    for _ in range(req["repeats"]):
        start = time.perf_counter()
        out = []
        for i in range(0, len(docs), 32):
            for hits in project.suggest(docs[i : i + 32]).filter(limit):
                out.append([(project.subjects[h.subject_id].uri, h.score) for h in hits])
        best = min(best, time.perf_counter() - start)
with open(sys.argv[2], "w", encoding="utf-8") as f:
    json.dump({"ranked": out, "load_s": load_s, "batch_s": best}, f)
"""


class AnnifError(RuntimeError):
    """An Annif command failed; the message carries the end of its stderr."""


def annif_bin() -> Path:
    """The `annif` executable of the Annif venv; `AnnifError` when it is not set up."""
    exe = ANNIF_VENV / "bin" / "annif"
    if not exe.exists():
        raise AnnifError(f"{exe} not found: run `bash benchmarks/setup_annif.sh` first")
    return exe


def annif_version() -> str:
    """Annif's version, read from the venv's package metadata (no process started)."""
    found = sorted(ANNIF_VENV.glob("lib/python*/site-packages/annif-*.dist-info"))
    if not found:
        raise AnnifError(f"no Annif installed in {ANNIF_VENV}: run `bash benchmarks/setup_annif.sh`")
    return found[-1].name.removeprefix("annif-").removesuffix(".dist-info")


def note_text(entry: Entry) -> str:
    """Title, abstract, comment and translation (what tagger reads), whitespace folded.

    >>> note_text(Entry(title="Mamba", comment="Transformer에서\\tMamba로", tags=("ssm",)))
    'Mamba Transformer에서 Mamba로'
    """
    joined = " ".join(v for v in entry.text_fields().values() if v.strip())
    return re.sub(r"\s+", " ", joined).strip()


def subject_uri(key: str) -> str:
    """The vocabulary URI standing for one tag key."""
    return URI_BASE + quote(key, safe="-")


def uri_key(uri: str) -> str:
    """The tag key behind a vocabulary URI (inverse of `subject_uri`)."""
    return unquote(uri.removeprefix(URI_BASE))


def projects_cfg(backend: str) -> str:
    """The `projects.cfg` text of a one-project Annif setup for `backend`.

    >>> print(projects_cfg("svc"), end="")
    [peer]
    name=tagger peer (svc)
    language=en
    vocab=tags
    analyzer=snowball(english)
    limit=100
    backend=svc
    """
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
    return f"[{PROJECT_ID}]\n" + "".join(f"{k}={v}\n" for k, v in settings.items())


def _run(cmd: list[str], workdir: Path, stdin: str | None = None) -> tuple[str, float]:
    """Run one command with Annif's environment for `workdir`; stdout and wall seconds."""
    env = {
        **os.environ,
        "ANNIF_DATADIR": str(workdir / "data"),
        "ANNIF_PROJECTS": str(workdir / "projects.cfg"),
    }
    start = time.perf_counter()
    proc = subprocess.run(
        cmd, cwd=workdir, env=env, input=stdin, capture_output=True, text=True, check=False
    )
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        shown = " ".join(Path(cmd[0]).name if i == 0 else a for i, a in enumerate(cmd[:3]))
        raise AnnifError(f"`{shown}` exited {proc.returncode}:\n{proc.stderr[-3000:]}")
    return proc.stdout, seconds


def train_project(train: Sequence[Entry], backend: str, workdir: Path) -> float:
    """Write the project's inputs into `workdir`, load the vocabulary and train.

    Only tags of `train` make the vocabulary; notes without tags or text are left
    out. Returns the wall-clock seconds of `annif train` (a fresh process, as a
    user runs it: start-up included).
    """
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "projects.cfg").write_text(projects_cfg(backend), encoding="utf-8")
    keys = sorted({tag_key(t) for e in train for t in e.tags})
    (workdir / "vocab.tsv").write_text(
        "".join(f"<{subject_uri(k)}>\t{k}\n" for k in keys), encoding="utf-8"
    )
    with (workdir / "train.tsv").open("w", encoding="utf-8") as f:
        for e in train:
            uris = dict.fromkeys(subject_uri(tag_key(t)) for t in e.tags)
            text = note_text(e)
            if uris and text:
                f.write(text + "\t" + " ".join(f"<{u}>" for u in uris) + "\n")
    exe = str(annif_bin())
    _run([exe, "load-vocab", "tags", "vocab.tsv", "--language", "en", "--force"], workdir)
    _, seconds = _run([exe, "train", PROJECT_ID, "train.tsv"], workdir)
    return seconds


def suggest_batch(
    texts: Sequence[str], workdir: Path, *, limit: int = 10, repeats: int = 1
) -> tuple[Ranked, dict[str, float]]:
    """Suggest for every text with the project trained in `workdir`, in one process.

    Returns, per text, up to `limit` (tag key, score) pairs ranked by score, and
    `load_s` (project and model loading, plus one warm-up note), `batch_s` (the
    fastest of `repeats` timed passes over all texts, warm) and `notes_per_s`.
    """
    python = ANNIF_VENV / "bin" / "python"
    with tempfile.TemporaryDirectory(prefix="annif-suggest-") as tmp:
        req, out = Path(tmp) / "request.json", Path(tmp) / "result.json"
        req.write_text(
            json.dumps(
                {"project": PROJECT_ID, "texts": list(texts), "limit": limit, "repeats": repeats}
            ),
            encoding="utf-8",
        )
        _run([str(python), "-c", _SUGGEST_SCRIPT, str(req), str(out)], workdir)
        result = json.loads(out.read_text(encoding="utf-8"))
    ranked: Ranked = [
        sorted(((uri_key(u), float(s)) for u, s in hits), key=lambda h: -h[1])[:limit]
        for hits in result["ranked"]
    ]
    batch_s = float(result["batch_s"])
    timings = {
        "load_s": float(result["load_s"]),
        "batch_s": batch_s,
        "notes_per_s": len(texts) / batch_s if batch_s > 0 else float("nan"),
    }
    return ranked, timings


def one_note_seconds(text: str, workdir: Path, *, limit: int = 10, repeats: int = 3) -> float:
    """Median wall-clock seconds of a fresh `annif suggest` process for one note on stdin."""
    exe = str(annif_bin())
    times = [
        _run([exe, "suggest", PROJECT_ID, "--limit", str(limit)], workdir, stdin=text)[1]
        for _ in range(repeats)
    ]
    return statistics.median(times)
