"""Benchmark of the ORDO reader on a synthetic full-size ORDO (RDF/XML, 4.x generator shape).

    python benchmarks/bench_ordo.py                  # generate ~50 MB, time the reader
    python benchmarks/bench_ordo.py --compare        # also owlready2 and rdflib (slow: minutes;
                                                     # pip install -e '.[ordo-compare]')
    python benchmarks/bench_ordo.py --clinical 2000  # smaller file

No real ORDO file is available here, so the file is synthetic: ~15,000 clinical entities
(groups, disorders, subtypes; deprecated/obsolete/non-rare ones in both the 4.x C04x/C05x +
C056/C057 style and the 2.x ObsoleteClass style), ~4,500 gene classes under Orphanet_C010,
inheritance/onset/gene-association restrictions, xrefs with ECO_0000218 axioms in the new
``- E (...).\\n- Specific code (...).`` shape and the old nested shape. Codes and names are made
up (they start at 900000 so they cannot be mistaken for real ORPHAcodes). Each measurement
runs in a fresh subprocess so peak RSS belongs to that parser alone.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from xml.sax.saxutils import escape

ORDO = "http://www.orpha.net/ORDO/"
HEADER = """<?xml version="1.0"?>
<!DOCTYPE rdf:RDF [
    <!ENTITY efo "http://www.ebi.ac.uk/efo/" >
    <!ENTITY obo "http://purl.obolibrary.org/obo/" >
    <!ENTITY owl "http://www.w3.org/2002/07/owl#" >
    <!ENTITY xsd "http://www.w3.org/2001/XMLSchema#" >
    <!ENTITY skos "http://www.w3.org/2004/02/skos/core#" >
    <!ENTITY rdfs "http://www.w3.org/2000/01/rdf-schema#" >
    <!ENTITY oboInOwl "http://www.geneontology.org/formats/oboInOwl#" >
    <!ENTITY rdf "http://www.w3.org/1999/02/22-rdf-syntax-ns#" >
]>
<rdf:RDF xmlns="http://www.w3.org/2002/07/owl#"
     xml:base="http://www.orpha.net/ORDO/ordo_orphanet.owl"
     xmlns:efo="http://www.ebi.ac.uk/efo/"
     xmlns:obo="http://purl.obolibrary.org/obo/"
     xmlns:ORDO="http://www.orpha.net/ORDO/"
     xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
     xmlns:owl="http://www.w3.org/2002/07/owl#"
     xmlns:xsd="http://www.w3.org/2001/XMLSchema#"
     xmlns:skos="http://www.w3.org/2004/02/skos/core#"
     xmlns:rdfs="http://www.w3.org/2000/01/rdf-schema#"
     xmlns:dcterms="http://purl.org/dc/terms/"
     xmlns:oboInOwl="http://www.geneontology.org/formats/oboInOwl#">
    <Ontology rdf:about="http://www.orpha.net/ORDO/ordo_orphanet.owl">
        <versionIRI rdf:resource="https://www.orphadata.com/data/ontologies/ordo/last_version/ORDO_en_9.9.owl"/>
        <dcterms:date>2099-01-01</dcterms:date>
        <dcterms:license>Creative Commons Attribution 4.0 International (CC BY 4.0)</dcterms:license>
        <versionInfo>9.9</versionInfo>
    </Ontology>
