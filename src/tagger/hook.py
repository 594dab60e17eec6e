"""The pre-commit hook: `tagger-check` and `tagger-fix` over the staged notes.

pre-commit passes the staged `*.md` files; the hook reads each note, and

* `tagger-check` fails when a note has no tags, or a tag whose spelling differs
  from the vocabulary (`efficient_training` when the model knows
  `efficient-training`) or that an alias in `tagger.toml` maps elsewhere; it
  prints the suggested tags with their scores and the command that applies them;
* `tagger-fix` writes the assigned tags into untagged notes and canonical
  spellings over misspelled ones (only the tag line changes), says what it
  changed, and exits 1 if it changed anything, so the author reviews and
  re-stages.

A tag that folds to nothing known is a tag the author is coining: allowed.
Start-up time is the hook's whole cost, so imports are lazy: nothing heavier
than the standard library is loaded until a note needs the model, scikit-learn
never is, and kiwipiepy only when a note to suggest for has Korean in it.

>>> check_main(["README.txt", "gone.md"])   # nothing to check: no note staged
0
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import os
import shlex
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

# These are standard-library-only modules (the package imports them anyway);
# numpy, scipy, joblib and kiwipiepy wait until a note needs the model.
from tagger.config import Config, find_vault_root, load_config, resolve_model_path
from tagger.entry import Entry, Suggestion
from tagger.errors import InputError, ModelError, NotTrainedError, TaggerError, missing_model, output_closed
from tagger.parse import date_from_name, front_matter_tags, layout, mistyped_tag_line, odd_tag_lines, parse_note
from tagger.read import in_tool_folder, iter_note_paths, read_note_bytes
from tagger.tagnames import dedupe_tags
from tagger.write import set_tags, write_atomic

if TYPE_CHECKING:
    from tagger.korean import KoreanSettings
    from tagger.model import TagModel
    from tagger.vocab import SpellingRule

#: Exit codes: notes need attention (or fix changed them); the hook could not run.
FAILED = 1
BROKEN = 2



# ---- what is wrong with one note (pure) ----------------------------------------------------


@dataclass(frozen=True)
class Rename:
    """One tag to rewrite: `old` as written, `new` the canonical form, and why."""

    old: str
    new: str
    why: str


@dataclass
class NoteCheck:
    """Everything the hook found about one staged note."""

    path: Path
    text: str = ""
    data: bytes = b""
    entry: Entry | None = None
    #: One line saying why the note cannot be read (then nothing else is filled).
    error: str | None = None
    renames: list[Rename] = field(default_factory=list)
    #: Tags the vocabulary has never seen in any spelling: the author is coining them.
    coined: list[str] = field(default_factory=list)
    suggestions: list[Suggestion] = field(default_factory=list)

    @property
    def untagged(self) -> bool:
        """Whether the note was read and has no tags: the case the hook fills from the suggestions."""
        return self.entry is not None and not self.entry.tags

    @property
    def failing(self) -> bool:
        """Whether the note makes `tagger-check` fail: unreadable, untagged, or with a tag to rename."""
        return self.error is not None or self.untagged or bool(self.renames)

    def fixed_tags(self) -> list[str]:
        """The tags `tagger-fix` writes: the assigned set if untagged, else canonical spellings."""
        if self.entry is None:
            return []
        if not self.entry.tags:
            return list(dedupe_tags(s.tag for s in self.suggestions if s.assigned))
        new = {r.old: r.new for r in self.renames}
        return list(dedupe_tags(new.get(t, t) for t in self.entry.tags))


def canonical_tag(tag: str, rule: SpellingRule) -> tuple[str, str]:
    """The canonical form of `tag` and the reason it differs ('' when it does not).

    `rule` decides (the same `SpellingRule` as `retag --normalize`); this only says why in words.

    >>> from tagger.vocab import SpellingRule
    >>> rule = SpellingRule({"efficient-training": "efficient-training", "llm": "llm"}, {"lm": "llm"})
    >>> canonical_tag("efficient_training", rule)
    ('efficient-training', 'spelled #efficient-training in the vocabulary')
    >>> canonical_tag("lm", rule)
    ('llm', 'an alias of #llm (see [aliases])')
    >>> canonical_tag("brand-new", rule)
    ('brand-new', '')
    """
    spelled, why = rule.respell(tag)
    if why is None:
        return tag, ""
    if why == "alias":
        return spelled, f"an alias of #{spelled} (see [aliases])"
    return spelled, f"spelled #{spelled} in {'your [aliases]' if why == 'alias spelling' else 'the vocabulary'}"


def review_tags(check: NoteCheck, rule: SpellingRule) -> None:
    """Fill `renames` and `coined` for a readable note.

    >>> from tagger.vocab import SpellingRule
    >>> check = read_check(Path("data/example-vault/2020/200114 AugGAN.md"))
    >>> review_tags(check, SpellingRule({"gan": "gan"}))
    >>> [(r.old, r.new) for r in check.renames], check.coined
    ([('GAN', 'gan')], ['augmentation'])
    """
    assert check.entry is not None
    check.renames.clear()
    check.coined.clear()
    for tag in check.entry.tags:
        new, why = canonical_tag(tag, rule)
        if why:
            check.renames.append(Rename(tag, new, why))
        elif not rule.knows(tag):
            check.coined.append(tag)


# ---- reading the staged notes ---------------------------------------------------------------


def read_check(path: Path) -> NoteCheck:
    """Read one note into a `NoteCheck`; an unreadable note gets `error`, never an exception.

    >>> read_check(Path("data/new-note.md")).untagged
    True
    >>> read_check(Path("gone.md")).error
    'cannot be read: No such file or directory'
    """
    check = NoteCheck(path)
    try:
        check.data, check.text = read_note_bytes(path)
    except InputError as err:
        check.error = err.message
        return check
    odd = odd_tag_lines(check.text)
    if odd:
        check.error = mistyped_tag_line(odd)
        return check
    check.entry = parse_note(check.text, path=path)
    return check


def staged_notes(filenames: Sequence[str]) -> list[Path]:
    """The filenames that can be notes: existing `.md` files (deleted or other files are not).

    >>> staged_notes(["data/new-note.md", "pyproject.toml", "gone.md"])
    [PosixPath('data/new-note.md')]
    """
    out = []
    for name in filenames:
        p = Path(name)
        if p.suffix.lower() == ".md" and p.is_file():
            out.append(p)
    return out


def group_by_vault(paths: Iterable[Path]) -> dict[Path, list[Path]]:
    """Notes grouped by vault root (the nearest folder with `tagger.toml` or `.git`).

    >>> groups = group_by_vault([Path("data/new-note.md")])
    >>> list(groups.values())
    [[PosixPath('data/new-note.md')]]
    """
    groups: dict[Path, list[Path]] = {}
    roots: dict[Path, Path] = {}
    cwd = Path.cwd().resolve()
    for p in paths:
        parent = p.parent.resolve()
        if parent not in roots:
            # pre-commit runs from the repository root, so a vault without
            # tagger.toml or .git of its own is most likely the current folder.
            fallback = cwd if parent.is_relative_to(cwd) else parent
            roots[parent] = find_vault_root(parent) or fallback
        groups.setdefault(roots[parent], []).append(p)
    return groups


def is_vault_note(path: Path, root: Path, config: Config) -> bool:
    """Whether `path` is a note of the vault at `root` by its include/exclude patterns.

    >>> root = Path("data/example-vault").resolve()
    >>> is_vault_note(Path("data/example-vault/2020/200114 AugGAN.md"), root, load_config(None))
    True
    >>> is_vault_note(Path("data/new-note.md"), root, load_config(None))
    False
    """
    try:
        rel = path.resolve().relative_to(root)
    except ValueError:
        return False
    return not in_tool_folder(rel) and config.matches(rel.as_posix())


# ---- staleness ------------------------------------------------------------------------------


def newer_tagged_notes(root: Path, config: Config, since: dt.date, *, limit: int) -> int:
    """How many tagged notes of the vault are dated (by file name) after `since`, up to `limit`.

    Only file names are looked at for all notes, and only the newer ones are
    opened: cheap enough to run at every commit.

    >>> newer_tagged_notes(Path("data/example-vault"), load_config(None), dt.date(2025, 1, 1), limit=10)
    10
    """
    count = 0
    for path in iter_note_paths(root):
        date = date_from_name(path.name)
        if date is None or date <= since:
            continue
        if not config.matches(path.relative_to(root).as_posix()):
            continue
        try:
            lay = layout(read_note_bytes(path)[1])
        except InputError:
            continue
        if lay.tag_lines or front_matter_tags(lay.front_matter):
            count += 1
            if count >= limit:
                break
    return count


def stale_warning(model: TagModel, root: Path, config: Config, model_path: Path) -> str | None:
    """A warning with the retrain command when more than `stale_after_notes` tagged notes are newer than the model.

    >>> stale_warning(load_model(), Path("."), load_config(None), Path("models/tagger.joblib"))  # doctest: +SKIP
    'the model (models/tagger.joblib) is stale: more than 50 tagged notes are newer than ...'
    """
    last = model.metadata_.get("last_note")
    if not last:
        return None
    try:
        since = dt.date.fromisoformat(str(last)[:10])
    except ValueError:
        return None
    threshold = config.stale_after_notes
    n = newer_tagged_notes(root, config, since, limit=threshold + 1)
    if n <= threshold:
        return None
    return (
        f"the model ({model_path}) is stale: more than {threshold} tagged notes are newer than the newest it "
        f"learned from ({since}); retrain it: {train_command(root, model_path)}"
    )


# ---- the commands to print ------------------------------------------------------------------


def _rel(path: Path) -> str:
    """`path` relative to the current folder if it is inside it (as the author would type it)."""
    cwd = Path.cwd().resolve()
    full = path.resolve()
    if full == cwd:
        return "."
    return str(full.relative_to(cwd)) if full.is_relative_to(cwd) else str(path)


def train_command(root: Path, model_path: Path) -> str:
    """The command that retrains the model at `model_path` on the vault at `root`, as the author would type it.

    >>> train_command(Path("vault"), Path("vault/models/my model.joblib"))
    "tagger train vault --model 'vault/models/my model.joblib'"
    """
    return f"tagger train {shlex.quote(_rel(root))} --model {shlex.quote(_rel(model_path))}"


def fix_commands(paths: Sequence[Path], argv_extra: Sequence[str]) -> list[str]:
    """The commands that apply the fix to `paths`, as the author would type them.

    >>> fix_commands([Path("2025/250701 New.md")], ["--model", "m.joblib"])  # doctest: +SKIP
    ["tagger-fix --model m.joblib '2025/250701 New.md'"]
    """
    files = " ".join(shlex.quote(str(p)) for p in paths)
    direct = " ".join(["tagger-fix", *argv_extra, files])
    if os.environ.get("PRE_COMMIT"):
        # Under pre-commit the hook's own environment is not on the author's
        # PATH: pre-commit itself is the way in (a hook without `stages` runs
        # in the manual stage too).
        return [f"pre-commit run --hook-stage manual tagger-fix --files {files}", f"or, with tagger installed: {direct}"]
    return [direct]


def _score_list(suggestions: Sequence[Suggestion], top: int) -> str:
    shown = [s for i, s in enumerate(suggestions) if i < top or s.assigned]
    return "  ".join(f"#{s.tag} {s.score:.2f}{'*' if s.assigned else ''}" for s in shown)


# ---- the hook -------------------------------------------------------------------------------


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
    p.add_argument("--top", type=int, default=5, metavar="K", help="suggestions to show per note (default: 5)")
    p.add_argument(
        "--allow-missing-model",
        action="store_true",
        help='pass with a warning when there is no model (also tagger.toml [hook] on_missing_model = "warn")',
    )
    return p


def _warm_korean(checks: Sequence[NoteCheck], settings: KoreanSettings) -> None:
    """Start loading Kiwi in a child process if a note to suggest for has Korean in its comment.

    Called before the model loads, with the default settings every model is trained
    with, so Kiwi loads on the other core meanwhile (a model with other settings
    builds its own analyser; the idle child is ended at exit).
    """
    from tagger.korean import warm_up

    warm_up(settings, [c.entry.comment for c in checks if c.untagged and c.entry is not None and c.entry.has_own_text])


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
        return 0
    checks = [read_check(p) for p in notes]
    status = 0
    for c in checks:
        if c.error:
            print(f"{c.path}: {c.error}")
            status = FAILED
    readable = [c for c in checks if c.entry is not None]
    if not readable:
        return status
    model_path = resolve_model_path(args.model, vault=root, config=config)
    try:
        if not model_path.exists():
            # Said before importing the model code (numpy, scipy): a vault without a model
            # configured to pass with a warning pays nothing for it.
            raise missing_model(model_path)
        from tagger.korean import KoreanSettings

        _warm_korean(readable, KoreanSettings())  # before numpy and scipy are imported: 0.2 s sooner
        from tagger.modelio import load_model

        model = load_model(model_path)
    except NotTrainedError as err:
        if args.allow_missing_model or config.on_missing_model == "warn":
            print(f"{name}: warning: {err}; notes not checked", file=sys.stderr)
            return status
        print(f"{name}: {err}")
        print(f"    train one: {train_command(root, model_path)}")
        return BROKEN
    except ModelError as err:
        print(f"{name}: {err}")
        return BROKEN

    from tagger.vocab import SpellingRule  # here, like the model: a commit with no note pays nothing

    # Every tag the model has seen, rare ones included, in its latest spelling.
    rule = SpellingRule(model.spellings_.latest, config.aliases)
    for c in readable:
        review_tags(c, rule)
    # Before suggesting: the vault walk runs while the Kiwi child is still loading.
    stale = stale_warning(model, root, config, model_path)
    to_suggest = [c for c in readable if c.untagged and c.entry is not None and c.entry.has_own_text]
    if to_suggest:
        k = max(args.top, int(getattr(model, "max_assigned", 5)))
        entries: list[Entry] = [c.entry for c in to_suggest if c.entry is not None]
        for c, sugg in zip(to_suggest, model.suggest(entries, k=k)):
            c.suggestions = [dataclasses.replace(s, tag=rule.respell(s.tag)[0]) for s in sugg]

    if stale:
        print(f"{name}: warning: {stale}", file=sys.stderr)

    if fix:
        return max(status, _fix(readable, top=args.top))
    extra = _model_extra_args(args)
    for c in readable:
        _report(c, args.top)
    if any(c.failing for c in readable):
        status = FAILED
    fixable = [c.path for c in readable if c.failing and c.fixed_tags()]
    if fixable:
        which = "this note" if len(fixable) == 1 else f"these {len(fixable)} notes"
        print(f"{name}: to write the tags shown under 'would write' into {which}, run")
        for line in fix_commands(fixable, extra):
            print(f"    {line}")
    return status


def _report(c: NoteCheck, top: int) -> None:
    assert c.entry is not None
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
        print(f"{c.path}: note: #{t} is a new tag (the model has not seen it in any spelling); fine if you meant it")


def _fix(checks: Sequence[NoteCheck], *, top: int) -> int:
    status = 0
    for c in checks:
        if not c.failing or c.entry is None:
            continue
        tags = c.fixed_tags()
        if not tags:
            print(f"{c.path}: no tags, and no text besides a URL to suggest them from; add tags by hand")
            status = FAILED
            continue
        new_text = set_tags(c.text, tags)
        if new_text == c.text:
            continue
        try:
            write_atomic(c.path, new_text, expect_bytes=c.data)
        except InputError as err:
            print(f"{c.path}: {err.message}")
            status = FAILED
            continue
        status = FAILED
        if c.untagged:
            print(f"{c.path}: added {' '.join('#' + t for t in tags)}   ({_score_list(c.suggestions, top)})")
        else:
            changes = ", ".join(f"#{r.old} → #{r.new}" for r in c.renames)
            print(f"{c.path}: {changes}")
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
    if args.top < 1:
        print(f"{name}: --top must be at least 1", file=sys.stderr)
        return BROKEN
    paths = staged_notes(args.filenames)
    if not paths:
        return 0
    status = 0
    try:
        for root, group in group_by_vault(paths).items():
            status = max(status, run_vault(root, group, args, fix=fix))
        sys.stdout.flush()  # here, where a closed pipe is caught, not at exit
    except TaggerError as err:
        print(f"{name}: {err}")
        return max(status, BROKEN)
    except KeyboardInterrupt:
        print(f"{name}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The report's reader went away (`tagger-check … | head`): the notes were still
        # checked, and what failed stays failed.
        output_closed()
        return max(status, FAILED)
    return status


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
    """`python -m tagger.hook check|fix FILE...`, for hooks that run a Python directly."""
    if not argv or argv[0] not in ("check", "fix"):
        print("usage: python -m tagger.hook {check,fix} [options] FILE...", file=sys.stderr)
        return BROKEN
    return main(argv[1:], fix=argv[0] == "fix")


__all__ = [
    "BROKEN",
    "FAILED",
    "NoteCheck",
    "Rename",
    "build_parser",
    "canonical_tag",
    "check_main",
    "fix_commands",
    "fix_main",
    "group_by_vault",
    "is_vault_note",
    "main",
    "newer_tagged_notes",
    "read_check",
    "review_tags",
    "run_vault",
    "stale_warning",
    "staged_notes",
    "train_command",
]

if __name__ == "__main__":
    sys.exit(_module_main(sys.argv[1:]))
