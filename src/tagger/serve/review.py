"""What the review page shows and does: untagged notes with suggestions, the vocabulary, and the page's writes.

Records in, records out: each method returns JSON-able data for one endpoint of
`serve.page`; the likely missing and stray tags come from `serve.suspects`. Reads come
from the server's index (refreshed first, so the page sees the vault as it is on disk);
writes go through `edit.session` (the one edit path: vault lock, undo log, safe swap),
and a note is written only if it still holds the bytes the page was shown (`seen`).

Suggestions for the untagged notes are kept per (note, its bytes, the model), so a page
load asks the model only about notes that changed since the last one; the spelling rule
and the vocabulary are kept per index generation.

>>> desk = ReviewDesk(Service(Path("data/example-vault"), Path("/nonexistent/tagger.model")))
>>> [t["tag"] for t in desk.vocabulary()["tags"][:3]]
['llm', 'reasoning', 'rl']
"""

from __future__ import annotations

import datetime as dt
import threading
import traceback
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from tagger.analysis.aliases import alias_suggestions
from tagger.analysis.explain import Evidence
from tagger.analysis.vocabulary import Vocabulary, build_vocabulary
from tagger.edit.plan import WRITE_FLOOR
from tagger.edit.session import Action, merge_tags, set_note_tags, undo_action
from tagger.entry import Entry, Suggestion, entry_date
from tagger.errors import InputError
from tagger.model.estimator import TagModel
from tagger.serve.service import Service
from tagger.spelling import SpellingRule, tag_key

#: Suggestions shown per untagged note (more when the model assigns more).
SHOWN = 5
#: Seconds a walk of the vault stays good for the page's reads (its requests on opening share one).
WALK_AGE = 1.0
#: Untagged notes asked about in one call to the model (about 0.2 s of its time on the corpus).
BATCH = 24
#: Evidence words shown per suggested tag.
WHY_WORDS = 5
#: Characters of a note's comment shown on its card.
COMMENT_CHARS = 400


def _month(d: dt.date) -> str:
    return f"{d.year:04d}-{d.month:02d}"


def month_span(first: dt.date, last: dt.date) -> list[str]:
    """Every month from `first`'s to `last`'s, as `YYYY-MM`.

    >>> month_span(dt.date(2024, 11, 5), dt.date(2025, 2, 1))
    ['2024-11', '2024-12', '2025-01', '2025-02']
    """
    out, y, m = [], first.year, first.month
    while (y, m) <= (last.year, last.month):
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def _snippet(text: str, limit: int = COMMENT_CHARS) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def evidence_words(evidence: Sequence[Evidence], limit: int = WHY_WORDS) -> list[str]:
    """The strongest distinct words of `evidence` (case folded; a lone syllable says nothing, so it is left out).

    >>> evidence_words([Evidence("title", "Mamba", 0.4), Evidence("abstract", "mamba", 0.3), Evidence("comment", "첫", 0.2),
    ...                 Evidence("comment", "상태", 0.1)])
    ['Mamba', '상태']
    """
    out: dict[str, str] = {}
    for ev in sorted(evidence, key=lambda ev: -ev.weight):
        if len(ev.text.strip()) > 1:
            out.setdefault(ev.text.casefold(), ev.text)
    return list(out.values())[:limit]


