"""The vault's tag vocabulary: notes per tag, first and last use, spellings, likely aliases.

    tagger tags VAULT                       # table
    tagger tags VAULT --format json         # for scripts
    tagger tags VAULT --format toml         # an [aliases] table to paste into tagger.toml
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path
from typing import Any

from tagger.cli.options import add_aliases, add_format, add_vault, fraction
from tagger.cli.render import none_read, plural, printable
from tagger.cli.status import SOME_FAILED, SUCCESS
from tagger.errors import InputError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare `tagger tags`'s options on `parser` (cli builds one sub-parser per command)."""
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.description = __doc__
    add_vault(parser)
    add_aliases(parser)
    parser.add_argument("--min-score", type=fraction, default=0.65, metavar="X",
                        help="show likely aliases scoring at least X (default: 0.65)")
    add_format(parser, "table", "json", "toml")


def _date(d: Any) -> str:
    return d.isoformat() if d else "-"


def _toml_key(key: str) -> str:
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else json.dumps(key, ensure_ascii=False)


def run(args: argparse.Namespace) -> int:
    """Run `tagger tags` with parsed `args`; returns the exit code (user errors raise `TaggerError`)."""
    from tagger.analysis.aliases import alias_suggestions
    from tagger.analysis.vocabulary import build_vocabulary
    from tagger.cli.progress import ProgressBar
    from tagger.config import load_config
    from tagger.notes.vault import load_notes

    vault = Path(args.vault)
    config = load_config(vault, aliases_file=args.aliases)
    with ProgressBar("tags") as bar:
        got = load_notes(vault, include=config.include, exclude=config.exclude, progress=bar)
    for skip in got.skips:
        sys.stderr.write(f"tagger: {printable(skip.rel)}: {skip.reason}\n")
    if not got.entries:
        # Same words as parse/train/review: an empty table would read as "a vault with no tags".
        if got.skips:
            raise InputError(none_read(len(got.skips)), path=vault)
        raise InputError("holds no notes (*.md)", path=vault)
    vocab = build_vocabulary(got.entries)
    groups = vocab.spelling_groups()
    suggestions = alias_suggestions(vocab, aliases=config.aliases, min_score=args.min_score)
    folded_aliases = config.alias_table.folded
    out = sys.stdout

    if args.format == "json":
        doc = {
            "notes": vocab.notes,
            "tagged": vocab.tagged,
            "tags": [
                {
                    "tag": t.tag,
                    "key": t.key,
                    "notes": t.notes,
                    "first": _date(t.first) if t.first else None,
                    "last": _date(t.last) if t.last else None,
                    "spellings": [{"spelling": s, "notes": n} for s, n in t.spellings],
                    "alias_of": folded_aliases.get(t.key),
                }
                for t in vocab.tags
            ],
            "spelling_groups": [{"tag": t.tag, "spellings": [s for s, _ in t.spellings]} for t in groups],
            "alias_suggestions": [
                {"tags": list(s.tags), "canonical": s.canonical, "score": s.score, "reasons": list(s.reasons)} for s in suggestions
            ],
            "aliases": dict(config.aliases),
        }
        out.write(json.dumps(doc, ensure_ascii=False, indent=2) + "\n")
    elif args.format == "toml":
        out.write(f"# Aliases for {vault} (from `tagger tags --format toml`): tag = \"canonical tag\".\n")
        out.write("# Used by train, suggest, the hook and `tagger retag --normalize`.\n[aliases]\n")
        for k, v in config.aliases.items():
            out.write(f"{_toml_key(k)} = {json.dumps(v, ensure_ascii=False)}\n")
        if groups:
            out.write("\n# One tag, several spellings: keep the current one (retag --normalize does so even without these lines).\n")
            for t in groups:
                for s, n in t.spellings:
                    if s != t.tag and s not in config.aliases:
                        out.write(f"{_toml_key(s)} = {json.dumps(t.tag, ensure_ascii=False)}  # {plural(n, 'note')}\n")
        if suggestions:
            out.write("\n# Likely aliases: different tags that may mean the same. Uncomment the lines you agree with.\n")
            for sug in suggestions:
                out.write(f"# {' / '.join(sug.tags)} (score {sug.score:.2f})\n")
                for why in sug.reasons:
                    out.write(f"#   {why}\n")
                for src, dst in sug.aliases().items():
                    out.write(f"# {_toml_key(src)} = {json.dumps(dst, ensure_ascii=False)}\n")
    else:
        width = max([len(t.tag) for t in vocab.tags] + [3])
        out.write(f"{'tag':{width}}  {'notes':>5}  {'first':10}  {'last':10}  spellings\n")
        for t in vocab.tags:
            spell = " · ".join(f"{s} {n}" for s, n in t.spellings) if len(t.spellings) > 1 else ""
            alias = f"→ {folded_aliases[t.key]} (alias)" if t.key in folded_aliases else ""
            out.write(f"{t.tag:{width}}  {t.notes:5d}  {_date(t.first):10}  {_date(t.last):10}  {' '.join(x for x in (spell, alias) if x)}".rstrip() + "\n")
        n_spellings = sum(len(t.spellings) for t in vocab.tags)
        out.write(f"\n{plural(len(vocab.tags), 'tag')} ({plural(n_spellings, 'spelling')}) on {plural(vocab.tagged, 'tagged note')} of {vocab.notes}\n")
        if groups:
            out.write(f"\nspelling groups ({len(groups)}): one tag written several ways; `tagger retag --normalize` writes the current one\n")
            for t in groups:
                others = ", ".join(f"{s} ({n})" for s, n in t.spellings if s != t.tag)
                out.write(f"  {t.tag} ← {others}\n")
        if suggestions:
            out.write(f"\nlikely aliases ({len(suggestions)}): different tags that may mean the same — never merged unless you say so\n")
            out.write("  (add lines such as `lm = \"llm\"` under [aliases] in tagger.toml; `--format toml` writes them for you)\n")
            for sug in suggestions:
                others = ", ".join(t for t in sug.tags if t != sug.canonical)
                out.write(f"  {sug.canonical} ← {others}?  score {sug.score:.2f}\n")
                for why in sug.reasons:
                    out.write(f"      {why}\n")
        if config.aliases:
            out.write(f"\naliases in use ({len(config.aliases)}): " + ", ".join(f"{k} → {v}" for k, v in config.aliases.items()) + "\n")
    return SOME_FAILED if got.skips else SUCCESS



__all__ = ["add_arguments", "run"]
