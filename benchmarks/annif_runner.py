"""Run Annif (https://annif.org) as a peer: train on tagger's notes, suggest for others.

Annif lives in a venv of its own (`benchmarks/setup_annif.sh` makes `.venv-annif`)
and is never imported into tagger's interpreter: training goes through its CLI
(`annif train`, a fresh process, as a user runs it), suggestion through a small
script run by the Annif venv's own Python (Annif's Python API, the fastest way to
suggest for many notes).

A `Stage` (`benchmarks.annif_stage`) is one folder of Annif projects that share a vocabulary and their
training notes (`benchmarks.peers` keeps three per split: the oldest 70 %, 85 %
and all of the training period):

- `projects.cfg`: every project trained in the folder so far (an ensemble names
  its sources by project id, so they must live in one file);
- `vocab.tsv`: the subject vocabulary, one tag key per line
  (`<http://example.org/tag/KEY>` TAB `KEY` with separators as spaces);
- `corpus-*.tsv`: training corpora, one note per line (text TAB `<uri> <uri>`);
- `data/`: Annif's data folder; `trained/` and `results/`: this module's cache.

>>> subject_uri("inference-time-scaling")
'http://example.org/tag/inference-time-scaling'
>>> uri_key(subject_uri("한국어 tag"))
'한국어 tag'
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, unquote

from tagger import Entry, tag_key

REPO = Path(__file__).resolve().parent.parent
ANNIF_VENV = Path(os.environ.get("ANNIF_VENV", REPO / ".venv-annif"))
URI_BASE = "http://example.org/tag/"
VOCAB_ID = "tags"
#: What the old runner used for every backend; kept as the starting point of the search.
DEFAULT_ANALYZER = "snowball(english)"
#: The analyzers worth trying on these notes. Annif's default `token_min_length=3`
#: drops every two-syllable Korean word (학습, 모델) and two-letter acronym (RL, LM);
#: `simple` only lower-cases, so English words keep their endings. Annif has no
#: Korean analyzer: `spacy` needs a Korean model that is not on PyPI, `simplemma`,
#: `voikko` and `estnltk` do not know Korean.
ANALYZERS = (
    "snowball(english)",
    "snowball(english,token_min_length=2)",
    "snowball(english,token_min_length=1)",
    "simple(token_min_length=2)",
    "simple(token_min_length=1)",
)
#: Backends that learn from notes; the others combine projects (and are trained,
#: if at all, on notes their sources have not seen).
ENSEMBLES = frozenset({"ensemble", "nn_ensemble", "pav"})
#: Per note, (tag key, score) pairs ranked by score.
Ranked = list[list[tuple[str, float]]]



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


def installed(module: str) -> bool:
    """Whether the Annif venv has `module` (an optional backend's library), without importing it."""
    return any(ANNIF_VENV.glob(f"lib/python*/site-packages/{module}"))


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


def corpus_lines(entries: Iterable[Entry], *, copies: bool = False) -> list[str]:
    """Annif's TSV corpus lines (text TAB subject URIs) for the tagged entries with text.

    With `copies`, a note with n tags becomes n lines of one tag each: Annif's SVC
    learns one subject per document and, given several, keeps only one of them.

    >>> e = Entry(title="Mamba distilled", tags=("ssm", "Distillation"))
    >>> corpus_lines([e])
    ['Mamba distilled\\t<http://example.org/tag/ssm> <http://example.org/tag/distillation>']
    >>> corpus_lines([e, Entry(title="untagged")], copies=True)
    ['Mamba distilled\\t<http://example.org/tag/ssm>', 'Mamba distilled\\t<http://example.org/tag/distillation>']
    """
    lines: list[str] = []
    for e in entries:
        uris = list(dict.fromkeys(subject_uri(tag_key(t)) for t in e.tags))
        text = note_text(e)
        if not (uris and text):
            continue
        groups = [[u] for u in uris] if copies else [uris]
        lines.extend(text + "\t" + " ".join(f"<{u}>" for u in g) for g in groups)
    return lines


def _digest(*parts: object) -> str:
    return hashlib.sha256(json.dumps(parts, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


@dataclass(frozen=True)
class Project:
    """One Annif project's settings; its id is a digest of them, so a trained project is found again.

    `label` names it in tables and is not part of its identity. For an ensemble,
    `sources` are (project, weight) pairs; `analyzer` is then unused.

    >>> p = Project("omikuji", params=(("ngram", "2"),), label="Parabel")
    >>> p.settings()["ngram"], p.project_id.startswith("omikuji-"), p == Project("omikuji", params=(("ngram", "2"),))
    ('2', True, True)
    >>> p.changed({"ngram": "1", "analyzer": "simple"}).describe()
    'simple, ngram=1'
    """

    backend: str
    analyzer: str = DEFAULT_ANALYZER
    params: tuple[tuple[str, str], ...] = ()
    #: Train on one copy of each note per tag (`corpus_lines(copies=True)`).
    copies: bool = False
    sources: tuple[tuple[Project, float], ...] = ()
    label: str = field(default="", compare=False)

    @property
    def is_ensemble(self) -> bool:
        return self.backend in ENSEMBLES

    @property
    def project_id(self) -> str:
        return f"{self.backend}-{_digest(self._identity())[:12]}"

    def _identity(self) -> list[object]:
        sources = [[p.project_id, w] for p, w in self.sources]
        analyzer = "" if self.is_ensemble else self.analyzer
        return [self.backend, analyzer, sorted(self.params), self.copies, sources]

    def changed(self, changes: Mapping[str, str]) -> Project:
        """A copy with settings changed: `analyzer`, `copies` ("True"/"False") or backend parameters."""
        params = dict(self.params)
        analyzer, copies = self.analyzer, self.copies
        for key, value in changes.items():
            if key == "analyzer":
                analyzer = value
            elif key == "copies":
                copies = value == "True"
            else:
                params[key] = value
        return dataclasses.replace(self, analyzer=analyzer, copies=copies, params=tuple(sorted(params.items())))

    def settings(self) -> dict[str, str]:
        """This project's section of `projects.cfg`."""
        out = {"name": self.label or self.backend, "language": "en", "vocab": VOCAB_ID, "backend": self.backend, "limit": "100"}
        if self.is_ensemble:
            out["sources"] = ",".join(f"{p.project_id}:{w:g}" for p, w in self.sources)
        else:
            out["analyzer"] = self.analyzer
        out.update(self.params)
        return out

    def describe(self) -> str:
        """The settings that differ between configurations, in one line."""
        if self.is_ensemble:
            head = " + ".join(f"{p.label or p.backend} ×{w:g}" for p, w in self.sources)
        else:
            head = self.analyzer
        extra = [f"{k}={v}" for k, v in self.params]
        if self.copies:
            extra.append("one copy per tag")
        return ", ".join([head, *extra])


def projects_cfg(projects: Iterable[Project]) -> str:
    """The `projects.cfg` text for several projects (sources of ensembles included).

    >>> print(projects_cfg([Project("svc", label="SVC")]), end="")  # doctest: +ELLIPSIS
    [svc-...]
    name=SVC
    language=en
    vocab=tags
    backend=svc
    limit=100
    analyzer=snowball(english)
    """
    seen: dict[str, Project] = {}

    def add(p: Project) -> None:
        for src, _ in p.sources:
            add(src)
        seen.setdefault(p.project_id, p)

    for p in projects:
        add(p)
    return "\n".join(
        f"[{pid}]\n" + "".join(f"{k}={v}\n" for k, v in p.settings().items()) for pid, p in seen.items()
    )
