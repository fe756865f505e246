"""The ``raremap`` command: a thin front end over the Python API."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from dataclasses import asdict
from typing import Any

from .. import load
from ..errors import RaremapError
from ..loader import build
from ..model import Concept, Mapping
from ..services.rare_map import RareMap


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        return int(args.run(args) or 0)
    except RaremapError as err:
        print(f"raremap: {err}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        return 0


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="raremap", description="Rare-disease terminology: ORPHA, ICD-10-SE, ICD-11, SNOMED CT.")
    sub = p.add_subparsers(required=True, metavar="COMMAND")

    def source_args(q: argparse.ArgumentParser) -> None:
        q.add_argument("--releases", metavar="DIR", help="release files to build from (default: bundled sample)")
        q.add_argument("--snapshot", metavar="PATH", help="a compiled snapshot to load")
        q.add_argument("--json", action="store_true", help="print JSON")

    show = sub.add_parser("show", help="a code: label, status, kind, parents, synonyms, mappings")
    show.add_argument("code")
    show.add_argument("--system", help="code system of a bare code (ORPHA, ICD10SE, ICD10, ICD11, SCTID)")
    source_args(show)
    show.set_defaults(run=_show)

    b = sub.add_parser("build", help="compile release files into a snapshot")
    b.add_argument("--releases", metavar="DIR", required=True)
    b.add_argument("--output", "-o", metavar="PATH", help="snapshot directory (default: the cache)")
    b.add_argument("--json", action="store_true")
    b.set_defaults(run=_build)

    r = sub.add_parser("releases", help="the loaded releases with versions and files")
    source_args(r)
    r.set_defaults(run=_releases)

    d = sub.add_parser("diff", help="what changed between two releases (release dirs or snapshots)")
    d.add_argument("old", help="old release directory or snapshot")
    d.add_argument("new", help="new release directory or snapshot")
    d.add_argument("--codes", metavar="CSV", help="only these codes (first column, or a column named 'code')")
    d.add_argument("--system", action="append", type=_system_arg, help="only this code system (repeatable)")
    fmt = d.add_mutually_exclusive_group()
    fmt.add_argument("--json", action="store_true")
    fmt.add_argument("--csv", action="store_true")
    d.set_defaults(run=_diff)

    f = sub.add_parser("fetch", help="download the official releases (never SNOMED CT) into a releases directory")
    f.add_argument("--dest", default="releases", metavar="DIR", help="releases directory (default: ./releases)")
    f.add_argument("--only", action="append", metavar="SYSTEM", help="orphanet, icd10se or icd11 (repeatable)")
    f.add_argument("--from-dir", metavar="DIR", help="take files you downloaded by hand from DIR instead")
    f.add_argument("--snomed", metavar="ZIP", help="your own SNOMED CT RF2 release zip (International or Swedish edition)")
    f.add_argument("--url", action="append", default=[], metavar="SYSTEM/NAME=URL",
                   help="fetch this URL too, or instead of the catalogue's URL for NAME")
    f.add_argument("--lang", default="en", help="Orphadata / ICD-11 language (default en)")
    f.add_argument("--icd11-release", default="2025-01", metavar="YYYY-MM")
    f.set_defaults(run=_fetch)

    from .mapping import add_commands  # map, umi, batch, export

    add_commands(sub, source_args)
    from .lookup import add_commands as add_lookup  # lookup

    add_lookup(sub, source_args)
    return p


def _load(args: argparse.Namespace) -> RareMap:
    return load(releases=args.releases, snapshot=args.snapshot, progress=None if args.json else _progress)


def _show(args: argparse.Namespace) -> int:
    rm = _load(args)
    concept = rm.concept(args.code, args.system)
    mappings = rm.mappings(concept.code)
    if args.json:
        _print_json({"concept": _concept_dict(concept), "mappings": [_mapping_dict(m) for m in mappings]})
        return 0
    print(f"{concept.code}  {concept.label}")
    print(f"  system: {concept.system}   kind: {concept.kind or '-'}   status: {concept.status}")
    for lang, text in sorted(concept.labels.items()):
        if text != concept.label:
            print(f"  label [{lang}]: {text}")
    for r in concept.replaced_by:
        print(f"  {r.relation.replace('_', ' ')}: {r.target}{_label_of(rm, r.target)}")
    for parent in concept.parents:
        print(f"  parent: {parent}{_label_of(rm, parent)}")
    for term in concept.synonyms:
        print(f"  synonym [{term.lang or '-'}]: {term.text}" + (f" ({term.kind})" if term.kind != "synonym" else ""))
    stated: dict[tuple[str, str], list[str]] = {}  # the same statement in several releases: one line
    for m in mappings:
        extra = ", ".join(x for x in (m.icd_relation or "", "validated" if m.validated else "") if x)
        line = f"  maps to {m.target}{_label_of(rm, m.target)}  [{m.relation}{', ' + extra if extra else ''}]"
        stated.setdefault((m.target, line), []).append(m.provenance.release if m.provenance else "?")
    for (_, line), releases in stated.items():
        print(f"{line}  ({', '.join(releases)})")
    # statements made by other codes about this one, as stated (the relation from their side)
    incoming = list(dict.fromkeys((m.target, m.relation.inverse()) for m in rm.mappings(concept.code, direction="in")))
    for source, relation in incoming[:10]:
        print(f"  mapped from {source}{_label_of(rm, source)}  [{relation}]")
    if len(incoming) > 10:
        print(f"  … and {len(incoming) - 10} more codes map to it (raremap map {concept.code})")
    print(f"  release: {concept.release}")
    return 0


def _progress(message: str) -> None:
    """Build progress on stderr; on a terminal the running count of an input overwrites itself."""
    running = message.endswith(" records") and " … " in message
    if sys.stderr.isatty():
        sys.stderr.write(f"\r\033[K{message}" + ("" if running else "\n"))
        sys.stderr.flush()
    elif not running:
        print(message, file=sys.stderr)


def _label_of(rm: RareMap, code: str) -> str:
    try:
        return f"  {rm.concept(code).label}"
    except RaremapError:
        return ""


def _build(args: argparse.Namespace) -> int:
    from pathlib import Path

    from ..snapshot import store as snapshot
    from ..loader import load as _load_releases

    progress = None if args.json else _progress
    if args.output:
        path = build(args.releases, args.output, progress=progress)
    else:
        rm = _load_releases(releases=args.releases, rebuild=True, progress=progress)
        path = rm.snapshot.path
    manifest = snapshot.read(Path(path)).manifest
    if args.json:
        _print_json({"snapshot": str(path), **{k: manifest[k] for k in ("releases", "counts", "report")}})
        return 0
    print(f"snapshot: {path}")
    for r in manifest["releases"]:
        print(f"  {r['id']}  ({len(r['files'])} files)")
    for name, n in manifest["counts"].items():
        if name != "by_system":
            print(f"  {name}: {n}")
    for system, n in manifest["counts"]["by_system"].items():
        print(f"  concepts {system}: {n}")
    for s in manifest["report"]["skipped"]:
        print(f"  skipped {s['rows']} in {s['file']}: {s['reason']} (e.g. {', '.join(s['examples'])})")
    return 0


def _releases(args: argparse.Namespace) -> int:
    rm = _load(args)
    if args.json:
        _print_json({"snapshot": str(rm.snapshot.path), "releases": [asdict(r) for r in rm.releases]})
        return 0
    for r in rm.releases:
        sample = "  [bundled sample]" if r.bundled_sample else ""
        print(f"{r.id}  {r.name}  version {r.version or '-'}  date {r.date or '-'}{sample}")
        for f in r.files:
            print(f"    {f.path}  sha256 {f.sha256[:16]}…  {f.size} bytes")
    return 0


def _diff(args: argparse.Namespace) -> int:
    from pathlib import Path

    from ..services import diff as release_diff
    from ..snapshot import store as snapshot

    def open_any(where: str) -> RareMap:
        path = Path(where)
        if (path / snapshot.MANIFEST).exists():
            return load(snapshot=path)
        return load(releases=path)

    codes = _read_codes(Path(args.codes)) if args.codes else None
    old, new = open_any(args.old), open_any(args.new)
    changes = release_diff.diff(old, new, systems=args.system, codes=codes)
    if codes is not None:
        _, unknown = release_diff.scope(old, new, codes)
        if unknown:  # a registry code neither release knows needs review as much as a changed one
            shown = ", ".join(unknown[:10]) + (f" … ({len(unknown) - 10} more)" if len(unknown) > 10 else "")
            print(f"raremap: {len(unknown)} of the {len(codes)} codes are in neither release: {shown}", file=sys.stderr)
    if args.json:
        print(release_diff.to_json(changes))
    elif args.csv:
        sys.stdout.write(release_diff.to_csv(changes))
    else:
        print("old: " + ", ".join(r.id for r in old.releases))
        print("new: " + ", ".join(r.id for r in new.releases))
        for c in changes:
            print(f"{c.code:<22} {c.kind:<17} {_change_text(c)}")
        for system, counts in release_diff.summary(changes).items():
            print(f"{system}: " + ", ".join(f"{n} {kind}" for kind, n in counts.items() if n))
        if not changes:
            print("no changes")
    return 0


def _system_arg(text: str) -> str:
    from .. import codes

    try:
        return codes._system(text).value
    except RaremapError as err:
        raise argparse.ArgumentTypeError(str(err)) from None


def _change_text(c: Any) -> str:
    """One table cell for a release-diff change: what it was, what it is, and the detail."""
    if c.kind.startswith("mapping_"):  # detail is the target: name it first
        relation = f"{c.old} → {c.new}" if c.old and c.new else c.new or c.old
        return f"{c.detail}  ({relation})"
    text = f"{c.old} → {c.new}" if c.old and c.new else c.new or c.old
    if c.kind == "renamed":
        return f"{text}  [{c.detail}]" if c.detail else text
    return f"{text}  ({c.detail})" if c.detail else text


def _fetch(args: argparse.Namespace) -> int:
    from pathlib import Path

    from .. import fetch

    dest = Path(args.dest)
    written: list[Path] = []
    if args.from_dir:
        written += fetch.ingest(Path(args.from_dir), dest)
    if args.snomed:
        written += fetch.ingest(Path(args.snomed), dest, system="snomed", licence=fetch.SNOMED_LICENCE)
    if not args.from_dir and not args.snomed or args.only or args.url:
        catalogue = fetch.Catalogue.official(lang=args.lang, icd11_release=args.icd11_release)
        if args.only:
            catalogue = catalogue.only(args.only)
        for spec in args.url:
            where, _, url = spec.partition("=")
            system, _, name = where.partition("/")
            if not url or not name:
                raise fetch.FetchError(f"--url {spec!r}: expected SYSTEM/NAME=URL")
            kept = [d for d in catalogue.downloads if d.name != name]
            catalogue = fetch.Catalogue([*kept, fetch.Download(system, name, url, fetch._licence_for(system))])
        written += fetch.fetch(catalogue, dest, progress=fetch.print_progress)
    for path in written:
        print(path)
    return 0


def _read_codes(path) -> list[str]:
    import csv

    with open(path, newline="", encoding="utf-8-sig") as fh:
        rows = list(csv.reader(fh))
    if not rows:
        return []
    header = [h.strip().lower() for h in rows[0]]
    column = header.index("code") if "code" in header else 0
    body = rows[1:] if "code" in header else rows
    return [r[column].strip() for r in body if len(r) > column and r[column].strip()]


def _concept_dict(c: Concept) -> dict[str, Any]:
    d = asdict(c)
    d["status"] = str(c.status)
    return d


def _mapping_dict(m: Mapping) -> dict[str, Any]:
    return asdict(m)


def _print_json(data: Any) -> None:
    json.dump(data, sys.stdout, ensure_ascii=False, indent=1, default=str)
    sys.stdout.write("\n")


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
