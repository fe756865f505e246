"""The bundled sample release in data/: real content, official formats, the promised coverage.

These tests parse the files directly with the standard library (and openpyxl for the MasterFile),
so they do not depend on raremap's readers. Tests taking ``shared_data`` compare every fact with
the real release files in ../shared/data; the others check the sample's shape on a fresh clone.
"""

from __future__ import annotations

import gzip
import re
import uuid
import xml.etree.ElementTree as ET
from collections import Counter
from functools import cache
from pathlib import Path

import pytest

from raremap.codes import verhoeff_valid
from paths import DATA

DATA = DATA
ORPHA_DIR = DATA / "orphanet"
NOMENCLATURE = ORPHA_DIR / "ORPHAnomenclature_en_2023.xml"
PRODUCT1 = ORPHA_DIR / "en_product1.xml"
PRODUCT3 = sorted(ORPHA_DIR.glob("en_product3_*.xml"))
ORDO_FILE = next(ORPHA_DIR.glob("ORDO_en_4.*.owl"))
SE_DIR = DATA / "icd10se"
TABULATION = DATA / "icd11" / "SimpleTabulation-ICD-11-MMS-en.txt"
WHO_MAP = DATA / "icd11" / "mapping" / "10To11MapToOneCategory.txt"
SNOMED = DATA / "snomed"

PREFIXES = ("OBSOLETE: ", "NON RARE IN EUROPE: ")
RDF = "{http://www.w3.org/1999/02/22-rdf-syntax-ns#}"
OWL = "{http://www.w3.org/2002/07/owl#}"
RDFS = "{http://www.w3.org/2000/01/rdf-schema#}"
ORDO_NS = "http://www.orpha.net/ORDO/"
ORDO_INACTIVE = {
    "C043": "Inactive: Deprecated", "C044": "Inactive: Deprecated", "C045": "Inactive: Deprecated",
    "C047": "Inactive: Non rare disease in Europe", "C048": "Inactive: Non rare disease in Europe",
    "C049": "Inactive: Non rare disease in Europe",
    "C051": "Inactive: Obsolete", "C052": "Inactive: Obsolete", "C053": "Inactive: Obsolete",
}


def strip_prefix(name: str) -> str:
    for p in PREFIXES:
        if name.startswith(p):
            return name[len(p):]
    return name


def dotless(code: str) -> str:
    return code.rstrip("+*").replace(".", "")


# ------------------------------------------------------------------------------------------
# Parsing the sample (stdlib only)
# ------------------------------------------------------------------------------------------
def disorder_facts(d: ET.Element) -> dict:
    redirect = []
    for a in d.iterfind("DisorderDisorderAssociationList/DisorderDisorderAssociation"):
        if a.find("RootDisorder").get("cycle") == "true":
            redirect.append((a.findtext("DisorderDisorderAssociationType/Name"),
                             a.findtext("TargetDisorder/OrphaCode")))
    return {
        "name": d.findtext("Name"),
        "status": d.findtext("Totalstatus"),
        "synonyms": [s.text for s in d.iterfind("SynonymList/Synonym")],
        "type": d.findtext("DisorderType/Name"),
        "level": d.findtext("ClassificationLevel/Name") or d.findtext("DisorderGroup/Name"),
        "redirect": sorted(redirect),
        "flags": {f.get("id") for f in d.iterfind("DisorderFlagList/DisorderFlag")},
        "definition": d.findtext("SummaryInformationList/SummaryInformation/TextSectionList/TextSection/Contents"),
    }


@cache
def nomenclature() -> dict[str, dict]:
    root = ET.parse(NOMENCLATURE).getroot()
    return {d.findtext("OrphaCode"): disorder_facts(d) for d in root.iterfind("DisorderList/Disorder")}


@cache
def product1() -> dict[str, dict]:
    root = ET.parse(PRODUCT1).getroot()
    out = {}
    for d in root.iterfind("DisorderList/Disorder"):
        facts = disorder_facts(d)
        facts["refs"] = [
            {
                "source": x.findtext("Source"),
                "reference": x.findtext("Reference"),
                "relation": (x.findtext("DisorderMappingRelation/Name") or "").split(" ")[0],
                "icd_relation": (x.findtext("DisorderMappingICDRelation/Name") or "").split(" ")[0],
            }
            for x in d.iterfind("ExternalReferenceList/ExternalReference")
        ]
        out[d.findtext("OrphaCode")] = facts
    return out


