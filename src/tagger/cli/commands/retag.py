"""Plan tags across a vault and, with --write, apply them with an undo log.

    tagger retag VAULT                      # dry run: untagged notes → suggested tags
    tagger retag VAULT --write              # apply; undo with `tagger undo LOG`
    tagger retag VAULT --normalize --write  # respell tags canonically (no model needed)
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from tagger.cli.options import add_aliases, add_format, add_model, add_vault, at_least, fraction
from tagger.cli.render import plural, reason_lines, shell_word, short_reason
from tagger.cli.status import SOME_FAILED, SUCCESS
from tagger.entry import Entry, Suggestion
from tagger.errors import InputError, printable

if TYPE_CHECKING:
    from tagger.edit.plan import Change

#: How many ranked suggestions to ask the model for per note (the assigned set is a prefix).
SUGGEST_K = 10
#: Skipped notes listed one per line on stderr before the rest are counted.
MAX_SKIP_LINES = 20


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare `tagger retag`'s options on `parser` (cli builds one sub-parser per command)."""
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.description = __doc__
    add_vault(parser)
    add_model(parser)
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--only-untagged", dest="mode", action="store_const", const="only_untagged",
                      help="give tags to notes that have none (the default)")
    mode.add_argument("--add", dest="mode", action="store_const", const="add",
                      help="also add confidently missing tags to tagged notes; never removes a tag")
    mode.add_argument("--normalize", dest="mode", action="store_const", const="normalize",
                      help="rewrite tags in their canonical spelling and aliases only; needs no model")
    parser.set_defaults(mode="only_untagged")
    parser.add_argument("--min-score", type=fraction, metavar="X",
                        help="write only assigned tags scoring at least X (default: 0.65 for untagged notes, 0.7 with --add)")
    parser.add_argument("--max-tags", type=at_least(1), metavar="N", help="at most N tags per note (the author's own always stay)")
    parser.add_argument("--paths-from", metavar="FILE",
                        help="retag only these notes: paths one per line, or `tagger review --format jsonl` output; - for stdin")
    parser.add_argument("--include", action="append", metavar="GLOB",
                        help="retag only notes matching GLOB (vault-relative, e.g. '2021/**'); repeatable")
    parser.add_argument("--exclude", action="append", default=[], metavar="GLOB", help="leave notes matching GLOB alone; repeatable")
    add_aliases(parser)
    parser.add_argument("--write", action="store_true", help="apply the plan (default: dry run, no file changes)")
    parser.add_argument("--log", metavar="FILE", help="undo log to write (default: VAULT/.tagger/retag-YYYYmmdd-HHMMSS.jsonl)")
    add_format(parser, "table", "jsonl")


# ---- output ---------------------------------------------------------------------------------


class Style:
    """ANSI colour, only for a terminal and only when NO_COLOR is unset."""

    def __init__(self, stream: TextIO) -> None:
        self.on = stream.isatty() and not os.environ.get("NO_COLOR") and os.environ.get("TERM") != "dumb"

    def __call__(self, text: str, code: str) -> str:
        return f"\033[{code}m{text}\033[0m" if self.on else text

    def added(self, t: str) -> str:
        """An added tag, `+#t` in green."""
        return self("+#" + t, "32")

    def removed(self, t: str) -> str:
        """A dropped tag, `-#t` in red."""
        return self("-#" + t, "31")

    def dim(self, t: str) -> str:
        """Secondary text, dimmed."""
        return self(t, "2")


