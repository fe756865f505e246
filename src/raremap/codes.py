"""Code systems: one registry row per system, and every spelling of a code parsed, validated
and printed canonically through it.

Canonical form is ``PREFIX:code`` with the code in its display spelling::

    ORPHA:558   ICD10SE:Q87.4   ICD10SE:E10.0A   ICD10:Q87.4   ICD10GM:G25.88
    ICD11:LD28.01   ICD11:1A00&XN8P1   SCTID:19346006   ALPHAID:I19094

Inside raremap every code is that canonical string; :class:`Code` splits it, :func:`split`
and :func:`system_of` take it apart without parsing.

The registry (:func:`code_systems`) holds one :class:`CodeSystem` per system: prefix and
aliases, validation, display order, SSSOM prefix and IRI base, FHIR URI and alias URIs,
licence, and the folder ``raremap fetch`` writes its releases to. The built-in systems are the
members of :class:`System`; :func:`register_system` adds one at run time (its identifier is an
:class:`ExtraSystem`, a string that behaves like a :class:`System` member).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from .errors import InvalidCodeError


class System(StrEnum):
    """The code systems raremap knows; the value is the canonical prefix."""

    ORPHA = "ORPHA"
    ICD10SE = "ICD10SE"  # Swedish ICD-10 (Socialstyrelsen), incl. fördjupningskoder
    ICD10 = "ICD10"  # WHO ICD-10, as Orphanet, SNOMED CT and the WHO ICD-11 tables write it
    ICD10GM = "ICD10GM"  # German modification, as Alpha-ID-SE writes it
    ICD11 = "ICD11"  # ICD-11 MMS
    SCTID = "SCTID"  # SNOMED CT
    ALPHAID = "ALPHAID"  # Alpha-ID-SE index entry (BfArM)


class ExtraSystem(str):
    """Identifier of a code system added with :func:`register_system`: a string equal to its
    prefix with ``value`` and ``name`` like a :class:`System` member, so either can stand where
    code takes a system."""

    __slots__ = ()

    @property
    def value(self) -> str:
        return str.__str__(self)

    @property
    def name(self) -> str:
        return str.__str__(self)


SystemId = System | ExtraSystem

# A normaliser takes the code without its prefix and the text as given (for error messages)
# and returns the display spelling plus any marker seen (ICD-10 †/*), or raises InvalidCodeError.
Normaliser = Callable[[str, str], tuple[str, str]]
# A guess ranks a bare code (no prefix) for a system: None when it cannot be one, lower first.
Guess = Callable[[str], int | None]

_ORDO_IRI = re.compile(r"^https?://www\.orpha\.net/ORDO/Orphanet_(\d+)$", re.I)
_DIGITS = re.compile(r"^\d+$")

# ICD-10 family. Markers: † (and + as Alpha-ID writes it) etiology, * manifestation,
# ! additional code (ICD-10-GM).
_ICD10_MARKERS = "†+*!"
_ICD10_CODE = re.compile(r"^([A-Z]\d{2})(?:\.?([0-9A-Z]{1,2}))?$")
_ICD10_RANGE = re.compile(r"^([A-Z]\d{2})-([A-Z]\d{2})$")

# ICD-11 MMS (formats.md §4.5); I and O never occur. Readers use these too.
ICD11_STEM = re.compile(r"^[1-9A-HJ-NP-WYZ][A-HJ-NP-Z][0-9][0-9A-HJ-NP-Z](\.[0-9A-HJ-NP-Z]{1,2})?$")
ICD11_EXTENSION = re.compile(r"^X[A-HJ-NP-Z][0-9A-HJ-NP-Z]{2,4}$")
ICD11_BLOCK = re.compile(r"^BlockL\d-[0-9A-HJ-NP-Z]{2,4}$", re.I)
# Groupings WHO gives no BlockId (chapters V and X): "Block-" + MMS entity id (sources/icd11.py).
_ICD11_ENTITY_BLOCK = re.compile(r"^Block-\d{1,12}$", re.I)
ICD11_CHAPTER = re.compile(r"^(0[1-9]|1\d|2[0-6]|V|X)$")

_ALPHAID = re.compile(r"^I\d{1,7}$")

# Licence and attribution of each publisher's releases (recorded in fetch manifests; SSSOM
# mapping sets name the licence IRI).
ORPHADATA_LICENCE = (
    "Orphadata Science datasets are licensed under Creative Commons Attribution 4.0 International "
    "(CC BY 4.0). Attribution: Orphadata: Free access data from Orphanet. © INSERM 1999. "
    "Available on http://www.orphadata.com."
)
WHO_LICENCE = (
    "ICD-11 © World Health Organization, licensed under Creative Commons Attribution-NoDerivs 3.0 IGO "
    "(CC BY-ND 3.0 IGO). Attribution: International Classification of Diseases, Eleventh Revision (ICD-11), "
    "World Health Organization (WHO)."
)
SOCIALSTYRELSEN_LICENCE = (
    "ICD-10-SE is published by Socialstyrelsen (the National Board of Health and Welfare, Sweden); "
    "ICD-10 content © WHO. No licence is stated in the file; see the publisher's terms of use."
)
SNOMED_LICENCE = (
    "SNOMED CT © SNOMED International, used under the SNOMED CT Affiliate Licence; free of charge "
    "within member countries such as Sweden. raremap never downloads SNOMED CT."
)


@dataclass(frozen=True, eq=False)
class CodeSystem:
    """One row of the registry: everything raremap knows about a code system."""

    system: SystemId
    title: str  # display name (FHIR CodeSystem name, listings)
    normalise: Normaliser
    aliases: tuple[str, ...] = ()  # other spellings of the prefix, matched ignoring case, spaces, - and _
    order: int = 1000  # display order (listings, help texts, error messages)
    family: str = ""  # "ICD10" for the ICD-10 editions: undotted join keys, prefixes interchangeable
    guess: Guess | None = None  # how a bare code ranks for this system; None: only with a prefix
    glued: bool = False  # a prefix glued to the digits reads as this system ("ORPHA558")
    iri: re.Pattern[str] | None = None  # an IRI naming a code (group 1 is the code)
    sssom_prefix: str = ""  # CURIE prefix in SSSOM (bioregistry name where it has one)
    iri_base: str = ""  # IRI of a code = iri_base + code (SSSOM curie_map)
    fhir_uri: str = ""  # canonical FHIR CodeSystem URI
    fhir_aliases: tuple[str, ...] = ()  # other URIs (OIDs, older names) read as this system
    fhir_uri_subpaths: bool = False  # URIs below fhir_uri (SNOMED CT edition/version URIs) name it too
    licence: str = ""  # licence and attribution of its releases
    licence_iri: str = ""  # the licence as an IRI (SSSOM ``license``); "" when none is stated
    sssom_justification: str = "semapv:ManualMappingCuration"  # how its releases' mappings were made
    fetch_folder: str = ""  # folder of its releases in a releases directory
    reader_names: tuple[str, ...] = ()  # reader-name prefixes whose files belong in fetch_folder

    @property
    def prefix(self) -> str:
        """Canonical prefix (``ORPHA``)."""
        return self.system.value

    def curie(self, code: str) -> str:
        """The SSSOM CURIE of a canonical code of this system (``ORPHA:558`` → ``orphanet:558``)."""
        return f"{self.sssom_prefix}:{split(code)[1]}"


def _orpha(bare: str, original: str) -> tuple[str, str]:
    value = bare.strip()
    iri = _ORDO_IRI.match(value)
    if iri:
        value = iri.group(1)
    if not _DIGITS.match(value):
        raise InvalidCodeError(original, "an ORPHA code is digits only")
    value = value.lstrip("0")
    if not value or len(value) > 7:
        raise InvalidCodeError(original, "an ORPHA code has 1 to 7 digits and is not 0")
    return value, ""


def _icd10(bare: str, original: str, system: System) -> tuple[str, str]:
    value = bare.strip().upper().replace(" ", "")
    marker = ""
    while value and value[-1] in _ICD10_MARKERS:
        marker = value[-1] + marker
        value = value[:-1]
    if _ICD10_RANGE.match(value):
        return value, marker
    m = _ICD10_CODE.match(value)
    if not m:
        raise InvalidCodeError(original, "an ICD-10 code is a letter, two digits, then up to two characters (Q87.4, E10.0A)")
    head, tail = m.group(1), m.group(2) or ""
    if tail and not tail[0].isdigit() and tail[0] != "X":
        raise InvalidCodeError(original, "the 4th character of an ICD-10 code is a digit (or the filler X)")
    if system is System.ICD10 and len(tail) == 2 and tail[1].isalpha():
        raise InvalidCodeError(original, "WHO ICD-10 has no letter 5th characters (that is an ICD-10-SE fördjupningskod)")
    if system is System.ICD10GM and len(tail) == 2 and tail[1].isalpha():
        raise InvalidCodeError(original, "ICD-10-GM has no letter 5th characters")
    return (f"{head}.{tail}" if tail else head), marker


def _icd11(bare: str, original: str) -> tuple[str, str]:
    value = bare.strip().replace(" ", "")
    if ICD11_BLOCK.match(value):
        return "BlockL" + value[6:].upper(), ""
    if _ICD11_ENTITY_BLOCK.match(value):
        return "Block" + value[5:], ""
    value = value.upper()
    if ICD11_CHAPTER.match(value):
        return value, ""
    for stem in value.split("/"):
        parts = stem.split("&")
        if not parts[0] or not (ICD11_STEM.match(parts[0]) or ICD11_EXTENSION.match(parts[0])):
            raise InvalidCodeError(original, f"{parts[0]!r} is not an ICD-11 MMS stem or extension code")
        for ext in parts[1:]:
            if not ICD11_EXTENSION.match(ext):
                raise InvalidCodeError(original, f"{ext!r} is not an ICD-11 extension code (X...)")
    return value, ""


def _sctid(bare: str, original: str) -> tuple[str, str]:
    value = bare.strip()
    if not _DIGITS.match(value):
        raise InvalidCodeError(original, "an SCTID is digits only")
    if value.startswith("0"):
        raise InvalidCodeError(original, "an SCTID has no leading zero")
    if not 6 <= len(value) <= 18:
        raise InvalidCodeError(original, "an SCTID has 6 to 18 digits")
    partition = value[-3:-1]
    if partition[0] not in "01" or partition[1] not in "012345":
        raise InvalidCodeError(original, f"partition identifier {partition} is not a SNOMED CT partition")
    if not verhoeff_valid(value):
        raise InvalidCodeError(original, "Verhoeff check digit does not match")
    return value, ""


def _alphaid(bare: str, original: str) -> tuple[str, str]:
    value = bare.strip().upper()
    if not _ALPHAID.match(value):
        raise InvalidCodeError(original, "an Alpha-ID is 'I' followed by digits")
    return value, ""


def _digits_rank(short_first: int) -> Guess:
    # ORPHA codes have at most 6 digits, SCTIDs at least 6: the length decides which comes first.
    return lambda raw: (short_first if len(raw) <= 6 else 1 - short_first) if _DIGITS.match(raw) else None


def _word_rank(rank: int) -> Guess:
    return lambda raw: None if _DIGITS.match(raw) else rank


def _edition(system: System) -> Normaliser:
    return lambda bare, original: _icd10(bare, original, system)


_BUILT_IN = (
    CodeSystem(
        System.ORPHA, "Orphanet nomenclature (ORPHAcodes)", _orpha, ("orphanet", "orphacode", "ordo"), 10,
        guess=_digits_rank(0), glued=True, iri=_ORDO_IRI,
        sssom_prefix="orphanet", iri_base="http://www.orpha.net/ORDO/Orphanet_",
        fhir_uri="http://www.orpha.net",
        licence=ORPHADATA_LICENCE, licence_iri="https://creativecommons.org/licenses/by/4.0/",
        fetch_folder="orphanet", reader_names=("orphanet", "ordo")),
    CodeSystem(
        System.ICD10SE, "ICD-10-SE (Swedish edition of ICD-10)", _edition(System.ICD10SE), (), 20,
        family="ICD10", guess=_word_rank(0),
        sssom_prefix="icd10se", iri_base="urn:raremap:icd10se:",
        fhir_uri="http://hl7.org/fhir/sid/icd-10-se",
        fhir_aliases=("urn:oid:1.2.752.116.1.1.1.1.3",
                      "https://terminologitjansten.inera.se/inera-kodverksforvaltning/kodverk/icd-10-se"),
        licence=SOCIALSTYRELSEN_LICENCE, fetch_folder="icd10se", reader_names=("icd10se", "ksh97")),
    CodeSystem(
        System.ICD10, "ICD-10 (WHO)", _edition(System.ICD10), ("icd10who",), 30,
        family="ICD10", guess=_word_rank(1),
        sssom_prefix="icd10", iri_base="https://icd.who.int/browse10/2019/en#/",
        fhir_uri="http://hl7.org/fhir/sid/icd-10", fhir_aliases=("urn:oid:2.16.840.1.113883.6.3",)),
    CodeSystem(
        System.ICD10GM, "ICD-10-GM", _edition(System.ICD10GM), (), 40,
        family="ICD10", guess=_word_rank(4),
        sssom_prefix="icd10gm", iri_base="urn:raremap:icd10gm:",
        fhir_uri="http://fhir.de/CodeSystem/bfarm/icd-10-gm", fhir_aliases=("http://fhir.de/CodeSystem/dimdi/icd-10-gm",)),
    CodeSystem(
        System.ICD11, "ICD-11 MMS", _icd11, ("icd11mms",), 50,
        guess=_word_rank(2),
        sssom_prefix="icd11", iri_base="urn:raremap:icd11:",
        fhir_uri="http://id.who.int/icd/release/11/mms",
        licence=WHO_LICENCE, licence_iri="https://creativecommons.org/licenses/by-nd/3.0/igo/",
        # WHO's transition tables state pairs without saying how each was made
        sssom_justification="semapv:UnspecifiedMatching",
        fetch_folder="icd11", reader_names=("icd11", "who")),
    CodeSystem(
        System.SCTID, "SNOMED CT", _sctid, ("snomed", "snomedct", "sct"), 60,
        guess=_digits_rank(1), glued=True,
        sssom_prefix="sctid", iri_base="http://snomed.info/id/",
        fhir_uri="http://snomed.info/sct", fhir_aliases=("urn:oid:2.16.840.1.113883.6.96",), fhir_uri_subpaths=True,
        licence=SNOMED_LICENCE, fetch_folder="snomed", reader_names=("snomed",)),
    CodeSystem(
        System.ALPHAID, "Alpha-ID-SE", _alphaid, ("alphaidse",), 70,
        guess=_word_rank(3),
        sssom_prefix="alphaid", iri_base="urn:raremap:alphaid:",
        fhir_uri="http://fhir.de/CodeSystem/bfarm/alpha-id", fhir_aliases=("http://fhir.de/CodeSystem/dimdi/alpha-id",),
        fetch_folder="alpha_id_se", reader_names=("alpha",)),
)

ICD10_FAMILY = frozenset(row.system for row in _BUILT_IN if row.family == "ICD10")

_ROWS: dict[str, CodeSystem] = {}  # canonical prefix -> row, in registration order
_SPELLINGS: dict[str, CodeSystem] = {}  # normalised spelling of a prefix or alias -> row


def _spelling(text: str) -> str:
    return re.sub(r"[\s_-]", "", str(text)).lower()


def _add(row: CodeSystem) -> CodeSystem:
    spellings = {_spelling(row.prefix), *(_spelling(a) for a in row.aliases)}
    if row.prefix in _ROWS:
        raise ValueError(f"code system {row.prefix} is registered already")
    taken = sorted(s for s in spellings if s in _SPELLINGS)
    if taken:
        raise ValueError(f"{row.prefix}: the spelling {taken[0]!r} names {_SPELLINGS[taken[0]].prefix} already")
    if not re.fullmatch(r"[A-Z][A-Z0-9]*", row.prefix):
        raise ValueError(f"{row.prefix!r}: a prefix is upper-case letters and digits, starting with a letter")
    _ROWS[row.prefix] = row
    for s in spellings:
        _SPELLINGS[s] = row
    return row


for _row in _BUILT_IN:
    _add(_row)


def register_system(prefix: str, title: str, validate: Callable[[str], str] | None = None, *,
                    aliases: tuple[str, ...] = (), order: int = 1000, guess: Guess | None = None,
                    sssom_prefix: str = "", iri_base: str = "", fhir_uri: str = "",
                    fhir_aliases: tuple[str, ...] = (), licence: str = "", licence_iri: str = "",
                    fetch_folder: str = "", reader_names: tuple[str, ...] = ()) -> CodeSystem:
    """Add a code system at run time and return its row.

    ``validate`` takes a code without prefix and returns its display spelling, raising
    :class:`ValueError` (or :class:`InvalidCodeError`) with the reason when it is not one;
    without it a code is any non-empty text without spaces. ``guess`` ranks bare codes (see
    :class:`CodeSystem`); without it the system is read only with its prefix. The SSSOM prefix
    defaults to the lower-case prefix and its IRI base to ``urn:raremap:<prefix>:``. Raises
    :class:`ValueError` when the prefix or an alias names a registered system already.
    """
    def normalise(bare: str, original: str) -> tuple[str, str]:
        value = bare.strip()
        if validate is None:
            if not value or any(ch.isspace() for ch in value):
                raise InvalidCodeError(original, f"a {prefix} code is one word")
            return value, ""
        try:
            return validate(value), ""
        except InvalidCodeError:
            raise
        except ValueError as err:
            raise InvalidCodeError(original, str(err)) from None

    lower = prefix.lower()
    return _add(CodeSystem(
        ExtraSystem(prefix), title, normalise, tuple(aliases), order, guess=guess,
        sssom_prefix=sssom_prefix or lower, iri_base=iri_base or f"urn:raremap:{lower}:",
        fhir_uri=fhir_uri, fhir_aliases=tuple(fhir_aliases), licence=licence, licence_iri=licence_iri,
        fetch_folder=fetch_folder, reader_names=tuple(reader_names)))


def unregister_system(prefix: str) -> None:
    """Remove a system added with :func:`register_system` (the built-in ones stay)."""
    row = _ROWS.get(prefix)
    if row is None:
        raise ValueError(f"code system {prefix} is not registered")
    if isinstance(row.system, System):
        raise ValueError(f"{prefix} is built in and cannot be removed")
    del _ROWS[prefix]
    for spelling in [s for s, r in _SPELLINGS.items() if r is row]:
        del _SPELLINGS[spelling]


def code_systems() -> list[CodeSystem]:
    """Every registered code system, in display order."""
    return sorted(_ROWS.values(), key=lambda row: row.order)


def code_system(name: SystemId | str) -> CodeSystem:
    """The registry row of a system, by any spelling of its name; raises :class:`InvalidCodeError`
    for a name that is none."""
    if isinstance(name, (System, ExtraSystem)):
        row = _ROWS.get(name.value)
        if row is not None:
            return row
    row = _SPELLINGS.get(_spelling(name))
    if row is None:
        known = ", ".join(r.prefix for r in code_systems())
        raise InvalidCodeError(name, f"unknown code system; use one of {known}")
    return row


def find_system(prefix: str) -> CodeSystem | None:
    """The row whose canonical prefix is exactly ``prefix`` (``"ORPHA"``), None for any other
    text (a cross-referenced prefix such as ``OMIM``, an alias, another case)."""
    return _ROWS.get(prefix)


def system_named(name: SystemId | str) -> SystemId:
    """The code system for any spelling of its name (``"icd-10-se"`` → ``System.ICD10SE``);
    raises :class:`InvalidCodeError` for a name that is none."""
    return code_system(name).system


def system_for_uri(uri: str) -> SystemId | None:
    """The system a FHIR system URI names (canonical or alias), None when unknown."""
    uri = uri.strip().rstrip("/")
    rows = code_systems()
    for row in rows:
        if uri == row.fhir_uri or uri in row.fhir_aliases:
            return row.system
    for row in rows:
        if row.fhir_uri_subpaths and row.fhir_uri and uri.startswith(row.fhir_uri + "/"):
            return row.system  # an edition or version URI
    return None


def system_of(code: str) -> str:
    """The prefix of a canonical code (``ICD10SE:Q87.4`` → ``ICD10SE``), also of a prefix no
    system is registered for (``OMIM:154700`` → ``OMIM``)."""
    return code.partition(":")[0]


def split(code: str) -> tuple[str, str]:
    """Prefix and code of a canonical code (``ICD10SE:Q87.4`` → ``("ICD10SE", "Q87.4")``)."""
    prefix, _, value = code.partition(":")
    return prefix, value


def value_of(code: str) -> str:
    """The code of a canonical code without its prefix (``ICD10SE:Q87.4`` → ``Q87.4``)."""
    return code.partition(":")[2]


@dataclass(frozen=True, slots=True)
class Code:
    """A parsed code: system plus code in display spelling; ``str()`` gives the canonical form."""

    system: SystemId
    value: str
    marker: str = ""  # ICD-10 dagger/asterisk/! seen in the input, not part of the code

    def __str__(self) -> str:
        return f"{self.system.value}:{self.value}"

    @property
    def key(self) -> str:
        """Join key: ICD-10 codes undotted (``Q874``), others as displayed."""
        if self.system in ICD10_FAMILY:
            return self.value.replace(".", "")
        return self.value


def parse(text: str, system: SystemId | str | None = None) -> Code:
    """Parse one code in any supported spelling.

    With ``system`` the bare code is read in that system (a prefix in ``text`` must agree).
    Without it the prefix decides; a code without prefix is read as the first of
    :func:`candidates`. Raises :class:`InvalidCodeError` with the reason.
    """
    found = candidates(text, system)
    return found[0]


def canonical(text: str, system: SystemId | str | None = None) -> str:
    """Canonical ``PREFIX:code`` string of ``text``."""
    return str(parse(text, system))


def candidates(text: str, system: SystemId | str | None = None) -> list[Code]:
    """Every reading of ``text``, most likely first (a bare ``Q874`` is ICD10SE, then ICD10).

    Raises :class:`InvalidCodeError` if there is none.
    """
    if not isinstance(text, str):
        raise InvalidCodeError(text, "a code must be a string")
    raw = text.strip()
    if not raw:
        raise InvalidCodeError(text, "empty code")
    wanted = code_system(system) if system is not None else None
    prefix_system, bare = split_prefix(raw)
    if prefix_system is not None:
        given = _ROWS[prefix_system.value]
        if wanted is not None and wanted is not given and not (wanted.family and wanted.family == given.family):
            raise InvalidCodeError(text, f"prefix says {given.prefix}, expected {wanted.prefix}")
        return [_normalise(wanted or given, bare, text)]
    if wanted is not None:
        return [_normalise(wanted, raw, text)]
    return _guess(raw, text)


def looks_like_code(text: str) -> bool:
    """True when ``text`` reads as a code, valid or not: it names a code system (``ORPHA:abc``,
    ``Orphanet_x``), or is one word holding a digit (``Q87.44``). A diagnosis name ("marfans
    syndrom", "MPS I", "typ 1-diabetes") does not."""
    raw = text.strip()
    if not raw:
        return True  # an empty code, not a name
    if split_prefix(raw)[0] is not None:
        return True
    return not any(ch.isspace() for ch in raw) and any(ch.isdigit() for ch in raw)


def split_prefix(raw: str) -> tuple[SystemId | None, str]:
    """The system a code's prefix names and the code after it (``"orpha 558"`` → ``(ORPHA,
    "558")``); ``(None, raw)`` when it names none. Neither part is validated."""
    for row in _ROWS.values():
        if row.iri is not None:
            iri = row.iri.match(raw)
            if iri:
                return row.system, iri.group(1)
    best: tuple[SystemId, str] | None = None
    for i, ch in enumerate(raw):
        if ch in ": _" and i:
            found = _SPELLINGS.get(_spelling(raw[:i]))
            rest = raw[i + 1 :].strip(" :_")
            if found is not None and rest:
                best = (found.system, rest)  # keep the longest prefix ("SNOMED CT 1934...")
    if best is not None:
        return best
    # "ORPHA558", "SNOMEDCT19346006": a known prefix glued to digits
    glued = re.match(r"^([A-Za-z][A-Za-z -]*?)(\d+)$", raw)
    if glued:
        found = _SPELLINGS.get(_spelling(glued.group(1)))
        if found is not None and found.glued:
            return found.system, glued.group(2)
    return None, raw


def _guess(raw: str, original: str) -> list[Code]:
    ranked = []
    for row in code_systems():
        rank = row.guess(raw) if row.guess is not None else None
        if rank is not None:
            ranked.append((rank, row.order, row))
    found: list[Code] = []
    reasons = []
    for _, _, row in sorted(ranked, key=lambda r: (r[0], r[1])):
        try:
            found.append(_normalise(row, raw, original))
        except InvalidCodeError as err:
            reasons.append(f"{row.prefix}: {err.reason}")
    if not found:
        raise InvalidCodeError(original, "not a code of any known system (" + "; ".join(reasons) + ")")
    return found


def _normalise(row: CodeSystem, bare: str, original: str) -> Code:
    value, marker = row.normalise(bare, original)
    return Code(row.system, value, marker)


def icd10_key(code: str) -> str:
    """Undotted join key of an ICD-10 family code or canonical string (``Q87.4`` → ``Q874``)."""
    return code.split(":", 1)[-1].replace(".", "")


def icd10_display(key: str) -> str:
    """Dotted display form of an undotted ICD-10 key (``A083B`` → ``A08.3B``)."""
    key = key.strip().upper()
    if "-" in key or len(key) <= 3 or "." in key:
        return key
    return f"{key[:3]}.{key[3:]}"


def icd11_stem(code: str) -> str:
    """First stem code of an ICD-11 cluster (``1A00&XN8P1/…`` → ``1A00``)."""
    return code.split(":", 1)[-1].split("/")[0].split("&")[0]


# Verhoeff: dihedral group D5 multiplication table and the permutation table derived from
# p[1]; p[i][j] = p[i-1][p[1][j]].
def _dihedral(i: int, j: int) -> int:
    if i < 5 and j < 5:
        return (i + j) % 5
    if i < 5:
        return 5 + (i + j - 5) % 5
    if j < 5:
        return 5 + (i - 5 - j) % 5
    return (i - j) % 5


_D = [[_dihedral(i, j) for j in range(10)] for i in range(10)]
_P = [list(range(10)), [1, 5, 7, 6, 2, 8, 3, 0, 9, 4]]
for _i in range(2, 8):
    _P.append([_P[_i - 1][_P[1][_j]] for _j in range(10)])
_INV = [next(j for j in range(10) if _D[i][j] == 0) for i in range(10)]


def verhoeff_valid(digits: str) -> bool:
    """True when the last digit of ``digits`` is its Verhoeff check digit."""
    c = 0
    for i, ch in enumerate(reversed(digits)):
        c = _D[c][_P[i % 8][ord(ch) - 48]]
    return c == 0


def verhoeff_digit(digits: str) -> str:
    """The Verhoeff check digit to append to ``digits``."""
    c = 0
    for i, ch in enumerate(reversed(digits)):
        c = _D[c][_P[(i + 1) % 8][ord(ch) - 48]]
    return str(_INV[c])
