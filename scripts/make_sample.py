"""Write the bundled sample release in data/ from the real release files in ../shared/data.

Every code, name, synonym, status, title and hierarchy edge is copied from a real file; the
files under data/ are written in the official formats (see data/README.md for provenance and
for the rules that decide each Orphanet mapping relation).

    python scripts/make_sample.py [--shared ../shared/data] [--out data]

The script is deterministic: running it twice gives byte-identical files.
"""

from __future__ import annotations

import argparse
import gzip
import re
import sys
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape

import openpyxl

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
from raremap.codes import verhoeff_digit, verhoeff_valid  # noqa: E402

# --------------------------------------------------------------------------------------------
# What goes into the sample (ORPHA codes from the 2023 nomenclature pack).  Classification
# ancestors of the active codes are added automatically.
# --------------------------------------------------------------------------------------------
SAMPLE = [
    # Marfan syndrome and related connective-tissue / aortic disorders
    "284993", "619249", "558", "284963", "284973", "284979", "60030", "2462", "91387",
    "287", "286",
    # broad ICD-10 families: Q87.0/Q87.1/Q87.8, E88.8, Q77.x
    "138", "193", "127", "3071", "1340", "63", "912", "2322", "648", "739", "816",
    "132", "123", "53693", "52368", "24",
    "15", "429", "2655", "166024", "166032", "166011", "93308", "177", "35173",
    # diseases with an exact (or set-of-codes) ICD-10 representation
    "399", "903", "778", "666", "906", "805", "586",
    # Swedish relevance (ICD-10-SE fördjupningskoder, Norrbotten/Västerbotten founder diseases)
    "79276", "85447", "355", "77261",
    # inactive: deprecated (Moved to), obsolete (Referred to), non-rare in Europe
    "99715", "230845", "90309", "98113", "1244", "139498",
]
CLASSIFICATIONS = ("156", "196")  # rare genetic diseases; rare systemic and rheumatological
# ICD-10-SE national extension codes (fördjupningskoder) to include besides the parents.
FORDJUPNINGSKODER = [
    "E752A", "E752W", "E802A", "E802W", "E802X", "E888A", "E888W",
    "Q871E", "Q871F", "Q871K", "Q871W", "Q878A", "Q878D", "Q878W",
]
SNOMED_DATE = "20240701"
ORDO_VERSION = "4.3"

# Orphadata label strings (formats.md §1.5; 2025 product1 fixture).  ids that are not known
# are left out rather than invented (see data/README.md).
REL = {
    "E": ("21527", "E (Exact mapping: the two concepts are equivalent)"),
    "NTBT": ("21534", "NTBT (ORPHAcode is narrower than the targeted code used to represent it)"),
    "BTNT": ("21541", "BTNT (ORPHAcode is broader than the targeted code used to represent it)"),
}
ICDREL = {
    "Specific": (None, "Specific code (The ORPHA code has its own code in the ICD10)"),
    "Attributed": ("21604", "Attributed code (ICD-10/ICD-11: The targeted code is assigned by Orphanet)"),
    "Index": ("21597", "Index term (ICD-10: Orphanet entity listed in the ICD-10 Index. "
                       "ICD-11: Orphanet entity listed in the ICD-11 Foundation)"),
}
VALIDATED = ("21611", "Validated")
# ORDO ECO_0000218 strings (≤2023 wording, as quoted from ORDO by mondo-ingest).
ORDO_REL = {
    "E": "E (Exact mapping: the two concepts are equivalent)",
    "NTBT": "NTBT (ORPHA code's Narrower Term maps to a Broader Term)",
    "BTNT": "BTNT (ORPHA code's Broader Term maps to a Narrower Term)",
}
ORDO_ICDREL = {
    "Specific": "Specific code (The ORPHA code has its own code in the ICD10)",
    "Attributed": "Attributed (The ICD10 code is attributed by Orphanet)",
    "Index": "Index term (The ORPHA code is listed in the ICD10 Index)",
}
FIRST_GENERATED_REF_ID = 900001  # ExternalReference/@id values we assign (see README)


# --------------------------------------------------------------------------------------------
# Reading the real files
# --------------------------------------------------------------------------------------------
@dataclass
class Entity:
    """One <Disorder> of the 2023 nomenclature pack: raw text plus the parsed element."""

    code: str
    lines: list[str]  # raw lines (decoded latin-1, without CRLF)
    elem: ET.Element
    order: int

    @property
    def name(self) -> str:
        return self.elem.findtext("Name") or ""

    @property
    def status(self) -> str:
        return self.elem.findtext("Totalstatus") or ""

    @property
    def level(self) -> str:
        return self.elem.findtext("ClassificationLevel/Name") or ""

    @property
    def synonyms(self) -> list[str]:
        return [s.text or "" for s in self.elem.iterfind("SynonymList/Synonym")]

    @property
    def names(self) -> set[str]:
        return {n.lower() for n in [self.name, *self.synonyms]}


def read_pack(path: Path) -> tuple[list[str], list[str], dict[str, Entity]]:
    """Split the pack nomenclature into header lines, footer lines and one Entity per Disorder."""
    text = gzip.decompress(path.read_bytes()).decode("latin-1")
    lines = text.split("\r\n")
    entities: dict[str, Entity] = {}
    header: list[str] = []
    footer: list[str] = []
    i = 0
    while not lines[i].startswith("    <Disorder id="):
        header.append(lines[i])
        i += 1
    while i < len(lines):
        if lines[i].startswith("    <Disorder id="):
            j = lines.index("    </Disorder>", i)
            block = lines[i : j + 1]
            elem = ET.fromstring("\n".join(block))
            code = elem.findtext("OrphaCode") or ""
            entities[code] = Entity(code, block, elem, len(entities))
            i = j + 1
        else:
            footer.append(lines[i])
            i += 1
    return header, footer, entities


@dataclass
class Node:
    code: str | None
    disorder_id: str | None
    name: str
    type_id: str
    type_name: str
    children: list[Node] = field(default_factory=list)


@dataclass
class Classification:
    cid: str
    orpha_number: str
    name: str
    header: list[str]  # lines before <ClassificationList
    roots: list[Node]


