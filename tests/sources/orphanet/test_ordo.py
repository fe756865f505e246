"""ORDO (OWL RDF/XML) reader: fixture content, both ECO_0000218 shapes, inactive signalling of
ORDO 2.x and 4.x, genes ignored, broken files, and agreement with the Orphanet XML products.

Entity content in the fixtures and inline snippets is real (Orphanet nomenclature pack 2023,
Dec 2025 product1, the ORDO 2.x excerpt quoted in formats.md §2.3); the class structure
around it follows formats.md §2.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from raremap.errors import ReleaseFormatError
from raremap.model import Concept, Edge, IcdRelation, Mapping, Relation, Release, Replacement, Status, Term, TermKind
from raremap.release_input import BuildReport, ReadContext
from raremap.sources.orphanet.ordo import READER
from paths import DATA, FIXTURES

FIXTURES = FIXTURES / "ordo"
ORDO_FIXTURE = FIXTURES / "ORDO_en_sample.owl"
O = "http://www.orpha.net/ORDO/Orphanet_"


def run(path: Path, report: BuildReport | None = None) -> list:
    return list(READER.read((path,), ReadContext(root=path.parent, report=report or BuildReport())))


def concepts(records: list) -> dict[str, Concept]:
    return {r.code: r for r in records if isinstance(r, Concept)}


def mappings(records: list) -> dict[tuple[str, str], Mapping]:
    return {(r.source, r.target): r for r in records if isinstance(r, Mapping)}


HEAD_4X = """<?xml version="1.0"?>
<rdf:RDF xmlns="http://www.w3.org/2002/07/owl#"
     xml:base="http://www.orpha.net/ORDO/ordo_orphanet.owl"
     xmlns:efo="http://www.ebi.ac.uk/efo/"
     xmlns:obo="http://purl.obolibrary.org/obo/"
     xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
     xmlns:owl="http://www.w3.org/2002/07/owl#"
     xmlns:skos="http://www.w3.org/2004/02/skos/core#"
     xmlns:rdfs="http://www.w3.org/2000/01/rdf-schema#"
     xmlns:oboInOwl="http://www.geneontology.org/formats/oboInOwl#">
    <Ontology rdf:about="http://www.orpha.net/ORDO/ordo_orphanet.owl">
        <versionInfo>4.3</versionInfo>
    </Ontology>
    <Class rdf:about="http://www.orpha.net/ORDO/Orphanet_C001"/>
    <Class rdf:about="http://www.orpha.net/ORDO/Orphanet_C010"/>
"""

# ORDO 2.x: prefixed owl:, entity declarations, ObsoleteClass (formats.md §2.3 excerpt 1)
HEAD_2X = """<?xml version="1.0"?>
<!DOCTYPE rdf:RDF [
    <!ENTITY xsd "http://www.w3.org/2001/XMLSchema#" >
    <!ENTITY obo "http://purl.obolibrary.org/obo/" >
    <!ENTITY oboInOwl "http://www.geneontology.org/formats/oboInOwl#" >
]>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
     xmlns:owl="http://www.w3.org/2002/07/owl#"
     xmlns:efo="http://www.ebi.ac.uk/efo/"
     xmlns:obo="http://purl.obolibrary.org/obo/"
     xmlns:skos="http://www.w3.org/2004/02/skos/core#"
     xmlns:rdfs="http://www.w3.org/2000/01/rdf-schema#"
     xmlns:oboInOwl="http://www.geneontology.org/formats/oboInOwl#">
    <owl:Ontology rdf:about="http://www.orpha.net/ontology/orphanet.owl">
        <owl:versionInfo rdf:datatype="&xsd;string">2.1</owl:versionInfo>
    </owl:Ontology>
    <owl:Class rdf:about="http://www.orpha.net/ORDO/Orphanet_C001"/>
    <owl:Class rdf:about="http://www.orpha.net/ORDO/ObsoleteClass"/>