def product1_status(flags: set[str]) -> str:
    if "495" not in flags:
        return "Active"
    if "459" in flags:
        return "Inactive: Deprecated"
    if "456" in flags:
        return "Inactive: Non rare disease in Europe"
    return "Inactive: Obsolete"


@cache
def product3_edges() -> dict[str, set[tuple[str, str]]]:
    out: dict[str, set[tuple[str, str]]] = {}
    for path in PRODUCT3:
        root = ET.parse(path).getroot()
        for cl in root.iter("Classification"):
            edges: set[tuple[str, str]] = set()

            def walk(node: ET.Element, parent: str | None) -> None:
                code = node.findtext("Disorder/OrphaCode")
                if parent:
                    edges.add((parent, code))
                for child in node.iterfind("ClassificationNodeChildList/ClassificationNode"):
                    walk(child, code)

            for node in cl.iterfind("ClassificationNodeRootList/ClassificationNode"):
                walk(node, None)
            out[cl.get("id")] = edges
    return out


@cache
def product3_names() -> dict[str, str]:
    names = {}
    for path in PRODUCT3:
        for d in ET.parse(path).getroot().iter("Disorder"):
            names[d.findtext("OrphaCode")] = d.findtext("Name")
    return names


@cache
def ordo() -> dict[str, dict]:
    """ORPHA code -> facts from the ORDO RDF/XML (classes with an ORPHA: notation)."""
    root = ET.parse(ORDO_FILE).getroot()
    eco: dict[tuple[str, str], str] = {}
    for ax in root.iter(f"{OWL}Axiom"):
        src = ax.find(f"{OWL}annotatedSource").get(f"{RDF}resource")
        target = ax.findtext(f"{OWL}annotatedTarget")
        eco[(src.rsplit("_", 1)[1], target)] = ax.findtext("{http://purl.obolibrary.org/obo/}ECO_0000218")
    out = {}
    for cls in root.iter(f"{OWL}Class"):
        notations = [n.text for n in cls.iterfind("{http://www.w3.org/2004/02/skos/core#}notation")]
        codes = [n[6:] for n in notations if re.fullmatch(r"ORPHA:\d+", n or "")]
        if not codes:
            continue
        code = codes[0]
        supers, restrictions = [], []
        for sc in cls.iterfind(f"{RDFS}subClassOf"):
            if sc.get(f"{RDF}resource"):
                supers.append(sc.get(f"{RDF}resource").removeprefix(ORDO_NS + "Orphanet_"))
            else:
                r = sc.find(f"{OWL}Restriction")
                restrictions.append((r.find(f"{OWL}onProperty").get(f"{RDF}resource"),
                                     r.find(f"{OWL}someValuesFrom").get(f"{RDF}resource").rsplit("_", 1)[1]))
        xrefs = [x.text for x in cls.iterfind("{http://www.geneontology.org/formats/oboInOwl#}hasDbXref")]
        out[code] = {
            "label": cls.findtext(f"{RDFS}label"),
            "synonyms": [s.text for s in cls.iterfind("{http://www.ebi.ac.uk/efo/}alternative_term")],
            "definition": cls.findtext("{http://www.ebi.ac.uk/efo/}definition"),
            "supers": supers,
            "restrictions": restrictions,
            "xrefs": {x: eco.get((code, x)) for x in xrefs},
        }
    return out


def read_inera(name: str, base: Path = SE_DIR) -> list[str]:
    return (base / name).read_text(encoding="utf-8-sig").split("\n")


def icd10se_codes() -> dict[str, tuple[str, str]]:
    out = {}
    for n in (3, 4, 5):
        for line in read_inera(f"digit{n}.txt"):
            code, marker, title = line.split("\t")
            out[code] = (marker, title)
    return out


def crlf_lines(path: Path, encoding: str = "utf-8-sig") -> list[str]:
    lines = path.read_bytes().decode(encoding).split("\r\n")
    assert lines[-1] == ""
    return lines[:-1]


