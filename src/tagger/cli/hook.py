"""The pre-commit hook: `tagger-check` and `tagger-fix` over the staged notes.

pre-commit passes the staged `*.md` files; the hook reads each note, and

* `tagger-check` fails when a note has no tags, or a tag the vault writes
  otherwise: another spelling (`efficient_training` when the vault's notes write
  `efficient-training`) or an alias in `tagger.toml`; it prints the suggested tags
  with their scores and the command that applies them;
* `tagger-fix` writes the assigned tags into untagged notes and canonical
  spellings over misspelled ones (only the tag line changes, through the same
  `propose_change` as retag), says what it changed, and exits 1 if it changed
  anything, so the author reviews and re-stages.

Whose spelling wins is `SpellingRule`'s one answer, asked of the vault's *other*
notes (the staged ones do not vote for their own spelling): the same answer
`retag --normalize` gives for the vault as it stood before this commit. A tag
that folds to nothing known is a tag the author is coining: allowed.

Start-up time is the hook's whole cost, so imports are lazy: nothing heavier
than the standard library is loaded unless a note needs suggestions (then the
model: numpy and scipy; kiwipiepy only for a note with Korean, in a child process).

>>> check_main(["README.txt", "gone.md"])   # nothing to check: no note staged
0
"""

from __future__ import annotations

import argparse
import dataclasses
import shlex
import sys
from collections.abc import Sequence
from pathlib import Path

# Standard-library-only modules; numpy, scipy and kiwipiepy wait until a note needs the model.
from tagger.analysis.vocabulary import build_vocabulary
from tagger.cli.options import at_least
from tagger.cli.staged import fix_commands, group_by_vault, is_vault_note, stale_warning, staged_notes, train_command
from tagger.cli.status import ERROR, SOME_FAILED, SUCCESS, run_guarded
from tagger.config import Config, load_config, resolve_model_path
from tagger.edit.apply import write_change
from tagger.edit.check import NoteCheck, review_tags
from tagger.edit.plan import Change
from tagger.entry import Entry, Suggestion
from tagger.errors import InputError, ModelError, NotTrainedError, missing_model
from tagger.notes.files import Skip, read_note_file
from tagger.notes.layout import mistyped_tag_line
from tagger.notes.vault import load_notes
from tagger.spelling import SpellingRule


def read_check(path: Path) -> NoteCheck:
    """Read one staged note into a `NoteCheck`; an unreadable note gets `error`, never an exception.

    >>> read_check(Path("data/new-note.md")).untagged
    True
    >>> read_check(Path("gone.md")).error
    'cannot be read: No such file or directory'
    """
    try:
        note = read_note_file(path)
    except InputError as err:
        return NoteCheck(path, error=err.message)
    if note.odd:
        return NoteCheck(path, error=mistyped_tag_line(note.odd))
    return NoteCheck(path, note)


def vault_rule(root: Path, config: Config, checked: Sequence[Path]) -> tuple[SpellingRule, list[Entry]]:
    """The spelling rule of the vault's notes other than `checked`, and every note of the vault read.

    >>> rule, entries = vault_rule(Path("data/example-vault"), load_config(None), [])
    >>> rule.spell("efficient_training")
    'efficient-training'
    """
    got = load_notes(root, include=config.include, exclude=config.exclude)
    skip = {p.resolve() for p in checked}
    others = [e for e in got.entries if e.path is None or e.path.resolve() not in skip]
    return build_vocabulary(others).rule(config.alias_table), got.entries


def _score_list(suggestions: Sequence[Suggestion], top: int) -> str:
    shown = [s for i, s in enumerate(suggestions) if i < top or s.assigned]
    return "  ".join(f"#{s.tag} {s.score:.2f}{'*' if s.assigned else ''}" for s in shown)


