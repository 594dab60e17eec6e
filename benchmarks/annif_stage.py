"""Annif trained and asked in its own venv: `Stage`, one folder of projects sharing a vocabulary and notes.

Each training is a fresh `annif train` process (as a user runs it); suggestions come
from Annif's Python API in its venv, timed. Trained projects and results are cached in
the stage's folder, keyed by notes and settings. Built on `benchmarks.annif_runner`.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import statistics
import subprocess
import tempfile
import time
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from benchmarks.annif_runner import (
    ANNIF_VENV,
    VOCAB_ID,
    AnnifError,
    Project,
    Ranked,
    _digest,
    annif_bin,
    corpus_lines,
    projects_cfg,
    subject_uri,
    uri_key,
)
from tagger import Entry

# Run by the Annif venv's Python: load the project, warm it up on one note (model
# loading is start-up, not throughput), then suggest for every note in Annif's own
# batch size (32, as `annif index` does). With repeats > 1 the fastest timed pass
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
                out.append([(project.subjects[h.subject_id].uri, float(h.score)) for h in hits])
        best = min(best, time.perf_counter() - start)
with open(sys.argv[2], "w", encoding="utf-8") as f:
    json.dump({"ranked": out, "load_s": load_s, "batch_s": best}, f)
"""


def _run(cmd: list[str], workdir: Path, stdin: str | None = None) -> tuple[str, float]:
    """Run one command with Annif's environment for `workdir`; stdout and wall seconds."""
    env = {
        **os.environ,
        "ANNIF_DATADIR": str(workdir / "data"),
        "ANNIF_PROJECTS": str(workdir / "projects.cfg"),
        "TF_CPP_MIN_LOG_LEVEL": "2",  # TensorFlow's start-up chatter would bury a real error
        "CUDA_VISIBLE_DEVICES": "",
    }
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=workdir, env=env, input=stdin, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        shown = " ".join(Path(cmd[0]).name if i == 0 else a for i, a in enumerate(cmd[:3]))
        raise AnnifError(f"`{shown}` exited {proc.returncode}:\n{proc.stderr[-3000:]}")
    return proc.stdout, seconds


