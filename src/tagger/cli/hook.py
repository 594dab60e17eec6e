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
import os
import sys
from collections.abc import Sequence
from pathlib import Path

# Standard-library-only modules; numpy, scipy and kiwipiepy wait until a note needs the model.
from tagger.analysis.vocabulary import build_vocabulary
from tagger.cli.options import at_least, fraction
from tagger.cli.render import shell_word
from tagger.cli.served import check_with_server
from tagger.cli.staged import fix_commands, group_by_vault, is_vault_note, no_model_line, stale_warning, staged_notes
from tagger.cli.status import ERROR, SOME_FAILED, SUCCESS, run_guarded
from tagger.config import Config, load_config, resolve_model_path
from tagger.edit.apply import write_change
from tagger.edit.check import NoteCheck, review_tags
from tagger.edit.lock import vault_lock
from tagger.edit.plan import WRITE_FLOOR, Change
from tagger.entry import Entry, Suggestion
from tagger.errors import InputError, ModelError, NotTrainedError, missing_model, printable
from tagger.notes.files import Skip, read_note_file
from tagger.notes.layout import mistyped_tag_line
from tagger.notes.vault import load_notes
from tagger.spelling import SpellingRule


def read_check(path: Path, *, floor: float = WRITE_FLOOR) -> NoteCheck:
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
    return NoteCheck(path, note, floor=floor)


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
        # No abbreviated options: `file_names` must know every option string exactly.
        allow_abbrev=False,
        description=(
            "Write the assigned tags into untagged staged notes and fix misspelled tags."
            if prog.endswith("fix")
            else "Fail when a staged note has no tags or a misspelled tag; suggest tags."
        ),
    )
    p.add_argument("filenames", nargs="*", metavar="FILE", help="staged files (pre-commit passes them)")
    p.add_argument("--model", type=Path, help="model file (default: $TAGGER_MODEL, tagger.toml [model] path, or .tagger/tagger.model in the vault)")
    p.add_argument("--aliases", type=Path, metavar="FILE", help="alias file (TOML) on top of tagger.toml [aliases]")
    p.add_argument("--top", type=at_least(1), default=5, metavar="K", help="suggestions to show per note (default: 5)")
    p.add_argument("--min-score", type=fraction, default=WRITE_FLOOR, metavar="X",
                   help=f"write only suggested tags scoring at least X (default: {WRITE_FLOOR})")
    p.add_argument(
        "--allow-missing-model",
        action="store_true",
        help='pass with a warning when there is no model (also tagger.toml [hook] on_missing_model = "warn")',
    )
    return p


def file_names_last(argv: Sequence[str], parser: argparse.ArgumentParser) -> list[str]:
    """`argv` with the hook's options first and every file name after `--`, so any file name is read as one.

    pre-commit passes staged file names as they are, after the hook's `args:`; a note
    named `-draft.md` would otherwise be taken for an option (and refuse every commit).
    A word is an option only if it is one of the parser's (with its value), or starts
    with `-` and names no file (so a typo in `args:` is still reported); anything else is a file.

    >>> file_names_last(["a.md", "--top", "3"], build_parser("tagger-check"))
    ['--top=3', '--', 'a.md']
    >>> file_names_last(["-draft.md", "--model", "-m.joblib"], build_parser("tagger-check"))  # doctest: +SKIP
    ['--model=-m.joblib', '--', '-draft.md']
    """
    actions = parser._option_string_actions  # argparse's own table: option string → action
    options: list[str] = []
    files: list[str] = []
    words = iter(argv)
    for word in words:
        action = actions.get(word)
        if word == "--":
            files.extend(words)
        elif action is not None and action.nargs != 0:
            # `--model=VALUE`, so a value starting with `-` is not read as an option either.
            value = next(words, None)
            options.append(word if value is None else f"{word}={value}")
        elif action is not None or (word.startswith("-") and not os.path.lexists(word)):
            options.append(word)
        else:
            files.append(word)
    return [*options, "--", *files]


def _model_extra_args(args: argparse.Namespace) -> list[str]:
    extra: list[str] = []
    if args.model is not None:
        extra += ["--model", shell_word(args.model)]
    if args.aliases is not None:
        extra += ["--aliases", shell_word(args.aliases)]
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
    checks = [read_check(p, floor=args.min_score) for p in notes]
    status = SUCCESS
    for c in checks:
        if c.error:
            print(f"{printable(c.path)}: {c.error}")
            status = SOME_FAILED
    readable = [c for c in checks if c.note is not None]
    if not readable:
        return status
    to_suggest = [c for c in readable if c.untagged and c.note is not None and c.note.entry.has_own_text]
    model_path = resolve_model_path(args.model, vault=root, config=config)
    if to_suggest and not model_path.exists():
        # Said before importing the model code (numpy, scipy): a vault without a model
        # configured to pass with a warning pays nothing for it.
        return max(status, _no_model(name, missing_model(model_path), root, model_path, args, config))
    # A running `tagger serve` knows the vault and has the model loaded: it answers in
    # milliseconds; without one (or without an answer) the same is worked out here.
    served = check_with_server(root, config, notes, readable, top=args.top, model_path=model_path)
    got = served[0] if served is not None else _check_in_process(name, root, config, notes, readable, to_suggest, model_path, args)
    if isinstance(got, int):
        return max(status, got)
    if got:
        print(f"{name}: warning: {got}", file=sys.stderr)

    if fix:
        return max(status, _fix(root, readable, top=args.top))
    for c in readable:
        _report(c, args.top)
    if any(c.failing for c in readable):
        status = SOME_FAILED
    # tagger-fix refuses symbolic links and read-only notes: they are not in the command.
    fixable = [c.path for c in readable if c.failing and c.fixed_tags() and not _locked(c)]
    if fixable:
        which = "this note" if len(fixable) == 1 else f"these {len(fixable)} notes"
        print(f"{name}: to write the tags shown under 'would write' into {which}, run")
        for line in fix_commands(fixable, _model_extra_args(args)):
            print(f"    {line}")
    return status


