"""CLI subcommand for name lookup (registered by :mod:`raremap.cli`)::

    raremap lookup "marfans syndrom" [--system S ...] [--lang sv] [--limit N] [--json]
    raremap lookup "marf" --complete            autocomplete: TEXT is the start of a name

An unfiltered lookup (no --system, no --complete, no --include-inactive) prints one answer per
disease (:meth:`RareMap.lookup_diseases`: the ORPHA code with its ICD-10-SE, ICD-10, ICD-11 and
SNOMED CT codes); ``--flat`` prints one line per code instead, ``--grouped`` groups a filtered
lookup too. ``--json`` always holds the flat ``matches`` and, when grouped, ``diseases``.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import asdict
from typing import Any

from .common import NOTHING_FOUND, open_map, print_json


def add_commands(sub: Any, source_args: Callable[..., None]) -> None:
    """Register ``lookup`` on the ``raremap`` subparsers."""
    from . import SYSTEMS, HelpFormatter, positive_int

    lk = sub.add_parser("lookup", help="find codes by diagnosis name (Swedish or English, typos, synonyms)",
                        description="Find codes by diagnosis name: Swedish or English, typos, synonyms, "
                                    "abbreviations, any word order; a/o typed for å/ä/ö still match. Best first. "
                                    "Unfiltered: one answer per disease (the ORPHA code, its label, [matched name "
                                    "and the code it is from], (match kind, score 0-100), then its ICD-10-SE, "
                                    "ICD-10, ICD-11 and SNOMED CT codes with relation, basis and release); with "
                                    "--system or --flat one line per code: code, label, [matched name], (match "
                                    "kind, score). Exit status 1 when nothing matches (with --json too: the "
                                    "empty answer is printed).",
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
    shape = lk.add_mutually_exclusive_group()
    shape.add_argument("--flat", action="store_true", help="one line per code, never grouped by disease")
    shape.add_argument("--grouped", action="store_true",
                       help="one answer per disease even with --system/--lang (default only when unfiltered)")
    source_args(lk)
    lk.set_defaults(run=_lookup)


def _systems(text: str) -> list[str]:
    """argparse type of ``--system``: one or several comma-separated code system names."""
    from . import system_arg

    return [system_arg(s.strip()) for s in text.split(",") if s.strip()]


def _lookup(args: argparse.Namespace) -> int:
    rm = open_map(args)
    systems = [s for value in args.system or () for s in value] or None
    langs = args.lang[0] if args.lang and len(args.lang) == 1 else args.lang
    find = rm.complete if args.complete else rm.lookup
    matches = find(args.text, system=systems, lang=langs, limit=args.limit, include_inactive=args.include_inactive)
    plain = not (systems or args.lang or args.complete or args.include_inactive)
    grouped = not args.complete and not args.include_inactive and (args.grouped or (plain and not args.flat))
    diseases = rm.lookup_diseases(args.text, system=systems, lang=langs if isinstance(langs, str) else None,
                                  limit=args.limit) if grouped else None
    if args.json:
        out: dict[str, Any] = {"query": args.text, "matches": [asdict(m) for m in matches]}
        if diseases is not None:
            out["diseases"] = [asdict(d) for d in diseases]
        print_json(out)
        return 0 if matches else NOTHING_FOUND
    if not matches:
        print("no match")
        return NOTHING_FOUND
    if diseases is not None:
        for d in diseases:
            line = f"{d.code:<22} {d.label}"
            if d.matched_term != d.label or d.matched_code != d.code:
                line += f"  [{d.matched_term}" + (f", {d.matched_code}" if d.matched_code != d.code else "") + "]"
            print(line + f"  ({d.match}, {d.score:g})")
            for c in d.codes:
                print(f"    {c.code:<20} {c.label}  ({c.relation}, {c.basis}{', ' + c.release if c.release else ''})")
        return 0
    for m in matches:
        line = f"{m.code:<22} {m.label}"
        if m.matched_term != m.label or m.matched_source:
            line += f"  [{m.matched_term}" + (f", from {m.matched_source}" if m.matched_source else "") + "]"
        line += f"  ({m.match}, {m.score:g})"
        if not m.status.is_active:
            line += f"  {m.status}" + (f" -> {', '.join(m.replaced_by)}" if m.replaced_by else "")
        print(line)
    return 0