class Stage:
    """A folder of Annif projects sharing one vocabulary, their training notes and a cache.

    Single backends train on `source_notes`; trainable ensembles (`nn_ensemble`,
    `pav`) on `ensemble_notes`, which their sources have not seen, as Annif's
    documentation asks. Trained projects and suggestions are cached in the folder;
    `fresh=True` empties it first.
    """

    def __init__(
        self,
        folder: Path,
        *,
        vocab: Iterable[str],
        source_notes: Sequence[Entry],
        ensemble_notes: Sequence[Entry] = (),
        fresh: bool = False,
    ) -> None:
        self.folder = folder
        self.vocab = sorted(set(vocab))
        self.source_notes = list(source_notes)
        self.ensemble_notes = list(ensemble_notes)
        if fresh and folder.exists():
            shutil.rmtree(folder)
        for sub in ("data", "trained", "results"):
            (folder / sub).mkdir(parents=True, exist_ok=True)
        self._registry = folder / "projects.json"
        self._projects: dict[str, Project] = {}

    # ---- set-up -----------------------------------------------------------------------------

    def _load_vocab(self) -> None:
        marker = self.folder / "vocab.loaded"
        digest = _digest(self.vocab)
        if marker.exists() and marker.read_text(encoding="utf-8") == digest:
            return
        # Labels with separators as spaces, so a label-matching backend could find
        # "state space model" in a text; the others never read labels.
        (self.folder / "vocab.tsv").write_text(
            "".join(f"<{subject_uri(k)}>\t{re.sub(r'[-_]+', ' ', k)}\n" for k in self.vocab), encoding="utf-8"
        )
        _run([str(annif_bin()), "load-vocab", VOCAB_ID, "vocab.tsv", "--language", "en", "--force"], self.folder)
        marker.write_text(digest, encoding="utf-8")

    def _write_cfg(self, new: Iterable[Project]) -> None:
        if not self._projects and self._registry.exists():
            known = json.loads(self._registry.read_text(encoding="utf-8"))
            self._projects = {pid: _project_from_json(d) for pid, d in known.items()}
        for p in new:
            for src, _ in p.sources:
                self._projects.setdefault(src.project_id, src)
            self._projects.setdefault(p.project_id, p)
        self._registry.write_text(
            json.dumps({pid: _project_to_json(p) for pid, p in self._projects.items()}, ensure_ascii=False),
            encoding="utf-8",
        )
        (self.folder / "projects.cfg").write_text(projects_cfg(self._projects.values()), encoding="utf-8")

    def _corpus(self, notes: Sequence[Entry], copies: bool) -> str:
        lines = corpus_lines(notes, copies=copies)
        name = f"corpus-{_digest(lines)[:12]}.tsv"
        path = self.folder / name
        if not path.exists():
            path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
        return name

    # ---- training and suggestion ------------------------------------------------------------

    def train_seconds(self, project: Project) -> float | None:
        """Wall seconds `annif train` took for this project here, or None if not trained."""
        marker = self.folder / "trained" / f"{project.project_id}.json"
        if not marker.exists():
            return None
        return float(json.loads(marker.read_text(encoding="utf-8"))["train_s"])

    def train(self, project: Project) -> float:
        """Train `project` (its sources first) unless already trained here; wall seconds of `annif train`.

        A plain `ensemble` is not trained (0 s); its sources are.
        """
        for src, _ in project.sources:
            self.train(src)
        known = self.train_seconds(project)
        if known is not None:
            return known
        self._write_cfg([project])  # Annif knows a vocabulary only through a project naming it
        self._load_vocab()
        seconds = 0.0
        if project.backend != "ensemble":
            notes = self.ensemble_notes if project.is_ensemble else self.source_notes
            if not notes:
                raise AnnifError(f"{project.backend} needs notes to train on in {self.folder.name}")
            corpus = self._corpus(notes, project.copies)
            _, seconds = _run([str(annif_bin()), "train", project.project_id, corpus], self.folder)
        marker = self.folder / "trained" / f"{project.project_id}.json"
        marker.write_text(json.dumps({"train_s": seconds, "settings": project.settings()}), encoding="utf-8")
        return seconds

    def suggest(
        self, project: Project, texts: Sequence[str], *, limit: int = 100, repeats: int = 1, cached: bool = True
    ) -> tuple[Ranked, dict[str, float]]:
        """Per text, up to `limit` (tag key, score) pairs best first, and timings (trains first if needed).

        Timings: `load_s` (project and model loading, plus one warm-up note),
        `batch_s` (the fastest of `repeats` timed passes over all texts, warm) and
        `notes_per_s`. Cached per project, texts, limit and repeats; `cached=False`
        suggests (and times) again.
        """
        self.train(project)
        cache = self.folder / "results" / f"{project.project_id}-{_digest(list(texts), limit, repeats)[:16]}.json"
        if cache.exists() and cached:
            result = json.loads(cache.read_text(encoding="utf-8"))
        else:
            python = ANNIF_VENV / "bin" / "python"
            with tempfile.TemporaryDirectory(prefix="annif-suggest-") as tmp:
                req, out = Path(tmp) / "request.json", Path(tmp) / "result.json"
                request = {"project": project.project_id, "texts": list(texts), "limit": limit, "repeats": repeats}
                req.write_text(json.dumps(request), encoding="utf-8")
                _run([str(python), "-c", _SUGGEST_SCRIPT, str(req), str(out)], self.folder)
                result = json.loads(out.read_text(encoding="utf-8"))
            cache.write_text(json.dumps(result), encoding="utf-8")
        ranked: Ranked = [
            sorted(((uri_key(u), float(s)) for u, s in hits), key=lambda h: -h[1])[:limit] for hits in result["ranked"]
        ]
        batch_s = float(result["batch_s"])
        timings = {
            "load_s": float(result["load_s"]),
            "batch_s": batch_s,
            "notes_per_s": len(texts) / batch_s if batch_s > 0 else float("nan"),
        }
        return ranked, timings

    def one_note_seconds(self, project: Project, text: str, *, limit: int = 10, repeats: int = 3) -> float:
        """Median wall seconds of a fresh `annif suggest` process for one note on stdin (cached)."""
        self.train(project)
        cache = self.folder / "results" / f"{project.project_id}-one-{_digest(text, limit, repeats)[:16]}.json"
        if cache.exists():
            return float(json.loads(cache.read_text(encoding="utf-8")))
        exe = str(annif_bin())
        cmd = [exe, "suggest", project.project_id, "--limit", str(limit)]
        seconds = statistics.median(_run(cmd, self.folder, stdin=text)[1] for _ in range(repeats))
        cache.write_text(json.dumps(seconds), encoding="utf-8")
        return seconds


def _project_to_json(p: Project) -> dict[str, object]:
    return {
        "backend": p.backend,
        "analyzer": p.analyzer,
        "params": [list(kv) for kv in p.params],
        "copies": p.copies,
        "sources": [[_project_to_json(s), w] for s, w in p.sources],
        "label": p.label,
    }


def _project_from_json(d: Mapping[str, object]) -> Project:
    params = d["params"]
    sources = d["sources"]
    assert isinstance(params, list) and isinstance(sources, list)
    return Project(
        backend=str(d["backend"]),
        analyzer=str(d["analyzer"]),
        params=tuple((str(k), str(v)) for k, v in params),
        copies=bool(d["copies"]),
        sources=tuple((_project_from_json(s), float(w)) for s, w in sources),
        label=str(d["label"]),
    )
