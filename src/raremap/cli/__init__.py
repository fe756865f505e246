"""The ``raremap`` command: a thin front end over the Python API."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict
from typing import Any

from .. import codes, load, snapshot
from ..errors import RaremapError, SnapshotError
from ..loader import build
from ..model import Concept, Mapping
from ..services.rare_map import RareMap
from .common import BuildNotice, open_map, print_json, verbose_arg


EPILOG = """\
examples:
  raremap lookup "marfans syndrom"              find codes by name (Swedish or English)
  raremap show ORPHA:558                        a code in any spelling (Q874, Orphanet_558 ...)
  raremap map ORPHA:166024 --to ICD10SE         crosswalk with relation and path
  raremap umi ORPHA:166024 --lang en            own ICD code? what attention information carries
  raremap batch registry.csv -c diagnos --to ORPHA -o mapped.parquet
  raremap show ORPHA:558 --releases ~/releases  answer from real releases (built once, cached)
  raremap serve --port 8080                     FHIR terminology service + lookup page on 127.0.0.1

Every command answers from the bundled sample releases unless given --releases DIR or
--snapshot PATH. Codes are printed canonically: ORPHA:558, ICD10SE:Q87.4, ICD10:Q87.4,
ICD10GM:G25.88, ICD11:LD28.01, SCTID:19346006, ALPHAID:I19094.

exit status: 0 done; 1 nothing found: lookup matched no name, map found no mapping, umi
matched no disease to a name (text and --json alike; the JSON is still printed); 2 a usage
error, an invalid or unknown code, a missing or unreadable file or release (one line on stderr,
starting with "raremap:").

