"""The sentences of a UMI assessment: why, in English and Swedish, side by side.

:mod:`raremap.services.umi` decides (own code or not, what to record); the functions here say
it. Each returns an ``(en, sv)`` pair, or adds to a :class:`Reason`; every sentence names the
releases its statements come from and marks derived relations as derived.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from ..codes import value_of
from ..model import IcdRelation, Mapping, Relation, Status
from .crosswalk import EDITION, HIERARCHY, INVERSE, STATED, statements_of

__all__ = ["Links", "OrphaFacts", "Reason", "codes", "describe", "listed", "releases", "titles", "value", "values"]

_REL = {
    Relation.EXACT: ("exact", "exakt"),
    Relation.NARROWER: ("the ICD code is broader", "ICD-koden är bredare"),
    Relation.BROADER: ("the ICD code is narrower", "ICD-koden är smalare"),
    Relation.RELATED: ("related", "närliggande"),
    Relation.UNDECIDED: ("relation not decided by Orphanet", "relationen ej fastställd av Orphanet"),
    Relation.UNSPECIFIED: ("relation not stated", "relationen anges inte"),
    Relation.WRONG: ("marked wrong by Orphanet", "markerad som fel av Orphanet"),
}
_ICD_REL = {
    IcdRelation.SPECIFIC: ("specific code", "specifik kod"),
    IcdRelation.ATTRIBUTED: ("code attributed by Orphanet", "kod tilldelad av Orphanet"),
    IcdRelation.INCLUSION: ("inclusion term", "inklusionsterm"),
    IcdRelation.INDEX: ("index term", "indexterm"),
}
_STATUS_SV = {
    Status.OBSOLETE: "föråldrad",
    Status.DEPRECATED: "avvecklad",
    Status.NON_RARE: "inte sällsynt i Europa",
    Status.INACTIVE: "inaktiv",
}


@dataclass
class Reason:
    """An English and a Swedish text, built side by side."""

    en: str = ""
    sv: str = ""

    def add(self, pair: tuple[str, str]) -> None:
        self.en += pair[0]
        self.sv += pair[1]


@dataclass(frozen=True)
class Links:
    """The answers of one ICD system split by what the releases say of them: ``decided`` (a stated
    relation), ``open`` (linked, no relation stated), ``inherited`` (an ancestor's codes)."""

    links: list[Mapping]
    decided: list[Mapping]
    open: list[Mapping]
    inherited: list[Mapping]


@dataclass(frozen=True)
class OrphaFacts:
    """What the sentences about one ORPHA code speak of (gathered by the assessment)."""

    orpha: str  # the code asked about
    assessed: str  # it, or its replacement
    name: str  # "Marfan syndrome (ORPHA:558)"
    icd10: tuple[Mapping, ...]
    icd10se: tuple[Mapping, ...]
    icd11: tuple[Mapping, ...]
    snomed: tuple[Mapping, ...]
    own10: list[Mapping]
    own11: list[Mapping]
    se_own: list[Mapping]
    concepts: list[str]  # the SNOMED CT concepts recorded with it
    named: dict[str, Mapping]  # ICD-10-SE codes whose title names the disease (lexical evidence)
    retired: tuple[str, ...] | None  # an inactive code without replacement: the codes it refers to
    non_rare: bool = False  # the asked code is one Orphanet marks non-rare in Europe
    subdivided: list[tuple[str, list[str]]] = field(default_factory=list)  # ICD-10-SE codes and their subdivisions


# --- small helpers ---------------------------------------------------------------------------

def releases(maps) -> str:
    """The ids of the releases the statements behind ``maps`` come from (``orphanet-product1:2025-12-09``)."""
    ids = [s.provenance.release for m in maps for s in statements_of(m) if s.provenance is not None and s.provenance.release]
    return ", ".join(dict.fromkeys(ids))


def codes(found: list[str]) -> list[str]:
    return list(dict.fromkeys(found))


def value(code: str) -> str:
    """The code without its system prefix, for sentences that name the system."""
    return value_of(code) or code


def values(found: list[str]) -> list[str]:
    return [value(c) for c in found]


def listed(items: list[str], limit: int = 8) -> str:
    shown = items[:limit]
    more = f" (+{len(items) - limit})" if len(items) > limit else ""
    return ", ".join(shown) + more


def counted(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def describe(maps: tuple[Mapping, ...] | list[Mapping], lang: int, *, relation: bool = True, limit: int = 6) -> str:
    """``Q77.3 (the ICD code is broader, code attributed by Orphanet)``, one entry per code."""
    parts = []
    seen: set[str] = set()
    for m in maps:
        if m.target in seen:
            continue
        seen.add(m.target)
        words = [_REL[m.relation][lang]] if relation else []
        if m.icd_relation is not None:
            words.append(_ICD_REL[m.icd_relation][lang])
        if m.basis not in (STATED, INVERSE, EDITION, HIERARCHY):
            words.append("derived" if lang == 0 else "härledd")
        code = value_of(m.target)
        parts.append(f"{code} ({', '.join(words)})" if words else code)
    more = f" (+{len(parts) - limit})" if len(parts) > limit else ""
    return ", ".join(parts[:limit]) + more


def titles(maps: list[Mapping] | list[str], lang: int, label: Callable[[str], str],
           named: dict[str, Mapping] | None = None, limit: int = 4) -> str:
    """``ICD-10-SE Q87.4 heter ”Marfans syndrom”`` for each code (the release's own title),
    marked where the title names the disease (lexical evidence: derived, not a release's word)."""
    found = codes([m if isinstance(m, str) else m.target for m in maps])
    every = bool(named) and all(c in named for c in found)
    parts = []
    for code in found[:limit]:
        title = label(code)
        said = (f"ICD-10-SE {value(code)} is titled “{title}”" if lang == 0 else
                f"ICD-10-SE {value(code)} heter ”{title}”") if title else f"ICD-10-SE {value(code)}"
        if named and code in named and not every:
            said += (" (derived from the names: the title names the disease)" if lang == 0 else
                     " (härlett ur namnen: titeln anger sjukdomen)")
        parts.append(said)
    text = "; ".join(parts) + (" …" if len(found) > limit else "")
    if every and len(found) > 1:
        text += ("; each title names the disease (derived from the names)" if lang == 0 else
                 "; varje titel anger sjukdomen (härlett ur namnen)")
    elif every:
        text += (" (derived from the names: the title names the disease)" if lang == 0 else
                 " (härlett ur namnen: titeln anger sjukdomen)")
    return text


# --- an ORPHA code -----------------------------------------------------------------------------

def maps_to(query: str, orpha: str) -> tuple[str, str]:
    return f"{query} maps to {orpha}.", f"{query} mappas till {orpha}."


def inactive(orpha: str, status: Status, replacement: str | None) -> tuple[str, str]:
    """An inactive code assessed as its replacement, or one without replacement."""
    status_sv = _STATUS_SV.get(status, "inaktiv")
    if replacement is not None:
        return (f"{orpha} is {status}; assessed as its replacement {replacement}.",
                f"{orpha} är {status_sv}; bedöms som ersättaren {replacement}.")
    if status is Status.NON_RARE:
        return (f"Orphanet marks {orpha} as not rare in Europe (an inactive ORPHA code).",
                f"Orphanet anger att {orpha} inte är sällsynt i Europa (inaktiv ORPHA-kod).")
    return f"{orpha} is {status} and has no replacement.", f"{orpha} är {status_sv} och saknar ersättare."


def own_icd10(f: OrphaFacts, icd_codes: list[str]) -> tuple[str, str]:
    """Orphanet names an own ICD-10 code: the record needs no other code."""
    shown = listed(values(icd_codes))
    edition = "ICD-10-SE" if f.se_own else "ICD-10"
    several = len({m.target for m in f.own10}) > 1
    choose_en = choose_sv = ""
    if len(icd_codes) == 1:
        which_en, which_sv = f"{edition} {shown} identifies", f"{edition} {shown} identifierar"
    elif all(m.relation is Relation.BROADER for m in f.own10):
        # each ICD code is one form of the disease (cystic fibrosis: E84.0, E84.1 …)
        which_en = f"Each of {edition} {shown} identifies"
        which_sv = f"Var och en av {edition} {shown} identifierar"
        choose_en, choose_sv = " Record the one the patient's record supports.", " Ange den som stämmer med patientens journal."
    else:
        which_en, which_sv = f"{edition} {shown} identify", f"{edition} {shown} identifierar"
    src = releases(f.own10)
    en = (f"Orphanet ({src}) names ICD-10 {describe(f.own10, 0)} as {'own codes' if several else 'the own code'} "
          f"of {f.name}. {which_en} the diagnosis.{choose_en} The attention information needs no other code "
          f"(the ORPHA code may be added).")
    sv = (f"Orphanet ({src}) anger ICD-10 {describe(f.own10, 1)} som {'egna koder' if several else 'egen kod'} "
          f"för {f.name}. {which_sv} diagnosen.{choose_sv} Uppmärksamhetsinformationen behöver ingen annan kod "
          f"(ORPHA-koden kan läggas till).")
    return en, sv


def icd10_links(f: OrphaFacts, icd10: Links, by_orphanet: Callable[[Mapping], bool]) -> tuple[str, str]:
    """What the releases link the disease to in ICD-10 when none is its own code."""
    name, decided, open10, inherited = f.name, icd10.decided, icd10.open, icd10.inherited
    if decided:
        en = (f"Orphanet names no ICD-10 code as the own code of {name}; it maps it to "
              f"{describe(decided, 0)} ({releases(decided)}).")
        sv = (f"Orphanet anger ingen ICD-10-kod som egen kod för {name}; den mappas till "
              f"{describe(decided, 1)} ({releases(decided)}).")
        if open10:
            en += f" The loaded releases also link it to ICD-10 {describe(open10, 0)} ({releases(open10)})."
            sv += f" De inlästa utgåvorna kopplar den även till ICD-10 {describe(open10, 1)} ({releases(open10)})."
    elif open10:
        if all(by_orphanet(m) for m in open10):
            en = f"Orphanet ({releases(open10)}) links {name} to ICD-10 {describe(open10, 0)}."
            sv = f"Orphanet ({releases(open10)}) kopplar {name} till ICD-10 {describe(open10, 1)}."
        elif any(by_orphanet(m) for m in open10):
            en = f"The loaded releases ({releases(open10)}) link {name} to ICD-10 {describe(open10, 0)}."
            sv = f"De inlästa utgåvorna ({releases(open10)}) kopplar {name} till ICD-10 {describe(open10, 1)}."
        else:
            en = (f"Orphanet gives no ICD-10 code for {name} in the loaded releases; {releases(open10)} "
                  f"{'link' if ',' in releases(open10) else 'links'} it to ICD-10 {describe(open10, 0)}.")
            sv = (f"Orphanet anger ingen ICD-10-kod för {name} i de inlästa utgåvorna; {releases(open10)} "
                  f"kopplar den till ICD-10 {describe(open10, 1)}.")
    elif inherited:
        ancestor = inherited[0].via[0]
        broader = all(m.relation is Relation.NARROWER for m in inherited)
        en = (f"{name} has no ICD-10 mapping of its own in the loaded releases; its nearest mapped ancestor "
              f"{ancestor} is coded {describe(inherited, 0, relation=False)}"
              f"{', which is broader' if broader else ''} ({releases(inherited)}).")
        sv = (f"{name} har ingen egen ICD-10-mappning i de inlästa utgåvorna; närmaste överordnade begrepp "
              f"med kod, {ancestor}, kodas {describe(inherited, 1, relation=False)}"
              f"{', som är bredare' if broader else ''} ({releases(inherited)}).")
    else:
        en = f"No ICD-10 code is known for {name} in the loaded releases."
        sv = f"Ingen ICD-10-kod är känd för {name} i de inlästa utgåvorna."
    return en, sv


def unstated_own(f: OrphaFacts, open10: list[Mapping], se_open: list[Mapping],
                 label: Callable[[str], str]) -> tuple[str, str]:
    """No loaded release says whether the linked codes are the disease's own."""
    own_en, own_sv = (("the codes are the disease's own", "koderna är sjukdomens egna")
                      if len({m.target for m in (se_open or open10)}) > 1
                      else ("the code is the disease's own", "koden är sjukdomens egen"))
    if se_open:
        return (f" {titles(se_open, 0, label, f.named)}; no loaded release states whether {own_en}.",
                f" {titles(se_open, 1, label, f.named)}; ingen inläst utgåva anger om {own_sv}.")
    return f" No loaded release states whether {own_en}.", f" Ingen inläst utgåva anger om {own_sv}."


def record(f: OrphaFacts, se_rec: list[str], se_not: list[Mapping]) -> tuple[str, str]:
    """What to record in the attention information, and which ICD-10-SE codes do not identify the disease."""
    assessed = f.assessed
    sct_en = "".join(f" and SNOMED CT {c}" for c in codes(f.concepts))
    sct_sv = "".join(f" och SNOMED CT {c}" for c in codes(f.concepts))
    en = f" Record {assessed}{sct_en} in the attention information"
    sv = f" Ange {assessed}{sct_sv} i uppmärksamhetsinformationen"
    if len(se_rec) == 1:
        en += f" together with ICD-10-SE {value(se_rec[0])}"
        sv += f" tillsammans med ICD-10-SE {value(se_rec[0])}"
    elif se_rec:
        shown = listed(values(codes(se_rec)))
        en += f" together with the one of ICD-10-SE {shown} that the patient's record supports"
        sv += f" tillsammans med den av ICD-10-SE {shown} som stämmer med patientens journal"
    se = listed(values(codes([m.target for m in se_not])))
    if not se_not:
        en += "."
        sv += "."
    elif len({m.target for m in se_not}) > 1:
        en += f"; ICD-10-SE {se} do not identify the disease, alone or together."
        sv += f"; ICD-10-SE {se} identifierar inte sjukdomen, var för sig eller tillsammans."
    else:
        en += f"; ICD-10-SE {se} alone does not identify the disease."
        sv += f"; ICD-10-SE {se} ensam identifierar inte sjukdomen."
    return en, sv


def subdivisions(f: OrphaFacts, specific10: bool | None, label: Callable[[str], str]) -> tuple[str, str]:
    """The ICD-10-SE subdivisions of the linked codes (the first three)."""
    en = sv = ""
    for target, subs in f.subdivided[:3]:
        shown = listed(values(subs))
        titled = [c for c in subs if c in f.named]
        if titled and not specific10:
            en += (f" ICD-10-SE subdivides {value(target)} into {shown}; {titles(titled, 0, label, f.named)}; "
                   f"no loaded release maps the disease to {'it' if len(titled) == 1 else 'them'}.")
            sv += (f" ICD-10-SE delar upp {value(target)} i {shown}; {titles(titled, 1, label, f.named)}; "
                   f"ingen inläst utgåva mappar sjukdomen dit.")
        elif specific10:
            en += f" ICD-10-SE subdivides {value(target)} into {shown}; choose one only from the patient's record."
            sv += f" ICD-10-SE delar upp {value(target)} i {shown}; välj en sådan endast utifrån patientens journal."
        else:
            en += f" ICD-10-SE subdivides {value(target)} into {shown}; check whether one of them names the disease."
            sv += f" ICD-10-SE delar upp {value(target)} i {shown}; kontrollera om någon av dem anger sjukdomen."
    return en, sv


def icd11(f: OrphaFacts, specific11: bool | None, links11: Links) -> tuple[str, str]:
    """The disease's ICD-11 codes: its own, or what the releases link it to."""
    if specific11:
        shown = listed(values(codes([m.target for m in f.own11])))
        return (f" In ICD-11, {shown} is its own code ({releases(f.own11)}).",
                f" I ICD-11 är {shown} dess egen kod ({releases(f.own11)}).")
    en = sv = ""
    if not f.icd11:
        return en, sv
    decided11, open11 = links11.decided, links11.open
    if decided11:
        en += f" In ICD-11 Orphanet maps it to {describe(decided11, 0)}, not as its own code."
        sv += f" I ICD-11 mappar Orphanet den till {describe(decided11, 1)}, inte som egen kod."
    if open11:
        en += (f" In ICD-11 the loaded releases lead to {describe(open11, 0)}; no loaded release states "
               f"whether {'one of them' if len({m.target for m in open11}) > 1 else 'it'} is its own code.")
        sv += (f" I ICD-11 leder de inlästa utgåvorna till {describe(open11, 1)}; ingen inläst utgåva anger "
               f"om {'någon av dem' if len({m.target for m in open11}) > 1 else 'den'} är dess egen kod.")
    if links11.inherited and not links11.links:
        en += f" In ICD-11 only its ancestor's codes are known: {describe(links11.inherited, 0)}."
        sv += f" I ICD-11 är bara överordnade begrepps koder kända: {describe(links11.inherited, 1)}."
    return en, sv


def retired(f: OrphaFacts) -> tuple[str, str]:
    """An inactive code without replacement is never what a record should carry."""
    orpha, refers_to = f.orpha, f.retired or ()
    refers = listed(list(refers_to))
    if f.non_rare and not refers_to:
        return (f" Do not record {orpha} in the attention information; code the diagnosis with ICD-10-SE as usual.",
                f" Ange inte {orpha} i uppmärksamhetsinformationen; koda diagnosen med ICD-10-SE som vanligt.")
    return (f" {orpha} is no longer a current Orphanet code: do not record it; choose a current code"
            f"{f' (Orphanet refers to {refers})' if refers_to else ''}.",
            f" {orpha} är inte längre en aktuell Orphanet-kod: ange den inte; välj en aktuell kod"
            f"{f' (Orphanet hänvisar till {refers})' if refers_to else ''}.")


# --- a code that is not ORPHA: which rare diseases it covers -----------------------------------

def own_code_of_one(source: str, code: str, label: str, n: int) -> tuple[str, str]:
    """The asked code is the own code of one rare disease (its assessment follows)."""
    return (f"{source} is the own code of one rare disease, {code}"
            f"{f' ({label})' if label else ''}; it covers {counted(n, 'rare disease', 'rare diseases')} in all.",
            f"{source} är egen kod för en sällsynt sjukdom, {code}"
            f"{f' ({label})' if label else ''}; totalt omfattar koden {counted(n, 'sällsynt sjukdom', 'sällsynta sjukdomar')}.")


def fordjupningskod(named: str, code: str, parent: str, diseases: list[str], one: str) -> tuple[str, str]:
    """An ICD-10-SE fördjupningskod: no release maps a rare disease to it, only to the code above it."""
    n = len(diseases)
    if n == 1:
        disease = diseases[0]
        return (f"{named} is an ICD-10-SE fördjupningskod under {parent}. No loaded release maps a rare disease "
                f"to {code} itself; one rare disease, {one}, is mapped to {parent}, and no loaded release says "
                f"whether {code} names it. When the patient has it, record {disease} (and its SNOMED CT concept) "
                f"in the attention information.",
                f"{named} är en fördjupningskod i ICD-10-SE under {parent}. Ingen inläst utgåva mappar någon "
                f"sällsynt sjukdom till {code}; en sällsynt sjukdom, {one}, är mappad till {parent}, och ingen "
                f"inläst utgåva anger om {code} avser den. Om patienten har den, ange {disease} (och dess "
                f"SNOMED CT-begrepp) i uppmärksamhetsinformationen.")
    return (f"{named} is an ICD-10-SE fördjupningskod under {parent}. No loaded release maps a rare disease "
            f"to {code} itself; {n} rare diseases (ORPHA codes) are mapped to {parent}, and no loaded release "
            f"says which of them {code} names. When the patient has one of them, record its ORPHA code "
            f"(and SNOMED CT concept) in the attention information.",
            f"{named} är en fördjupningskod i ICD-10-SE under {parent}. Ingen inläst utgåva mappar någon "
            f"sällsynt sjukdom till {code}; {n} sällsynta sjukdomar (ORPHA-koder) är mappade till {parent}, "
            f"och ingen inläst utgåva anger vilken av dem {code} avser. Om patienten har någon av dem, ange "
            f"dess ORPHA-kod (och SNOMED CT-begrepp) i uppmärksamhetsinformationen.")


def covers_none(named: str) -> tuple[str, str]:
    return (f"No rare disease (ORPHA code) is mapped to {named} in the loaded releases; "
            f"it needs no rare-disease attention coding.",
            f"Ingen sällsynt sjukdom (ORPHA-kod) är mappad till {named} i de inlästa utgåvorna; "
            f"koden behöver ingen kompletterande kodning för sällsynt sjukdom.")


def covers_one(named: str, code: str, disease: str, one: str, decided: bool,
               covers: tuple[Mapping, ...]) -> tuple[str, str]:
    if decided:
        en = f"{named} covers one rare disease, {one}, and is not its own code (according to {releases(covers)})."
        sv = f"{named} omfattar en sällsynt sjukdom, {one}, men är inte dess egen kod (enligt {releases(covers)})."
    else:
        en = (f"{named} is linked to one rare disease, {one}, by {releases(covers)}; no loaded release states "
              f"whether {code} is its own code.")
        sv = (f"{named} är kopplad till en sällsynt sjukdom, {one}, av {releases(covers)}; ingen inläst utgåva "
              f"anger om {code} är dess egen kod.")
    en += f" When the patient has it, record {disease} (and its SNOMED CT concept) in the attention information."
    sv += f" Om patienten har den, ange {disease} (och dess SNOMED CT-begrepp) i uppmärksamhetsinformationen."
    return en, sv


def covers_many(named: str, n: int, specific_to: tuple[str, ...], decided: bool) -> tuple[str, str]:
    en = f"{named} covers {n} rare diseases (ORPHA codes)"
    sv = f"{named} omfattar {n} sällsynta sjukdomar (ORPHA-koder)"
    if specific_to:
        shown = listed(codes(list(specific_to)))
        en += f" and is the own code of {len(specific_to)} of them ({shown}), so it does not identify one disease."
        sv += f" och är egen kod för {len(specific_to)} av dem ({shown}), så den identifierar inte en sjukdom."
    elif decided:
        en += " and is the own code of none of them."
        sv += " och är inte egen kod för någon av dem."
    else:
        en += " and no loaded release names it the own code of any of them."
        sv += " och ingen inläst utgåva anger den som egen kod för någon av dem."
    en += (" When the patient has one of them, record its ORPHA code (and SNOMED CT concept) "
           "in the attention information.")
    sv += (" Om patienten har någon av dem, ange dess ORPHA-kod (och SNOMED CT-begrepp) "
           "i uppmärksamhetsinformationen.")
    return en, sv


def mapped_below(code: str, below: list[str], k: int, n: int) -> tuple[str, str]:
    """``k`` of the ``n`` rare diseases are mapped only to the code's subdivisions ``below``."""
    shown = listed(values(below))
    if k == n:
        return (f" {'It is' if k == 1 else 'They are'} mapped to its subdivisions ({shown}), not to {code} itself.",
                f" {'Den är mappad' if k == 1 else 'De är mappade'} till dess underkoder ({shown}), inte till {code}.")
    return (f" {k} of them are mapped only to its subdivisions ({shown}), not to {code} itself.",
            f" {k} av dem är mappade endast till dess underkoder ({shown}), inte till {code}.")


def title_names(one: str, several: bool) -> tuple[str, str]:
    """The code's own title names one of the diseases (lexical evidence)."""
    of_en, of_sv = ("one of them, ", "en av dem, ") if several else ("", "")
    return (f" Its title names {of_en}{one} (derived from the names, not a release's statement).",
            f" Titeln anger {of_sv}{one} (härlett ur namnen, ingen utgåvas uppgift).")