def build_parser(prog: str) -> argparse.ArgumentParser:
    """The argument parser of `tagger-check` or `tagger-fix` (by `prog`'s ending), shared by both.

    >>> build_parser("tagger-check").parse_args(["--top", "3", "a.md"]).top
    3
    """
    p = argparse.ArgumentParser(
        prog=prog,
        description=(
            "Write the assigned tags into untagged staged notes and fix misspelled tags."
            if prog.endswith("fix")
            else "Fail when a staged note has no tags or a misspelled tag; suggest tags."
        ),
    )
    p.add_argument("filenames", nargs="*", metavar="FILE", help="staged files (pre-commit passes them)")
    p.add_argument("--model", type=Path, help="model file (default: $TAGGER_MODEL, else tagger.toml [model] path)")
    p.add_argument("--aliases", type=Path, metavar="FILE", help="alias file (TOML) on top of tagger.toml [aliases]")
    p.add_argument("--top", type=at_least(1), default=5, metavar="K", help="suggestions to show per note (default: 5)")
    p.add_argument(
        "--allow-missing-model",
        action="store_true",
        help='pass with a warning when there is no model (also tagger.toml [hook] on_missing_model = "warn")',
    )
    return p


def _model_extra_args(args: argparse.Namespace) -> list[str]:
    extra: list[str] = []
    if args.model is not None:
        extra += ["--model", shlex.quote(str(args.model))]
    if args.aliases is not None:
        extra += ["--aliases", shlex.quote(str(args.aliases))]
    return extra


def run_vault(root: Path, paths: Sequence[Path], args: argparse.Namespace, *, fix: bool) -> int:
    """Check (or fix) the staged notes of one vault; prints the report, returns the exit code.

    >>> args = build_parser("tagger-check").parse_args([])
    >>> run_vault(Path("vault"), [Path("vault/2025/250701 New.md")], args, fix=False)  # doctest: +SKIP
    1
    """
    name = "tagger-fix" if fix else "tagger-check"
    config = load_config(root, aliases_file=args.aliases)
    notes = [p for p in paths if is_vault_note(p, root, config)]
    if not notes:
        return SUCCESS
    checks = [read_check(p) for p in notes]
    status = SUCCESS
    for c in checks:
        if c.error:
            print(f"{c.path}: {c.error}")
            status = SOME_FAILED
    readable = [c for c in checks if c.note is not None]
    if not readable:
        return status
    to_suggest = [c for c in readable if c.untagged and c.note is not None and c.note.entry.has_own_text]
    model_path = resolve_model_path(args.model, vault=root, config=config)
    if to_suggest:
        if not model_path.exists():
            # Said before importing the model code (numpy, scipy): a vault without a model
            # configured to pass with a warning pays nothing for it.
            return max(status, _no_model(name, missing_model(model_path), root, model_path, args, config))
        from tagger.model.korean import KoreanSettings, warm_up

        # Before numpy and scipy are imported, so Kiwi loads on the other core meanwhile (0.2 s sooner).
        warm_up(KoreanSettings(), [c.note.entry.comment for c in to_suggest if c.note is not None])
    # The vault walk runs while the Kiwi child is still loading.
    rule, vault_entries = vault_rule(root, config, notes)
    for c in readable:
        review_tags(c, rule)
    if to_suggest:
        try:
            from tagger.model.io import load_model

            model = load_model(model_path)
        except NotTrainedError as err:
            return max(status, _no_model(name, err, root, model_path, args, config))
        except ModelError as err:
            print(f"{name}: {err}")
            return ERROR
        k = max(args.top, model.max_assigned)
        entries = [c.note.entry for c in to_suggest if c.note is not None]
        for c, sugg in zip(to_suggest, model.suggest(entries, k=k)):
            # New tags are written as the vault writes them, as retag does.
            c.suggestions = [dataclasses.replace(s, tag=rule.spell(s.tag)) for s in sugg]
        last_note = model.metadata_.get("last_note")
    elif model_path.exists():
        from tagger.model.io import read_metadata

        try:
            last_note = read_metadata(model_path).get("last_note")
        except ModelError:
            last_note = None  # a model that cannot be read matters only when a note needs it
    else:
        last_note = None
    stale = stale_warning(last_note, vault_entries, root, config, model_path)
    if stale:
        print(f"{name}: warning: {stale}", file=sys.stderr)

    if fix:
        return max(status, _fix(readable, top=args.top))
    for c in readable:
        _report(c, args.top)
    if any(c.failing for c in readable):
        status = SOME_FAILED
    fixable = [c.path for c in readable if c.failing and c.fixed_tags()]
    if fixable:
        which = "this note" if len(fixable) == 1 else f"these {len(fixable)} notes"
        print(f"{name}: to write the tags shown under 'would write' into {which}, run")
        for line in fix_commands(fixable, _model_extra_args(args)):
            print(f"    {line}")
    return status