def read_classification(path: Path) -> Classification:
    text = gzip.decompress(path.read_bytes()).decode("latin-1")
    header = text.split("\n")[:9]
    root = ET.fromstring(text.encode("latin-1"))
    cl = root.find("ClassificationList/Classification")
    assert cl is not None

    def node(e: ET.Element) -> Node:
        d = e.find("Disorder")
        kids = [node(c) for c in e.iterfind("ClassificationNodeChildList/ClassificationNode")]
        if d is None:
            return Node(None, None, "", "", "", kids)
        return Node(d.findtext("OrphaCode"), d.get("id"), d.findtext("Name") or "",
                    d.find("DisorderType").get("id"), d.findtext("DisorderType/Name") or "", kids)

    roots = [node(e) for e in cl.iterfind("ClassificationNodeRootList/ClassificationNode")]
    return Classification(cl.get("id") or "", cl.findtext("OrphaNumber") or "", cl.findtext("Name") or "",
                          header, roots)


def classification_edges(cl: Classification) -> set[tuple[str, str]]:
    out: set[tuple[str, str]] = set()

    def walk(n: Node) -> None:
        for c in n.children:
            if n.code and c.code:
                out.add((n.code, c.code))
            walk(c)

    for r in cl.roots:
        walk(r)
    return out


def read_masterfile(path: Path) -> dict[str, list[str]]:
    """ORPHA code -> ICD-10 codes (as written, e.g. 'E85.1+') from the 2021 MasterFile."""
    wb = openpyxl.load_workbook(path, read_only=True)
    out: dict[str, list[str]] = {}
    for row in list(wb.active.iter_rows(values_only=True))[2:]:
        code, icd = str(row[0]), row[3]
        if icd and icd not in out.setdefault(code, []):
            out[code].append(str(icd))
    return out


def read_tsv_gz(path: Path, encoding: str = "utf-8") -> tuple[str, list[str]]:
    """Header line and data lines (raw, without line end) of a gzipped WHO text file."""
    text = gzip.decompress(path.read_bytes()).decode(encoding)
    lines = text.split("\r\n")
    if lines[-1] == "":
        lines.pop()
    return lines[0], lines[1:]


def icd11_title(cell: str) -> str:
    t = cell[1:-1].replace('""', '"') if cell.startswith('"') else cell
    while t.startswith("- "):
        t = t[2:]
    return t


# --------------------------------------------------------------------------------------------
# Choosing the concept set
# --------------------------------------------------------------------------------------------
def parents_map(edges: set[tuple[str, str]]) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for p, c in edges:
        out.setdefault(c, set()).add(p)
    return out


def all_paths(par: dict[str, set[str]], code: str) -> list[list[str]]:
    ps = par.get(code)
    if not ps:
        return [[code]]
    return [path + [code] for p in sorted(ps, key=int) for path in all_paths(par, p)]


def choose_concepts(ents: dict[str, Entity], edges: dict[str, set[tuple[str, str]]]) -> set[str]:
    """SAMPLE plus, per classification, the ancestors on one path to the root (fewest new nodes)."""
    chosen = set(SAMPLE)
    for cid in CLASSIFICATIONS:
        par = parents_map(edges[cid])
        members = {c for e in edges[cid] for c in e}
        for code in SAMPLE:
            if ents[code].status != "Active" or code not in members:
                continue
            if cid != CLASSIFICATIONS[0] and not _cheap(par, code, chosen):
                continue
            best = min(all_paths(par, code), key=lambda p: (len(set(p) - chosen), len(p), p))
            chosen |= set(best)
    return chosen


def _cheap(par: dict[str, set[str]], code: str, chosen: set[str]) -> bool:
    """For secondary classifications only add paths needing at most two new groups."""
    return min(len(set(p) - chosen) for p in all_paths(par, code)) <= 2


# --------------------------------------------------------------------------------------------
# Mapping decisions (documented in data/README.md)
# --------------------------------------------------------------------------------------------
@dataclass
class Ref:
    source: str  # ICD-10 / ICD-11 / OMIM / ...
    reference: str
    rel: str  # E / NTBT / BTNT
    icdrel: str | None  # Specific / Attributed / Index / None
    ref_id: str = ""
    url: str = ""
    uri: str = ""
    why: str = ""


@dataclass
class WhoRow:
    line: str
    cells: list[str]


def decide_mappings(ents: dict[str, Entity], chosen: set[str], mf: dict[str, list[str]],
                    who10: dict[str, WhoRow], tab: dict[str, list[str]], fixture: ET.Element,
                    ancestors: dict[str, set[str]]) -> dict[str, list[Ref]]:
    """ICD-10 and ICD-11 references per active ORPHA code, following the README rules."""
    titles11: dict[str, str] = {}
    for code, cells in tab.items():
        titles11.setdefault(icd11_title(cells[4]).lower(), code)
    disorder_names: dict[str, set[str]] = {}
    for e in ents.values():
        if e.status == "Active" and e.level != "Group of disorders":
            for n in e.names:
                disorder_names.setdefault(n, set()).add(e.code)
    out: dict[str, list[Ref]] = {}
    next_id = FIRST_GENERATED_REF_ID
    for code in sorted(chosen, key=int):
        e = ents[code]
        if e.status != "Active":
            continue
        if code == "166024":
            out[code] = fixture_refs(fixture)
            continue
        refs: list[Ref] = []
        icd10 = mf.get(code, [])
        for ref in icd10:
            bare = ref.rstrip("+*")
            title = who10[bare].cells[4]
            if title.lower() in e.names:
                refs.append(Ref("ICD-10", ref, "E", "Specific", why=f"WHO title '{title}' = ORPHA name/synonym"))
            elif _subdivision(bare, title, e, icd10, who10):
                refs.append(Ref("ICD-10", ref, "BTNT", "Specific",
                                why=f"WHO title '{title}' subdivides {bare[:3]} '{who10[bare[:3]].cells[4]}'"))
            else:
                refs.append(Ref("ICD-10", ref, "NTBT", "Attributed", why=f"WHO title '{title}'"))
        exact11 = sorted({titles11[n] for n in e.names if n in titles11})
        if exact11:
            for c11 in exact11:
                # the only verified "Specific code" label is ICD-10 worded: state no ICD relation
                refs.append(Ref("ICD-11", c11, "E", None, why="ICD-11 title = ORPHA name/synonym"))
        else:
            seen: set[str] = set()
            for ref in icd10:
                cells = who10[ref.rstrip("+*")].cells
                c11, t11 = cells[9], cells[11]
                if not c11 or "&" in c11 or "/" in c11 or c11 in seen:
                    continue
                if cells[8].endswith("/unspecified"):
                    continue  # a specified disease is never coded with an "unspecified" residual
                other = disorder_names.get(t11.lower(), set()) - {code} - ancestors.get(code, set())
                if other:
                    continue  # the ICD-11 category is another disease, not a broader one
                seen.add(c11)
                refs.append(Ref("ICD-11", c11, "NTBT", "Attributed",
                                why=f"WHO 10->11 table {ref.rstrip('+*')} -> {c11}"))
        for r in refs:
            r.ref_id = str(next_id)
            next_id += 1
            if r.source == "ICD-11":
                r.url, r.uri = icd11_urls(tab[r.reference], exact=r.rel == "E")
        out[code] = refs
    return out