def rf2(name_start: str) -> list[list[str]]:
    (path,) = SNOMED.glob(f"{name_start}*.txt")
    return [line.split("\t") for line in crlf_lines(path, "utf-8")]


def product1_icd_refs(source: str) -> list[tuple[str, str, str, str]]:
    return [(code, r["reference"], r["relation"], r["icd_relation"])
            for code, facts in product1().items() for r in facts["refs"] if r["source"] == source]


# ------------------------------------------------------------------------------------------
# (b) Shape of the sample — no shared data needed
# ------------------------------------------------------------------------------------------
def test_sample_covers_the_promised_kinds_of_orpha_entities():
    nom = nomenclature()
    active = {c: f for c, f in nom.items() if f["status"] == "Active"}
    levels = Counter(f["level"] for f in active.values())
    assert levels["Disorder"] >= 40
    assert levels["Group of disorders"] >= 5
    assert levels["Subtype of disorder"] >= 2
    statuses = Counter(f["status"] for f in nom.values())
    assert statuses["Inactive: Obsolete"] >= 2
    assert statuses["Inactive: Deprecated"] >= 2
    assert statuses["Inactive: Non rare disease in Europe"] >= 1
    assert nom["558"]["name"] == "Marfan syndrome"
    assert nom["284993"]["name"] == "Marfan syndrome and Marfan-related disorders"
    assert {nom[c]["level"] for c in ("284963", "284973")} == {"Subtype of disorder"}


def test_redirections_point_inside_the_sample_with_the_right_type():
    nom = nomenclature()
    seen = Counter()
    for code, f in nom.items():
        for kind, target in f["redirect"]:
            assert target in nom and nom[target]["status"] == "Active"
            expected = {"Moved to": "Inactive: Deprecated", "Referred to": "Inactive: Obsolete"}[kind]
            assert f["status"] == expected, code
            seen[kind] += 1
    assert seen["Moved to"] >= 2 and seen["Referred to"] >= 2
    assert ("Moved to", "284963") in nom["99715"]["redirect"]


def test_associations_are_listed_in_both_directions():
    root = ET.parse(NOMENCLATURE).getroot()
    forward, backward = set(), set()
    for d in root.iterfind("DisorderList/Disorder"):
        code = d.findtext("OrphaCode")
        for a in d.iterfind("DisorderDisorderAssociationList/DisorderDisorderAssociation"):
            kind = a.findtext("DisorderDisorderAssociationType/Name")
            if a.find("RootDisorder").get("cycle") == "true":
                forward.add((code, a.findtext("TargetDisorder/OrphaCode"), kind))
            else:
                assert a.find("TargetDisorder").get("cycle") == "true"
                backward.add((a.findtext("RootDisorder/OrphaCode"), code, kind))
    assert forward and forward == backward


def test_product1_and_ordo_describe_the_same_entities_as_the_pack():
    nom, p1, owl = nomenclature(), product1(), ordo()
    assert set(p1) == set(nom) == set(owl)
    for code, f in nom.items():
        assert p1[code]["name"] == f["name"] == owl[code]["label"]
        assert p1[code]["synonyms"] == f["synonyms"] == owl[code]["synonyms"]
        assert p1[code]["redirect"] == f["redirect"]
        assert p1[code]["level"] == f["level"]
        assert product1_status(p1[code]["flags"]) == f["status"]
        if f["definition"]:
            assert owl[code]["definition"] == p1[code]["definition"]
        inactive = [ORDO_INACTIVE[s] for s in owl[code]["supers"] if s in ORDO_INACTIVE]
        assert (inactive or ["Active"]) == [f["status"]]
        redirects = sorted(({"C056": "Moved to", "C057": "Referred to"}[p.rsplit("_", 1)[1]], t)
                           for p, t in owl[code]["restrictions"] if not p.endswith("BFO_0000050"))
        assert redirects == f["redirect"]


