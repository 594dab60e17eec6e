"""How well tagger would have done on your past notes: train on the older ones, test on the newer ones.

A time split (`--since`, `--until`) or, with `--rolling N`, a model retrained at each
month (or, `--step week`, week) boundary and tested on the next one, as you would use it. Test
notes have their tag lines stripped before suggesting; scores are compared with
the tags you wrote.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from collections.abc import Sequence

from tagger.cli.inputs import read_inputs, vault_config
from tagger.cli.options import add_aliases, add_format, add_inputs, add_top, at_least, date
from tagger.cli.render import plural
from tagger.cli.status import SUCCESS
from tagger.entry import Entry
from tagger.errors import InputError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare `tagger eval`'s options on `parser` (cli builds one sub-parser per command)."""
    add_inputs(parser, stdin=False)
    parser.add_argument("--since", type=date, metavar="DATE", help="test on notes dated from DATE (yymmdd or yyyy-mm-dd; default: the newest ~15%% of tagged notes)")
    parser.add_argument("--until", type=date, metavar="DATE", help="last test date, inclusive (default: the newest note)")
    parser.add_argument("--rolling", type=at_least(1), metavar="N", help="retrain at each month (or --step week) boundary and test on the next one, for N of them from --since (default: the last N)")
    parser.add_argument("--step", choices=("month", "week"), default="month", help="with --rolling: retrain monthly (default) or weekly, as a resident tagger serve does")
    add_top(parser, what="how many tags to rank per note")
    parser.add_argument("--per-tag", type=at_least(0), default=30, metavar="N", help="per-tag rows to print in the table (default: 30; 0 for all)")
    add_aliases(parser)
    add_format(parser, "table", "json")


def run(args: argparse.Namespace) -> int:
    """Run `tagger eval` with parsed `args`; returns the exit code (user errors raise `TaggerError`)."""
    from tagger.analysis.evaluate import add_months, default_since, evaluate_rolling, evaluate_split, rolling_periods
    from tagger.analysis.scoring import evaluation_record, rolling_record
    from tagger.cli.progress import ProgressBar
    from tagger.cli.evaluation import format_evaluation, format_pooled, format_rolling
    from tagger.cli.render import read_line, to_json
    from tagger.entry import entry_date

    _, config = vault_config(args.paths, aliases_file=args.aliases)
    entries = read_inputs(args.paths, args.problems, aliases=config.alias_table)
    if args.format != "json":
        sys.stdout.write(read_line(entries, len(args.problems.failed)) + "\n")
    dated = [d for e in entries if e.tags and e.has_text and (d := entry_date(e)) is not None]
    undated = sum(1 for e in entries if e.tags and e.has_text) - len(dated)
    if undated and args.format != "json":
        # No time split can place them: said, so that no note goes missing unexplained.
        sys.stdout.write(f"{plural(undated, 'tagged note')} without a date (none in the file name or front matter, "
                         "no arXiv link) left out of the split\n")
    if len(dated) < 10:
        raise InputError(f"has {plural(len(dated), 'dated, tagged note')}; an evaluation needs at least 10", path=args.paths[0])
    newest = max(dated)
    per_tag = args.per_tag or None
    out = sys.stdout

    if args.rolling is None:
        since = args.since or default_since(entries)
        _check_split(entries, since, args.until, args.paths[0])
        with ProgressBar("evaluating") as bar:
            ev = evaluate_split(entries, since=since, until=args.until, k=args.top, progress=bar)
        if args.format == "json":
            out.write(to_json(evaluation_record(ev)) + "\n")
        else:
            out.write(format_evaluation(ev, per_tag=per_tag) + "\n")
        return SUCCESS

    n: int = args.rolling
    if args.step == "month":
        start = (args.since or add_months(newest.replace(day=1), 1 - n)).replace(day=1)
        periods = rolling_periods(start, months=n)
    else:
        periods = rolling_periods(args.since or newest - dt.timedelta(weeks=n - 1), weeks=n)
    start, end = periods[0][0], periods[-1][1]
    if args.until is not None and args.until < end:
        end = args.until
    _check_split(entries, start, end, args.paths[0])
    with ProgressBar("evaluating") as bar:

        def both(stage: str, frac: float) -> None:
            # The static split is one more model: give it the last share of the bar.
            bar(stage, frac * n / (n + 1))

        months, weeks = (n, 0) if args.step == "month" else (0, n)
        rolling = evaluate_rolling(entries, start=start, months=months, weeks=weeks, k=args.top, progress=both)
        bar("static split", n / (n + 1))
        static = evaluate_split(entries, since=start, until=end, k=args.top)
    if args.format == "json":
        out.write(to_json(rolling_record(rolling, static)) + "\n")
    else:
        out.write(format_rolling(rolling, static) + "\n\n")
        out.write(format_pooled(rolling, per_tag=per_tag) + "\n\n")
        out.write(format_evaluation(static, title="static split", per_tag=per_tag) + "\n")
    return SUCCESS


def _check_split(entries: Sequence[Entry], since: dt.date, until: dt.date | None, where: str) -> None:
    """Refuse splits that leave nothing to learn from or nothing to test, in one line."""
    from tagger.analysis.evaluate import split_by_date

    train, test = split_by_date(entries, since=since, until=until)
    period = f"{since.isoformat()} – {until.isoformat()}" if until else f"from {since.isoformat()}"
    if not test:
        raise InputError(f"has no tagged notes dated {period} to test on; choose another --since", path=where)
    if sum(bool(e.tags) and e.has_text for e in train) < 5:
        raise InputError(f"has fewer than 5 tagged notes dated before {since.isoformat()} to train on; choose a later --since", path=where)


__all__ = ["add_arguments", "run"]