def _subdivision(bare: str, title: str, e: Entity, icd10: list[str], who10: dict[str, WhoRow]) -> bool:
    """All codes of this ORPHA code sit under one 3-character category named exactly like it."""
    cats = {c.rstrip("+*")[:3] for c in icd10}
    if len(cats) != 1 or len(bare) == 3:
        return False
    cat = who10.get(bare[:3])
    if cat is None or cat.cells[4].lower() not in e.names:
        return False
    stem = cat.cells[4].lower()
    return title.lower().startswith((stem + " with ", stem + ", "))


def icd11_urls(cells: list[str], exact: bool) -> tuple[str, str]:
    lin = cells[1].rsplit("/mms/", 1)[1]
    url = "https://icd.who.int/browse/latest-release/mms/en#" + lin.replace("/", "%2f")
    foundation = cells[0].rsplit("/", 1)[1] if cells[0] else ""
    return url, (foundation if exact else "")


def fixture_refs(disorder: ET.Element) -> list[Ref]:
    """The real ExternalReferences of ORPHA:166024 from the 2025 product1 fixture."""
    refs = []
    for x in disorder.iterfind("ExternalReferenceList/ExternalReference"):
        rel_name = x.findtext("DisorderMappingRelation/Name") or ""
        icd_name = x.findtext("DisorderMappingICDRelation/Name")
        refs.append(Ref(x.findtext("Source") or "", x.findtext("Reference") or "", rel_name.split(" ")[0],
                        icd_name.split(" ")[0] if icd_name else None, ref_id=x.get("id") or "",
                        url=x.findtext("DisorderMappingICDRefUrl") or "",
                        uri=x.findtext("DisorderMappingICDRefUri") or "",
                        why="2025 product1 fixture (real Orphanet mapping)"))
    return refs


# --------------------------------------------------------------------------------------------
# Writers: Orphanet
# --------------------------------------------------------------------------------------------
def filtered_block(e: Entity, chosen: set[str]) -> list[str]:
    """The raw <Disorder> lines with associations to codes outside the sample removed."""
    lines = e.lines
    try:
        start = next(i for i, l in enumerate(lines) if l.strip().startswith("<DisorderDisorderAssociationList"))
    except StopIteration:
        return list(lines)
    end = next(i for i, l in enumerate(lines) if l.strip() == "</DisorderDisorderAssociationList>")
    kept: list[list[str]] = []
    i = start + 1
    while i < end:
        j = lines.index("        </DisorderDisorderAssociation>", i)
        assoc = lines[i : j + 1]
        other = re.findall(r"<OrphaCode>(\d+)</OrphaCode>", "\n".join(assoc))
        if all(o in chosen for o in other):
            kept.append(assoc)
        i = j + 1
    head = f'      <DisorderDisorderAssociationList count="{len(kept)}">'
    body = [l for a in kept for l in a]
    return lines[:start] + [head] + body + lines[end:]


def write_nomenclature(path: Path, header: list[str], footer: list[str], ents: dict[str, Entity],
                       chosen: set[str]) -> None:
    out = []
    for line in header:
        out.append(re.sub(r'<DisorderList count="\d+">', f'<DisorderList count="{len(chosen)}">', line))
    for e in sorted((ents[c] for c in chosen), key=lambda e: e.order):
        out.extend(filtered_block(e, chosen))
    out.extend(footer)
    path.write_bytes("\r\n".join(out).encode("latin-1"))