def test_every_active_concept_reaches_a_classification_head():
    nom = nomenclature()
    parents: dict[str, set[str]] = {}
    for edges in product3_edges().values():
        for p, c in edges:
            parents.setdefault(c, set()).add(p)
    roots = {c for c in nom if c not in parents and any(c == p for e in product3_edges().values() for p, _ in e)}
    for code, f in nom.items():
        if f["status"] != "Active":
            assert code not in parents
            continue
        seen, todo = set(), [code]
        while todo:
            c = todo.pop()
            seen.add(c)
            todo.extend(parents.get(c, set()) - seen)
        assert seen & roots, code
    assert roots >= {"98053"}


def test_ordo_parents_are_the_product3_edges():
    owl = ordo()
    edges = set().union(*product3_edges().values())
    from_ordo = set()
    for code, f in owl.items():
        for s in f["supers"]:
            if s.isdigit() and s not in {"557492", "557493", "557494"}:
                from_ordo.add((s, code))
        for prop, target in f["restrictions"]:
            if prop.endswith("BFO_0000050"):
                from_ordo.add((target, code))
    assert from_ordo == edges


def test_product1_mappings_cover_exact_narrower_and_broader():
    refs = product1_icd_refs("ICD-10")
    assert ("558", "Q87.4", "E", "Specific") in refs
    assert ("558", "LD28.01", "E", "") in product1_icd_refs("ICD-11")
    assert ("166024", "Q77.3", "NTBT", "Attributed") in refs
    assert ("166024", "LD24.61", "NTBT", "Index") in product1_icd_refs("ICD-11")
    relations = Counter(r[2] for r in refs)
    assert relations["E"] >= 5 and relations["NTBT"] >= 20 and relations["BTNT"] >= 1
    by_code = Counter(r[1] for r in refs)
    assert by_code["Q87.8"] >= 5 and by_code["E88.8"] >= 3 and by_code["Q77.3"] >= 3
    inactive = [c for c, f in product1().items() if product1_status(f["flags"]) != "Active"]
    assert inactive and all(not product1()[c]["refs"] for c in inactive)


def test_ordo_cross_references_match_product1():
    owl, p1 = ordo(), product1()
    for code, f in p1.items():
        expected = {f"{r['source']}:{r['reference']}": r for r in f["refs"]}
        assert set(owl[code]["xrefs"]) == set(expected)
        for xref, r in expected.items():
            eco = owl[code]["xrefs"][xref]
            if r["source"] not in ("ICD-10", "ICD-11"):
                assert eco is None
                continue
            lines = [line.removeprefix("- ").rstrip(".") for line in eco.split("\n")]
            assert lines[0].split(" ")[0] == r["relation"]
            assert (lines[1].split(" ")[0] if len(lines) > 1 else "") == r["icd_relation"]


def test_icd_codes_used_by_product1_exist_in_the_sample_code_lists():
    se = icd10se_codes()
    for _, ref, _, _ in product1_icd_refs("ICD-10"):
        assert dotless(ref) in se, ref
    tab = {line.split("\t")[2] for line in crlf_lines(TABULATION)[1:]}
    who = {line.split("\t")[2] for line in crlf_lines(WHO_MAP)[1:]}
    for _, ref, _, _ in product1_icd_refs("ICD-11"):
        assert ref in tab, ref
    for _, ref, _, _ in product1_icd_refs("ICD-10"):
        assert ref.rstrip("+*") in who


def test_icd10se_files_keep_the_inera_layout():
    for name in ("digit3.txt", "digit4.txt", "digit5.txt", "block.txt"):
        raw = (SE_DIR / name).read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf") and raw.count(b"\xef\xbb\xbf") == 1
        assert b"\r" not in raw and not raw.endswith(b"\n")
        for line in raw.decode("utf-8-sig").split("\n"):
            code, marker, title = line.split("\t")
            assert marker in ("", "*", "†") and title
    chapters = (SE_DIR / "diagnoskapitel.txt").read_bytes()
    assert not chapters.startswith(b"\xef\xbb\xbf") and not chapters.endswith(b"\n")
    assert all(re.fullmatch(r"[A-Z]\d\d-[A-Z]\d\d\S.*", line) for line in chapters.decode().split("\n"))
    codes = icd10se_codes()
    fordjupning = [c for c in codes if len(c) == 5 and c[4].isalpha()]
    assert "E802A" in fordjupning and len(fordjupning) >= 5
    for code in codes:  # parents present: 3-character category, block, chapter
        assert code[:3] in codes
        assert len(code) < 5 or code[:4] in codes
        assert any(lo <= code[:3] <= hi for lo, hi in (b.split("\t")[0].split("-") for b in read_inera("block.txt")))
        assert any(line[:3] <= code[:3] <= line[4:7] for line in chapters.decode().split("\n"))


