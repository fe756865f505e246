"""Safe streaming of Orphanet ``JDBOR`` XML files and the pieces every Orphanet reader shares.

Orphanet XML (Orphadata products and the nomenclature pack) wraps everything in a root
``JDBOR`` with a ``date`` or ``ExtractionDate``, a ``version`` and an ``Availability/Licence``
(formats.md §1.2). Bytes go to the parser untouched, so the declared encoding (ISO-8859-1 or
UTF-8) is honoured; entity declarations are refused (defusedxml). Every parser or I/O failure
becomes a :class:`ReleaseFormatError` naming the file and line/column.
"""

from __future__ import annotations

import gzip
import re
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse as _safe_iterparse

from ...errors import ReleaseFormatError
from ..formats.files import stem
from ..formats.safe_xml import open_xml, text

ROOT_TAG = "JDBOR"

# "OBSOLETE: " / "NON RARE IN EUROPE: " prefix the names of inactive entities (formats.md §1.9).
_INACTIVE_PREFIX = re.compile(r"^(?:OBSOLETE|NON RARE IN EUROPE)\s*:\s*")
# Translated packs may translate the prefix; for inactive entities any upper-case lead-in
# ending in a colon is taken as such a prefix ("OBSOLÈTE : ").
_UPPER_PREFIX = re.compile(r"^[A-ZÀ-ÖØ-Þ][A-ZÀ-ÖØ-Þ' -]{2,40}?\s*:\s+")
_DATE = re.compile(r"^(\d{4}-\d{2}-\d{2})")
_LANG_PREFIX = re.compile(r"^([a-z]{2})_")


def events(path: Path, display: str, wanted: tuple[str, ...] = ("end",)) -> Iterator[tuple[str, Element]]:
    """(event, element) pairs of ``path``, parsed safely; failures become ReleaseFormatError."""
    try:
        with open_xml(path, display) as fh:
            yield from _safe_iterparse(fh, events=wanted, forbid_dtd=False)
    except ParseError as err:
        line, column = err.position
        reason = re.sub(r": line \d+, column \d+$", "", str(err))
        raise ReleaseFormatError(display, f"line {line}, column {column}", f"malformed XML: {reason}") from None
    except DefusedXmlException as err:
        raise ReleaseFormatError(display, "DTD", f"refused unsafe XML: {err}") from None
    except LookupError as err:  # unknown encoding in the XML declaration
        raise ReleaseFormatError(display, "line 1", f"XML declaration: {err}") from None
    except (EOFError, gzip.BadGzipFile, zlib.error, OSError) as err:
        raise ReleaseFormatError(display, "file", f"cannot read: {err}") from None


def elements(path: Path, display: str, tag: str) -> Iterator[Element]:
    """Stream every ``tag`` element; each is cleared once the caller has handled it."""
    for _event, elem in events(path, display):
        if elem.tag == tag:
            yield elem
            elem.clear()


@dataclass(frozen=True)
class Header:
    """What the start of a JDBOR file says about its release."""

    attributes: dict[str, str]
    licence: str

    @property
    def version(self) -> str:
        """The root's ``version`` attribute ("" when absent)."""
        return self.attributes.get("version", "").strip()

    @property
    def timestamp(self) -> str:
        """The root's ``date`` or ``ExtractionDate`` as written."""
        return (self.attributes.get("date") or self.attributes.get("ExtractionDate") or "").strip()

    @property
    def date(self) -> str:
        """Extraction day, ``YYYY-MM-DD`` ("" when the file states none)."""
        m = _DATE.match(self.timestamp)
        return m.group(1) if m else ""


def read_header(path: Path, display: str) -> Header:
    """Root attributes and licence of a JDBOR file; reads only up to the first list element."""
    depth = 0
    attributes: dict[str, str] | None = None
    licence = ""
    for event, elem in events(path, display, ("start", "end")):
        if event == "start":
            depth += 1
            if depth == 1:
                if elem.tag != ROOT_TAG:
                    raise ReleaseFormatError(display, "root element", f"expected <{ROOT_TAG}>, found <{elem.tag}>")
                attributes = dict(elem.attrib)
            elif depth == 2 and elem.tag != "Availability":
                break
        else:
            depth -= 1
            if elem.tag == "Licence":
                licence = licence_text(elem)
    if attributes is None:
        raise ReleaseFormatError(display, "line 1", "empty XML document")
    return Header(attributes, licence)


def licence_text(elem: Element) -> str:
    """``Creative Commons Attribution 4.0 International (CC-BY-4.0) <legal code URL>``."""
    full, short, url = text(elem, "FullName"), text(elem, "ShortIdentifier"), text(elem, "LegalCode")
    out = full or short
    if full and short:
        out = f"{full} ({short})"
    if url:
        out = f"{out} {url}".strip()
    return out


def strip_inactive_prefix(name: str, inactive: bool) -> str:
    """Name without the ``OBSOLETE: ``-style prefix Orphanet puts on inactive entities."""
    stripped = _INACTIVE_PREFIX.sub("", name, count=1)
    if stripped == name and inactive:
        stripped = _UPPER_PREFIX.sub("", name, count=1)
    return stripped or name


def lang_of(path: Path, pattern: re.Pattern[str] | None = None) -> str:
    """Language of an Orphanet file from its name (``en_product1.xml``, ``…_fr_2023.xml``)."""
    name = stem(path)
    if pattern is not None:
        m = pattern.match(name)
        if m and m.groupdict().get("lang"):
            return m.group("lang")
    m = _LANG_PREFIX.match(name)
    return m.group(1) if m else ""


def year_of(rest: str | None) -> str:
    """The first four-digit year in the rest of a file name ("" when none)."""
    m = re.search(r"(\d{4})", rest or "")
    return m.group(1) if m else ""


def release_id(reader: str, date: str, lang: str) -> str:
    """``orphanet-product1:2025-12-09`` for English; other languages get ``-<lang>`` on the name."""
    name = reader if lang in ("en", "") else f"{reader}-{lang}"
    return f"{name}:{date or 'undated'}"


def orpha(value: str) -> str | None:
    """Canonical ``ORPHA:<digits>`` of an OrphaCode element text, or None if it is not one."""
    value = value.strip()
    if not value.isascii() or not value.isdigit():
        return None
    value = value.lstrip("0")
    if not value or len(value) > 7:
        return None
    return f"ORPHA:{value}"