class XmlWriter:
    """Tiny indenting XML writer producing the Orphadata layout (two spaces per level)."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.depth = 0

    def open(self, tag: str, **attrs: str) -> None:
        self.lines.append("  " * self.depth + f"<{tag}{_attrs(attrs)}>")
        self.depth += 1

    def close(self, tag: str) -> None:
        self.depth -= 1
        self.lines.append("  " * self.depth + f"</{tag}>")

    def leaf(self, tag: str, text: str | None, **attrs: str) -> None:
        pad = "  " * self.depth
        if text is None:
            self.lines.append(f"{pad}<{tag}{_attrs(attrs)}/>")
        else:
            self.lines.append(f"{pad}<{tag}{_attrs(attrs)}>{escape(text)}</{tag}>")

    def named(self, tag: str, ident: str | None, name: str) -> None:
        attrs = {"id": ident} if ident else {}
        self.open(tag, **attrs)
        self.leaf("Name", name, lang="en")
        self.close(tag)

    def raw(self, line: str) -> None:
        self.lines.append(line)


def _attrs(attrs: dict[str, str]) -> str:
    return "".join(f' {k}="{escape(v, {chr(34): "&quot;"})}"' for k, v in attrs.items())


def product_header(w: XmlWriter, date: str, version: str, copyright_: str, dbserver: str) -> None:
    w.raw('<?xml version="1.0" encoding="UTF-8"?>')
    w.open("JDBOR", date=date, version=version, copyright=copyright_, dbserver=dbserver)
    w.open("Availability")
    w.open("Licence")
    w.leaf("FullName", "Creative Commons Attribution 4.0 International", lang="en")
    w.leaf("ShortIdentifier", "CC-BY-4.0")
    w.leaf("LegalCode", "https://creativecommons.org/licenses/by/4.0/legalcode")
    w.close("Licence")
    w.close("Availability")


# FlagValue bits -> product1 DisorderFlag (id, value, label) we can stand behind; see README.
FLAG_ACTIVE = ("475", "1", "")
FLAG_INACTIVE = ("495", "8192", "Inactive")
FLAG_DEPRECATED = ("459", "256", "Deprecated entity")
FLAG_NONRARE = ("456", "32", "")


def product1_flags(e: Entity) -> list[tuple[str, str, str]]:
    value = int(e.elem.findtext("FlagValue") or "0")
    flags = []
    if value & 8192:
        flags.append(FLAG_INACTIVE)
    if value & 256:
        flags.append(FLAG_DEPRECATED)
    if value & 32:
        flags.append(FLAG_NONRARE)
    if value & 1:
        flags.append(FLAG_ACTIVE)
    return flags


def write_product1(path: Path, ents: dict[str, Entity], chosen: set[str], refs: dict[str, list[Ref]],
                   pack_root: dict[str, str]) -> None:
    w = XmlWriter()
    product_header(w, pack_root["ExtractionDate"], pack_root["version"], pack_root["copyright"],
                   pack_root["dbserver"])
    w.open("DisorderList", count=str(len(chosen)))
    for e in sorted((ents[c] for c in chosen), key=lambda e: e.order):
        d = e.elem
        w.open("Disorder", id=d.get("id") or "")
        w.leaf("OrphaCode", e.code)
        w.leaf("ExpertLink", d.findtext("ExpertLink"), lang="en")
        w.leaf("Name", e.name, lang="en")
        flags = product1_flags(e)
        w.open("DisorderFlagList", count=str(len(flags)))
        for fid, value, label in flags:
            w.open("DisorderFlag", id=fid)
            w.leaf("Value", value)
            w.leaf("Label", label)
            w.close("DisorderFlag")
        w.close("DisorderFlagList")
        w.open("SynonymList", count=str(len(e.synonyms)))
        for s in e.synonyms:
            w.leaf("Synonym", s, lang="en")
        w.close("SynonymList")
        w.named("DisorderType", d.find("DisorderType").get("id"), d.findtext("DisorderType/Name") or "")
        w.named("DisorderGroup", d.find("ClassificationLevel").get("id"), e.level)
        rs = refs.get(e.code, [])
        w.open("ExternalReferenceList", count=str(len(rs)))
        for r in rs:
            write_external_reference(w, r)
        w.close("ExternalReferenceList")
        write_associations(w, e, chosen)
        write_summary(w, d)
        w.close("Disorder")
    w.close("DisorderList")
    w.close("JDBOR")
    path.write_text("\n".join(w.lines) + "\n", encoding="utf-8")


def write_external_reference(w: XmlWriter, r: Ref) -> None:
    w.open("ExternalReference", id=r.ref_id)
    w.leaf("Source", r.source)
    w.leaf("Reference", r.reference)
    rid, rname = REL[r.rel]
    w.named("DisorderMappingRelation", rid, rname)
    if r.icdrel is None:
        w.leaf("DisorderMappingICDRelation", None)
    else:
        iid, iname = ICDREL[r.icdrel]
        w.named("DisorderMappingICDRelation", iid, iname)
    w.named("DisorderMappingValidationStatus", *VALIDATED)
    w.leaf("DisorderMappingICDRefUrl", r.url or None)
    w.leaf("DisorderMappingICDRefUri", r.uri or None)
    w.close("ExternalReference")


def write_associations(w: XmlWriter, e: Entity, chosen: set[str]) -> None:
    assocs = []
    for a in e.elem.iterfind("DisorderDisorderAssociationList/DisorderDisorderAssociation"):
        codes = [x.text for x in a.iter("OrphaCode")]
        if all(c in chosen for c in codes):
            assocs.append(a)
    w.open("DisorderDisorderAssociationList", count=str(len(assocs)))
    for a in assocs:
        w.open("DisorderDisorderAssociation")
        for side in ("TargetDisorder", "RootDisorder"):
            s = a.find(side)
            if s.get("cycle") == "true":
                w.leaf(side, None, id=s.get("id") or "", cycle="true")
            else:
                w.open(side, id=s.get("id") or "")
                w.leaf("OrphaCode", s.findtext("OrphaCode"))
                w.leaf("Name", s.findtext("Name"), lang="en")
                w.close(side)
        t = a.find("DisorderDisorderAssociationType")
        w.named("DisorderDisorderAssociationType", t.get("id"), t.findtext("Name") or "")
        w.close("DisorderDisorderAssociation")
    w.close("DisorderDisorderAssociationList")


def write_summary(w: XmlWriter, d: ET.Element) -> None:
    sil = d.find("SummaryInformationList")
    if sil is None:
        return
    w.open("SummaryInformationList", count=sil.get("count") or "0")
    for si in sil.iterfind("SummaryInformation"):
        w.open("SummaryInformation", id=si.get("id") or "", lang="en")
        tsl = si.find("TextSectionList")
        w.open("TextSectionList", count=tsl.get("count") or "0")
        for ts in tsl.iterfind("TextSection"):
            w.open("TextSection", id=ts.get("id") or "", lang="en")
            w.named("TextSectionType", ts.find("TextSectionType").get("id"), ts.findtext("TextSectionType/Name") or "")
            w.leaf("Contents", repair_cp1252(ts.findtext("Contents") or ""))
            w.close("TextSection")
        w.close("TextSectionList")
        auto = si.find("TextAuto")
        if auto is not None:
            w.open("TextAuto")
            w.leaf("Info", auto.findtext("Info"), lang="en")
            w.close("TextAuto")
        w.close("SummaryInformation")
    w.close("SummaryInformationList")


def repair_cp1252(s: str) -> str:
    """Windows-1252 bytes that the pack stores as C1 control characters -> real characters."""
    return "".join(c.encode("latin-1").decode("cp1252") if "\x80" <= c <= "\x9f" else c for c in s)


def prune(nodes: list[Node], chosen: set[str]) -> list[Node]:
    out = []
    for n in nodes:
        if n.code is not None and n.code in chosen:
            out.append(Node(n.code, n.disorder_id, n.name, n.type_id, n.type_name, prune(n.children, chosen)))
    return out


def write_product3(path: Path, cl: Classification, chosen: set[str], ents: dict[str, Entity]) -> set[tuple[str, str]]:
    """Classification tree restricted to the sample (real edges only); returns its edges."""
    m = re.search(r'date="([^"]+)" version="([^"]+)" copyright="([^"]+)" dbserver="([^"]+)"', cl.header[1])
    assert m
    w = XmlWriter()
    product_header(w, *m.groups())
    roots = prune(cl.roots, chosen)
    w.open("ClassificationList", count="1")
    w.open("Classification", id=cl.cid)
    w.leaf("OrphaNumber", cl.orpha_number)
    w.leaf("Name", cl.name, lang="en")
    w.open("ClassificationNodeRootList", count=str(len(roots)))
    edges: set[tuple[str, str]] = set()

    def node(n: Node, parent: str | None) -> None:
        if parent:
            edges.add((parent, n.code or ""))
        w.open("ClassificationNode")
        w.open("Disorder", id=n.disorder_id or "")
        w.leaf("OrphaCode", n.code)
        w.leaf("ExpertLink", ents[n.code or ""].elem.findtext("ExpertLink"), lang="en")
        w.leaf("Name", n.name, lang="en")
        w.named("DisorderType", n.type_id, n.type_name)
        w.close("Disorder")
        w.open("ClassificationNodeChildList", count=str(len(n.children)))
        for c in n.children:
            node(c, n.code)
        w.close("ClassificationNodeChildList")
        w.close("ClassificationNode")

    for r in roots:
        node(r, None)
    w.close("ClassificationNodeRootList")
    w.close("Classification")
    w.close("ClassificationList")
    w.close("JDBOR")
    path.write_text("\n".join(w.lines) + "\n", encoding="utf-8")
    return edges


# --------------------------------------------------------------------------------------------
# Writer: ORDO OWL (RDF/XML, OWL-API layout of the 4.x generator; formats.md §2)
# --------------------------------------------------------------------------------------------
ORDO = "http://www.orpha.net/ORDO/"
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
HAS_DBXREF = "http://www.geneontology.org/formats/oboInOwl#hasDbXref"


def _typed(tag: str, value: str) -> str:
    """One class annotation line with an xsd:string literal, as the OWL API writes it."""
    return f'        <{tag} rdf:datatype="{XSD_STRING}">{escape(value)}</{tag}>'


LEVEL_CLASS = {"Group of disorders": "557492", "Disorder": "557493", "Subtype of disorder": "557494"}
INACTIVE_CLASS = {  # (status, level) -> ORDO metaclass (4.4 generator ids, formats.md §2.3)
    ("Inactive: Deprecated", "Group of disorders"): "C043",
    ("Inactive: Deprecated", "Disorder"): "C044",
    ("Inactive: Deprecated", "Subtype of disorder"): "C045",
    ("Inactive: Non rare disease in Europe", "Group of disorders"): "C047",
    ("Inactive: Non rare disease in Europe", "Disorder"): "C048",
    ("Inactive: Non rare disease in Europe", "Subtype of disorder"): "C049",
    ("Inactive: Obsolete", "Group of disorders"): "C051",
    ("Inactive: Obsolete", "Disorder"): "C052",
    ("Inactive: Obsolete", "Subtype of disorder"): "C053",
}
METACLASSES = [  # id, label, parent, definition
    ("C001", "clinical entity", None, "A set of phenotypic abnormalities."),
    ("557492", "group of disorders", "C001", "A collection of clinical entities sharing a set of common features."),
    ("557493", "disorder", "C001", "A clinical entity characterised by a set of homogeneous phenotypic "
     "abnormalities and evolution allowing a definitive clinical diagnosis."),
    ("557494", "subtype of a disorder", "C001", "Subdivision of a disorder according to a positive criterion."),
    ("C041", "inactive clinical entity", "C001", None),
    ("C042", "deprecated clinical entity", "C041", None),
    ("C043", "deprecated group of disorders", "C042", None),
    ("C044", "deprecated disorder", "C042", None),
    ("C045", "deprecated subtype of a disorder", "C042", None),
    ("C046", "non rare clinical entity", "C041", None),
    ("C047", "non rare group of disorders", "C046", None),
    ("C048", "non rare disorder", "C046", None),
    ("C049", "non rare subtype of a disorder", "C046", None),
    ("C050", "obsolete clinical entity", "C041", None),
    ("C051", "obsolete group of disorders", "C050", None),
    ("C052", "obsolete disorder", "C050", None),
    ("C053", "obsolete subtype of a disorder", "C050", None),
]
HEAD_FLAG = 128  # FlagValue bit of heads of classification (129 = head + on-line)


def write_ordo(path: Path, ents: dict[str, Entity], chosen: set[str], refs: dict[str, list[Ref]],
               edges: set[tuple[str, str]], date: str) -> None:
    iri = f"https://www.orphadata.com/data/ontologies/ordo/last_version/ORDO_en_{ORDO_VERSION}.owl"
    L = [
        '<?xml version="1.0"?>',
        '<rdf:RDF xmlns="http://www.w3.org/2002/07/owl#"',
        f'     xml:base="{iri}"',
        '     xmlns:dc="http://purl.org/dc/elements/1.1/"',
        '     xmlns:efo="http://www.ebi.ac.uk/efo/"',
        '     xmlns:obo="http://purl.obolibrary.org/obo/"',
        '     xmlns:owl="http://www.w3.org/2002/07/owl#"',
        '     xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"',
        '     xmlns:xml="http://www.w3.org/XML/1998/namespace"',
        '     xmlns:xsd="http://www.w3.org/2001/XMLSchema#"',
        '     xmlns:rdfs="http://www.w3.org/2000/01/rdf-schema#"',
        '     xmlns:skos="http://www.w3.org/2004/02/skos/core#"',
        '     xmlns:ordo="http://www.orpha.net/ORDO/"',
        '     xmlns:oboInOwl="http://www.geneontology.org/formats/oboInOwl#">',
        f'    <Ontology rdf:about="{iri}">',
        f'        <versionIRI rdf:resource="{iri}"/>',
        f'        <dc:date rdf:datatype="http://www.w3.org/2001/XMLSchema#dateTime">{date}</dc:date>',
        '        <dc:description xml:lang="en">The Orphanet Rare Disease ontology (ORDO). '
        'Sample written by the raremap project from the Orphanet nomenclature pack 2023 (see data/README.md).'
        '</dc:description>',
        '        <dc:rights>Creative Commons Attribution 4.0 International (CC-BY-4.0)</dc:rights>',
        '        <dc:title xml:lang="en">Orphanet Rare Disease Ontology</dc:title>',
        f'        <versionInfo>{ORDO_VERSION}</versionInfo>',
        '    </Ontology>',
        "",
    ]
    for prop, label in [
        ("http://www.ebi.ac.uk/efo/alternative_term", "alternative term"),
        ("http://www.ebi.ac.uk/efo/definition", "definition"),
        ("http://www.ebi.ac.uk/efo/definition_citation", "definition citation"),
        ("http://purl.obolibrary.org/obo/ECO_0000218", "manual assertion"),
        ("http://www.geneontology.org/formats/oboInOwl#hasDbXref", "database cross reference"),
        ("http://www.w3.org/2004/02/skos/core#notation", "notation"),
        (ORDO + "Orphanet_C055", "Orphanet page"),
    ]:
        L += [f'    <AnnotationProperty rdf:about="{prop}">',
              f"        <rdfs:label>{label}</rdfs:label>", "    </AnnotationProperty>", ""]
    for prop, label in [("http://purl.obolibrary.org/obo/BFO_0000050", "part of"),
                        (ORDO + "Orphanet_C056", "moved_to"), (ORDO + "Orphanet_C057", "referred_to")]:
        L += [f'    <ObjectProperty rdf:about="{prop}">',
              f"        <rdfs:label>{label}</rdfs:label>", "    </ObjectProperty>", ""]
    for cid, label, parent, definition in METACLASSES:
        L += [f"    <!-- {ORDO}Orphanet_{cid} -->", "", f'    <Class rdf:about="{ORDO}Orphanet_{cid}">']
        if parent:
            L.append(f'        <rdfs:subClassOf rdf:resource="{ORDO}Orphanet_{parent}"/>')
        if definition:
            L.append(f'        <efo:definition xml:lang="en">{escape(definition)}</efo:definition>')
        L += [f"        <rdfs:label>{escape(label)}</rdfs:label>", "    </Class>", ""]
    parents: dict[str, set[str]] = {}
    for p, c in edges:
        parents.setdefault(c, set()).add(p)
    axioms: list[str] = []
    for e in sorted((ents[c] for c in chosen), key=lambda e: int(e.code)):
        L += [f"    <!-- {ORDO}Orphanet_{e.code} -->", "", f'    <Class rdf:about="{ORDO}Orphanet_{e.code}">']
        flag = int(e.elem.findtext("FlagValue") or "0")
        if e.status == "Active":
            for p in sorted(parents.get(e.code, ()), key=int):
                if e.level == "Subtype of disorder" and ents[p].level == "Disorder":
                    L += ["        <rdfs:subClassOf>", "            <Restriction>",
                          '                <onProperty rdf:resource="http://purl.obolibrary.org/obo/BFO_0000050"/>',
                          f'                <someValuesFrom rdf:resource="{ORDO}Orphanet_{p}"/>',
                          "            </Restriction>", "        </rdfs:subClassOf>"]
                else:
                    L.append(f'        <rdfs:subClassOf rdf:resource="{ORDO}Orphanet_{p}"/>')
            if flag & HEAD_FLAG:
                L.append(f'        <rdfs:subClassOf rdf:resource="{ORDO}Orphanet_C001"/>')
            L.append(f'        <rdfs:subClassOf rdf:resource="{ORDO}Orphanet_{LEVEL_CLASS[e.level]}"/>')
        else:
            L.append(f'        <rdfs:subClassOf rdf:resource="{ORDO}Orphanet_{INACTIVE_CLASS[(e.status, e.level)]}"/>')
            for a in e.elem.iterfind("DisorderDisorderAssociationList/DisorderDisorderAssociation"):
                if a.find("RootDisorder").get("cycle") != "true":
                    continue
                target = a.findtext("TargetDisorder/OrphaCode")
                if target not in chosen:
                    continue
                prop = {"21471": "C056", "27341": "C057"}[a.find("DisorderDisorderAssociationType").get("id")]
                L += ["        <rdfs:subClassOf>", "            <Restriction>",
                      f'                <onProperty rdf:resource="{ORDO}Orphanet_{prop}"/>',
                      f'                <someValuesFrom rdf:resource="{ORDO}Orphanet_{target}"/>',
                      "            </Restriction>", "        </rdfs:subClassOf>"]
        for s in e.synonyms:
            L.append(f'        <efo:alternative_term xml:lang="en">{escape(s)}</efo:alternative_term>')
        definition = e.elem.findtext(
            "SummaryInformationList/SummaryInformation/TextSectionList/TextSection/Contents")
        if definition:
            L.append(f'        <efo:definition xml:lang="en">{escape(repair_cp1252(definition))}</efo:definition>')
            L.append(_typed("efo:definition_citation", "Orphanet"))
        for r in refs.get(e.code, []):
            target = f"{r.source}:{r.reference}"
            L.append(_typed("oboInOwl:hasDbXref", target))
            if r.source not in ("ICD-10", "ICD-11"):
                continue  # only ICD cross-references carry a mapping-precision annotation
            eco = f"- {ORDO_REL[r.rel]}."
            if r.icdrel:  # ICD-10: ORDO wording; ICD-11: the (ICD-11 aware) product1 wording
                eco += f"\n- {ORDO_ICDREL[r.icdrel] if r.source == 'ICD-10' else ICDREL[r.icdrel][1]}."
            axioms += ["    <Axiom>",
                       f'        <annotatedSource rdf:resource="{ORDO}Orphanet_{e.code}"/>',
                       f'        <annotatedProperty rdf:resource="{HAS_DBXREF}"/>',
                       f'        <annotatedTarget rdf:datatype="{XSD_STRING}">{escape(target)}</annotatedTarget>',
                       f'        <obo:ECO_0000218 xml:lang="en">{escape(eco)}</obo:ECO_0000218>',
                       "    </Axiom>"]
        L.append(f"        <rdfs:label>{escape(e.name)}</rdfs:label>")
        L.append(_typed("skos:notation", f"ORPHA:{e.code}"))
        if e.level != "Disorder":
            L.append(_typed("skos:notation", e.elem.findtext("DisorderType/Name") or ""))
        if flag & HEAD_FLAG:
            L.append(_typed("skos:notation", "Head of classification"))
        L.append(_typed("ordo:Orphanet_C055", e.elem.findtext("ExpertLink") or ""))
        L += ["    </Class>", ""]
    L += ["", "", "    <!-- Annotations on cross-references (mapping precision, ECO_0000218) -->", ""]
    L += axioms
    L += ["</rdf:RDF>", "", "", "", "<!-- Generated by the raremap sample writer (scripts/make_sample.py) -->", ""]
    path.write_text("\n".join(L), encoding="utf-8")


# --------------------------------------------------------------------------------------------
# Writers: ICD-10-SE, ICD-11, WHO mapping table, SNOMED CT
# --------------------------------------------------------------------------------------------
def read_inera(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8-sig").split("\n")


def in_range(code3: str, rng: str) -> bool:
    lo, hi = rng.split("-")
    return lo <= code3 <= hi


def write_icd10se(out: Path, shared: Path, keys: set[str]) -> set[str]:
    """Copy the lines of the sample's codes, their parents, blocks and chapters; returns codes."""
    digit = {n: read_inera(shared / f"digit{n}.txt") for n in (3, 4, 5)}
    wanted = set(keys) | set(FORDJUPNINGSKODER)
    for k in list(wanted):
        wanted |= {k[:3], k[:4]} if len(k) > 3 else {k}
    # SE-only children of a mapped 3-character code (G10 -> G109)
    for k in keys:
        if len(k) == 3:
            wanted |= {line.split("\t")[0] for line in digit[4] if line.startswith(k)}
    code3 = {k[:3] for k in wanted}
    for n in (3, 4, 5):
        lines = [l for l in digit[n] if l.split("\t")[0] in wanted]
        (out / f"digit{n}.txt").write_bytes(("\ufeff" + "\n".join(lines)).encode("utf-8"))
    blocks = [l for l in read_inera(shared / "block.txt")
              if any(in_range(c, l.split("\t")[0]) for c in code3)]
    (out / "block.txt").write_bytes(("\ufeff" + "\n".join(blocks)).encode("utf-8"))
    chapters = [l for l in (shared / "diagnoskapitel.txt").read_text(encoding="utf-8").split("\n")
                if any(in_range(c, l[:7]) for c in code3)]
    (out / "diagnoskapitel.txt").write_bytes("\n".join(chapters).encode("utf-8"))
    found = {l.split("\t")[0] for n in (3, 4, 5) for l in digit[n] if l.split("\t")[0] in wanted}
    missing = wanted - found
    if missing:
        raise SystemExit(f"ICD-10-SE codes not in the real files: {sorted(missing)}")
    return found