def change_line(change: Change, style: Style, *, status: str | None = None) -> str:
    """`path` then `#old → #new`: added tags `+#tag score` (green), respelled ones yellow, dropped ones `-#tag` (red).

    >>> import io; from tagger.edit.plan import Change
    >>> c = Change(Path("a.md"), "2025/a.md", ("GAN",), ("gan", "diffusion"), (("diffusion", 0.91),), "add", "", "", "")
    >>> print(change_line(c, Style(io.StringIO())), end="")
    2025/a.md
        #GAN → #gan +#diffusion 0.91
    """
    from tagger.spelling import tag_key

    scores = dict(change.scores)
    old = " ".join("#" + t for t in change.old_tags) or style.dim("(none)")
    old_keys = {tag_key(t) for t in change.old_tags}
    new_keys = {tag_key(t) for t in change.new_tags}
    parts = []
    for t in change.new_tags:
        if tag_key(t) not in old_keys:
            parts.append(style.added(t) + (f" {scores[t]:.2f}" if t in scores else ""))
        elif t not in change.old_tags:
            parts.append(style("#" + t, "33"))
        else:
            parts.append("#" + t)
    parts += [style.removed(t) for t in change.old_tags if tag_key(t) not in new_keys]
    tail = f"  [{status}]" if status else ""
    return f"{printable(change.rel)}\n    {old} → {' '.join(parts)}{tail}\n"


def _summary_text(seen: int, to_change: int, kept: Counter[str], skip_reasons: Sequence[str]) -> str:
    """`N notes seen: …` then one reason per line, most frequent first.

    >>> print(_summary_text(5, 1, Counter({"already tagged": 3}), ["is a binary file, not a text note"]), end="")
    5 notes seen: 1 to change, 3 left as they are, 1 skipped
      left as they are:
        3  already tagged
      skipped:
        1  is a binary file, not a text note
    """
    lines = [f"{plural(seen, 'note')} seen: {to_change} to change, {sum(kept.values())} left as they are, {len(skip_reasons)} skipped"]
    if kept:
        lines += ["  left as they are:", *reason_lines([why for why, n in kept.items() for _ in range(n)])]
    if skip_reasons:
        lines += ["  skipped:", *reason_lines(skip_reasons)]
    return "\n".join(lines) + "\n"


# ---- run ------------------------------------------------------------------------------------


def _read_paths_from(value: str) -> list[str]:
    from tagger.notes.files import read_plain_text
    from tagger.notes.vault import read_paths_file

    if value == "-":
        return read_paths_file(sys.stdin.read(), source="<stdin>")

    path = Path(value)
    return read_paths_file(read_plain_text(path), source=path)


