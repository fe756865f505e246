"""Code systems: parse every spelling of a code, validate it, print it canonically.

Canonical form is ``PREFIX:code`` with the code in its display spelling::

    ORPHA:558   ICD10SE:Q87.4   ICD10SE:E10.0A   ICD10:Q87.4   ICD10GM:G25.88
    ICD11:LD28.01   ICD11:1A00&XN8P1   SCTID:19346006   ALPHAID:I19094

Inside raremap every code is that canonical string; :class:`Code` splits it.
"""

from __future__ import annotations

import re
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


ICD10_FAMILY = frozenset({System.ICD10SE, System.ICD10, System.ICD10GM})

# Spellings of prefixes people and files use, mapped to systems (matched case-insensitively,
# after removing spaces, hyphens and underscores).
_PREFIXES = {
    "orpha": System.ORPHA,
    "orphanet": System.ORPHA,
    "orphacode": System.ORPHA,
    "ordo": System.ORPHA,
    "icd10se": System.ICD10SE,
    "icd10": System.ICD10,
    "icd10who": System.ICD10,
    "icd10gm": System.ICD10GM,
    "icd11": System.ICD11,
    "icd11mms": System.ICD11,
    "sctid": System.SCTID,
    "snomed": System.SCTID,
    "snomedct": System.SCTID,
    "sct": System.SCTID,
    "alphaid": System.ALPHAID,
    "alphaidse": System.ALPHAID,
}

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


@dataclass(frozen=True, slots=True)
class Code:
    """A parsed code: system plus code in display spelling; ``str()`` gives the canonical form."""

    system: System
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


def parse(text: str, system: System | str | None = None) -> Code:
    """Parse one code in any supported spelling.

    With ``system`` the bare code is read in that system (a prefix in ``text`` must agree).
    Without it the prefix decides; a code without prefix is read as the first of
    :func:`candidates`. Raises :class:`InvalidCodeError` with the reason.
    """
    found = candidates(text, system)
    return found[0]


def canonical(text: str, system: System | str | None = None) -> str:
    """Canonical ``PREFIX:code`` string of ``text``."""
    return str(parse(text, system))


def candidates(text: str, system: System | str | None = None) -> list[Code]:
    """Every reading of ``text``, most likely first (a bare ``Q874`` is ICD10SE, then ICD10).

    Raises :class:`InvalidCodeError` if there is none.
    """
    if not isinstance(text, str):
        raise InvalidCodeError(text, "a code must be a string")
    raw = text.strip()
    if not raw:
        raise InvalidCodeError(text, "empty code")
    wanted = _system(system) if system is not None else None
    prefix_system, bare = _split_prefix(raw)
    if prefix_system is not None:
        if wanted is not None and wanted is not prefix_system and not (
            {wanted, prefix_system} <= ICD10_FAMILY
        ):
            raise InvalidCodeError(text, f"prefix says {prefix_system.value}, expected {wanted.value}")
        return [_normalise(wanted or prefix_system, bare, text)]
    if wanted is not None:
        return [_normalise(wanted, raw, text)]
    return _guess(raw, text)


def system_named(name: System | str) -> System:
    """The code system for any spelling of its name (``"icd-10-se"`` → ``System.ICD10SE``);
    raises :class:`InvalidCodeError` for a name that is none."""
    return _system(name)


def _system(system: System | str) -> System:
    if isinstance(system, System):
        return system
    found = _PREFIXES.get(re.sub(r"[\s_-]", "", str(system)).lower())
    if found is None:
        raise InvalidCodeError(system, f"unknown code system; use one of {', '.join(System)}")
    return found


def looks_like_code(text: str) -> bool:
    """True when ``text`` reads as a code, valid or not: it names a code system (``ORPHA:abc``,
    ``Orphanet_x``), or is one word holding a digit (``Q87.44``). A diagnosis name ("marfans
    syndrom", "MPS I", "typ 1-diabetes") does not."""
    raw = text.strip()
    if not raw:
        return True  # an empty code, not a name
    if _split_prefix(raw)[0] is not None:
        return True
    return not any(ch.isspace() for ch in raw) and any(ch.isdigit() for ch in raw)