def _no_model(name: str, err: NotTrainedError, root: Path, model_path: Path, args: argparse.Namespace, config: Config) -> int:
    if args.allow_missing_model or config.on_missing_model == "warn":
        print(f"{name}: warning: {err}; notes not checked", file=sys.stderr)
        return SUCCESS
    print(f"{name}: {err}")
    print(f"    train one: {train_command(root, model_path)}")
    return ERROR


def _report(c: NoteCheck, top: int) -> None:
    if c.untagged:
        if not c.suggestions:
            print(f"{c.path}: no tags, and no text besides a URL to suggest them from; add tags by hand")
            return
        print(f"{c.path}: no tags")
        print(f"    suggested:   {_score_list(c.suggestions, top)}   (* = assigned)")
        print(f"    would write: {' '.join('#' + t for t in c.fixed_tags())}")
        return
    for r in c.renames:
        print(f"{c.path}: #{r.old} is {r.why}")
    if c.renames:
        print(f"    would write: {' '.join('#' + t for t in c.fixed_tags())}")
    for t in c.coined:
        print(f"{c.path}: note: #{t} is a new tag (no other note of the vault uses it in any spelling); fine if you meant it")


def _fix(checks: Sequence[NoteCheck], *, top: int) -> int:
    status = SUCCESS
    for c in checks:
        if not c.failing:
            continue
        if c.untagged and not c.fixed_tags():
            print(f"{c.path}: no tags, and no text besides a URL to suggest them from; add tags by hand")
            status = SOME_FAILED
            continue
        change = c.fix()
        if change is None:
            continue
        why = change.reason if isinstance(change, Skip) else write_change(change)
        status = SOME_FAILED
        if why is not None:
            print(f"{c.path}: {why}")
        elif c.untagged:
            assert isinstance(change, Change)
            print(f"{c.path}: added {' '.join('#' + t for t in change.new_tags)}   ({_score_list(c.suggestions, top)})")
        else:
            print(f"{c.path}: " + ", ".join(f"#{r.old} → #{r.new}" for r in c.renames))
    if status:
        print("tagger-fix: review the changes and stage them again (git add), then commit")
    return status


def main(argv: Sequence[str] | None = None, *, fix: bool) -> int:
    """Run the hook over `argv` (staged file names and options); returns the exit code.

    Exit 0: every staged note is fine (or, with `fix`, nothing needed changing).
    Exit 1: some note needs tags or a fix (or `fix` changed notes: review and
    re-stage). Exit 2: the hook could not run (no model, bad configuration).

    >>> main(["pyproject.toml"], fix=False)   # no note among the files: nothing to do
    0
    """
    name = "tagger-fix" if fix else "tagger-check"
    args = build_parser(name).parse_args(sys.argv[1:] if argv is None else list(argv))
    paths = staged_notes(args.filenames)
    if not paths:
        return SUCCESS
    status = [SUCCESS]

    def run() -> int:
        for root, group in group_by_vault(paths).items():
            status[0] = max(status[0], run_vault(root, group, args, fix=fix))
        return status[0]

    # A closed pipe (`tagger-check … | head`): the notes were still checked, and what failed stays failed.
    return run_guarded(name, run, on_closed_pipe=lambda: max(status[0], SOME_FAILED), errors=sys.stdout)


def check_main(argv: Sequence[str] | None = None) -> int:
    """`tagger-check`: fail on untagged or misspelled staged notes, printing suggestions.

    >>> check_main([])
    0
    """
    return main(argv, fix=False)


def fix_main(argv: Sequence[str] | None = None) -> int:
    """`tagger-fix`: write tags into untagged staged notes; exit 1 when anything changed.

    >>> fix_main([])
    0
    """
    return main(argv, fix=True)


def _module_main(argv: Sequence[str]) -> int:
    """`python -m tagger.cli.hook check|fix FILE...`, for hooks that run a Python directly."""
    if not argv or argv[0] not in ("check", "fix"):
        print("usage: python -m tagger.cli.hook {check,fix} [options] FILE...", file=sys.stderr)
        return ERROR
    return main(argv[1:], fix=argv[0] == "fix")


__all__ = ["build_parser", "check_main", "fix_main", "main", "read_check", "run_vault", "vault_rule"]

if __name__ == "__main__":
    sys.exit(_module_main(sys.argv[1:]))