The first use of a releases directory builds a snapshot (once; cached): one line on stderr says
so (--verbose: every step). Progress bars are drawn only when stderr is a terminal.
"""

class HelpFormatter(argparse.HelpFormatter):
    """Wraps one-paragraph descriptions; prints multi-line text (examples, exit status) as written."""

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        if "\n" in text:
            return "".join(indent + line for line in text.splitlines(keepends=True))
        return super()._fill_text(text, width, indent)


SYSTEMS = ", ".join(row.prefix for row in codes.code_systems())  # the registry's, in display order


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``raremap`` command with ``argv`` (default: ``sys.argv[1:]``); returns the exit status."""
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        return int(args.run(args) or 0)
    except RaremapError as err:
        print(f"raremap: {err}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        return 0
    except OSError as err:  # a file the user named: missing, unwritable, a directory ...
        where = f"{err.filename}: " if err.filename else ""
        print(f"raremap: {where}{err.strerror or err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("raremap: interrupted", file=sys.stderr)
        return 130


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="raremap", description="Rare-disease terminology: ORPHA, ICD-10-SE, ICD-11 MMS "
                                "and SNOMED CT, offline. Run 'raremap COMMAND --help' for a command's options.",
                                epilog=EPILOG, formatter_class=HelpFormatter)
    p.add_argument("--version", action="version", version=f"raremap {_version()}")
    sub = p.add_subparsers(required=True, metavar="COMMAND")

    def source_args(q: argparse.ArgumentParser, json: bool = True) -> None:
        q.add_argument("--releases", metavar="DIR",
                       help="answer from the release files under DIR (a snapshot is built once and cached); "
                            "default: the bundled sample")
        q.add_argument("--snapshot", metavar="PATH", help="answer from a compiled snapshot (raremap build -o PATH)")
        verbose_arg(q)
        if json:
            q.add_argument("--json", action="store_true", help="print JSON instead of text")

    show = sub.add_parser("show", help="a code: label, status, kind, parents, synonyms, mappings",
                          description="Show a code of any system: labels, status and replacement, kind, parents, "
                                      "synonyms, the mappings the releases state and the codes mapped to it.",
                          epilog="examples:\n  raremap show ORPHA:558\n  raremap show q874\n"
                                 "  raremap show 558 --system ORPHA --json",
                          formatter_class=HelpFormatter)
    show.add_argument("code", help="a code in any spelling: ORPHA:558, Orphanet_558, Q87.4, Q874, SCTID:19346006 ...")
    show.add_argument("--system", type=system_arg, help=f"code system of a bare code ({SYSTEMS})")
    source_args(show)
    show.set_defaults(run=_show)

    from .lookup import add_commands as add_lookup  # lookup

    add_lookup(sub, source_args)
    from .mapping import add_commands  # map, umi, batch, export

    add_commands(sub, source_args)
    from .serve import add_commands as add_serve  # serve

    add_serve(sub, source_args)

    b = sub.add_parser("build", help="compile release files into a snapshot",
                       description="Compile the release files under --releases into a snapshot (Arrow tables and "
                                   "manifest.json) and print what it holds. Without -o the snapshot goes to the "
                                   "cache ($RAREMAP_CACHE, default ~/.cache/raremap) and is rebuilt.",
                       epilog="example:\n  raremap build --releases ~/releases -o ~/raremap-2025",
                       formatter_class=HelpFormatter)
    b.add_argument("--releases", metavar="DIR", required=True, help="the release files to compile (required)")
    b.add_argument("--output", "-o", metavar="PATH",
                   help="snapshot directory: new, empty or an earlier snapshot (default: the cache)")
    b.add_argument("--no-lexical", dest="lexical", action="store_false",
                   help="leave out the lexical bridges (ICD-10-SE titles naming an ORPHA disease a release links "
                        "to the code; derived evidence, stored apart from the stated mappings)")
    b.add_argument("--json", action="store_true", help="print the snapshot path, releases, counts and build report as JSON")
    verbose_arg(b)
    b.set_defaults(run=_build)

    r = sub.add_parser("releases", help="the loaded releases with versions and files",
                       description="List the releases answering: id, name, version, date, and every file with "
                                   "its SHA-256 checksum and size.")
    source_args(r)
    r.set_defaults(run=_releases)

    v = sub.add_parser("verify", help="check a snapshot's table files against the checksums in its manifest",
                       description="Recompute the SHA-256 of every table file of the snapshot and compare it "
                                   "with manifest.json (opening a snapshot only checks sizes, schemas and row "
                                   "counts). Exit status 0: every file matches; 2: a file is damaged or replaced "
                                   "(named on stderr). A damaged cached snapshot (--releases) is rebuilt first.",
                       epilog="examples:\n  raremap verify --snapshot ~/raremap-2025\n  raremap verify --releases ~/releases",
                       formatter_class=HelpFormatter)
    source_args(v)
    v.set_defaults(run=_verify)

    d = sub.add_parser("diff", help="what changed between two releases (release dirs or snapshots)",
                       description="New and retired codes (with replacements), renamed labels, hierarchy "
                                   "changes and changed mappings between two releases.",
                       epilog="example:\n  raremap diff releases-2024 releases-2025 --codes registry_codes.csv --csv",
                       formatter_class=HelpFormatter)
    d.add_argument("old", help="old release directory or snapshot")
    d.add_argument("new", help="new release directory or snapshot")
    d.add_argument("--codes", metavar="CSV", help="only these codes (first column, or a column named 'code')")
    d.add_argument("--system", action="append", type=system_arg, help=f"only this code system (repeatable; {SYSTEMS})")
    fmt = d.add_mutually_exclusive_group()
    fmt.add_argument("--json", action="store_true", help="print the changes as JSON")
    fmt.add_argument("--csv", action="store_true", help="print the changes as CSV")
    verbose_arg(d)
    d.set_defaults(run=_diff)

    f = sub.add_parser("fetch", help="download the official releases (never SNOMED CT) into a releases directory",
                       description="Download Orphadata, ICD-10-SE and ICD-11 release files into DIR/<system>/ "
                                   "(resumable, checksummed, with fetch-manifest.json). SNOMED CT is never "
                                   "downloaded: copy in your own licensed release with --snomed.",
                       epilog="examples:\n  raremap fetch --dest releases --only orphanet\n"
                              "  raremap fetch --dest releases --from-dir ~/Downloads\n"
                              "  raremap fetch --dest releases --snomed SnomedCT_ManagedServiceSE_PRODUCTION_SE1000052_20241130T120000Z.zip",
                       formatter_class=HelpFormatter)
    f.add_argument("--dest", default="releases", metavar="DIR", help="releases directory (default: ./releases)")
    f.add_argument("--only", action="append", metavar="SYSTEM", type=str.lower, choices=("orphanet", "icd10se", "icd11"),
                   help="orphanet, icd10se or icd11 (repeatable; default: all three)")
    f.add_argument("--from-dir", metavar="DIR", help="take files you downloaded by hand from DIR instead")
    f.add_argument("--snomed", metavar="ZIP", help="your own SNOMED CT RF2 release zip (International or Swedish edition)")
    f.add_argument("--url", action="append", default=[], metavar="SYSTEM/NAME=URL",
                   help="fetch this URL too, or instead of the catalogue's URL for NAME")
    f.add_argument("--lang", default="en", help="Orphadata / ICD-11 language (default: en)")
    f.add_argument("--icd11-release", default="2025-01", metavar="YYYY-MM", help="ICD-11 MMS release (default: 2025-01)")
    f.add_argument("--json", action="store_true", help="print the files written as JSON")
    f.set_defaults(run=_fetch)
    return p


def system_arg(text: str) -> str:
    """argparse type of a code system name (ORPHA, ICD10SE, icd-10-se ...): its canonical name."""
    try:
        return codes.system_named(text).value
    except RaremapError:
        raise argparse.ArgumentTypeError(f"unknown code system {text!r} (use one of {SYSTEMS})") from None


def positive_int(text: str) -> int:
    """argparse type of a count that must be 1 or more."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} is below 1")
    return value


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("raremap")
    except PackageNotFoundError:  # run from a source tree that was never installed
        from .. import __version__

        return __version__


def _show(args: argparse.Namespace) -> int:
    rm = open_map(args)
    concept = rm.concept(args.code, args.system)
    mappings = rm.mappings(concept.code)
    if args.json:
        print_json({"concept": _concept_dict(concept), "mappings": [_mapping_dict(m) for m in mappings]})
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


def _label_of(rm: RareMap, code: str) -> str:
    try:
        return f"  {rm.concept(code).label}"
    except RaremapError:
        return ""


def _build(args: argparse.Namespace) -> int:
    from pathlib import Path

    from ..snapshot import store as snapshot
    from ..loader import load as _load_releases

    notice = BuildNotice(args.releases, verbose=args.verbose)
    if args.output:
        path = build(args.releases, args.output, progress=notice, lexical=args.lexical)
    else:
        rm = _load_releases(releases=args.releases, rebuild=True, progress=notice, lexical=args.lexical)
        path = rm.snapshot.path
    notice.done(str(path))
    manifest = snapshot.read(Path(path)).manifest
    if args.json:
        print_json({"snapshot": str(path), **{k: manifest[k] for k in ("releases", "counts", "report")}})
        return 0
    print(f"snapshot: {path}")
    for r in manifest["releases"]:
        print(f"  {r['id']}  ({len(r['files'])} files)")
    for name, n in manifest["counts"].items():
        if name != "by_system":
            print(f"  {name}: {n}")
    for system, n in manifest["counts"]["by_system"].items():
        print(f"  concepts {system}: {n}")
    for what, n in manifest["report"]["counts"].items():
        if what.startswith("lexical mappings"):
            print(f"  {what}: {n}")
    for s in manifest["report"]["skipped"]:
        print(f"  skipped {s['rows']} in {s['file']}: {s['reason']} (e.g. {', '.join(s['examples'])})")
    return 0


def _verify(args: argparse.Namespace) -> int:
    rm = open_map(args)
    started = time.perf_counter()
    try:
        checked = snapshot.verify(rm.snapshot.path, rm.snapshot.manifest)
    except SnapshotError as err:
        if args.snapshot is not None:
            raise
        print(f"raremap: the cached snapshot failed its check, rebuilding: {err}", file=sys.stderr)
        notice = BuildNotice(args.releases, verbose=args.verbose)
        rm = load(releases=args.releases, rebuild=True, progress=notice)
        notice.done(str(rm.snapshot.path))
        started = time.perf_counter()
        checked = snapshot.verify(rm.snapshot.path, rm.snapshot.manifest)
    seconds = time.perf_counter() - started
    if args.json:
        print_json({"snapshot": str(rm.snapshot.path), "files": checked, "seconds": round(seconds, 3), "ok": True})
        return 0
    for name, size in checked.items():
        print(f"ok  {name}  {size:,} bytes")
    print(f"{rm.snapshot.path}: {len(checked)} table files, {sum(checked.values()):,} bytes, every SHA-256 matches "
          f"the manifest ({seconds:.2f} s)")
    return 0


def _releases(args: argparse.Namespace) -> int:
    rm = open_map(args)
    if args.json:
        print_json({"snapshot": str(rm.snapshot.path), "releases": [asdict(r) for r in rm.releases]})
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
        notice = BuildNotice(where, verbose=args.verbose)
        rm = load(releases=path, progress=notice)
        notice.done(str(rm.snapshot.path))
        return rm

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
        catalogue = official = fetch.Catalogue.official(lang=args.lang, icd11_release=args.icd11_release)
        if args.only:
            catalogue = catalogue.only(args.only)
        for spec in args.url:
            where, _, url = spec.partition("=")
            system, _, name = where.partition("/")
            if not url or not name:
                raise fetch.FetchError(f"--url {spec!r}: expected SYSTEM/NAME=URL")
            kept = [d for d in catalogue.downloads if d.name != name]
            catalogue = fetch.Catalogue([*kept, fetch.Download(system, name, url, fetch.licence_for(system))])
        written += fetch.fetch(catalogue, dest, progress=fetch.print_progress)
    if args.json:
        print_json({"dest": str(dest), "files": [str(p) for p in written]})
        return 0
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


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