class ReviewDesk:
    """The review page's view of one served vault (see the module's docstring)."""

    def __init__(self, service: Service) -> None:
        self.service = service
        self.root = service.root
        self._lock = threading.Lock()
        self._computing = threading.Lock()
        #: The page's writes and undos queue here rather than refuse each other at the vault lock (two tabs,
        #: a key pressed during "accept all").
        self._writing = threading.Lock()
        self._suggested: dict[tuple[str, str], list[Suggestion]] = {}
        self._suggested_by: TagModel | None = None
        self._vocab: tuple[int, Vocabulary, SpellingRule] | None = None
        self._vocab_record: tuple[int, dict[str, Any]] | None = None
        self._untagged: tuple[tuple[int, TagModel | None], dict[str, Any]] | None = None

    # ---- reading ------------------------------------------------------------------------------

    def _vocabulary(self, walk: float | None = WALK_AGE, *, current: bool = True) -> tuple[Vocabulary, SpellingRule]:
        """The vault's vocabulary and spelling rule (aliases first, then each tag's latest spelling), per index generation.

        `walk`: how old (seconds) the index's last walk may be; None: as it is (the watcher
        walks every couple of seconds). `current=False`: the last one built will do (a write's
        spelling: rebuilding costs 100 ms on the corpus, and the rule seldom changes)."""
        index = self.service.index
        if walk is not None:
            index.refresh(max_age=walk)
        with self._lock:
            if self._vocab is None or (current and self._vocab[0] != index.generation):
                vocab = build_vocabulary(index.entries())
                self._vocab = (index.generation, vocab, vocab.rule(index.config.alias_table))
            return self._vocab[1], self._vocab[2]

    def keep_warm(self, stop: threading.Event, every: float = 1.0) -> None:
        """Until `stop` is set: whenever a new model answers, work out the untagged notes' suggestions ahead of the
        page (273 notes take about 2 s with Kiwi; a page should open in under one). A change of the vault alone
        is left to the page's next read: only the notes that changed are asked about then."""
        while not stop.wait(every):
            model = self.service.current()
            try:
                if model is not None and model is not self._suggested_by:
                    self.untagged(walk=None)
            except Exception:  # noqa: BLE001 - a bug here must not end warming for the server's life
                traceback.print_exc()

    def untagged(self, walk: float | None = WALK_AGE) -> dict[str, Any]:
        """Every untagged note with text, newest first, with its suggestions (spelled as the vault spells them).

        A suggestion is `assigned` when `tagger retag --only-untagged --write` would write it:
        in the model's assigned set and at or above the written-tag floor.
        """
        _, rule = self._vocabulary(walk)
        # One at a time: a page asking while the warming thread works waits for its answer, not a second one.
        with self._computing:
            return self._untagged_now(rule)

    def _untagged_now(self, rule: SpellingRule) -> dict[str, Any]:
        model = self.service.current()
        key = (self.service.index.generation, model)
        with self._lock:
            if self._untagged is not None and self._untagged[0] == key:
                return self._untagged[1]
        notes = [(rel, sha, e) for rel, sha, e in self.service.index.notes() if not e.tags and e.has_text]
        notes.sort(key=lambda n: (entry_date(n[2]) or dt.date.min, n[0]), reverse=True)
        rows: dict[tuple[str, str], list[Suggestion]] = {}
        if model is not None:
            with self._lock:
                known = self._suggested if self._suggested_by is model else {}
            rows = {(rel, sha): known[(rel, sha)] for rel, sha, _ in notes if (rel, sha) in known}
            todo = [n for n in notes if (n[0], n[1]) not in rows]
            for start in range(0, len(todo), BATCH):
                # In batches: the model's lock (and the interpreter) are let go between them, so a write or a
                # hook's check waits for one batch, not for all of them.
                batch = todo[start : start + BATCH]
                got, used = self.service.suggest([e for _, _, e in batch], k=max(SHOWN, model.max_assigned))
                if used is not model:  # a retrain landed meanwhile: one model's answers only
                    return self._untagged_now(rule)
                rows.update({(rel, sha): row for (rel, sha, _), row in zip(batch, got)})
            with self._lock:
                self._suggested, self._suggested_by = rows, model
        record = {
            "vault": str(self.root),
            "floor": WRITE_FLOOR,
            "model": self.service.model_info(model),
            "notes": [
                {
                    "path": rel,
                    "title": e.title or rel,
                    "date": d.isoformat() if (d := entry_date(e)) else None,
                    "comment": _snippet(e.comment or e.abstract),
                    "sha": sha,
                    "suggestions": [
                        {"tag": rule.spell(s.tag), "score": s.score, "assigned": s.assigned and s.score >= WRITE_FLOOR}
                        for s in rows.get((rel, sha), [])
                    ],
                }
                for rel, sha, e in notes
            ],
        }
        with self._lock:
            self._untagged = ((key[0], model), record)
        return record

    def note(self, rel: str) -> tuple[str, Entry]:
        """(SHA-256, entry) of the note `rel` as it is on disk now, or an `InputError`."""
        index = self.service.index
        if index.seen(rel) is None:
            index.refresh()  # a note new since the last walk
        index.update([rel])
        got = index.seen(rel)
        if got is None:
            raise InputError("is not a note of this vault", path=rel)
        return got

    def why(self, rel: str) -> dict[str, Any]:
        """The words of note `rel` that argued for each of its top suggestions (`analysis.explain`)."""
        _, rule = self._vocabulary(None, current=False)
        _, entry = self.note(rel)
        (exps,) = self.service.explain([entry], k=SHOWN)
        return {"path": rel, "why": [{"tag": rule.spell(x.tag), "words": evidence_words(x.evidence)} for x in exps]}

    def vocabulary(self, walk: float | None = WALK_AGE) -> dict[str, Any]:
        """Every tag (count, first and last use, notes per month over the vault's span), and what could be merged:
        tags written several ways (spelling groups) and different tags that may mean the same (likely aliases)."""
        vocab, _ = self._vocabulary(walk)
        generation = self.service.index.generation
        with self._lock:
            if self._vocab_record is not None and self._vocab_record[0] == generation:
                return self._vocab_record[1]
        entries = self.service.index.entries()
        per_month: dict[str, Counter[str]] = {}
        dates = [d for e in entries if e.tags and (d := entry_date(e)) is not None]
        for e in entries:
            d = entry_date(e)
            if d is None or not e.tags:
                continue
            for k in {tag_key(t) for t in e.tags}:
                per_month.setdefault(k, Counter())[_month(d)] += 1
        months = month_span(min(dates), max(dates)) if dates else []
        merges: list[dict[str, Any]] = [
            {
                "kind": "spelling",
                "tags": [s for s, _ in t.spellings],
                "into": t.tag,
                "reasons": [", ".join(f"#{s} on {n} note{'' if n == 1 else 's'}" for s, n in t.spellings),
                            f"#{t.tag} is the latest spelling"],
            }
            for t in vocab.spelling_groups()
        ]
        merges += [
            {"kind": "alias", "tags": list(a.tags), "into": a.canonical, "reasons": list(a.reasons)}
            for a in alias_suggestions(vocab, aliases=self.service.index.config.alias_table.aliases)
        ]
        record = {
            "months": months,
            "tags": [
                {
                    "tag": t.tag,
                    "notes": t.notes,
                    "first": t.first.isoformat() if t.first else None,
                    "last": t.last.isoformat() if t.last else None,
                    "counts": [per_month.get(t.key, Counter())[m] for m in months],
                }
                for t in vocab.tags
            ],
            "merges": merges,
        }
        with self._lock:
            self._vocab_record = (generation, record)
        return record

    # ---- writing ------------------------------------------------------------------------------

    def _done(self, action: Action) -> dict[str, Any]:
        # The notes written are read again now: the page's next read sees the write at once.
        self.service.index.update(action.written)
        return {"action": action.record()}

    def known(self, rel: str) -> str:
        """`rel` if it is a note of the vault as the index reads it (include/exclude, not in a tool folder), else an
        `InputError`: the page writes notes, never any other file of the vault."""
        index = self.service.index
        if index.seen(rel) is None:
            index.refresh()  # a note new since the last walk
        if index.seen(rel) is None:
            raise InputError("is not a note of this vault", path=rel)
        return rel

    def set_tags(self, rel: str, tags: Sequence[str], seen: str | None) -> dict[str, Any]:
        """Give note `rel` exactly `tags` if it still holds what the page saw: the tags it has stay as it writes
        them, a new one is spelled as the vault spells it.

        >>> desk.set_tags("2025/250520 Quantized.md", ["rl", "Long_Context"], seen=sha)["tags"]   # doctest: +SKIP
        ['rl', 'long-context']
        """
        _, rule = self._vocabulary(None, current=False)
        _, entry = self.note(self.known(rel))
        have = {tag_key(t): t for t in entry.tags}
        wanted = list(dict.fromkeys(have.get(tag_key(t)) or rule.spell(t) for t in tags))
        with self._writing:
            action = set_note_tags(self.root, rel, wanted, seen=seen)
            out = self._done(action)
        sha, _ = self.note(rel)
        return {**out, "sha": sha, "tags": list(action.tags.get(rel, wanted))}

    def merge(self, members: Sequence[str], into: str) -> dict[str, Any]:
        """Rewrite `members` as `into` in every note carrying them (only the notes the index says carry one are read).

        >>> desk.merge(["GAN"], "gan")["action"]["written"]   # doctest: +SKIP
        ['2020/200109 GAN Inversion.md', '2021/210301 StyleGAN.md']
        """
        keys = {tag_key(t) for t in (*members, into)}
        self.service.index.refresh()
        carrying = [rel for rel, _, e in self.service.index.notes() if any(tag_key(t) in keys for t in e.tags)]
        with self._writing:
            return self._done(merge_tags(self.root, members, into, candidates=carrying))

    def undo(self, action_id: str) -> dict[str, Any]:
        """Undo one of the page's actions: notes still as it left them are restored, the others named.

        >>> desk.undo("review-20251206-101500.jsonl")   # doctest: +SKIP
        {'restored': ['2025/250520 Quantized.md'], 'left': []}
        """
        with self._writing:
            result = undo_action(self.root, action_id)
            self.service.index.update(result.restored)
        return {
            "restored": list(result.restored),
            "left": [{"path": p, "reason": r} for p, r in result.left],
        }


__all__ = ["ReviewDesk", "evidence_words", "month_span"]
