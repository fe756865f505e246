"""The Orphanet ``Disorder`` element: one parsing core for the nomenclature pack and product1.

Decisions (formats.md §1.3–1.5, checked against the 2023 EN pack):

* **Status.** ``Totalstatus`` is the authority where it can be read (Active / Inactive:
  Obsolete / Deprecated / Non rare disease in Europe, matched on word stems so translations
  work). Otherwise the flags decide, read as the pack's ``FlagValue`` bits (8192 inactive,
  32 non-rare in Europe, 256 deprecated, 16 obsolete) or product1's ``DisorderFlag`` elements
  (id 495 = bit 8192 "Inactive", 456 = bit 32 non-rare, 461 = bit 1024 "Obsolete with
  resources"): non-rare if 456/32; else inactive if 495/8192 or 461/1024, and then
  *deprecated* when it has a "Moved to" association (or bit 256), *obsolete* otherwise;
  else active. Pack pairs observed: 8208 obsolete, 8225 non-rare, 8449 deprecated; 1, 129
  and 513 active.
* **Kind** from ``ClassificationLevel`` / ``DisorderGroup`` id (36540 group, 36547 disorder,
  36554 subtype), falling back to the ``DisorderType`` id.
* **Replacements** only from associations whose ``RootDisorder`` has ``cycle="true"``
  (each association is listed on both entities): 21471 Moved to → ``moved_to``,
  27341 Referred to → ``referred_to``.
* **Language** is the file's (from its name), not the ``lang`` attributes.
* **Definition** is TextSectionType 16907; its escaped HTML markup (``<i>``) is removed and
  HTML character references (``&#8208;``) resolved.
* **Mappings** (``ExternalReference``): ICD-10 → ``ICD10:<dotted>`` (an unparseable reference
  is skipped and counted; a ``+``/``*`` marker goes to the qualifier as ``marker=…``),
  ICD-11 → ``ICD11:<code>`` with qualifier ``ref_url=…;ref_uri=…``, every other source →
  ``<Source>:<Reference>`` as written (``OMIM:607131``, ``MONDO:0011778``). Relation from
  the leading token of the label (E, NTBT, BTNT, W, ND), else the id (21527/21534/21541); an
  unreadable relation is emitted as ``unspecified`` with ``relation=<label>`` in the
  qualifier and counted. ICD relation from the first known word of the label before its
  parenthesis (Specific, Attributed, Inclusion, Index, and their fr/de/es/it stems), else the
  id (21604 attributed, 21597 index). ``validated``: id 21611 or "Validated"/"Validiert"/
  "Validé"… → True, any other stated status → False, absent → None.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from xml.etree.ElementTree import Element

from ...codes import System
from ...errors import InvalidCodeError
from ...model import Concept, IcdRelation, Mapping, Provenance, Record, Relation, Replacement, Status, Term, TermKind
from ...release_input import ReadContext
from ..formats.safe_xml import text
from .jdbor import orpha, strip_inactive_prefix
from .vocabulary import clean_definition, icd_relation_word, reference_target, relation_token

DEFINITION_SECTION = "16907"
MOVED_TO, REFERRED_TO, PREFERENTIAL_PARENT = "21471", "27341", "21485"

_LEVELS = {"36540": "group", "36547": "disorder", "36554": "subtype"}
_TYPE_LEVELS = {
    "36561": "group", "21436": "group",
    "21394": "disorder", "21401": "disorder", "21415": "disorder", "21429": "disorder",
    "21422": "disorder", "21408": "disorder",
    "21450": "subtype", "21443": "subtype", "21457": "subtype",
}

# product1 DisorderFlag id -> the FlagValue bit it stands for (when Value is missing)
_FLAG_BITS = {"475": 1, "456": 32, "461": 1024, "495": 8192}
BIT_NON_RARE, BIT_DEPRECATED, BIT_OBSOLETE_RESOURCES, BIT_INACTIVE = 32, 256, 1024, 8192

_RELATION_IDS = {"21527": Relation.EXACT, "21534": Relation.NARROWER, "21541": Relation.BROADER}
_ICD_IDS = {"21604": IcdRelation.ATTRIBUTED, "21597": IcdRelation.INDEX}
_VALIDATED_ID = "21611"
_VALIDATED_NAMES = frozenset({"validated", "validiert", "validé", "valide", "validado", "validato",
                              "gevalideerd", "zwalidowany", "validováno", "validovano"})

_LEADING_TOKEN = re.compile(r"^\s*([^\s(]+)")


@dataclass(frozen=True)
class DisorderSource:
    """Where a Disorder element comes from: release, file, language and what to emit."""

    release: str
    file: str
    lang: str
    concepts: bool = True
    mappings: bool = True


def read_disorder(elem: Element, src: DisorderSource, ctx: ReadContext) -> Iterator[Record]:
    """Concept (if ``src.concepts``) and mappings (if ``src.mappings``) of one Disorder element."""
    raw_code = text(elem, "OrphaCode")
    code = orpha(raw_code)
    position = f"Disorder id={elem.get('id', '?')}"
    if code is None:
        ctx.report.skip(src.file, position, f"Disorder without a valid OrphaCode ({raw_code!r})")
        return
    position = f"Disorder {code}"
    if src.concepts:
        concept = _concept(elem, code, src, ctx, position)
        if concept is not None:
            yield concept
    if src.mappings:
        for ref in elem.iterfind("ExternalReferenceList/ExternalReference"):
            mapping = _mapping(ref, code, src, ctx, position)
            if mapping is not None:
                yield mapping


def _concept(elem: Element, code: str, src: DisorderSource, ctx: ReadContext, position: str) -> Concept | None:
    name = text(elem, "Name")
    if not name:
        ctx.report.skip(src.file, position, "Disorder without Name")
        return None
    replaced_by = tuple(_replacements(elem, src, ctx, position))
    flags, attributes = _flags(elem)
    status = _status(text(elem, "Totalstatus"), flags, replaced_by)
    label = strip_inactive_prefix(name, not status.is_active)
    synonyms: list[Term] = []
    seen = {label}
    for syn in elem.iterfind("SynonymList/Synonym"):
        value = text(syn)
        if value and value not in seen:
            seen.add(value)
            synonyms.append(Term(value, src.lang, TermKind.SYNONYM))
    dtype = elem.find("DisorderType")
    if dtype is not None:
        attributes["disorder_type"] = text(dtype, "Name")
        attributes["disorder_type_id"] = dtype.get("id", "")
    level = elem.find("ClassificationLevel")
    if level is None:
        level = elem.find("DisorderGroup")
    kind = _LEVELS.get(level.get("id", "") if level is not None else "", "")
    if not kind and dtype is not None:
        kind = _TYPE_LEVELS.get(dtype.get("id", ""), "")
    expert = text(elem, "ExpertLink")
    if expert:
        attributes["expert_link"] = expert
    attributes.update(_aggregation(elem))
    return Concept(
        code=code,
        system=System.ORPHA.value,
        label=label,
        labels={src.lang: label},
        synonyms=tuple(synonyms),
        status=status,
        replaced_by=replaced_by,
        kind=kind,
        definition=_definition(elem),
        attributes={k: v for k, v in attributes.items() if v},
        release=src.release,
    )


def _flags(elem: Element) -> tuple[int | None, dict[str, str]]:
    """Flag bitmask (None when the element states none) and the raw flag attributes."""
    raw = text(elem, "FlagValue")
    if raw:
        try:
            return int(raw), {"flag_value": raw}
        except ValueError:
            return None, {"flag_value": raw}
    flag_list = elem.find("DisorderFlagList")
    if flag_list is None:
        return None, {}
    mask, ids = 0, []
    for flag in flag_list.iterfind("DisorderFlag"):
        fid = flag.get("id", "")
        ids.append(fid)
        value = text(flag, "Value")
        mask |= int(value) if value.isascii() and value.isdigit() else _FLAG_BITS.get(fid, 0)
    return mask, {"flag_value": str(mask), "disorder_flags": ",".join(ids)}


def status_from_totalstatus(value: str) -> Status | None:
    """Status of a ``Totalstatus`` string, None when it cannot be read."""
    v = value.casefold()
    if not v:
        return None
    if "non rare" in v or "non-rare" in v or "nicht selten" in v or "no rara" in v:
        return Status.NON_RARE
    if "deprecat" in v or "dépréci" in v:
        return Status.DEPRECATED
    if "obsol" in v:
        return Status.OBSOLETE
    if v in ("active", "actif", "aktiv", "activo", "attivo", "actief", "aktywny", "aktivní", "ativo"):
        return Status.ACTIVE
    return None


def _status(totalstatus: str, flags: int | None, replaced_by: tuple[Replacement, ...]) -> Status:
    stated = status_from_totalstatus(totalstatus)
    if stated is not None:
        return stated
    if flags is None:
        return Status.ACTIVE
    if flags & BIT_NON_RARE:
        return Status.NON_RARE
    if flags & (BIT_INACTIVE | BIT_OBSOLETE_RESOURCES):
        if flags & BIT_DEPRECATED or any(r.relation == "moved_to" for r in replaced_by):
            return Status.DEPRECATED
        return Status.OBSOLETE
    return Status.ACTIVE


def associations(elem: Element) -> Iterator[tuple[str, Element]]:
    """(association type id, TargetDisorder) of the associations this entity is the root of."""
    for assoc in elem.iterfind("DisorderDisorderAssociationList/DisorderDisorderAssociation"):
        root = assoc.find("RootDisorder")
        target = assoc.find("TargetDisorder")
        kind = assoc.find("DisorderDisorderAssociationType")
        if root is None or root.get("cycle") != "true" or target is None or kind is None:
            continue
        yield kind.get("id", ""), target


def _replacements(elem: Element, src: DisorderSource, ctx: ReadContext, position: str) -> Iterator[Replacement]:
    for kind, target in associations(elem):
        relation = {MOVED_TO: "moved_to", REFERRED_TO: "referred_to"}.get(kind)
        if relation is None:
            continue
        code = orpha(text(target, "OrphaCode"))
        if code is None:
            ctx.report.skip(src.file, position, "association target without a valid OrphaCode")
            continue
        yield Replacement(code, relation)


def _aggregation(elem: Element) -> dict[str, str]:
    section = elem.find("AggregationLevelSection")
    if section is None:
        return {}
    level = section.find("AggregationLevelList/AggregationLevel")
    holder = level if level is not None else section
    code = orpha(text(holder, "OrphaCode") or text(holder, "OrphaCodeAggregation"))
    return {"aggregation": code or "", "aggregation_status": text(holder, "AggregationLevelStatus")}


def _definition(elem: Element) -> str | None:
    for section in elem.iterfind("SummaryInformationList/SummaryInformation/TextSectionList/TextSection"):
        stype = section.find("TextSectionType")
        if stype is not None and stype.get("id") == DEFINITION_SECTION:
            value = clean_definition(text(section, "Contents"))
            if value:
                return value
    return None


# --- ExternalReference ---------------------------------------------------------------------

def mapping_relation(elem: Element | None) -> tuple[Relation | None, str]:
    """(relation, label) of a DisorderMappingRelation; relation None if stated but unreadable."""
    if elem is None:
        return Relation.UNSPECIFIED, ""
    label = text(elem, "Name")
    m = _LEADING_TOKEN.match(label)
    if m and (found_token := relation_token(m.group(1))) is not None:
        return found_token, label
    found = _RELATION_IDS.get(elem.get("id", ""))
    if found is not None:
        return found, label
    if not label and not elem.get("id"):
        return Relation.UNSPECIFIED, ""
    return None, label or f"id {elem.get('id')}"


def icd_relation(elem: Element | None) -> tuple[IcdRelation | None, bool]:
    """(ICD relation, readable); an empty or absent element is (None, True)."""
    if elem is None:
        return None, True
    label = text(elem, "Name")
    for word in label.split("(", 1)[0].split():
        relation = icd_relation_word(word)
        if relation is not None:
            return relation, True
    found = _ICD_IDS.get(elem.get("id", ""))
    if found is not None:
        return found, True
    return None, not label and not elem.get("id")


def validation(elem: Element | None) -> bool | None:
    """True for Validated (id 21611 or its name), False for another stated status, None if absent."""
    if elem is None:
        return None
    fid, name = elem.get("id", ""), text(elem, "Name")
    if not fid and not name:
        return None
    return fid == _VALIDATED_ID or name.casefold() in _VALIDATED_NAMES


def _mapping(ref: Element, code: str, src: DisorderSource, ctx: ReadContext, where: str) -> Mapping | None:
    source = text(ref, "Source")
    reference = text(ref, "Reference")
    position = f"{where} ExternalReference id={ref.get('id', '?')}"
    if not source or not reference:
        ctx.report.skip(src.file, position, "ExternalReference without Source or Reference")
        return None
    qualifier: list[str] = []
    try:
        target, marker = reference_target(source, reference)
    except InvalidCodeError as err:
        ctx.report.skip(src.file, position, f"{source} reference is not a code: {err.reason}")
        return None
    if marker:
        qualifier.append(f"marker={marker}")
    if target.startswith("ICD11:"):
        url, uri = text(ref, "DisorderMappingICDRefUrl"), text(ref, "DisorderMappingICDRefUri")
        qualifier += [f"ref_url={url}"] if url else []
        qualifier += [f"ref_uri={uri}"] if uri else []
    relation, label = mapping_relation(ref.find("DisorderMappingRelation"))
    if relation is None:
        ctx.report.count("orphanet: mappings with an unreadable DisorderMappingRelation (kept as unspecified)")
        qualifier.append(f"relation={label}")
        relation = Relation.UNSPECIFIED
    icd, readable = icd_relation(ref.find("DisorderMappingICDRelation"))
    if not readable:
        ctx.report.count("orphanet: mappings with an unreadable DisorderMappingICDRelation")
    return Mapping(
        source=code,
        target=target,
        relation=relation,
        icd_relation=icd,
        validated=validation(ref.find("DisorderMappingValidationStatus")),
        provenance=Provenance(src.release, src.file, position),
        published=reference,
        qualifier=";".join(qualifier),
    )