def write_icd11(path: Path, header: str, rows: list[str], codes: set[str]) -> None:
    """Rows of the wanted codes and all their ancestors, in original order (BOM, CRLF)."""
    parent: dict[int, int | None] = {}
    stack: list[tuple[int, int]] = []  # (depth, row index)
    key_row: dict[str, int] = {}
    for i, line in enumerate(rows):
        c = line.split("\t")
        title = c[4].strip('"')
        rank = (len(title) - len(title.lstrip("- "))) // 2  # one "- " per level below the chapter
        while stack and stack[-1][0] >= rank:
            stack.pop()
        parent[i] = stack[-1][1] if stack else None
        stack.append((rank, i))
        if c[2]:
            key_row.setdefault(c[2], i)
    keep: set[int] = set()
    for code in codes:
        i: int | None = key_row[code]
        while i is not None and i not in keep:
            keep.add(i)
            i = parent[i]
    body = [rows[i] for i in sorted(keep)]
    path.write_bytes(("\ufeff" + "\r\n".join([header, *body]) + "\r\n").encode("utf-8"))


def write_who_map(path: Path, header: str, rows: dict[str, WhoRow], codes: Iterable[str]) -> None:
    body = [r.line for k, r in rows.items() if k in set(codes)]
    path.write_bytes(("\r\n".join([header, *body]) + "\r\n").encode("utf-8"))