def test_icd11_and_who_files_keep_the_who_layout():
    raw = TABULATION.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and raw.endswith(b"\r\n")
    header, *rows = crlf_lines(TABULATION)
    assert header.split("\t")[-1].startswith("Version:")
    assert all(len(r.split("\t")) == len(header.split("\t")) - 1 for r in rows)  # "Version:" is no column
    assert all(r.split("\t")[4].startswith('"') for r in rows)
    head, *map_rows = crlf_lines(WHO_MAP, "utf-8")
    assert head.split("\t")[2] == "icd10Code" and re.fullmatch(r"\d{4}-\w{3}-\d\d", head.split("\t")[-1])
    assert all(len(r.split("\t")) == 12 for r in map_rows)


def test_nomenclature_keeps_the_pack_envelope():
    raw = NOMENCLATURE.read_bytes()
    assert raw.startswith(b'<?xml version="1.0" encoding="ISO-8859-1"?>\r\n<JDBOR ExtractionDate=')
    assert raw.count(b"\n") == raw.count(b"\r\n")
    assert b"<ShortIdentifier>CC-BY-4.0</ShortIdentifier>" in raw
    root = ET.parse(NOMENCLATURE).getroot()
    assert int(root.find("DisorderList").get("count")) == len(nomenclature())


def test_snomed_ids_are_valid_sctids_with_the_right_partition():
    concepts = rf2("sct2_Concept_Snapshot")
    descriptions = rf2("sct2_Description_Snapshot")
    relationships = rf2("sct2_Relationship_Snapshot")
    for rows, partition in ((concepts, "00"), (descriptions, "01"), (relationships, "02")):
        assert rows[0][0] == "id"
        for row in rows[1:]:
            assert verhoeff_valid(row[0]) and row[0][-3:-1] == partition, row
    for name in ("der2_cRefset_LanguageSnapshot", "der2_sRefset_OrphanetSimpleMapSnapshot"):
        for row in rf2(name)[1:]:
            uuid.UUID(row[0])
    (mapping,) = rf2("der2_sRefset_OrphanetSimpleMapSnapshot")[1:]
    assert mapping[4:] == ["784008009", "19346006", "558"]
    concept_ids = {r[0] for r in concepts[1:]}
    assert {r[4] for r in descriptions[1:]} <= concept_ids
    assert all(r[4] in concept_ids and r[5] in concept_ids for r in relationships[1:])


# ------------------------------------------------------------------------------------------
# (a) Every fact against the real files in ../shared/data
# ------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def real_pack(shared_data: Path) -> dict[str, dict]:
    path = shared_data / "orphanet" / "nomenclature_pack_2023_en" / "ORPHAnomenclature_en_2023.xml.gz"
    out = {}
    with gzip.open(path) as fh:
        for _, elem in ET.iterparse(fh):
            if elem.tag == "Disorder" and elem.find("Totalstatus") is not None:
                out[elem.findtext("OrphaCode")] = disorder_facts(elem)
                elem.clear()
    return out


def test_orpha_facts_match_the_2023_pack(real_pack):
    for code, f in nomenclature().items():
        real = real_pack[code]
        assert strip_prefix(f["name"]) == strip_prefix(real["name"]), code
        assert f["status"] == real["status"] and f["synonyms"] == real["synonyms"], code
        assert f["type"] == real["type"] and f["level"] == real["level"], code
        assert set(f["redirect"]) <= set(real["redirect"]), code
        assert f["definition"] == real["definition"], code
    for code, f in product1().items():
        real = real_pack[code]
        assert strip_prefix(f["name"]) == strip_prefix(real["name"])
        assert f["synonyms"] == real["synonyms"] and product1_status(f["flags"]) == real["status"]
    for code, f in ordo().items():
        real = real_pack[code]
        assert strip_prefix(f["label"]) == strip_prefix(real["name"]) and f["synonyms"] == real["synonyms"]
    for code, name in product3_names().items():
        assert strip_prefix(name) == strip_prefix(real_pack[code]["name"])