def _split_prefix(raw: str) -> tuple[System | None, str]:
    iri = _ORDO_IRI.match(raw)
    if iri:
        return System.ORPHA, iri.group(1)
    best: tuple[System, str] | None = None
    for i, ch in enumerate(raw):
        if ch in ": _" and i:
            found = _PREFIXES.get(re.sub(r"[\s_-]", "", raw[:i]).lower())
            rest = raw[i + 1 :].strip(" :_")
            if found is not None and rest:
                best = (found, rest)  # keep the longest prefix ("SNOMED CT 1934...")
    if best is not None:
        return best
    # "ORPHA558", "SNOMEDCT19346006": a known prefix glued to digits
    glued = re.match(r"^([A-Za-z][A-Za-z -]*?)(\d+)$", raw)
    if glued:
        found = _PREFIXES.get(re.sub(r"[\s_-]", "", glued.group(1)).lower())
        if found in (System.ORPHA, System.SCTID):
            return found, glued.group(2)
    return None, raw


def _guess(raw: str, original: str) -> list[Code]:
    found: list[Code] = []
    order: list[System]
    if _DIGITS.match(raw):
        # ORPHA codes have at most 6 digits, SCTIDs at least 6.
        order = [System.ORPHA, System.SCTID] if len(raw) <= 6 else [System.SCTID, System.ORPHA]
    else:
        order = [System.ICD10SE, System.ICD10, System.ICD11, System.ALPHAID, System.ICD10GM]
    reasons = []
    for system in order:
        try:
            found.append(_normalise(system, raw, original))
        except InvalidCodeError as err:
            reasons.append(f"{system.value}: {err.reason}")
    if not found:
        raise InvalidCodeError(original, "not a code of any known system (" + "; ".join(reasons) + ")")
    return found


def _normalise(system: System, bare: str, original: str) -> Code:
    if system is System.ORPHA:
        return Code(system, _orpha(bare, original))
    if system in ICD10_FAMILY:
        value, marker = _icd10(bare, original, system)
        return Code(system, value, marker)
    if system is System.ICD11:
        return Code(system, _icd11(bare, original))
    if system is System.SCTID:
        return Code(system, _sctid(bare, original))
    if system is System.ALPHAID:
        value = bare.strip().upper()
        if not _ALPHAID.match(value):
            raise InvalidCodeError(original, "an Alpha-ID is 'I' followed by digits")
        return Code(system, value)
    raise InvalidCodeError(original, f"unsupported system {system}")  # pragma: no cover


def _orpha(bare: str, original: str) -> str:
    value = bare.strip()
    iri = _ORDO_IRI.match(value)
    if iri:
        value = iri.group(1)
    if not _DIGITS.match(value):
        raise InvalidCodeError(original, "an ORPHA code is digits only")
    value = value.lstrip("0")
    if not value or len(value) > 7:
        raise InvalidCodeError(original, "an ORPHA code has 1 to 7 digits and is not 0")
    return value


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


def icd10_key(code: str) -> str:
    """Undotted join key of an ICD-10 family code or canonical string (``Q87.4`` → ``Q874``)."""
    return code.split(":", 1)[-1].replace(".", "")


def icd10_display(key: str) -> str:
    """Dotted display form of an undotted ICD-10 key (``A083B`` → ``A08.3B``)."""
    key = key.strip().upper()
    if "-" in key or len(key) <= 3 or "." in key:
        return key
    return f"{key[:3]}.{key[3:]}"


def _icd11(bare: str, original: str) -> str:
    value = bare.strip().replace(" ", "")
    if ICD11_BLOCK.match(value):
        return "BlockL" + value[6:].upper()
    if _ICD11_ENTITY_BLOCK.match(value):
        return "Block" + value[5:]
    value = value.upper()
    if ICD11_CHAPTER.match(value):
        return value
    for stem in value.split("/"):
        parts = stem.split("&")
        if not parts[0] or not (ICD11_STEM.match(parts[0]) or ICD11_EXTENSION.match(parts[0])):
            raise InvalidCodeError(original, f"{parts[0]!r} is not an ICD-11 MMS stem or extension code")
        for ext in parts[1:]:
            if not ICD11_EXTENSION.match(ext):
                raise InvalidCodeError(original, f"{ext!r} is not an ICD-11 extension code (X...)")
    return value


def icd11_stem(code: str) -> str:
    """First stem code of an ICD-11 cluster (``1A00&XN8P1/…`` → ``1A00``)."""
    return code.split(":", 1)[-1].split("/")[0].split("&")[0]


def _sctid(bare: str, original: str) -> str:
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
    return value


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