def sctid(item: int, partition: str) -> str:
    base = f"{item}{partition}"
    return base + verhoeff_digit(base)


def write_snomed(out: Path, shared: Path, date: str) -> None:
    """A tiny RF2 snapshot: metadata top concepts (real rows) + Marfan syndrome + ORPHA map."""
    snow = shared / "snomed" / "snowstorm_dummy_rf2_20180731" / "Snapshot" / "Terminology"
    core = "900000000000207008"
    top = {"138875005", "404684003", "64572001"}
    concept_rows = [l for l in _rf2(snow / "sct2_Concept_Snapshot_INT_20180731.txt") if l.split("\t")[0] in top]
    desc_keep = {"220309016", "517382016", "2148514019", "2156578010", "803980011", "179085010", "189970013"}
    desc_rows = [l for l in _rf2(snow / "sct2_Description_Snapshot-en_INT_20180731.txt")
                 if l.split("\t")[0] in desc_keep]
    rel_rows = [l for l in _rf2(snow / "sct2_Relationship_Snapshot_INT_20180731.txt")
                if l.split("\t")[0] in {"2462923021", "2472459022"}]
    # Marfan syndrome: id and term from formats.md (Orphanet ORPHA-SNOMED CT file, 2024)
    marfan = "19346006"
    assert verhoeff_valid(marfan)
    concept_rows.append("\t".join([marfan, date, "1", core, "900000000000074008"]))
    marfan_desc = sctid(9_000_001, "01")
    desc_rows.append("\t".join([marfan_desc, date, "1", core, marfan, "en", "900000000000013009",
                                "Marfan syndrome", "900000000000017005"]))
    header_c = "id\teffectiveTime\tactive\tmoduleId\tdefinitionStatusId"
    header_d = "id\teffectiveTime\tactive\tmoduleId\tconceptId\tlanguageCode\ttypeId\tterm\tcaseSignificanceId"
    header_r = ("id\teffectiveTime\tactive\tmoduleId\tsourceId\tdestinationId\trelationshipGroup\ttypeId\t"
                "characteristicTypeId\tmodifierId")
    lang_rows = []
    fsn = {l.split("\t")[4]: l.split("\t")[7] for l in desc_rows if l.split("\t")[6] == "900000000000003001"}
    for l in desc_rows:
        c = l.split("\t")
        pt = re.sub(r" \([^()]*\)$", "", fsn.get(c[4], "")) if c[4] in fsn else None
        preferred = c[6] == "900000000000003001" or pt is None or c[7] == pt
        acc = "900000000000548007" if preferred else "900000000000549004"
        for refset in ("900000000000509007", "900000000000508004"):
            rid = str(uuid.uuid5(uuid.NAMESPACE_URL, f"raremap-sample:{refset}:{c[0]}"))
            lang_rows.append("\t".join([rid, date, "1", core, refset, c[0], acc]))
    header_l = "id\teffectiveTime\tactive\tmoduleId\trefsetId\treferencedComponentId\tacceptabilityId"
    header_m = "id\teffectiveTime\tactive\tmoduleId\trefsetId\treferencedComponentId\tmapTarget"
    map_rows = ["\t".join([str(uuid.uuid5(uuid.NAMESPACE_URL, "raremap-sample:784008009:19346006")), date, "1",
                           core, "784008009", marfan, "558"])]
    for rel in (*_ids(concept_rows), *_ids(desc_rows), *_ids(rel_rows)):
        assert verhoeff_valid(rel), rel
    files = {
        f"sct2_Concept_Snapshot_INT_{date}.txt": [header_c, *concept_rows],
        f"sct2_Description_Snapshot-en_INT_{date}.txt": [header_d, *desc_rows],
        f"sct2_Relationship_Snapshot_INT_{date}.txt": [header_r, *rel_rows],
        f"der2_cRefset_LanguageSnapshot-en_INT_{date}.txt": [header_l, *lang_rows],
        f"der2_sRefset_OrphanetSimpleMapSnapshot_INT_{date}.txt": [header_m, *map_rows],
    }
    for name, lines in files.items():
        (out / name).write_bytes(("\r\n".join(lines) + "\r\n").encode("utf-8"))