def test_nomenclature_disorders_are_verbatim_copies(shared_data: Path):
    path = shared_data / "orphanet" / "nomenclature_pack_2023_en" / "ORPHAnomenclature_en_2023.xml.gz"
    real = gzip.decompress(path.read_bytes())
    sample = NOMENCLATURE.read_bytes()
    header_end = sample.index(b"<DisorderList")
    assert real.startswith(sample[:header_end])
    for block in re.findall(rb"    <Disorder id=.*?\r\n    </Disorder>", sample, re.S):
        without_assoc = re.sub(rb"      <DisorderDisorderAssociationList.*?</DisorderDisorderAssociationList>\r\n",
                               b"", block, flags=re.S)
        parts = without_assoc.split(b"\r\n")
        head = b"\r\n".join(parts[:3])  # <Disorder id>, OrphaCode, ExpertLink
        i = real.index(head)
        real_block = real[i : real.index(b"    </Disorder>", i) + len(b"    </Disorder>")]
        real_without = re.sub(rb"      <DisorderDisorderAssociationList.*?</DisorderDisorderAssociationList>\r\n",
                              b"", real_block, flags=re.S)
        assert real_without == without_assoc


def test_product3_edges_are_real_classification_edges(shared_data: Path):
    folder = shared_data / "orphanet" / "nomenclature_pack_2023_en" / "Classifications"
    for cid, edges in product3_edges().items():
        (path,) = folder.glob(f"ORPHAclassification_{cid}_*.xml.gz")
        real: set[tuple[str, str]] = set()
        root = ET.parse(gzip.open(path)).getroot()
        for node in root.iter("ClassificationNode"):
            parent = node.findtext("Disorder/OrphaCode")
            for child in node.iterfind("ClassificationNodeChildList/ClassificationNode"):
                real.add((parent, child.findtext("Disorder/OrphaCode")))
        assert edges <= real, edges - real


def test_icd10se_lines_are_copied_from_the_real_files(shared_data: Path):
    real_dir = shared_data / "icd10se"
    for name in ("digit3.txt", "digit4.txt", "digit5.txt", "block.txt"):
        real = read_inera(name, real_dir)
        sample = read_inera(name)
        assert set(sample) <= set(real), set(sample) - set(real)
        assert sample == [line for line in real if line in set(sample)]  # original order
    real_chapters = (real_dir / "diagnoskapitel.txt").read_text(encoding="utf-8").split("\n")
    assert set((SE_DIR / "diagnoskapitel.txt").read_text(encoding="utf-8").split("\n")) <= set(real_chapters)


def test_icd11_rows_are_copied_from_the_real_files(shared_data: Path):
    real_tab = gzip.decompress((shared_data / "icd11" / "SimpleTabulation-ICD-11-MMS-en_2024-01.txt.gz").read_bytes())
    real_lines = real_tab.decode("utf-8-sig").split("\r\n")
    sample = crlf_lines(TABULATION)
    assert sample[0] == real_lines[0]
    real_set = set(real_lines)
    assert all(line in real_set for line in sample)
    real_map = gzip.decompress(
        (shared_data / "icd11" / "mapping_2024-01" / "10To11MapToOneCategory.txt.gz").read_bytes()
    ).decode("utf-8").split("\r\n")
    sample_map = crlf_lines(WHO_MAP, "utf-8")
    assert sample_map[0] == real_map[0] and set(sample_map) <= set(real_map)


