"""Print a SHA-256 digest of every answer raremap gives on a set of releases, one line per service.

A restructuring that keeps behaviour must print the same lines before and after::

    python scripts/answer_digest.py                         # the bundled sample
    python scripts/answer_digest.py --releases ../shared/data

Covered: every concept (labels, terms, attributes, parents, children, status, replacements), every
mapping out and in, the crosswalk of every code that has mappings (default options and with
subdivisions/best evidence), the UMI assessment of every ORPHA code and the UMI table, flat and
grouped lookup and completion of a fixed query set, map_table over every mapped code, and the
SSSOM export (stated and lexical).
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import io
import json
import sys
from collections.abc import Iterable
from typing import Any

import raremap

QUERIES = ["marfan", "marfans syndrom", "Marfan syndrome", "cystisk fibros", "cystic fibrosis", "tuberös skleros",
           "tuberos skleros", "spinal muskelatrofi", "duchenne", "gauchers sjukdom", "Gaucher disease", "fabry",
           "ehlers danlos", "huntingtons sjukdom", "noonan", "prader willi", "angelman", "wilsons sjukdom",
           "retinitis pigmentosa", "osteogenesis imperfecta", "achondroplasi", "neurofibromatos", "hemofili",
           "sickle cell", "amyotrofisk lateralskleros", "myastenia gravis", "pompe", "rett syndrom", "Q87.4",
           "ORPHA:558", "E84", "syndrom", "x", "kongenital binjurebarkshyperplasi", "fenylketonuri"]


# header lines that name the day or the snapshot's cache key (which covers raremap's own code)
_VOLATILE_SSSOM = ("mapping_date", "publication_date", "mapping_set_version", "mapping_set_id")


def _plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, (set, frozenset)):
        return sorted(_plain(v) for v in value)
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))}
    if isinstance(value, float):
        return round(value, 9)
    if hasattr(value, "value") and not isinstance(value, (str, int)):  # enums
        return value.value
    return value if isinstance(value, (str, int, bool, type(None))) else str(value)


class Digest:
    def __init__(self) -> None:
        self.lines: list[str] = []

    def add(self, name: str, answers: Iterable[Any]) -> None:
        h = hashlib.sha256()
        n = 0
        for answer in answers:
            h.update(json.dumps(_plain(answer), sort_keys=True, ensure_ascii=False).encode())
            h.update(b"\n")
            n += 1
        self.lines.append(f"{name:<28} {n:>8}  {h.hexdigest()[:32]}")
        print(self.lines[-1], flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--releases", help="release folder (default: the bundled sample)")
    args = parser.parse_args(argv)
    rm = raremap.load(releases=args.releases) if args.releases else raremap.load()
    d = Digest()
    concepts = sorted(rm.concepts(), key=lambda c: str(c.code))
    codes = [str(c.code) for c in concepts]
    d.add("concepts", concepts)
    d.add("parents/children", ((c, rm.parents(c), rm.children(c)) for c in codes))
    d.add("mappings out", ((c, rm.mappings(c)) for c in codes))
    d.add("mappings in", ((c, rm.mappings(c, direction="in")) for c in codes))
    d.add("lexical mappings", ((c, rm.lexical_mappings(c)) for c in codes))
    mapped = [c for c in codes if rm.mappings(c) or rm.mappings(c, direction="in")]
    d.add("crosswalk", ((c, rm.crosswalk(c)) for c in mapped))
    d.add("crosswalk subdiv/best", ((c, rm.crosswalk(c, subdivisions=True, best_evidence=True)) for c in mapped))
    d.add("umi", ((c, rm.umi(c)) for c in codes if c.startswith("ORPHA:")))
    d.add("umi table", [rm.umi_table().to_pylist()])
    d.add("lookup", ((q, rm.lookup(q)) for q in QUERIES))
    d.add("lookup ORPHA sv", ((q, rm.lookup(q, system="ORPHA", lang="sv")) for q in QUERIES))
    d.add("lookup diseases", ((q, rm.lookup_diseases(q)) for q in QUERIES))
    d.add("complete", ((q[:4], rm.complete(q[:4])) for q in QUERIES))
    d.add("umi by name", ((q, rm.umi_by_name(q)) for q in QUERIES[:12]))
    import pyarrow as pa

    table = pa.table({"code": [c for c in mapped if not c.startswith("ORPHA:")]})
    d.add("map_table", [rm.map_table(table, "code", to="ORPHA", explode=False).to_pylist()])
    d.add("map_table explode", [rm.map_table(table, "code", to="ORPHA", explode=True).to_pylist()])
    from raremap.services import sssom

    for lexical in (False, True):
        out = io.StringIO()
        sssom.write(rm, out, lexical=lexical)
        d.add(f"sssom lexical={lexical}", [line for line in out.getvalue().splitlines()
                                            if not any(v in line for v in _VOLATILE_SSSOM)])
    return 0


if __name__ == "__main__":
    sys.exit(main())