def _check_in_process(
    name: str, root: Path, config: Config, notes: Sequence[Path], readable: Sequence[NoteCheck], to_suggest: Sequence[NoteCheck],
    model_path: Path, args: argparse.Namespace,
) -> str | int | None:
    """Fill the checks by reading the vault and loading the model here; the stale warning (or None), or an exit code."""
    if to_suggest:
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
            return _no_model(name, err, root, model_path, args, config)
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
    return stale_warning(last_note, vault_entries, root, config, model_path)


def _no_model(name: str, err: NotTrainedError, root: Path, model_path: Path, args: argparse.Namespace, config: Config) -> int:
    if args.allow_missing_model or config.on_missing_model == "warn":
        print(f"{name}: warning: {err}; notes not checked", file=sys.stderr)
        return SUCCESS
    # One line: on a fresh clone of the vault this is the first thing tagger says.
    print(f"{name}: {no_model_line(root, model_path)}")
    return ERROR


def _locked(c: NoteCheck) -> str | None:
    """Why tagger-fix will not write this note, in short (`is a symbolic link`), or None."""
    return c.note.locked.split(";")[0] if c.note is not None and c.note.locked else None


def _would_write(c: NoteCheck) -> str:
    if c.untagged and not c.fixed_tags():
        best = c.suggestions[0]
        return f"    no confident tag (best: #{best.tag} {best.score:.2f}; none scores ≥ {c.floor:.2f}): add tags by hand"
    tags = " ".join("#" + t for t in c.fixed_tags())
    if c.untagged:
        tags += f"   (tags scoring ≥ {c.floor:.2f})"
    locked = _locked(c)
    return f"    would write: {tags}" if locked is None else f"    write by hand: {tags}   (tagger-fix leaves this note alone: it {locked})"


def _report(c: NoteCheck, top: int) -> None:
    if c.untagged:
        if not c.suggestions:
            print(f"{printable(c.path)}: no tags, and no text besides a URL to suggest them from; add tags by hand")
            return
        print(f"{printable(c.path)}: no tags")
        print(f"    suggested:   {_score_list(c.suggestions, top)}   (* = assigned)")
        print(_would_write(c))
        return
    for r in c.renames:
        print(f"{printable(c.path)}: #{r.old} is {r.why}")
    if c.renames:
        print(_would_write(c))
    for t in c.coined:
        print(f"{printable(c.path)}: note: #{t} is a new tag (no other note of the vault uses it in any spelling); fine if you meant it")


def _fix(root: Path, checks: Sequence[NoteCheck], *, top: int) -> int:
    status = SUCCESS
    fixes: list[tuple[NoteCheck, Change | Skip]] = []
    for c in checks:
        if not c.failing:
            continue
        if c.untagged and not c.fixed_tags():
            if c.suggestions:
                best = c.suggestions[0]
                print(f"{printable(c.path)}: no confident tag (best: #{best.tag} {best.score:.2f}); add tags by hand")
            else:
                print(f"{printable(c.path)}: no tags, and no text besides a URL to suggest them from; add tags by hand")
            status = SOME_FAILED
        elif (change := c.fix()) is not None:
            fixes.append((c, change))
    if fixes:
        with vault_lock(root, command="tagger-fix"):
            for c, change in fixes:
                status = SOME_FAILED
                why = change.reason if isinstance(change, Skip) else _write(change)
                if why is not None:
                    print(f"{printable(c.path)}: {why}")
                elif c.untagged and isinstance(change, Change):
                    print(f"{printable(c.path)}: added {' '.join('#' + t for t in change.new_tags)}   ({_score_list(c.suggestions, top)})")
                else:
                    print(f"{printable(c.path)}: " + ", ".join(f"#{r.old} → #{r.new}" for r in c.renames))
    if status:
        print("tagger-fix: review the changes and stage them again (git add), then commit")
    return status


def _write(change: Change) -> str | None:
    """Write one fix through the one edit path; what went wrong, in words, or None."""
    swap, why = write_change(change)
    seen = [swap.settle(), swap.release()] if swap is not None else []
    said = [*filter(None, [why]), *(x.message for x in seen if x is not None)]
    return "; ".join(said) if said else None


def main(argv: Sequence[str] | None = None, *, fix: bool) -> int:
    """Run the hook over `argv` (staged file names and options); returns the exit code.

    Exit 0: every staged note is fine (or, with `fix`, nothing needed changing).
    Exit 1: some note needs tags or a fix (or `fix` changed notes: review and
    re-stage). Exit 2: the hook could not run (no model, bad configuration).

    >>> main(["pyproject.toml"], fix=False)   # no note among the files: nothing to do
    0
    """
    name = "tagger-fix" if fix else "tagger-check"
    parser = build_parser(name)
    args = parser.parse_args(file_names_last(sys.argv[1:] if argv is None else argv, parser))
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


__all__ = ["build_parser", "check_main", "file_names_last", "fix_main", "main", "read_check", "run_vault", "vault_rule"]

if __name__ == "__main__":
    sys.exit(_module_main(sys.argv[1:]))