def test_product1_codes_exist_in_the_real_code_lists(shared_data: Path):
    real_se = {line.split("\t")[0] for n in (3, 4, 5) for line in read_inera(f"digit{n}.txt", shared_data / "icd10se")}
    who = {line.split("\t")[2]: line.split("\t")[4] for line in gzip.decompress(
        (shared_data / "icd11" / "mapping_2024-01" / "10To11MapToOneCategory.txt.gz").read_bytes()
    ).decode("utf-8").split("\r\n")[1:] if line}
    real_tab = gzip.decompress((shared_data / "icd11" / "SimpleTabulation-ICD-11-MMS-en_2024-01.txt.gz").read_bytes())
    icd11 = {line.split("\t")[2] for line in real_tab.decode("utf-8-sig").split("\r\n")[1:] if line}
    names = {c: {n.lower() for n in [strip_prefix(f["name"]), *f["synonyms"]]} for c, f in nomenclature().items()}
    for code, ref, relation, _ in product1_icd_refs("ICD-10"):
        assert dotless(ref) in real_se or ref.rstrip("+*") in who, ref
        assert ref.rstrip("+*") in who
        if relation == "E":  # exact only where the WHO title is the disease's own name
            assert who[ref.rstrip("+*")].lower() in names[code]
    for _, ref, _, _ in product1_icd_refs("ICD-11"):
        assert ref in icd11


def test_product1_icd10_codes_come_from_the_masterfile(shared_data: Path):
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.load_workbook(
        shared_data / "orphanet" / "nomenclature_pack_2021_en" / "ORPHAnomenclature_MasterFile_en_2021-07-01.xlsx",
        read_only=True,
    )
    master: dict[str, set[str]] = {}
    for row in list(wb.active.iter_rows(values_only=True))[2:]:
        if row[3]:
            master.setdefault(str(row[0]), set()).add(str(row[3]))
    fixture = ET.parse(shared_data / "orphanet" / "fixtures_orphanet_link_2025" / "en_product1.xml").getroot()
    real_166024 = {(x.findtext("Source"), x.findtext("Reference"))
                   for d in fixture.iter("Disorder") if d.findtext("OrphaCode") == "166024"
                   for x in d.iterfind("ExternalReferenceList/ExternalReference")}
    for code, facts in product1().items():
        refs = {(r["source"], r["reference"]) for r in facts["refs"]}
        if code == "166024":
            assert refs == real_166024
            continue
        assert {ref for src, ref in refs if src == "ICD-10"} <= master.get(code, set()), code


def test_snomed_concepts_and_terms_are_found_in_real_sources(shared_data: Path):
    known: set[tuple[str, str]] = set()
    for path in (shared_data / "snomed").rglob("sct2_Description_*"):
        for line in path.read_text(encoding="utf-8").splitlines()[1:]:
            cells = line.split("\t")
            known.add((cells[4], cells[7]))
    formats = (shared_data.parent / "docs" / "formats.md").read_text(encoding="utf-8").splitlines()
    for row in rf2("sct2_Description_Snapshot")[1:]:
        concept, term = row[4], row[7]
        in_formats = any(concept in line and term in line for line in formats)
        assert (concept, term) in known or in_formats, (concept, term)
    real_rows = set()
    for path in (shared_data / "snomed").rglob("sct2_*.txt"):
        real_rows |= set(path.read_text(encoding="utf-8").splitlines())
    for name in ("sct2_Concept_Snapshot", "sct2_Relationship_Snapshot"):
        for row in rf2(name)[1:]:
            assert "\t".join(row) in real_rows or row[0] == "19346006", row


def test_aggregation_targets_are_in_the_sample():
    root = ET.parse(NOMENCLATURE).getroot()
    codes = set(nomenclature())
    targets = {a.findtext("OrphaCode") for a in root.iter("AggregationLevel")}
    assert targets and targets <= codes


def test_data_is_what_the_generator_writes(shared_data: Path, tmp_path: Path, monkeypatch):
    """data/ is reproducible: scripts/make_sample.py writes the same bytes from ../shared/data."""
    import importlib.util
    import sys

    spec = importlib.util.spec_from_file_location("make_sample", DATA.parent / "scripts" / "make_sample.py")
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "make_sample", module)  # dataclasses look their module up
    spec.loader.exec_module(module)
    module.main(["--shared", str(shared_data), "--out", str(tmp_path)])
    written = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file())
    bundled = sorted(p.relative_to(DATA) for p in DATA.rglob("*")
                     if p.is_file() and p.name not in ("README.md", "__init__.py") and "__pycache__" not in p.parts)
    assert written == bundled
    for rel in written:
        assert (tmp_path / rel).read_bytes() == (DATA / rel).read_bytes(), rel
