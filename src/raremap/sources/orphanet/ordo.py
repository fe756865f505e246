"""Orphanet Rare Disease Ontology (ORDO, OWL in RDF/XML): concepts, hierarchy and mappings.

Parser choice: a streaming defusedxml/ElementTree pass (:mod:`raremap.sources.formats.owlxml`) that
resolves blank-node restrictions and ``owl:Axiom`` annotations by hand. Measured with
``benchmarks/bench_ordo.py --compare`` on a synthetic full-size ORDO (55 MB; 15,000 clinical
entities, 4,500 genes; both ECO_0000218 shapes) on a shared, busy 2-core machine: this reader
5.8 s / 14.5 s in two runs against owlready2 8.8 s / 15.5 s in the same runs (load plus the
same counts from its triple store; the load alone took 4.2-14.6 s), and rdflib 39-57 s just to
load the graph. Peak RSS: reader 142 MB (75 MB above the 67 MB the package imports cost),
owlready2 144 MB (118 MB above its imports), rdflib 815 MB. owlready2 reproduced the reader's
counts, axioms of both shapes included, so the choice rests on speed, memory, and safety: the
pass stays inside defusedxml, while owlready2 runs its own expat parser and resolves
``owl:imports`` over the network.

What is read (formats.md §2):

* **Concepts**: classes with an ``ORPHA:<digits>`` ``skos:notation`` (the class IRI
  ``Orphanet_<digits>`` when a class has none) that descend from ``Orphanet_C001`` (clinical
  entity) or are inactive clinical entities; genes (``Orphanet_C010``), typing and typology
  classes and metaclasses are not concepts. Labels are untagged in ORDO: their language is the
  file's (``ORDO_<lang>_<version>.owl``, default ``en``).
* **Kind** from the typing superclasses 557492/557493/557494 (group/disorder/subtype), else
  the typology classes of older files, else the inactive metaclass (C043 deprecated group …).
  Attributes: ``disorder_type`` and ``disorder_type_id`` (name and id as the XML products
  write them, from the typology class), ``expert_link`` (``Orphanet_C055``),
  ``reason_for_obsolescence``.
* **Status** (model.Status): deprecated if below C042–C045 or with a C056 ``moved_to``
  restriction; non-rare if below C046–C049; obsolete if below C050–C053 or ``ObsoleteClass``,
  with a C057 ``referred_to`` restriction, an ``OBSOLETE:`` label or ``owl:deprecated true``;
  ``inactive`` if only below C041. Replacements: C056 → ``moved_to``, C057 → ``referred_to``,
  else ``Orphanet_<n>`` in ``efo:reason_for_obsolescence``.
* **Edges**: ``rdfs:subClassOf`` another clinical entity → hierarchy ``ordo``; a part-of
  restriction (``obo:BFO_0000050`` or ``Orphanet_C021``) → hierarchy ``ordo:part_of``.
* **Mappings** from ``oboInOwl:hasDbXref`` (``ICD-10:Q87.4`` → ``ICD10:Q87.4``, ``ICD-11:…`` →
  ``ICD11:…``, others kept as ``OMIM:154700``), relation and ICD relation from the
  ECO_0000218 strings of the xref's ``owl:Axiom`` (both the 4.x ``- NTBT (…).\\n- Specific
  code (…).`` shape and the older nested reification); no annotation → ``unspecified``.
  ORDO states no validation: ``validated`` is None.

The same ORPHA concept read here and from the Orphanet XML products comes out identical
(code, label, labels, synonyms, definition, status, replacements, kind, mappings).

Whether a class is a clinical entity is known only once every ``rdfs:subClassOf`` has been
seen, so the reader keeps one compact record per class (the XML is dropped element by
element) and yields after the pass: the Release first, then per concept its Concept, Edges
and Mappings.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ...codes import System
from ...errors import InvalidCodeError, ReleaseFormatError
from ...model import (
    Concept, Edge, IcdRelation, Mapping, Provenance, Record, Relation, Release, Replacement, Status, Term, TermKind,
)
from ...release_input import BuildReport, ReadContext
from ..formats.files import repair_text, stem
from ..formats.owlxml import OWL, RDFS, BlankRef, Literal, Node, iter_nodes
from ..formats.safe_xml import sniff_xml_root
from .jdbor import strip_inactive_prefix
from .vocabulary import clean_definition, icd_relation_word, reference_target, relation_token

ORDO_NS = "http://www.orpha.net/ORDO/"
_ORPHANET = ORDO_NS + "Orphanet_"
SKOS = "http://www.w3.org/2004/02/skos/core#"
EFO = "http://www.ebi.ac.uk/efo/"
OBO = "http://purl.obolibrary.org/obo/"
OBO_IN_OWL = "http://www.geneontology.org/formats/oboInOwl#"

P_LABEL = RDFS + "label"
P_SUBCLASS = RDFS + "subClassOf"
P_NOTATION = SKOS + "notation"
P_SYNONYM = EFO + "alternative_term"
P_DEFINITION = EFO + "definition"
P_REASON = EFO + "reason_for_obsolescence"
P_XREF = OBO_IN_OWL + "hasDbXref"
P_ECO = OBO + "ECO_0000218"
P_DEPRECATED = OWL + "deprecated"
P_PAGE = ORDO_NS + "Orphanet_C055"
P_ON_PROPERTY = OWL + "onProperty"
P_SOME_VALUES = OWL + "someValuesFrom"
P_SOURCE = OWL + "annotatedSource"
P_PROPERTY = OWL + "annotatedProperty"
P_TARGET = OWL + "annotatedTarget"
T_CLASS = OWL + "Class"
T_ONTOLOGY = OWL + "Ontology"
T_AXIOM = OWL + "Axiom"
T_RESTRICTION = OWL + "Restriction"

PART_OF = frozenset({OBO + "BFO_0000050", _ORPHANET + "C021"})
MOVED_TO = _ORPHANET + "C056"
REFERRED_TO = _ORPHANET + "C057"
CLINICAL_ENTITY = _ORPHANET + "C001"
GENETIC_MATERIAL = _ORPHANET + "C010"
OBSOLETE_CLASS = ORDO_NS + "ObsoleteClass"
INACTIVE_ROOT = _ORPHANET + "C041"

# metaclass of inactive clinical entities -> status (4.4 generator, formats.md §2.3)
_INACTIVE_METACLASSES: dict[str, Status] = {_ORPHANET + "C041": Status.INACTIVE}
_INACTIVE_METACLASSES.update({_ORPHANET + f"C0{n}": Status.DEPRECATED for n in (42, 43, 44, 45)})
_INACTIVE_METACLASSES.update({_ORPHANET + f"C0{n}": Status.NON_RARE for n in (46, 47, 48, 49)})
_INACTIVE_METACLASSES.update({_ORPHANET + f"C0{n}": Status.OBSOLETE for n in (50, 51, 52, 53)})
_INACTIVE_METACLASSES[OBSOLETE_CLASS] = Status.OBSOLETE
_STATUS_STRENGTH = {Status.INACTIVE: 0, Status.OBSOLETE: 1, Status.NON_RARE: 2, Status.DEPRECATED: 2}

_TYPING = {_ORPHANET + "557492": "group", _ORPHANET + "557493": "disorder", _ORPHANET + "557494": "subtype"}
# typology classes (ORDO 2.8 ids) -> (kind, DisorderType name and id of the XML products, §1.4)
_TYPOLOGY = {
    _ORPHANET + "377788": ("disorder", "Disease", "21394"),
    _ORPHANET + "377789": ("disorder", "Malformation syndrome", "21401"),
    _ORPHANET + "377790": ("disorder", "Biological anomaly", "21408"),
    _ORPHANET + "377791": ("disorder", "Morphological anomaly", "21415"),
    _ORPHANET + "377792": ("disorder", "Clinical syndrome", "21422"),
    _ORPHANET + "377793": ("disorder", "Particular clinical situation in a disease or syndrome", "21429"),
    _ORPHANET + "377794": ("group", "Clinical group", "21436"),
    _ORPHANET + "377795": ("subtype", "Etiological subtype", "21443"),
    _ORPHANET + "377796": ("subtype", "Clinical subtype", "21450"),
    _ORPHANET + "377797": ("subtype", "Histopathological subtype", "21457"),
    _ORPHANET + "557495": ("group", "Category", "36561"),
}
# inactive metaclasses also say what the entity was (formats.md §2.3)
_INACTIVE_KINDS = {_ORPHANET + f"C0{n}": kind
                   for kind, numbers in (("group", (43, 47, 51)), ("disorder", (44, 48, 52)), ("subtype", (45, 49, 53)))
                   for n in numbers}
_MARKERS = frozenset({CLINICAL_ENTITY, GENETIC_MATERIAL, *_INACTIVE_METACLASSES})

_FILE_NAME = re.compile(r"^(?:ordo_orphanet|ordo(?:_(?P<lang>[a-z]{2}))?(?:_(?P<version>[^_]+?))?)\.owl$", re.I)
_NOTATION = re.compile(r"^ORPHA:(\d{1,7})$")
_IRI_CODE = re.compile(r"^http://www\.orpha\.net/ORDO/Orphanet_(\d{1,7})$")
_REASON_CODE = re.compile(r"Orphanet_(\d{1,7})\b")
_INACTIVE_LABEL = (("OBSOLETE:", Status.OBSOLETE), ("NON RARE IN EUROPE:", Status.NON_RARE))
_DATE = re.compile(r"^(\d{4}-\d{2}-\d{2})")
_ECO_LINE = re.compile(r"^[\s\-–•]*([^\s(]+)")



@dataclass(slots=True)
class _Class:
    """What the file says about one named class (all descriptions of its IRI merged)."""

    iri: str
    is_class: bool = False
    labels: list[Literal] = field(default_factory=list)
    notations: list[str] = field(default_factory=list)
    synonyms: list[Literal] = field(default_factory=list)
    definitions: list[Literal] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)
    parents: list[str] = field(default_factory=list)
    restrictions: list[tuple[str, str]] = field(default_factory=list)  # (property, target class)
    pending: list[str] = field(default_factory=list)  # rdf:nodeID of restrictions described elsewhere
    xrefs: list[str] = field(default_factory=list)
    page: str = ""
    deprecated: bool = False


@dataclass(slots=True)
class _Document:
    """The compact content of an ORDO file after one streaming pass."""

    header: Node | None = None
    classes: dict[str, _Class] = field(default_factory=dict)
    # (class IRI, xref as written) -> ECO_0000218 strings of the axioms annotating it
    xref_notes: dict[tuple[str, str], list[str]] = field(default_factory=dict)
    blank: dict[str, Node] = field(default_factory=dict)
    pending_axioms: list[Node] = field(default_factory=list)


class OrdoReader:
    """ORDO OWL (RDF/XML), any language: ``ORDO_<lang>_<version>.owl`` (``.gz`` allowed)."""

    name = "ordo"
    discovery_order = 200  # sources.readers(): a file claimed earlier is not offered later

    def find(self, files: Sequence[Path]) -> list[tuple[Path, ...]]:
        groups: list[tuple[Path, ...]] = []
        for path in files:
            # named like ORDO: claimed unless it is clearly another XML format (an empty, cut or
            # UTF-16 file is then refused by read, not dropped as "not a release")
            root = sniff_xml_root(path, 65536) if _FILE_NAME.match(stem(path)) else ""
            if root is None or (root or "").endswith("RDF"):
                groups.append((path,))
        return groups

    def read(self, files: tuple[Path, ...], ctx: ReadContext) -> Iterator[Record]:
        for path in files:
            yield from self._read_one(path, ctx)

    def _read_one(self, path: Path, ctx: ReadContext) -> Iterator[Record]:
        display = ctx.relative(path)
        m = _FILE_NAME.match(stem(path))
        lang = ((m.group("lang") if m else None) or "en").lower()
        doc = _scan(path, display, ctx.report)
        release = _release(doc, path, lang, ctx)
        yield release
        yield from _Interpreter(doc, lang, release.id, display, ctx).records()


def _scan(path: Path, display: str, report: BuildReport | None = None) -> _Document:
    """One pass over the file: keep what ORDO semantics need, drop the rest (an owl:Class
    without rdf:about names no code: a counted skip)."""
    doc = _Document()
    for node in iter_nodes(path, display):
        types = node.types
        if T_ONTOLOGY in types:
            doc.header = node
            continue
        if T_AXIOM in types:
            if node.node_id is not None:
                doc.blank[node.node_id] = node
            _take_axiom(doc, node)
            continue
        if node.about is None:
            if node.node_id is not None:
                doc.blank[node.node_id] = node
            elif report is not None and T_CLASS in types:
                report.skip(display, "owl:Class", "class without rdf:about (no code)")
            continue
        _take_class(doc, node)
    _resolve_blank_nodes(doc)
    if doc.header is None:
        raise ReleaseFormatError(display, "rdf:RDF", "no owl:Ontology header: not an ORDO release")
    return doc


def _take_class(doc: _Document, node: Node) -> None:
    iri = node.about
    assert iri is not None
    cls = doc.classes.get(iri)
    if cls is None:
        cls = doc.classes[iri] = _Class(iri)
    cls.is_class = cls.is_class or T_CLASS in node.types
    for predicate, value in node.props:
        if predicate == P_SUBCLASS:
            cls.is_class = True
            if isinstance(value, str):
                cls.parents.append(value)
            elif isinstance(value, Node):
                restriction = _restriction(value)
                if restriction is not None:
                    cls.restrictions.append(restriction)
            elif isinstance(value, BlankRef):
                cls.pending.append(value.node_id)
        elif not isinstance(value, Literal):
            continue
        elif predicate == P_LABEL:
            cls.labels.append(value)
        elif predicate == P_NOTATION:
            cls.notations.append(value.text)
        elif predicate == P_SYNONYM:
            cls.synonyms.append(value)
        elif predicate == P_DEFINITION:
            cls.definitions.append(value)
        elif predicate == P_XREF:
            cls.xrefs.append(value.text)
        elif predicate == P_REASON:
            cls.reasons.append(value.text)
        elif predicate == P_PAGE:
            cls.page = cls.page or value.text
        elif predicate == P_DEPRECATED:
            cls.deprecated = cls.deprecated or value.text.strip().lower() in ("true", "1")


def _restriction(node: Node) -> tuple[str, str] | None:
    """(property, class) of an ``owl:someValuesFrom`` restriction on a named class."""
    prop = node.first(P_ON_PROPERTY)
    target = node.first(P_SOME_VALUES)
    if isinstance(prop, str) and isinstance(target, str):
        return prop, target
    return None


def _take_axiom(doc: _Document, node: Node) -> None:
    """Record the ECO_0000218 notes of an axiom annotating an ``oboInOwl:hasDbXref``."""
    found = _xref_axiom(doc, node, 0)
    if found is None:
        if _has_blank_source(node):
            doc.pending_axioms.append(node)
        return
    source, xref, notes = found
    if notes:
        doc.xref_notes.setdefault((source, xref), []).extend(notes)


def _has_blank_source(node: Node) -> bool:
    return any(isinstance(v, BlankRef) for v in node.values(P_SOURCE))


def _xref_axiom(doc: _Document, node: Node, depth: int) -> tuple[str, str, list[str]] | None:
    """(class, xref, ECO notes) when ``node`` (or the axiom it annotates) is about an xref.

    Old releases annotate the xref axiom with the ICD relation and then annotate *that* axiom
    with the precision (formats.md §2.4); every ECO_0000218 string on the way counts.
    """
    if depth > 8:
        return None
    notes = [v.text for v in node.values(P_ECO) if isinstance(v, Literal)]
    source = node.first(P_SOURCE)
    prop = node.first(P_PROPERTY)
    target = node.first(P_TARGET)
    if isinstance(source, BlankRef):
        source = doc.blank.get(source.node_id)
    if isinstance(source, str):
        if prop == P_XREF and isinstance(target, Literal):
            return source, target.text, notes
        return None
    if isinstance(source, Node):
        inner = _xref_axiom(doc, source, depth + 1)
        if inner is None:
            return None
        if prop == P_ECO and isinstance(target, Literal):
            notes.append(target.text)
        return inner[0], inner[1], inner[2] + notes
    return None


def _resolve_blank_nodes(doc: _Document) -> None:
    """Restrictions and axioms written as separate ``rdf:nodeID`` descriptions."""
    for cls in doc.classes.values():
        for node_id in cls.pending:
            node = doc.blank.get(node_id)
            restriction = _restriction(node) if node is not None else None
            if restriction is not None:
                cls.restrictions.append(restriction)
    for node in doc.pending_axioms:
        found = _xref_axiom(doc, node, 0)
        if found is not None and found[2]:
            doc.xref_notes.setdefault((found[0], found[1]), []).extend(found[2])
    doc.blank.clear()
    doc.pending_axioms.clear()


def _release(doc: _Document, path: Path, lang: str, ctx: ReadContext) -> Release:
    header = doc.header
    assert header is not None
    version = iri = date = licence = ""
    for predicate, value in header.props:
        local = predicate.rsplit("/", 1)[-1].rsplit("#", 1)[-1]
        text = value.text if isinstance(value, Literal) else value if isinstance(value, str) else ""
        if not text:
            continue
        if predicate == OWL + "versionInfo" and not version:
            version = text
        elif predicate == OWL + "versionIRI" and not iri:
            iri = text
        elif local in ("date", "modified", "issued") and not date:
            m = _DATE.match(text.strip())
            date = m.group(1) if m else ""
        elif local in ("license", "licence", "rights") and not licence:
            licence = text
    if not version:
        m = _FILE_NAME.match(stem(path))
        version = (m.group("version") if m else None) or ""
    tag = version or iri or stem(path)
    return Release(
        id=f"ordo:{tag}" if lang == "en" else f"ordo-{lang}:{tag}",
        system=System.ORPHA.value,
        name="Orphanet Rare Disease Ontology (ORDO)" + ("" if lang == "en" else f", {lang}"),
        version=version,
        date=date,
        files=(ctx.source_file(path),),
        licence=licence,
        bundled_sample=ctx.bundled_sample,
    )


class _Interpreter:
    """ORDO semantics over the scanned classes: which are concepts, their status, edges, mappings."""

    def __init__(self, doc: _Document, lang: str, release: str, display: str, ctx: ReadContext) -> None:
        self.doc = doc
        self.classes = doc.classes
        self.lang = lang
        self.release = release
        self.file = display
        self.ctx = ctx
        self._markers: dict[str, frozenset[str]] = {}
        self.codes: dict[str, str] = {}  # class IRI -> ORPHA code, for every clinical entity

    def records(self) -> Iterator[Record]:
        for iri, cls in self.classes.items():
            code = self._code(cls)
            if code is not None and self._clinical(cls):
                self.codes[iri] = code
        seen: set[str] = set()
        counts = {"concepts": 0, "edges": 0, "mappings": 0}
        for iri, code in self.codes.items():
            cls = self.classes[iri]
            where = iri.rsplit("/", 1)[-1]
            if code in seen:
                self.ctx.report.skip(self.file, where, f"second class with the notation {code}")
                continue
            seen.add(code)
            concept = self._concept(cls, code, where)
            if concept is None:
                continue
            yield concept
            counts["concepts"] += 1
            for edge in self._edges(cls, code):
                counts["edges"] += 1
                yield edge
            for mapping in self._mappings(cls, code, where):
                counts["mappings"] += 1
                yield mapping
        for what, n in counts.items():
            self.ctx.report.count(f"ordo: {what}", n)

    # --- which classes are ORPHA concepts ----------------------------------------------------

    @staticmethod
    def _code(cls: _Class) -> str | None:
        for notation in cls.notations:
            m = _NOTATION.match(notation.strip())
            if m:
                return f"ORPHA:{int(m.group(1))}"
        m = _IRI_CODE.match(cls.iri)
        if m and int(m.group(1)) and cls.iri not in _TYPING and cls.iri not in _TYPOLOGY:
            return f"ORPHA:{int(m.group(1))}"
        return None

    def _clinical(self, cls: _Class) -> bool:
        if not cls.is_class or cls.iri in _TYPING or cls.iri in _TYPOLOGY or cls.iri in _MARKERS:
            return False
        markers = self.markers(cls.iri)
        if GENETIC_MATERIAL in markers:
            return False
        if CLINICAL_ENTITY in markers or markers & _INACTIVE_METACLASSES.keys():
            return True
        return any(prop in (MOVED_TO, REFERRED_TO) for prop, _ in cls.restrictions)

    def markers(self, iri: str) -> frozenset[str]:
        """The root/metaclasses (C001, C010, C041–C053, ObsoleteClass) ``iri`` descends from."""
        found = self._markers.get(iri)
        if found is not None:
            return found
        # iterative depth-first walk; a cycle in a broken file just stops the walk
        stack: list[tuple[str, int]] = [(iri, 0)]
        on_path: set[str] = set()
        while stack:
            current, state = stack.pop()
            if state == 0:
                if current in self._markers:
                    continue
                on_path.add(current)
                stack.append((current, 1))
                cls = self.classes.get(current)
                for parent in cls.parents if cls is not None else ():
                    if parent not in self._markers and parent not in on_path:
                        stack.append((parent, 0))
            else:
                on_path.discard(current)
                cls = self.classes.get(current)
                acc: set[str] = {current} & _MARKERS
                for parent in cls.parents if cls is not None else ():
                    acc |= self._markers.get(parent, frozenset({parent}) & _MARKERS)
                self._markers[current] = frozenset(acc)
        return self._markers[iri]

    # --- concept ------------------------------------------------------------------------------

    def _concept(self, cls: _Class, code: str, where: str) -> Concept | None:
        raw_label, label_lang = self._label(cls)
        if not raw_label:
            self.ctx.report.skip(self.file, where, "clinical entity without rdfs:label")
            return None
        status = self._status(cls, raw_label)
        label = strip_inactive_prefix(raw_label, not status.is_active)
        synonyms: list[Term] = []
        seen = {label}
        for syn in cls.synonyms:
            text = repair_text(syn.text)
            if text and text not in seen:
                seen.add(text)
                synonyms.append(Term(text, syn.lang or self.lang, TermKind.SYNONYM))
        attributes: dict[str, str] = {}
        kind = ""
        for parent in cls.parents:
            if parent in _TYPING:
                kind = _TYPING[parent]
        for parent in cls.parents:
            if parent in _TYPOLOGY:
                typology_kind, name, type_id = _TYPOLOGY[parent]
                kind = kind or typology_kind
                attributes["disorder_type"] = name
                attributes["disorder_type_id"] = type_id
        if not kind:
            kind = next((_INACTIVE_KINDS[p] for p in cls.parents if p in _INACTIVE_KINDS), "")
        if cls.page:
            attributes["expert_link"] = cls.page
        reason = next((r for r in cls.reasons if r.strip()), "")
        if reason:
            attributes["reason_for_obsolescence"] = reason.strip()
        return Concept(
            code=code,
            system=System.ORPHA.value,
            label=label,
            labels={label_lang: label},
            synonyms=tuple(synonyms),
            status=status,
            replaced_by=self._replacements(cls, status),
            kind=kind,
            definition=self._definition(cls),
            attributes=attributes,
            release=self.release,
        )

    def _label(self, cls: _Class) -> tuple[str, str]:
        """Preferred label and its language: the file's language or untagged first."""
        best: Literal | None = None
        for literal in cls.labels:
            if literal.text and (not literal.lang or literal.lang == self.lang):
                best = literal
                break
        if best is None:
            best = next((lit for lit in cls.labels if lit.text), None)
        if best is None:
            return "", self.lang
        return repair_text(best.text), best.lang or self.lang

    def _definition(self, cls: _Class) -> str | None:
        chosen = next((d for d in cls.definitions if d.text and (not d.lang or d.lang == self.lang)), None)
        if chosen is None:
            chosen = next((d for d in cls.definitions if d.text), None)
        if chosen is None:
            return None
        value = clean_definition(repair_text(chosen.text))
        return value or None

    def _status(self, cls: _Class, label: str) -> Status:
        status = Status.ACTIVE
        for marker in self.markers(cls.iri):
            found = _INACTIVE_METACLASSES.get(marker)
            if found is not None and (status is Status.ACTIVE or _STATUS_STRENGTH[found] > _STATUS_STRENGTH[status]):
                status = found
        if status in (Status.ACTIVE, Status.INACTIVE):
            props = {prop for prop, _ in cls.restrictions}
            if MOVED_TO in props:
                return Status.DEPRECATED
            if REFERRED_TO in props:
                return Status.OBSOLETE
            for prefix, by_label in _INACTIVE_LABEL:
                if label.startswith(prefix):
                    return by_label
            if cls.deprecated:
                return Status.OBSOLETE
        return status

    def _replacements(self, cls: _Class, status: Status) -> tuple[Replacement, ...]:
        found: list[Replacement] = []
        for prop, target in cls.restrictions:
            relation = "moved_to" if prop == MOVED_TO else "referred_to" if prop == REFERRED_TO else None
            code = self._target_code(target) if relation else None
            if relation and code:
                replacement = Replacement(code, relation)
                if replacement not in found:
                    found.append(replacement)
        if not found and not status.is_active:
            relation = "moved_to" if status is Status.DEPRECATED else "referred_to"
            for reason in cls.reasons:
                for number in _REASON_CODE.findall(reason):
                    replacement = Replacement(f"ORPHA:{int(number)}", relation)
                    if replacement not in found:
                        found.append(replacement)
        return tuple(found)

    def _target_code(self, iri: str) -> str | None:
        code = self.codes.get(iri)
        if code is not None:
            return code
        cls = self.classes.get(iri)
        if cls is not None:
            return self._code(cls)
        m = _IRI_CODE.match(iri)
        return f"ORPHA:{int(m.group(1))}" if m and int(m.group(1)) else None

    # --- edges and mappings -------------------------------------------------------------------

    def _edges(self, cls: _Class, code: str) -> Iterator[Edge]:
        done: set[tuple[str, str]] = set()
        for parent in cls.parents:
            parent_code = self.codes.get(parent)
            if parent_code is not None and parent_code != code and (parent_code, "ordo") not in done:
                done.add((parent_code, "ordo"))
                yield Edge(code, parent_code, "ordo", self.release)
        for prop, target in cls.restrictions:
            if prop in PART_OF:
                parent_code = self.codes.get(target)
                if parent_code is not None and parent_code != code and (parent_code, "ordo:part_of") not in done:
                    done.add((parent_code, "ordo:part_of"))
                    yield Edge(code, parent_code, "ordo:part_of", self.release)

    def _mappings(self, cls: _Class, code: str, where: str) -> Iterator[Mapping]:
        done: set[str] = set()
        for xref in cls.xrefs:
            if xref in done:
                continue
            done.add(xref)
            mapping = self._mapping(cls.iri, code, xref, where)
            if mapping is not None:
                yield mapping

    def _mapping(self, iri: str, code: str, xref: str, where: str) -> Mapping | None:
        source, sep, reference = xref.strip().partition(":")
        source, reference = source.strip(), reference.strip()
        position = f"{where} hasDbXref {xref}"
        if not sep or not source or not reference:
            self.ctx.report.skip(self.file, position, "hasDbXref without a <source>:<reference> form")
            return None
        try:
            target, marker = reference_target(source, reference)
        except InvalidCodeError as err:
            self.ctx.report.skip(self.file, position, f"{source} reference is not a code: {err.reason}")
            return None
        qualifier = f"marker={marker}" if marker else ""
        relation, icd = _annotation(self.doc.xref_notes.get((iri, xref), ()))
        return Mapping(
            source=code,
            target=target,
            relation=relation,
            icd_relation=icd,
            validated=None,
            provenance=Provenance(self.release, self.file, position),
            published=reference,
            qualifier=qualifier,
        )


def _annotation(notes: Sequence[str]) -> tuple[Relation, IcdRelation | None]:
    """Mapping precision and ICD relation from ECO_0000218 strings (one item per line)."""
    relation: Relation | None = None
    icd: IcdRelation | None = None
    for note in notes:
        for line in note.splitlines():
            m = _ECO_LINE.match(line)
            if not m:
                continue
            token = m.group(1).rstrip(".:,;")
            if relation is None and relation_token(token) is not None:
                relation = relation_token(token)
            elif icd is None and icd_relation_word(token) is not None:
                icd = icd_relation_word(token)
    return relation or Relation.UNSPECIFIED, icd


READER = OrdoReader()
READERS = (READER,)