"""

MED_AL_GAZALI_2X = f"""
    <owl:Class rdf:about="{O}166024">
        <rdfs:subClassOf rdf:resource="{O}C001"/>
        <rdfs:subClassOf rdf:resource="{O}377788"/>
        <rdfs:label rdf:datatype="&xsd;string">Multiple epiphyseal dysplasia, Al-Gazali type</rdfs:label>
        <oboInOwl:hasDbXref rdf:datatype="&xsd;string">ICD-10:Q77.3</oboInOwl:hasDbXref>
        <oboInOwl:hasDbXref rdf:datatype="&xsd;string">OMIM:607131</oboInOwl:hasDbXref>
    </owl:Class>
    <owl:Axiom>
        <owl:annotatedSource>
            <owl:Axiom>
                <owl:annotatedSource rdf:resource="{O}166024"/>
                <owl:annotatedProperty rdf:resource="&oboInOwl;hasDbXref"/>
                <owl:annotatedTarget rdf:datatype="&xsd;string">ICD-10:Q77.3</owl:annotatedTarget>
                <obo:ECO_0000218 xml:lang="en">Attributed (The ICD10 code is attributed by Orphanet)</obo:ECO_0000218>
            </owl:Axiom>
        </owl:annotatedSource>
        <owl:annotatedProperty rdf:resource="&obo;ECO_0000218"/>
        <owl:annotatedTarget xml:lang="en">Attributed (The ICD10 code is attributed by Orphanet)</owl:annotatedTarget>
        <obo:ECO_0000218 xml:lang="en">NTBT (ORPHA code&apos;s Narrower Term maps to a Broader Term)</obo:ECO_0000218>
    </owl:Axiom>
