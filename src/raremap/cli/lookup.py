"""CLI subcommand for name lookup (registered by :mod:`raremap.cli`)::

    raremap lookup "marfans syndrom" [--system S ...] [--lang sv] [--limit N] [--json]
    raremap lookup "marf" --complete            autocomplete: TEXT is the start of a name
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import asdict
from typing import Any


def add_commands(sub: Any, source_args: Callable[..., None]) -> None:
    """Register ``lookup`` on the ``raremap`` subparsers."""
    from . import SYSTEMS, HelpFormatter, positive_int

    lk = sub.add_parser("lookup", help="find codes by diagnosis name (Swedish or English, typos, synonyms)",
                        description="Find codes by diagnosis name: Swedish or English, typos, synonyms, "
                                    "abbreviations, any word order; a/o typed for å/ä/ö still match. Best first, "
                                    "one line per code: code, label, [matched name], (match kind, score 0-100). "
                                    "Exit status 1 when nothing matches.",
                        epilog="examples:\n  raremap lookup \"marfans syndrom\"\n"
                               "  raremap lookup stralcystit --system ICD10SE --lang sv --limit 5\n"
                               "  raremap lookup marf --complete --json",
                        formatter_class=HelpFormatter)
    lk.add_argument("text", help="a diagnosis name, e.g. \"marfans syndrom\"")
    lk.add_argument("--system", action="append", metavar="S", type=_systems,
                    help=f"only this code system: {SYSTEMS} (repeatable, or comma-separated; default: all)")
    lk.add_argument("--lang", action="append", metavar="LANG",
                    help="only names in this language, e.g. sv or en (repeatable; default: all)")
    lk.add_argument("--limit", type=positive_int, default=10, metavar="N", help="at most N results (default: 10)")
    lk.add_argument("--include-inactive", action="store_true", help="also obsolete/deprecated codes, with their replacement")
    lk.add_argument("--complete", action="store_true", help="autocomplete: TEXT is the beginning of a name being typed")
    source_args(lk)
    lk.set_defaults(run=_lookup)


def _systems(text: str) -> list[str]:
    """argparse type of ``--system``: one or several comma-separated code system names."""
    from . import system_arg

    return [system_arg(s.strip()) for s in text.split(",") if s.strip()]


def _lookup(args: argparse.Namespace) -> int:
    from .. import cli

    rm = cli._load(args)
    systems = [s for value in args.system or () for s in value] or None
    langs = args.lang[0] if args.lang and len(args.lang) == 1 else args.lang
    find = rm.complete if args.complete else rm.lookup
    matches = find(args.text, system=systems, lang=langs, limit=args.limit, include_inactive=args.include_inactive)
    if args.json:
        cli._print_json({"query": args.text, "matches": [asdict(m) for m in matches]})
        return 0
    if not matches:
        print("no match")
        return 1
    for m in matches:
        line = f"{m.code:<22} {m.label}"
        if m.matched_term != m.label:
            line += f"  [{m.matched_term}]"
        line += f"  ({m.match}, {m.score:g})"
        if not m.status.is_active:
            line += f"  {m.status}" + (f" -> {', '.join(m.replaced_by)}" if m.replaced_by else "")
        print(line)
    return 0
