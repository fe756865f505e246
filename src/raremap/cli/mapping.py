"""CLI subcommands for crosswalks, UMI, batch mapping and exports (registered by :mod:`raremap.cli`)::

    raremap map CODE --to SYSTEM          what CODE is in SYSTEM, with relation and path
    raremap umi CODE                      does it have its own ICD code; what UMI should carry
    raremap batch IN --column C --to S -o OUT   map a CSV/TSV/Parquet/Arrow table (streamed)
    raremap export sssom [-o FILE]        every stated mapping as SSSOM TSV
    raremap export umi -o FILE            every active ORPHA disorder with its UMI flags
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any

import pyarrow as pa

from .. import codes
from ..errors import InvalidCodeError, NoMatchError, UsageError
from ..model import Mapping
from .common import NOTHING_FOUND, RowProgress, open_map, print_json


def add_commands(sub: Any, source_args: Callable[..., None]) -> None:
    """Register ``map``, ``umi``, ``batch`` and ``export`` on the ``raremap`` subparsers."""
    from . import SYSTEMS, HelpFormatter, positive_int, system_arg

    raw = HelpFormatter
    m = sub.add_parser("map", help="crosswalk a code to another system (relation, path, provenance)",
                       description="What a code is in another system: each target with its relation (exact, "
                                   "narrower, broader, related, undecided, unspecified), Orphanet's ICD relation, "
                                   "how it was found (stated, inverse, edition, replacement, transitive, "
                                   "hierarchy), the path and the release file it comes from. Exit status 1 when "
                                   "the code has no mapping (to --to), with --json too; 2 for an unknown code.",
                       epilog="examples:\n  raremap map ORPHA:166024 --to ICD10SE\n  raremap map Q87.8 --to ORPHA\n"
                              "  raremap map SCTID:19346006 --to ICD10SE --max-hops 3 --json",
                       formatter_class=raw)
    m.add_argument("code", help="a code in any spelling: ORPHA:558, Orphanet_558, Q87.4, Q874, SCTID:19346006 ...")
    m.add_argument("--to", metavar="SYSTEM", type=system_arg, help=f"target system: {SYSTEMS} (default: every system)")
    m.add_argument("--system", type=system_arg, help=f"code system of a bare code ({SYSTEMS})")
    _crosswalk_args(m)
    source_args(m)
    m.set_defaults(run=_map)

    u = sub.add_parser("umi", help="UMI assessment: own ICD code or not, what attention information should carry",
                       description="Does the diagnosis have its own ICD code, and what should the attention "
                                   "information (uppmärksamhetsinformation) record? For an ICD code: the rare "
                                   "diseases it covers. Exit status 1 when a name matches no disease (with "
                                   "--json too); 2 for an unknown code.",
                       epilog="examples:\n  raremap umi ORPHA:166024\n  raremap umi ICD10SE:Q87.8 --lang en --json\n"
                              "  raremap umi \"marfans syndrom\"",
                       formatter_class=raw)
    u.add_argument("code", metavar="CODE_OR_NAME",
                   help="an ORPHA, ICD or SNOMED CT code in any spelling, or a diagnosis name "
                        "(\"marfans syndrom\": resolved to the best-matching disease, which is printed first)")
    u.add_argument("--lang", choices=("sv", "en"), default="sv", help="language of the text output (default: sv)")
    source_args(u)
    u.set_defaults(run=_umi)

    b = sub.add_parser("batch", help="map a code column of a CSV/TSV/Parquet/Arrow file, streaming",
                       description="Map the code column of a table file, streamed in record batches; each "
                                   "distinct code is resolved once. Output: the input columns plus status, "
                                   "resolved, target, target_label, relation, basis, umi_flag, error (no row "
                                   "dropped). CSV/TSV is read as text. The output is written to a temporary file "
                                   "and renamed into place (temporary files of killed runs are removed by the next "
                                   "run); an output that is the input is refused unless --force. Progress goes to "
                                   "stderr.",
                       epilog="examples:\n  raremap batch registry.parquet -c diagnos --to ORPHA -o mapped.parquet\n"
                              "  raremap batch export.csv -c kod --to ORPHA --encoding latin-1 --delimiter ';' -o out.csv",
                       formatter_class=raw)
    b.add_argument("input", metavar="IN", help="input table: .parquet, .csv, .tsv or .arrow (.gz, .bz2, .zst compressed too)")
    b.add_argument("--column", "-c", default="code", help="column holding the codes (default: code)")
    b.add_argument("--to", metavar="SYSTEM", required=True, type=system_arg, help=f"target system (required): {SYSTEMS}")
    b.add_argument("--output", "-o", metavar="OUT", required=True, help="output table (required): .parquet, .csv, .tsv, .arrow or .arrows (stream)")
    b.add_argument("--system", type=system_arg, help="code system of bare codes in the column (default: guessed per code)")
    b.add_argument("--list", action="store_true", help="one row per input row, targets as lists (default: one row per target)")
    b.add_argument("--limit", type=positive_int, metavar="N", help="keep the best N targets per code (default: all)")
    b.add_argument("--no-umi", action="store_true", help="leave umi_flag empty (faster)")
    b.add_argument("--batch-size", type=positive_int, default=1 << 20, metavar="ROWS",
                   help=f"rows per record batch (default: {1 << 20:,})")
    b.add_argument("--encoding", default="utf-8", type=_encoding,
                   help="text encoding of a CSV/TSV input (default: utf-8; e.g. latin-1)")
    b.add_argument("--delimiter", help="field separator of a CSV input (default: ',' or ';' as the header shows)")
    b.add_argument("--quiet", "-q", action="store_true",
                   help="no progress and no summary on stderr (default: a progress bar with percentage and ETA on "
                        "a terminal when the input's row count is known, and a final summary line)")
    b.add_argument("--force", action="store_true", help="allow OUT to be IN (the input is replaced by the mapped table)")
    _crosswalk_args(b, batch=True)
    source_args(b, json=False)
    b.add_argument("--json", action="store_true", help="print the summary (output, rows, rows by status, seconds) "
                                                       "as JSON on stdout")
    b.set_defaults(run=_batch)

    e = sub.add_parser("export", help="export mappings (SSSOM) or the UMI table",
                       description="Export every stated mapping as SSSOM TSV, or the UMI flags of every active "
                                   "ORPHA disorder as a table.",
                       epilog="examples:\n  raremap export sssom -o mappings.sssom.tsv\n  raremap export umi -o umi.parquet",
                       formatter_class=raw)
    what = e.add_subparsers(required=True, metavar="WHAT")
    s = what.add_parser("sssom", help="every mapping as stated by the releases, as SSSOM TSV",
                        description="Every mapping as the releases state it, as SSSOM TSV: skos:exactMatch, "
                                    "skos:broadMatch (Orphanet NTBT: the object is broader), skos:narrowMatch, "
                                    "skos:relatedMatch.")
    s.add_argument("--output", "-o", metavar="FILE", help="output file (default: standard output)")
    s.add_argument("--lexical", action="store_true",
                   help="also the derived lexical pairs (ICD-10-SE title names the ORPHA disease; "
                        "semapv:LexicalMatching with a confidence, never mixed in by default)")
    s.add_argument("--system", action="append", metavar="SYSTEM", type=system_arg,
                   help=f"only mappings from this system (repeatable; default: all): {SYSTEMS}")
    source_args(s, json=False)
    s.add_argument("--json", action="store_true", help="with --output: print the summary (file, mappings) as JSON")
    s.set_defaults(run=_export_sssom)
    t = what.add_parser("umi", help="every active ORPHA disorder with its UMI flags (.csv, .tsv, .parquet)",
                        description="Every active ORPHA disorder and subtype with its UMI flags, one row each.")
    t.add_argument("--output", "-o", metavar="FILE", required=True, help="output table (required): .csv, .tsv, .parquet or .arrow")
    source_args(t, json=False)
    t.add_argument("--json", action="store_true", help="print the summary (file, codes, needing attention) as JSON")
    t.set_defaults(run=_export_umi)


def _encoding(text: str) -> str:
    """argparse type of ``--encoding``: a text encoding Python knows."""
    import codecs

    try:
        codecs.lookup(text)
    except LookupError:
        raise argparse.ArgumentTypeError(f"unknown text encoding {text!r} (e.g. utf-8, latin-1, cp1252)") from None
    return text


def _crosswalk_args(p: argparse.ArgumentParser, *, batch: bool = False) -> None:
    from . import positive_int

    p.add_argument("--direct", action="store_true", help="single statements only (no chains)")
    p.add_argument("--max-hops", type=positive_int, default=3, metavar="N", help="most statements chained (default: 3)")
    p.add_argument("--include-inactive", action="store_true", help="allow inactive codes as answers and on paths")
    p.add_argument("--conditional", action="store_true", help="include conditional SNOMED CT map rules")
    p.add_argument("--no-hierarchy", action="store_true", help="no fallback to an ORPHA ancestor's codes")
    if batch:
        p.add_argument("--no-subdivisions", dest="subdivisions", action="store_false",
                       help="an ICD-10 category (E84) gets only its own mappings (default: also what its "
                            "subdivisions E84.0 … are mapped to, basis hierarchy)")
    else:
        p.add_argument("--subdivisions", action="store_true",
                       help="an ICD-10 category (E84) also gets what its subdivisions are mapped to (basis hierarchy)")
    p.add_argument("--best-evidence", action="store_true",
                   help="keep only the target the ICD-10-SE code's own title names (E75.2A Gauchers sjukdom -> "
                        "ORPHA:355), where there is one")


def _options(args: argparse.Namespace) -> dict[str, Any]:
    return {"transitive": not args.direct, "max_hops": args.max_hops, "include_inactive": args.include_inactive,
            "conditional": args.conditional, "hierarchy": not args.no_hierarchy, "subdivisions": args.subdivisions,
            "best_evidence": args.best_evidence}


def _map(args: argparse.Namespace) -> int:
    rm = open_map(args)
    source = rm.crosswalker.resolve(args.code, args.system)
    maps = rm.crosswalk(source, args.to, **_options(args))
    if args.json:
        print_json({"code": source, "to": args.to, "mappings": [_mapping_json(m) for m in maps]})
        return 0 if maps else NOTHING_FOUND
    print(f"{source}{_label(rm, source)}")
    if not maps:
        print(f"  no mapping{' to ' + args.to if args.to else ''} in the loaded releases")
        return NOTHING_FOUND
    for m in maps:
        facts = [str(m.relation)]
        if m.icd_relation is not None:
            facts.append(str(m.icd_relation))
        if m.validated:
            facts.append("validated")
        path = f"; via {' > '.join(m.via)}" if m.via else ""
        print(f"  -> {m.target}{_label(rm, m.target)}  [{', '.join(facts)}; {m.basis}{path}]")
        if m.note:
            print(f"       note: {m.note}")
        if m.qualifier:
            print(f"       qualifier: {m.qualifier}")
        if m.provenance is not None:
            where = ", ".join(x for x in (m.provenance.file, m.provenance.position) if x)
            print(f"       source: {m.provenance.release}{' (' + where + ')' if where else ''}")
    return 0


def _umi(args: argparse.Namespace) -> int:
    rm = open_map(args)
    try:
        codes.candidates(args.code)
        is_code = True
    except InvalidCodeError:
        is_code = codes.looks_like_code(args.code)  # ORPHA:abc is a bad code, not a name
    # not a code: a diagnosis name, resolved through the grouped lookup
    try:
        a = rm.umi(args.code) if is_code else rm.umi_by_name(args.code)
    except NoMatchError as nothing:
        if args.json:
            print_json({"name": args.code, "code": None, "resolved": None})
        else:
            print(nothing)
        return NOTHING_FOUND
    if args.json:
        data = {k: getattr(a, k) for k in ("code", "label", "query", "specific_icd10", "specific_icd11",
                                            "needs_attention", "recommended", "reason", "specific_to", "name")}
        if a.resolved is not None:
            data["resolved"] = {"code": a.resolved.code, "label": a.resolved.label,
                                "matched_term": a.resolved.matched_term, "matched_code": a.resolved.matched_code,
                                "score": a.resolved.score}
        for k in ("icd10", "icd10se", "icd11", "snomed", "covers"):
            data[k] = [_mapping_json(m) for m in getattr(a, k)]
        data["rare_diseases"] = a.rare_diseases
        print_json(data)
        return 0
    yes_no = {True: "ja" if args.lang == "sv" else "yes", False: "nej" if args.lang == "sv" else "no",
              None: "ej angivet" if args.lang == "sv" else "not stated"}  # linked, but no release states the relation
    words = {"sv": ("egen ICD-10-kod", "egen ICD-11-kod", "behöver UMI-kodning", "rekommenderat", "ICD-10-SE",
                    "ICD-11", "SNOMED CT", "sällsynta sjukdomar"),
             "en": ("own ICD-10 code", "own ICD-11 code", "needs attention coding", "recommended", "ICD-10-SE",
                    "ICD-11", "SNOMED CT", "rare diseases")}[args.lang]
    if a.resolved is not None:
        read = "tolkas som" if args.lang == "sv" else "read as"
        print(f"\"{a.name}\" {read} {a.resolved.code} {a.resolved.label}  "
              f"({'träff' if args.lang == 'sv' else 'matched'}: \"{a.resolved.matched_term}\")")
    print(f"{a.code}{_label(rm, a.code)}" + (f"  (asked: {a.query})" if a.query != a.code else ""))
    print(f"  {words[0]}: {yes_no[a.specific_icd10]}   {words[1]}: {yes_no[a.specific_icd11]}   "
          f"{words[2]}: {yes_no[a.needs_attention]}")
    if a.covers:
        print(f"  {words[7]}: {a.rare_diseases}" + (f" (specific to {', '.join(a.specific_to)})" if a.specific_to else ""))
    for name, maps in ((words[4], a.icd10se), (words[5], a.icd11), (words[6], a.snomed)):
        if maps:
            shown = ", ".join(f"{m.target} ({m.relation}{', ' + m.basis if m.basis == 'hierarchy' else ''})" for m in maps[:8])
            print(f"  {name}: {shown}{' …' if len(maps) > 8 else ''}")
    print(f"  {words[3]}: {', '.join(a.recommended) or '-'}")
    print(f"  {a.reason[args.lang]}")
    return 0


def _batch(args: argparse.Namespace) -> int:
    from ..services.batch import map_table, read_batches, write_batches

    if not args.force and Path(args.output).resolve() == Path(args.input).resolve():
        raise UsageError(f"{args.output}: the output is the input; it would be replaced by the mapped table "
                         "(choose another output, or --force)")
    rm = open_map(args)
    source = read_batches(Path(args.input), args.column, args.batch_size, encoding=args.encoding,
                          delimiter=args.delimiter)
    progress = RowProgress(_input_rows(Path(args.input)), quiet=args.quiet)

    def read(reader: pa.RecordBatchReader):  # input rows, as the mapper takes them
        for batch in reader:
            yield batch
            progress.update(batch.num_rows)

    mapped = map_table(rm, pa.RecordBatchReader.from_batches(source.schema, read(source)), args.column, args.to,
                       stream=True, batch_size=args.batch_size, system=args.system, explode=not args.list,
                       limit=args.limit, umi=not args.no_umi, **_options(args))
    statuses: Counter[str] = Counter()  # output rows by status

    import pyarrow.compute as pc  # only the batch command counts statuses (start-up of the others)

    def counted(reader: pa.RecordBatchReader):
        for batch in reader:
            for item in pc.value_counts(batch.column("status").cast(pa.string())).to_pylist():
                statuses[item["values"]] += item["counts"]
            yield batch

    try:
        rows = write_batches(pa.RecordBatchReader.from_batches(mapped.schema, counted(mapped)), args.output)
    finally:
        progress.close()
    summary = ", ".join(f"{k} {v:,}" for k, v in sorted(statuses.items()))
    seconds = progress.seconds
    if args.json:
        print_json({"input": args.input, "output": args.output, "input_rows": progress.rows, "rows": rows,
                    "statuses": dict(sorted(statuses.items())), "seconds": round(seconds, 3)})
    if not args.quiet:
        print(f"raremap: {progress.rows:,} input rows mapped, {rows:,} rows written to {args.output} in {seconds:.1f} s "
              f"({summary})", file=sys.stderr)
    return 0


def _input_rows(path: Path) -> int | None:
    """The row count of a Parquet or Arrow IPC file from its metadata; None when only reading it would tell (CSV)."""
    kind = path.suffix.lower()
    try:
        if kind in (".parquet", ".pq"):
            import pyarrow.parquet as pq

            return pq.ParquetFile(path).metadata.num_rows
        if kind in (".arrow", ".feather", ".ipc"):
            import pyarrow.ipc as ipc

            with pa.memory_map(str(path)) as source:
                reader = ipc.open_file(source)
                return sum(reader.get_batch(i).num_rows for i in range(reader.num_record_batches))
    except (OSError, pa.ArrowInvalid):
        return None  # the reader reports what is wrong with the file
    return None


def _export_sssom(args: argparse.Namespace) -> int:
    from ..services import sssom

    if args.json and not args.output:
        raise UsageError("--json needs --output FILE (without it the SSSOM TSV itself goes to standard output)")
    rm = open_map(args)
    if args.output:
        with open(args.output, "w", encoding="utf-8", newline="\n") as out:
            n = sssom.write(rm, out, systems=args.system, lexical=args.lexical)
        if args.json:
            print_json({"output": args.output, "mappings": n, "lexical": args.lexical})
        print(f"raremap: {n} mappings written to {args.output}", file=sys.stderr)
    else:
        sssom.write(rm, sys.stdout, systems=args.system, lexical=args.lexical)
    return 0


def _export_umi(args: argparse.Namespace) -> int:
    from ..services.batch import write_batches

    rm = open_map(args)
    table = rm.umi_table()
    n = write_batches(pa.RecordBatchReader.from_batches(table.schema, table.to_batches()), args.output)
    flagged = sum(table.column("needs_attention").to_pylist())
    if args.json:
        print_json({"output": args.output, "codes": n, "needs_attention": flagged})
    print(f"raremap: {n} ORPHA codes written to {args.output} ({flagged} need attention coding)", file=sys.stderr)
    return 0


def _label(rm: Any, code: str) -> str:
    label = rm.label_of(code) or ""
    return f"  {label}" if label else ""


def _mapping_json(m: Mapping) -> dict[str, Any]:
    data = asdict(m)
    data["steps"] = [_mapping_json(s) for s in m.steps]
    return data