"""

MED_AL_GAZALI_4X = f"""
    <Class rdf:about="{O}166024">
        <rdfs:subClassOf rdf:resource="{O}C001"/>
        <rdfs:subClassOf rdf:resource="{O}557493"/>
        <rdfs:label>Multiple epiphyseal dysplasia, Al-Gazali type</rdfs:label>
        <skos:notation>ORPHA:166024</skos:notation>
        <oboInOwl:hasDbXref>ICD-10:Q77.3</oboInOwl:hasDbXref>
        <oboInOwl:hasDbXref>OMIM:607131</oboInOwl:hasDbXref>
    </Class>
    <Axiom>
        <annotatedSource rdf:resource="{O}166024"/>
        <annotatedProperty rdf:resource="http://www.geneontology.org/formats/oboInOwl#hasDbXref"/>
        <annotatedTarget>ICD-10:Q77.3</annotatedTarget>
        <obo:ECO_0000218>- NTBT (ORPHA code's Narrower Term maps to a Broader Term).
- Attributed (The ICD10 code is attributed by Orphanet).</obo:ECO_0000218>
    </Axiom>
"""


def write(tmp_path: Path, text: str, name: str = "ORDO_en_4.3.owl") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# --- the fixture ---------------------------------------------------------------------------

def test_find_claims_ordo_only(tmp_path: Path) -> None:
    other = write(tmp_path, "<Ontology/>", "ORDO_en_broken.owl")
    files = [ORDO_FIXTURE, FIXTURES / "en_product1.xml", other]
    assert READER.find(files) == [(ORDO_FIXTURE,)]


def test_fixture_release_and_concepts() -> None:
    records = run(ORDO_FIXTURE)
    release = records[0]
    assert isinstance(release, Release)
    assert (release.id, release.version, release.date, release.system) == ("ordo:4.3", "4.3", "2023-07-03", "ORPHA")
    assert "CC BY 4.0" in release.licence
    found = concepts(records)
    # the gene Orphanet_121984 (below C010) and the typing/metaclasses are not concepts
    assert set(found) == {"ORPHA:251", "ORPHA:166024", "ORPHA:93313", "ORPHA:166068", "ORPHA:2655", "ORPHA:1860"}
    assert all(c.release == "ordo:4.3" and c.system == "ORPHA" for c in found.values())
    assert {code: c.kind for code, c in found.items()} == {
        "ORPHA:251": "group", "ORPHA:166024": "disorder", "ORPHA:93313": "disorder",
        "ORPHA:166068": "disorder", "ORPHA:2655": "disorder", "ORPHA:1860": "subtype",
    }
    med = found["ORPHA:251"]
    assert med.label == "Multiple epiphyseal dysplasia" and med.labels == {"en": "Multiple epiphyseal dysplasia"}
    assert med.synonyms == tuple(Term(t, "en", TermKind.SYNONYM) for t in ("EDM", "MED", "Polyepiphyseal dysplasia"))
    assert med.attributes["disorder_type"] == "Clinical group"
    al_gazali = found["ORPHA:166024"]
    assert al_gazali.definition is not None and "<i>" not in al_gazali.definition
    assert "present with joint swelling and genu valgum." in al_gazali.definition


def test_fixture_statuses_and_replacements() -> None:
    found = concepts(run(ORDO_FIXTURE))
    obsolete = found["ORPHA:93313"]
    assert obsolete.status is Status.OBSOLETE
    assert obsolete.label == "Multiple epiphyseal dysplasia, unclassified type"  # "OBSOLETE: " stripped
    assert obsolete.replaced_by == (Replacement("ORPHA:251", "referred_to"),)
    deprecated = found["ORPHA:166068"]
    assert deprecated.status is Status.DEPRECATED
    assert deprecated.replaced_by == (Replacement("ORPHA:166063", "moved_to"),)
    assert all(found[c].status is Status.ACTIVE for c in ("ORPHA:251", "ORPHA:166024", "ORPHA:2655", "ORPHA:1860"))


def test_fixture_edges() -> None:
    edges = {(e.child, e.parent, e.hierarchy) for e in run(ORDO_FIXTURE) if isinstance(e, Edge)}
    # typing classes (557493 …), typology classes (377788 …) and C001 are not parents
    assert edges == {("ORPHA:166024", "ORPHA:251", "ordo"), ("ORPHA:1860", "ORPHA:2655", "ordo:part_of")}


def test_fixture_mappings() -> None:
    found = mappings(run(ORDO_FIXTURE))
    assert set(found) == {("ORPHA:166024", t) for t in
                          ("ICD11:LD24.61", "MONDO:0011778", "ICD10:Q77.3", "OMIM:607131", "UMLS:C4304500")}
    icd10 = found["ORPHA:166024", "ICD10:Q77.3"]
    assert (icd10.relation, icd10.icd_relation, icd10.published) == (Relation.NARROWER, IcdRelation.ATTRIBUTED, "Q77.3")
    icd11 = found["ORPHA:166024", "ICD11:LD24.61"]
    assert (icd11.relation, icd11.icd_relation) == (Relation.NARROWER, IcdRelation.INDEX)
    omim = found["ORPHA:166024", "OMIM:607131"]
    assert (omim.relation, omim.icd_relation) == (Relation.EXACT, None)
    assert all(m.validated is None for m in found.values())  # ORDO states no validation
    assert icd10.provenance is not None and icd10.provenance.release == "ordo:4.3"
    assert icd10.provenance.file == "ORDO_en_sample.owl"


def test_gene_classes_are_ignored_even_with_an_orpha_notation(tmp_path: Path) -> None:
    gene = f"""
    <Class rdf:about="{O}121984">
        <rdfs:subClassOf rdf:resource="{O}C010"/>
        <rdfs:label>glucose-6-phosphate dehydrogenase</rdfs:label>
        <skos:notation>ORPHA:121984</skos:notation>
        <oboInOwl:hasDbXref>HGNC:4057</oboInOwl:hasDbXref>
    </Class>
"""
    records = run(write(tmp_path, HEAD_4X + gene + MED_AL_GAZALI_4X + "</rdf:RDF>"))
    assert set(concepts(records)) == {"ORPHA:166024"}
    assert not any(m.target == "HGNC:4057" for m in records if isinstance(m, Mapping))


# --- ECO_0000218 shapes --------------------------------------------------------------------

@pytest.mark.parametrize("text", [HEAD_2X + MED_AL_GAZALI_2X, HEAD_4X + MED_AL_GAZALI_4X], ids=["nested-2x", "lines-4x"])
def test_both_eco_shapes(tmp_path: Path, text: str) -> None:
    found = mappings(run(write(tmp_path, text + "</rdf:RDF>")))
    icd10 = found["ORPHA:166024", "ICD10:Q77.3"]
    assert (icd10.relation, icd10.icd_relation) == (Relation.NARROWER, IcdRelation.ATTRIBUTED)
    # an xref without an annotation states no relation
    omim = found["ORPHA:166024", "OMIM:607131"]
    assert (omim.relation, omim.icd_relation) == (Relation.UNSPECIFIED, None)


def test_axiom_and_restriction_as_separate_blank_nodes(tmp_path: Path) -> None:
    body = f"""
    <Class rdf:about="{O}2655">
        <rdfs:subClassOf rdf:resource="{O}C001"/>
        <rdfs:label>Thanatophoric dysplasia</rdfs:label>
        <skos:notation>ORPHA:2655</skos:notation>
    </Class>
    <Class rdf:about="{O}1860">
        <rdfs:subClassOf rdf:resource="{O}557494"/>
        <rdfs:subClassOf rdf:resource="{O}C001"/>
        <rdfs:subClassOf rdf:nodeID="r1"/>
        <rdfs:label>Thanatophoric dysplasia type 1</rdfs:label>
        <skos:notation>ORPHA:1860</skos:notation>
        <oboInOwl:hasDbXref>ICD-10:Q77.1</oboInOwl:hasDbXref>
    </Class>
    <Axiom rdf:nodeID="a2">
        <annotatedSource rdf:nodeID="a1"/>
        <annotatedProperty rdf:resource="http://purl.obolibrary.org/obo/ECO_0000218"/>
        <obo:ECO_0000218>E (Exact mapping: the two concepts are equivalent)</obo:ECO_0000218>
    </Axiom>
    <Axiom rdf:nodeID="a1">
        <annotatedSource rdf:resource="{O}1860"/>
        <annotatedProperty rdf:resource="http://www.geneontology.org/formats/oboInOwl#hasDbXref"/>
        <annotatedTarget>ICD-10:Q77.1</annotatedTarget>
        <obo:ECO_0000218>Specific code (The ORPHA code has its own code in the ICD10)</obo:ECO_0000218>
    </Axiom>
    <Restriction rdf:nodeID="r1">
        <onProperty rdf:resource="{O}C021"/>
        <someValuesFrom rdf:resource="{O}2655"/>
    </Restriction>
"""
    records = run(write(tmp_path, HEAD_4X + body + "</rdf:RDF>"))
    assert [(e.child, e.parent, e.hierarchy) for e in records if isinstance(e, Edge)] == [
        ("ORPHA:1860", "ORPHA:2655", "ordo:part_of")]
    mapping = mappings(records)["ORPHA:1860", "ICD10:Q77.1"]
    assert (mapping.relation, mapping.icd_relation) == (Relation.EXACT, IcdRelation.SPECIFIC)


def test_icd10_marker_and_unparseable_reference(tmp_path: Path) -> None:
    body = f"""
    <Class rdf:about="{O}166024">
        <rdfs:subClassOf rdf:resource="{O}C001"/>
        <rdfs:label>Multiple epiphyseal dysplasia, Al-Gazali type</rdfs:label>
        <skos:notation>ORPHA:166024</skos:notation>
        <oboInOwl:hasDbXref>ICD-10:Q77.3+</oboInOwl:hasDbXref>
        <oboInOwl:hasDbXref>ICD-10:not a code</oboInOwl:hasDbXref>
        <oboInOwl:hasDbXref>no source prefix</oboInOwl:hasDbXref>
    </Class>
"""
    report = BuildReport()
    found = mappings(run(write(tmp_path, HEAD_4X + body + "</rdf:RDF>"), report))
    assert list(found) == [("ORPHA:166024", "ICD10:Q77.3")]
    assert found["ORPHA:166024", "ICD10:Q77.3"].qualifier == "marker=+"
    assert found["ORPHA:166024", "ICD10:Q77.3"].published == "Q77.3+"
    assert sum(report.skipped.values()) == 2


# --- inactive signalling -------------------------------------------------------------------

def test_ordo_2x_obsolete_class(tmp_path: Path) -> None:
    # verbatim shape of the 2016 excerpt (formats.md §2.3): no notation, no owl:deprecated
    body = f"""
    <owl:Class rdf:about="{O}93564">
        <rdfs:subClassOf rdf:resource="http://www.orpha.net/ORDO/ObsoleteClass"/>
        <efo:reason_for_obsolescence rdf:datatype="&xsd;string">use http://www.orpha.net/ORDO/Orphanet_767 with label: Polyarteritis nodosa</efo:reason_for_obsolescence>
        <rdfs:label rdf:datatype="&xsd;string">Pediatric polyarteritis nodosa</rdfs:label>
    </owl:Class>
"""
    found = concepts(run(write(tmp_path, HEAD_2X + body + "</rdf:RDF>", "ORDO_en_2.1.owl")))
    concept = found["ORPHA:93564"]
    assert concept.status is Status.OBSOLETE
    assert concept.label == "Pediatric polyarteritis nodosa"
    assert concept.replaced_by == (Replacement("ORPHA:767", "referred_to"),)


@pytest.mark.parametrize(
    ("extra", "label", "status"),
    [
        ('<owl:deprecated rdf:datatype="http://www.w3.org/2001/XMLSchema#boolean">true</owl:deprecated>',
         "Brachydactyly type D", Status.OBSOLETE),
        ("", "NON RARE IN EUROPE: Brachydactyly type D", Status.NON_RARE),
        (f'<rdfs:subClassOf rdf:resource="{O}C048"/>', "NON RARE IN EUROPE: Brachydactyly type D", Status.NON_RARE),
        (f'<rdfs:subClassOf rdf:resource="{O}C041"/>', "Brachydactyly type D", Status.INACTIVE),
    ],
)
def test_inactive_signals(tmp_path: Path, extra: str, label: str, status: Status) -> None:
    body = f"""
    <Class rdf:about="{O}C041"/>
    <Class rdf:about="{O}C046"><rdfs:subClassOf rdf:resource="{O}C041"/></Class>
    <Class rdf:about="{O}C048"><rdfs:subClassOf rdf:resource="{O}C046"/></Class>
    <Class rdf:about="{O}93385">
        <rdfs:subClassOf rdf:resource="{O}C001"/>
        {extra}
        <rdfs:label>{label}</rdfs:label>
        <skos:notation>ORPHA:93385</skos:notation>
    </Class>
"""
    concept = concepts(run(write(tmp_path, HEAD_4X + body + "</rdf:RDF>")))["ORPHA:93385"]
    assert concept.status is status
    assert concept.label == "Brachydactyly type D"


def test_language_comes_from_the_file_name(tmp_path: Path) -> None:
    records = run(write(tmp_path, HEAD_4X + MED_AL_GAZALI_4X + "</rdf:RDF>", "ORDO_fr_4.3.owl"))
    assert records[0].id == "ordo-fr:4.3"
    assert concepts(records)["ORPHA:166024"].labels == {"fr": "Multiple epiphyseal dysplasia, Al-Gazali type"}


# --- broken and hostile files --------------------------------------------------------------

def test_malformed_owl_names_file_and_position(tmp_path: Path) -> None:
    text = ORDO_FIXTURE.read_text(encoding="utf-8").replace("</efo:definition>", "</efo:definitio>", 1)
    with pytest.raises(ReleaseFormatError) as err:
        run(write(tmp_path, text))
    assert err.value.file == "ORDO_en_4.3.owl"
    assert err.value.position.startswith("line ") and ", column " in err.value.position


def test_truncated_file(tmp_path: Path) -> None:
    data = ORDO_FIXTURE.read_bytes()
    path = tmp_path / "ORDO_en_4.3.owl"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(ReleaseFormatError, match="malformed XML"):
        run(path)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ('<?xml version="1.0"?><JDBOR/>', "not RDF/XML"),
        (HEAD_4X.replace("<Ontology", "<Nothing").replace("</Ontology>", "</Nothing>") + "</rdf:RDF>", "owl:Ontology"),
        ('<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "x"><!ENTITY b "&a;&a;">]>'
         '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/>', "unsafe"),
        ('<?xml version="1.0"?><!DOCTYPE r [<!ENTITY e SYSTEM "http://example.org/x">]>'
         '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">&e;</rdf:RDF>', "unsafe"),
        ('<?xml version="1.0"?><!DOCTYPE r [<!ENTITY % p "x">]>'
         '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/>', "unsafe"),
        ("", "line 1"),
    ],
    ids=["not-rdf", "no-header", "nested-entity", "external-entity", "parameter-entity", "empty"],
)
def test_structural_errors(tmp_path: Path, text: str, reason: str) -> None:
    with pytest.raises(ReleaseFormatError, match=reason):
        run(write(tmp_path, text))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_mangled_input_fails_cleanly(tmp_path: Path, data: st.DataObject) -> None:
    raw = bytearray(ORDO_FIXTURE.read_bytes())
    for _ in range(data.draw(st.integers(1, 4))):
        at = data.draw(st.integers(0, len(raw) - 1))
        action = data.draw(st.sampled_from(["replace", "delete", "insert", "truncate"]))
        chunk = data.draw(st.binary(min_size=1, max_size=8))
        if action == "replace":
            raw[at:at + len(chunk)] = chunk
        elif action == "delete":
            del raw[at:at + len(chunk)]
        elif action == "insert":
            raw[at:at] = chunk
        else:
            del raw[at:]
        if not raw:
            break
    path = tmp_path / "ORDO_en_4.3.owl"
    path.write_bytes(bytes(raw))
    report = BuildReport()
    try:
        records = run(path, report)
    except ReleaseFormatError as err:
        assert err.file == "ORDO_en_4.3.owl" and err.position
        return
    assert isinstance(records[0], Release)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(label=st.text(max_size=40), xref=st.text(max_size=30), notation=st.text(max_size=15))
def test_arbitrary_literals_never_crash(tmp_path: Path, label: str, xref: str, notation: str) -> None:
    from xml.sax.saxutils import escape

    clean = lambda s: escape("".join(ch for ch in s if ch in "\t\n\r" or ord(ch) >= 0x20 and not 0xD800 <= ord(ch) <= 0xDFFF and ord(ch) not in (0xFFFE, 0xFFFF)))  # noqa: E731
    body = f"""
    <Class rdf:about="{O}166024">
        <rdfs:subClassOf rdf:resource="{O}C001"/>
        <rdfs:label>{clean(label)}</rdfs:label>
        <skos:notation>{clean(notation)}</skos:notation>
        <oboInOwl:hasDbXref>{clean(xref)}</oboInOwl:hasDbXref>
    </Class>
"""
    records = run(write(tmp_path, HEAD_4X + body + "</rdf:RDF>"))
    assert isinstance(records[0], Release)


def test_gzipped_release_is_found_and_read(tmp_path: Path) -> None:
    import gzip

    path = tmp_path / "ORDO_en_4.3.owl.gz"
    with gzip.open(path, "wb") as fh:
        fh.write(ORDO_FIXTURE.read_bytes())
    assert READER.find([path]) == [(path,)]
    assert len(concepts(run(path))) == 6


# --- the same concept from ORDO and from the XML products -----------------------------------

def _comparable_concept(c: Concept) -> Concept:
    # the release differs by definition; attributes legitimately differ (flags only in XML)
    return replace(c, release="", attributes={})


def _comparable_mapping(m: Mapping) -> Mapping:
    # provenance names the file; ORDO states no validation; the ICD-11 RefUrl/RefUri that
    # product1 keeps in the qualifier has no counterpart in ORDO
    return replace(m, provenance=None, validated=None, qualifier="" if m.target.startswith("ICD11:") else m.qualifier)


def test_ordo_and_product1_agree_on_the_same_concepts() -> None:
    from raremap.sources.orphanet.products import PRODUCT1

    product1 = FIXTURES / "en_product1.xml"
    assert PRODUCT1.find([product1, ORDO_FIXTURE]) == [(product1,)]
    from_xml = list(PRODUCT1.read((product1,), ReadContext(root=FIXTURES, report=BuildReport())))
    from_owl = run(ORDO_FIXTURE)
    xml_concepts, owl_concepts = concepts(from_xml), concepts(from_owl)
    assert set(xml_concepts) == set(owl_concepts) and len(owl_concepts) == 6
    for code, concept in owl_concepts.items():
        assert _comparable_concept(concept) == _comparable_concept(xml_concepts[code]), code
        shared = {k: v for k, v in concept.attributes.items() if k in xml_concepts[code].attributes}
        assert shared == {k: xml_concepts[code].attributes[k] for k in shared}, code
    xml_maps = {_comparable_mapping(m) for m in from_xml if isinstance(m, Mapping)}
    owl_maps = {_comparable_mapping(m) for m in from_owl if isinstance(m, Mapping)}
    assert xml_maps == owl_maps and len(owl_maps) == 5


BUNDLED = DATA / "orphanet"


@pytest.mark.skipif(not (BUNDLED / "ORDO_en_4.3.owl").is_file(), reason="bundled sample releases not present")
def test_bundled_sample_ordo_matches_bundled_product1() -> None:
    from raremap.sources.orphanet.products import PRODUCT1

    from_xml = concepts(list(PRODUCT1.read((BUNDLED / "en_product1.xml",), ReadContext(root=BUNDLED, report=BuildReport()))))
    from_owl = concepts(run(BUNDLED / "ORDO_en_4.3.owl"))
    shared = set(from_xml) & set(from_owl)
    assert shared and len(shared) == len(from_owl)
    assert {c: _comparable_concept(from_owl[c]) for c in shared} == {c: _comparable_concept(from_xml[c]) for c in shared}


@pytest.mark.parametrize(("notes", "expected"), [
    (["- NTBT (ORPHA code's Narrower Term maps to a Broader Term).\n- Attributed (The ICD10 code is attributed by Orphanet)."],
     (Relation.NARROWER, IcdRelation.ATTRIBUTED)),
    (["- bTNT (ORPHA code's Broader Term maps to a Narrower Term).\n- Specific code (The ORPHA code has its own code in the ICD10)."],
     (Relation.BROADER, IcdRelation.SPECIFIC)),
    (["E (Exact mapping: the two concepts are equivalent)"], (Relation.EXACT, None)),
    ([], (Relation.UNSPECIFIED, None)),
])
def test_eco_annotation_tokens_in_any_letter_case(notes, expected):
    from raremap.sources.orphanet.ordo import _annotation

    assert _annotation(notes) == expected