def run(args: argparse.Namespace) -> int:
    """Run `tagger retag` with parsed `args`; returns the exit code (user errors raise `TaggerError`)."""
    from tagger.analysis.vocabulary import build_vocabulary
    from tagger.cli.progress import ProgressBar
    from tagger.config import load_config
    from tagger.edit.apply import apply_plan
    from tagger.edit.journal import default_log_path
    from tagger.edit.plan import Suggester, plan_retag
    from tagger.notes.vault import load_notes

    start = time.perf_counter()
    vault = Path(args.vault)
    config = load_config(vault, aliases_file=args.aliases)
    paths = _read_paths_from(args.paths_from) if args.paths_from else None
    include: Sequence[str] = args.include or config.include
    exclude: Sequence[str] = [*config.exclude, *args.exclude]
    if args.log and not args.write:
        raise InputError("--log names the undo log of a --write run; add --write (a dry run writes no log)")

    quiet = getattr(args, "quiet", False)
    out = sys.stdout
    err = sys.stderr
    style = Style(out)
    with ProgressBar("retag", enabled=not quiet) as report:
        got = load_notes(
            vault,
            include=include,
            exclude=exclude,
            paths=paths,
            vocabulary_include=config.include,
            vocabulary_exclude=config.exclude,
            progress=report,
        )
        if paths is None and not (got.notes or got.skips or got.entries):
            # Say so before asking for a model: "no model here" would send the user the wrong way.
            raise InputError("holds no notes (*.md)", path=vault)
        rule = build_vocabulary(got.entries).rule(config.alias_table)
        suggester: Suggester | None = None
        if args.mode != "normalize":
            from tagger.config import resolve_model_path
            from tagger.model.io import load_model

            model = load_model(resolve_model_path(args.model, vault=vault, config=config))

            def suggester(entries: Sequence[Entry]) -> list[list[Suggestion]]:
                return model.suggest(entries, k=SUGGEST_K)

        plan = plan_retag(
            got.notes,
            mode=args.mode,
            suggester=suggester,
            rule=rule,
            min_score=args.min_score,
            max_tags=args.max_tags,
            progress=report,
        )
        plan.skips[:0] = got.skips
        result = None
        if args.write and plan.changes:
            log_path = Path(args.log) if args.log else default_log_path(vault.resolve())
            try:
                result = apply_plan(plan, vault=vault, log_path=log_path, progress=report)
            except BaseException:
                if log_path.exists():
                    # Whatever stopped the run, the notes written so far are in the log.
                    err.write(f"\ntagger: stopped; every note is either untouched or fully written. "
                              f"To undo what was written: tagger undo {shell_word(log_path)}\n")
                raise

    written = {c.rel for c in result.written} if result else set()
    late = {s.rel: s.reason for s in [*result.skipped, *result.edited]} if result else {}
    skips = [*plan.skips, *(result.skipped if result else [])]
    for s in [*skips, *(result.edited if result else [])]:
        # Reported below; counted now, so the exit code says so even if the output is cut short.
        args.problems.items.append(InputError(s.reason, path=s.rel))
    skipped = Counter(short_reason(s.reason) for s in skips)

    if args.format == "jsonl":
        for c in plan.changes:
            state = "written" if c.rel in written else ("skipped" if c.rel in late else "planned")
            rec: dict[str, object] = {"type": "change", "path": c.rel, "old_tags": list(c.old_tags), "new_tags": list(c.new_tags),
                   "scores": dict(c.scores), "reason": c.reason, "status": state}
            if c.rel in late:
                rec["skip_reason"] = late[c.rel]
            out.write(json.dumps(rec, ensure_ascii=False) + "\n")
        for s in plan.skips:
            out.write(json.dumps({"type": "skip", "path": s.rel, "reason": s.reason}, ensure_ascii=False) + "\n")
        for rel, tag, score in plan.unconfident:
            rec = {"type": "unconfident", "path": rel, "best": {"tag": tag, "score": round(score, 4)}}
            out.write(json.dumps(rec, ensure_ascii=False) + "\n")
    else:
        for c in plan.changes:
            note = None if not args.write or c.rel in written else "not written: " + late.get(c.rel, "stopped")
            out.write(change_line(c, style, status=note))
        for rel, tag, score in plan.unconfident:
            out.write(f"{printable(rel)}\n    {style.dim(f'no confident tag (best: #{tag} {score:.2f}); left alone')}\n")
        for s in plan.skips[:MAX_SKIP_LINES]:
            err.write(f"tagger: {printable(s.rel)}: {s.reason}\n")
        if len(plan.skips) > MAX_SKIP_LINES:
            err.write(f"tagger: … and {len(plan.skips) - MAX_SKIP_LINES} more skipped (all listed with --format jsonl)\n")
        for s in result.edited if result else []:
            err.write(f"tagger: {printable(s.rel)}: {s.reason}\n")

    summary = {
        "type": "summary",
        "mode": plan.mode,
        "dry_run": not args.write,
        "seen": plan.seen,
        "to_change": len(plan.changes),
        "written": len(written),
        "kept": dict(plan.kept),
        "skipped": dict(skipped),
        "edited_meanwhile": len(result.edited) if result else 0,
        "min_score": plan.min_score,
        "log": str(result.log_path) if result and result.log_path else None,
        "seconds": round(time.perf_counter() - start, 3),
    }
    if args.format == "jsonl":
        out.write(json.dumps(summary, ensure_ascii=False) + "\n")
    elif not quiet:
        out.write(_summary_text(plan.seen, len(plan.changes), plan.kept, [s.reason for s in skips]))
        if not args.write:
            if plan.changes:
                out.write("dry run: no file was changed; apply with --write (an undo log is kept)\n")
        elif result is None:
            out.write("nothing to write\n")
        else:
            out.write(f"wrote {plural(len(written), 'note')} in {summary['seconds']:.1f} s; undo with: tagger undo {shell_word(result.log_path)}\n")
    return SOME_FAILED if skipped or (result and result.edited) else SUCCESS


__all__ = ["MAX_SKIP_LINES", "SUGGEST_K", "Style", "add_arguments", "change_line", "run"]