"""

# (id, label, parent): metaclasses the 2.8 definitions file and the 4.4 generator name.
METACLASSES = [
    ("C001", "clinical entity", None),
    ("C010", "genetic material", None),
    ("C041", "inactive clinical entity", None),
    ("C042", "deprecated clinical entity", "C041"),
    ("C043", "deprecated group of disorders", "C042"),
    ("C044", "deprecated disorder", "C042"),
    ("C045", "deprecated subtype of a disorder", "C042"),
    ("C046", "non rare clinical entity in Europe", "C041"),
    ("C047", "non rare group of disorders in Europe", "C046"),
    ("C048", "non rare disorder in Europe", "C046"),
    ("C049", "non rare subtype of a disorder in Europe", "C046"),
    ("C050", "obsolete clinical entity", "C041"),
    ("C051", "obsolete group of disorders", "C050"),
    ("C052", "obsolete disorder", "C050"),
    ("C053", "obsolete subtype of a disorder", "C050"),
    ("557492", "group of disorders", "C001"),
    ("557493", "disorder", "C001"),
    ("557494", "subtype of a disorder", "C001"),
    ("377788", "disease", None),
    ("377789", "malformation syndrome", None),
    ("377795", "etiological subtype", None),
    ("377796", "clinical subtype", None),
    ("377794", "group of disorders", None),
    ("557495", "category", None),
    ("409929", "inheritance", None),
    ("409930", "autosomal dominant", "409929"),
    ("409943", "age of onset", None),
    ("409944", "neonatal", "409943"),
]

ECO_OLD = {
    "E": "E (Exact mapping: the two concepts are equivalent)",
    "NTBT": "NTBT (ORPHA code's Narrower Term maps to a Broader Term)",
    "BTNT": "BTNT (ORPHA code's Broader Term maps to a Narrower Term)",
    "ND": "ND (not yet decided/unable to decide)",
    "W": "W (Wrong mapping: the two concepts are different)",
}
ICD_OLD = {
    "Specific": "Specific code (The ORPHA code has its own code in the ICD10)",
    "Attributed": "Attributed (The ICD10 code is attributed by Orphanet)",
    "Inclusion": "Inclusion term (The ORPHA code is included under a ICD10 category and has not its own code)",
    "Index": "Index term (The ORPHA code is listed in the ICD10 Index)",
}
WORDS = ("dysplasia syndrome hypoplasia deficiency congenital familial progressive juvenile infantile "
         "autosomal recessive dominant neuropathy myopathy ataxia cardiomyopathy anemia type "
         "epiphyseal metaphyseal spondylo cerebellar renal hepatic ocular cutaneous immune").split()


def _iri(code: str) -> str:
    return f"{ORDO}Orphanet_{code}"


def _sub(code: str) -> str:
    return f'        <rdfs:subClassOf rdf:resource="{_iri(code)}"/>\n'


def _restriction(prop: str, code: str) -> str:
    return ("        <rdfs:subClassOf>\n            <Restriction>\n"
            f'                <onProperty rdf:resource="{prop}"/>\n'
            f'                <someValuesFrom rdf:resource="{_iri(code)}"/>\n'
            "            </Restriction>\n        </rdfs:subClassOf>\n")


def _phrase(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n))


def _xref_axiom(code: str, xref: str, precision: str, icd: str | None, nested: bool) -> str:
    source = f'<annotatedSource rdf:resource="{_iri(code)}"/>'
    xprop = '<annotatedProperty rdf:resource="&oboInOwl;hasDbXref"/>'
    target = f'<annotatedTarget rdf:datatype="&xsd;string">{escape(xref)}</annotatedTarget>'
    if nested and icd:
        return ("    <Axiom>\n        <annotatedSource>\n            <Axiom>\n"
                f"                {source}\n                {xprop}\n                {target}\n"
                f'                <obo:ECO_0000218 xml:lang="en">{escape(ICD_OLD[icd])}</obo:ECO_0000218>\n'
                "            </Axiom>\n        </annotatedSource>\n"
                '        <annotatedProperty rdf:resource="&obo;ECO_0000218"/>\n'
                f'        <annotatedTarget xml:lang="en">{escape(ICD_OLD[icd])}</annotatedTarget>\n'
                f'        <obo:ECO_0000218 xml:lang="en">{escape(ECO_OLD[precision])}</obo:ECO_0000218>\n'
                "    </Axiom>\n")
    text = f"- {ECO_OLD[precision]}." + (f"\n- {ICD_OLD[icd]}." if icd else "")
    return (f"    <Axiom>\n        {source}\n        {xprop}\n        {target}\n"
            f"        <obo:ECO_0000218>{escape(text)}</obo:ECO_0000218>\n    </Axiom>\n")


def generate(path: Path, clinical: int = 15000, genes: int = 4500, seed: int = 20240601) -> dict[str, int]:
    """Write a synthetic ORDO to ``path``; returns the counts the reader must reproduce."""
    rng = random.Random(seed)
    expected = {"concepts": 0, "edges": 0, "mappings": 0, "annotated": 0, "inactive": 0}
    next_code = iter(range(900000, 2000000))
    gene_codes = [str(next(next_code)) for _ in range(genes)]
    with path.open("w", encoding="utf-8") as out:
        out.write(HEADER)
        for prop, label in (("Orphanet_C021", "part_of"), ("Orphanet_C056", "moved_to"),
                            ("Orphanet_C057", "referred_to"), ("Orphanet_317343", "disease-causing germline mutation(s) in"),
                            ("Orphanet_C016", "has_inheritance"), ("Orphanet_C017", "has_age_of_onset")):
            out.write(f'    <ObjectProperty rdf:about="{ORDO}{prop}">\n        <rdfs:label>{label}</rdfs:label>\n    </ObjectProperty>\n')
        out.write('    <ObjectProperty rdf:about="&obo;BFO_0000050">\n        <rdfs:label>part of</rdfs:label>\n    </ObjectProperty>\n')
        out.write('    <AnnotationProperty rdf:about="&obo;ECO_0000218">\n        <rdfs:label>manual_assertion</rdfs:label>\n    </AnnotationProperty>\n')
        for code, label, parent in METACLASSES:
            out.write(f'    <Class rdf:about="{_iri(code)}">\n' + (_sub(parent) if parent else "")
                      + f"        <rdfs:label>{label}</rdfs:label>\n    </Class>\n")
        groups: list[str] = []
        disorders: list[str] = []
        for i in range(clinical):
            code = str(next(next_code))
            roll = rng.random()
            lines: list[str] = []
            axioms: list[str] = []
            label = _phrase(rng, rng.randint(2, 6)).capitalize()
            concept_edges = 0
            maps = 0
            inactive = roll >= 0.86
            if i < 50:  # classification heads
                kind, typology, typing = "group", "557495", "557492"
                lines.append(_sub("C001"))
            elif not inactive and roll < 0.17:
                kind, typology, typing = "group", rng.choice(("377794", "557495")), "557492"
            elif not inactive and roll < 0.75:
                kind, typology, typing = "disorder", rng.choice(("377788", "377789")), "557493"
            elif not inactive:
                kind, typology, typing = "subtype", rng.choice(("377795", "377796")), "557494"
            else:
                kind = rng.choice(("group", "disorder", "subtype"))
                typology, typing = "377788", ""
            if not inactive:
                if i >= 50:
                    for parent in rng.sample(groups, k=min(len(groups), rng.randint(1, 3))):
                        lines.append(_sub(parent))
                        concept_edges += 1
                lines.append(_sub(typology))
                lines.append(_sub(typing))
                if kind == "subtype" and disorders:
                    prop = rng.choice(("http://purl.obolibrary.org/obo/BFO_0000050", f"{ORDO}Orphanet_C021"))
                    lines.append(_restriction(prop, rng.choice(disorders)))
                    concept_edges += 1
                lines.append(_restriction(f"{ORDO}Orphanet_C016", "409930"))
                lines.append(_restriction(f"{ORDO}Orphanet_C017", "409944"))
                for gene in rng.sample(gene_codes, k=rng.randint(0, 3)):
                    lines.append(_restriction(f"{ORDO}Orphanet_317343", gene))
                    axioms.append(
                        f'    <Axiom>\n        <annotatedSource rdf:resource="{_iri(code)}"/>\n'
                        '        <annotatedProperty rdf:resource="&rdfs;subClassOf"/>\n'
                        "        <annotatedTarget>\n            <Restriction>\n"
                        f'                <onProperty rdf:resource="{ORDO}Orphanet_317343"/>\n'
                        f'                <someValuesFrom rdf:resource="{_iri(gene)}"/>\n'
                        "            </Restriction>\n        </annotatedTarget>\n"
                        '        <obo:ECO_0000205 xml:lang="en">Assessed</obo:ECO_0000205>\n    </Axiom>\n')
                for source, ref, icd in (("ICD-10", f"Q{rng.randint(0, 99):02d}.{rng.randint(0, 9)}", True),
                                         ("ICD-11", f"LD2{rng.randint(0, 9)}.{rng.randint(0, 9)}", True),
                                         ("OMIM", str(rng.randint(100000, 699999)), False),
                                         ("UMLS", f"C{rng.randint(0, 9999999):07d}", False),
                                         ("MeSH", f"D{rng.randint(0, 999999):06d}", False)):
                    if rng.random() < 0.55:
                        continue
                    xref = f"{source}:{ref}"
                    lines.append(f"        <oboInOwl:hasDbXref>{xref}</oboInOwl:hasDbXref>\n")
                    maps += 1
                    if icd or rng.random() < 0.5:
                        precision = rng.choice(("E", "NTBT", "NTBT", "BTNT", "ND"))
                        axioms.append(_xref_axiom(code, xref, precision, rng.choice(tuple(ICD_OLD)) if icd else None,
                                                  nested=icd and rng.random() < 0.3))
                        expected["annotated"] += 1
                if kind == "group":
                    groups.append(code)
                elif kind == "disorder":
                    disorders.append(code)
            else:
                which = rng.random()
                target = rng.choice(disorders or [code])
                if which < 0.2:  # 4.x deprecated
                    lines.append(_sub({"group": "C043", "disorder": "C044", "subtype": "C045"}[kind]))
                    lines.append(_restriction(f"{ORDO}Orphanet_C056", target))
                elif which < 0.75:  # 4.x obsolete
                    label = "OBSOLETE: " + label
                    lines.append(_sub({"group": "C051", "disorder": "C052", "subtype": "C053"}[kind]))
                    lines.append(_restriction(f"{ORDO}Orphanet_C057", target))
                elif which < 0.85:  # non-rare
                    label = "NON RARE IN EUROPE: " + label
                    lines.append(_sub({"group": "C047", "disorder": "C048", "subtype": "C049"}[kind]))
                else:  # 2.x style
                    label = "OBSOLETE: " + label
                    lines.append('        <rdfs:subClassOf rdf:resource="http://www.orpha.net/ORDO/ObsoleteClass"/>\n')
                    lines.append('        <owl:deprecated rdf:datatype="&xsd;boolean">true</owl:deprecated>\n')
                    lines.append(f'        <efo:reason_for_obsolescence rdf:datatype="&xsd;string">use {_iri(target)} with label: x</efo:reason_for_obsolescence>\n')
                expected["inactive"] += 1
            for _ in range(rng.randint(0, 4)):
                lines.append(f'        <efo:alternative_term xml:lang="en">{_phrase(rng, rng.randint(1, 5))}</efo:alternative_term>\n')
            if rng.random() < 0.8:
                definition = ". ".join(_phrase(rng, 12) for _ in range(rng.randint(2, 6)))
                lines.append(f'        <efo:definition xml:lang="en">{definition}.</efo:definition>\n')
                lines.append('        <efo:definition_citation xml:lang="en">Orphanet</efo:definition_citation>\n')
            lines.append(f"        <rdfs:label>{label}</rdfs:label>\n")
            lines.append(f'        <skos:notation rdf:datatype="&xsd;string">ORPHA:{code}</skos:notation>\n')
            if kind != "disorder":
                lines.append(f'        <skos:notation rdf:datatype="&xsd;string">{kind.capitalize()}</skos:notation>\n')
            lines.append(f"        <ORDO:Orphanet_C055>https://www.orpha.net/en/disease/detail/{code}</ORDO:Orphanet_C055>\n")
            out.write(f"\n    <!-- {_iri(code)} -->\n\n    <Class rdf:about=\"{_iri(code)}\">\n" + "".join(lines) + "    </Class>\n" + "".join(axioms))
            expected["concepts"] += 1
            expected["edges"] += concept_edges
            expected["mappings"] += maps
        for n, code in enumerate(gene_codes):
            out.write(f'\n    <Class rdf:about="{_iri(code)}">\n' + _sub("C010")
                      + f"        <rdfs:label>{_phrase(rng, 3)}</rdfs:label>\n"
                      + (f'        <skos:notation rdf:datatype="&xsd;string">ORPHA:{code}</skos:notation>\n' if n % 2 else "")
                      + f'        <efo:alternative_term xml:lang="en">G{n}</efo:alternative_term>\n'
                      + f"        <oboInOwl:hasDbXref>HGNC:{n + 1}</oboInOwl:hasDbXref>\n"
                      + f"        <oboInOwl:hasDbXref>Ensembl:ENSG{n:011d}</oboInOwl:hasDbXref>\n"
                      + "    </Class>\n")
        out.write("</rdf:RDF>\n")
    return expected


# --- measurements (each runs in its own interpreter) ---------------------------------------

def _measure_reader(path: str) -> dict[str, object]:
    from raremap.model import Concept, Edge, Mapping, Relation
    from raremap.release_input import BuildReport, ReadContext
    from raremap.sources.orphanet.ordo import READER

    baseline = _rss_mb()
    start = time.perf_counter()
    counts = {"concepts": 0, "edges": 0, "mappings": 0, "annotated": 0, "inactive": 0}
    file = Path(path)
    for record in READER.read((file,), ReadContext(root=file.parent, report=BuildReport())):
        if isinstance(record, Concept):
            counts["concepts"] += 1
            counts["inactive"] += not record.active
        elif isinstance(record, Edge):
            counts["edges"] += 1
        elif isinstance(record, Mapping):
            counts["mappings"] += 1
            counts["annotated"] += record.relation is not Relation.UNSPECIFIED
    return {"seconds": round(time.perf_counter() - start, 2), **counts, "rss_after_imports_mb": baseline}


def _measure_owlready2(path: str) -> dict[str, object]:
    """owlready2: load, then the same extraction through its triple store (no ORDO semantics
    beyond what the counts need: clinical descent, edges, xrefs and their ECO axioms)."""
    import owlready2

    baseline = _rss_mb()
    start = time.perf_counter()
    world = owlready2.World()
    world.get_ontology(Path(path).resolve().as_uri()).load()
    loaded = time.perf_counter() - start
    ab = world._abbreviate
    rdf, rdfs, owl = "http://www.w3.org/1999/02/22-rdf-syntax-ns#", "http://www.w3.org/2000/01/rdf-schema#", "http://www.w3.org/2002/07/owl#"
    TYPE, SUB, NOTATION = ab(rdf + "type"), ab(rdfs + "subClassOf"), ab("http://www.w3.org/2004/02/skos/core#notation")
    XREF, ECO = ab("http://www.geneontology.org/formats/oboInOwl#hasDbXref"), ab("http://purl.obolibrary.org/obo/ECO_0000218")
    SOURCE, PROPERTY, TARGET = ab(owl + "annotatedSource"), ab(owl + "annotatedProperty"), ab(owl + "annotatedTarget")
    ON, SOME = ab(owl + "onProperty"), ab(owl + "someValuesFrom")
    PART_OF = {ab("http://purl.obolibrary.org/obo/BFO_0000050"), ab(ORDO + "Orphanet_C021")}
    C001, C010 = ab(ORDO + "Orphanet_C001"), ab(ORDO + "Orphanet_C010")
    INACTIVE = {ab(f"{ORDO}Orphanet_C0{n}") for n in range(41, 54)} | {ab(ORDO + "ObsoleteClass")}
    classes = [c for c in world._get_obj_triples_po_s(TYPE, ab(owl + "Class")) if c > 0]
    parents = {c: list(world._get_obj_triples_sp_o(c, SUB)) for c in classes}
    roots: dict[int, frozenset[int]] = {}

    def markers(c: int) -> frozenset[int]:
        if c not in roots:
            roots[c] = frozenset()
            found = {c} & (INACTIVE | {C001, C010})
            for p in parents.get(c, ()):
                if p > 0:
                    found |= markers(p)
            roots[c] = frozenset(found)
        return roots[c]

    concept: dict[int, bool] = {}
    for c in classes:
        notes = [v for v, _ in world._get_data_triples_sp_od(c, NOTATION) if str(v).startswith("ORPHA:")]
        m = markers(c)
        if notes and C010 not in m and (C001 in m or m & INACTIVE):
            concept[c] = bool(m & INACTIVE)
    annotated: set[tuple[int, str]] = set()

    def xref_of(axiom: int, depth: int = 0) -> tuple[int, str] | None:
        source = world._get_obj_triple_sp_o(axiom, SOURCE)
        if source is None or depth > 8:
            return None
        if source < 0:
            return xref_of(source, depth + 1)
        if world._get_obj_triple_sp_o(axiom, PROPERTY) != XREF:
            return None
        target = world._get_triple_sp_od(axiom, TARGET)
        return (source, str(target[0])) if target else None

    for axiom in world._get_obj_triples_po_s(TYPE, ab(owl + "Axiom")):
        if next(iter(world._get_data_triples_sp_od(axiom, ECO)), None) is not None:
            found = xref_of(axiom)
            if found:
                annotated.add(found)
    counts = {"concepts": len(concept), "edges": 0, "mappings": 0, "annotated": 0, "inactive": sum(concept.values())}
    for c in concept:
        for p in parents[c]:
            if p > 0 and p in concept:
                counts["edges"] += 1
            elif p < 0 and world._get_obj_triple_sp_o(p, ON) in PART_OF and world._get_obj_triple_sp_o(p, SOME) in concept:
                counts["edges"] += 1
        for value, _ in world._get_data_triples_sp_od(c, XREF):
            counts["mappings"] += 1
            counts["annotated"] += (c, str(value)) in annotated
    return {"seconds": round(time.perf_counter() - start, 2), "load_seconds": round(loaded, 2), **counts,
            "rss_after_imports_mb": baseline}


def _measure_rdflib(path: str) -> dict[str, object]:
    import rdflib

    baseline = _rss_mb()
    start = time.perf_counter()
    graph = rdflib.Graph()
    graph.parse(path, format="xml")
    return {"seconds": round(time.perf_counter() - start, 2), "triples": len(graph), "note": "load only",
            "rss_after_imports_mb": baseline}


def _rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


MEASURES = {"reader": _measure_reader, "owlready2": _measure_owlready2, "rdflib": _measure_rdflib}


def _run(kind: str, path: Path) -> dict[str, object]:
    """Run one measurement in a child interpreter; adds its peak RSS."""
    proc = subprocess.run([sys.executable, __file__, "--measure", kind, str(path)], capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        return {"error": proc.stderr.strip().splitlines()[-1:] or ["failed"]}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clinical", type=int, default=15000, help="clinical entity classes (default 15000)")
    parser.add_argument("--genes", type=int, default=4500, help="gene classes (default 4500)")
    parser.add_argument("--compare", action="store_true", help="also time owlready2 and rdflib (minutes)")
    parser.add_argument("--keep", type=Path, help="write the synthetic ORDO here and keep it")
    parser.add_argument("--measure", nargs=2, metavar=("KIND", "FILE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        result = MEASURES[args.measure[0]](args.measure[1])
        result["peak_rss_mb"] = _rss_mb()
        print(json.dumps(result))
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        path = args.keep or Path(tmp) / "ORDO_en_9.9.owl"
        start = time.perf_counter()
        expected = generate(path, args.clinical, args.genes)
        print(f"synthetic ORDO: {path.stat().st_size / 2**20:.1f} MB, {args.clinical} clinical + {args.genes} gene classes, "
              f"written in {time.perf_counter() - start:.1f} s")
        print(f"expected: {expected}")
        kinds = ["reader", "owlready2", "rdflib"] if args.compare else ["reader"]
        status = 0
        for kind in kinds:
            result = _run(kind, path)
            print(f"{kind:10s} {json.dumps(result)}")
            if kind == "reader" and any(result.get(k) != v for k, v in expected.items()):
                print("reader output does not match the generated content", file=sys.stderr)
                status = 1
    return status


if __name__ == "__main__":
    sys.exit(main())