def _rf2(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines()[1:]


def _ids(rows: list[str]) -> Iterator[str]:
    for r in rows:
        yield r.split("\t")[0]


# --------------------------------------------------------------------------------------------
def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "data")
    ap.add_argument("--out", type=Path, default=ROOT / "data")
    ap.add_argument("--report", action="store_true", help="print every mapping decision")
    args = ap.parse_args(argv)
    shared: Path = args.shared
    out: Path = args.out
    orpha = shared / "orphanet"

    pack = orpha / "nomenclature_pack_2023_en" / "ORPHAnomenclature_en_2023.xml.gz"
    header, footer, ents = read_pack(pack)
    pack_root = dict(re.findall(r'(\w+)="([^"]*)"', header[1]))
    classifications = {}
    for cid in CLASSIFICATIONS:
        (f,) = (orpha / "nomenclature_pack_2023_en" / "Classifications").glob(f"ORPHAclassification_{cid}_*.xml.gz")
        classifications[cid] = read_classification(f)
    all_edges = {cid: classification_edges(cl) for cid, cl in classifications.items()}
    chosen = choose_concepts(ents, all_edges)

    mf = read_masterfile(orpha / "nomenclature_pack_2021_en" / "ORPHAnomenclature_MasterFile_en_2021-07-01.xlsx")
    who_header, who_lines = read_tsv_gz(shared / "icd11" / "mapping_2024-01" / "10To11MapToOneCategory.txt.gz")
    who10 = {l.split("\t")[2]: WhoRow(l, l.split("\t")) for l in who_lines}
    tab_header, tab_rows = read_tsv_gz(shared / "icd11" / "SimpleTabulation-ICD-11-MMS-en_2024-01.txt.gz", "utf-8-sig")
    tab: dict[str, list[str]] = {}
    for line in tab_rows:
        c = line.split("\t")
        if c[2]:
            tab.setdefault(c[2], c)
    fixture = ET.parse(orpha / "fixtures_orphanet_link_2025" / "en_product1.xml").getroot()
    fixture_166024 = next(d for d in fixture.iter("Disorder") if d.findtext("OrphaCode") == "166024")
    union_edges = set().union(*all_edges.values())
    anc: dict[str, set[str]] = {}
    par_all = parents_map(union_edges)

    def ancestors(c: str) -> set[str]:
        if c not in anc:
            anc[c] = set()
            for p in par_all.get(c, ()):
                anc[c] |= {p} | ancestors(p)
        return anc[c]

    for c in chosen:
        ancestors(c)
    refs = decide_mappings(ents, chosen, mf, who10, tab, fixture_166024, anc)

    (out / "orphanet").mkdir(parents=True, exist_ok=True)
    write_nomenclature(out / "orphanet" / "ORPHAnomenclature_en_2023.xml", header, footer, ents, chosen)
    write_product1(out / "orphanet" / "en_product1.xml", ents, chosen, refs, pack_root)
    sample_edges: set[tuple[str, str]] = set()
    for cid, cl in classifications.items():
        sample_edges |= write_product3(out / "orphanet" / f"en_product3_{cid}.xml", cl, chosen, ents)
    extraction = pack_root["ExtractionDate"].replace(" ", "T")
    write_ordo(out / "orphanet" / f"ORDO_en_{ORDO_VERSION}.owl", ents, chosen, refs, sample_edges, extraction)

    icd10_refs = {r.reference.rstrip("+*") for rs in refs.values() for r in rs if r.source == "ICD-10"}
    (out / "icd10se").mkdir(parents=True, exist_ok=True)
    write_icd10se(out / "icd10se", shared / "icd10se", {c.replace(".", "") for c in icd10_refs})
    who_codes = icd10_refs | {c[:3] for c in icd10_refs}
    icd11_codes = {r.reference for rs in refs.values() for r in rs if r.source == "ICD-11"}
    for c in who_codes:
        target = who10[c].cells[9]
        if target and "&" not in target and "/" not in target:
            icd11_codes.add(target)
    (out / "icd11" / "mapping").mkdir(parents=True, exist_ok=True)
    write_icd11(out / "icd11" / "SimpleTabulation-ICD-11-MMS-en.txt", tab_header, tab_rows, icd11_codes)
    who_parents = {k for k, r in who10.items()
                   if (r.cells[0] == "chapter" and any(who10[c].cells[3] == k for c in who_codes))
                   or (r.cells[0] == "block" and any(in_range(c[:3], k) for c in who_codes))}
    write_who_map(out / "icd11" / "mapping" / "10To11MapToOneCategory.txt", who_header, who10,
                  who_codes | who_parents)
    (out / "snomed").mkdir(parents=True, exist_ok=True)
    write_snomed(out / "snomed", shared, SNOMED_DATE)

    levels: dict[str, int] = {}
    for c in chosen:
        key = ents[c].level if ents[c].status == "Active" else ents[c].status
        levels[key] = levels.get(key, 0) + 1
    print(f"{len(chosen)} ORPHA concepts: {levels}")
    if args.report:
        for code in sorted(refs, key=int):
            for r in refs[code]:
                print(f"ORPHA:{code}\t{ents[code].name}\t{r.source}\t{r.reference}\t{r.rel}\t{r.icdrel}\t{r.why}")


if __name__ == "__main__":
    main()
