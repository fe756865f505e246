"""Alpha-ID-SE reader (BfArM): German index terms with ICD-10-GM code tuples and ORPHA codes.

File ``icd10gm<YYYY>_alphaid[_]se[_muster]_edvtxt_<YYYYMMDD>.txt`` (formats.md §6): pipe-separated,
no header, 8 fields, CRLF, UTF-8 (older years cp1252)::

    validity | Alpha-ID | primary code | star code | additional code | 2nd primary code | ORPHA | text

Emits, after the :class:`Release` (id ``alpha-id-se:<file date>``):

* ``Concept("ALPHAID:<id>")``: label/labels["de"] = text, status ACTIVE (validity 1) or INACTIVE
  (0), attributes = the code tuple as written (primary, star, additional, secondary, orpha).
* ``Mapping`` ALPHAID -> ORPHA, ``Relation.EXACT`` (BfArM asserts the Alpha-ID names the ORPHA entity).
* ``Mapping`` ALPHAID -> ICD10GM for each code of the tuple, ``Relation.UNSPECIFIED``, qualifier =
  role (primary/star/additional/secondary), plus ``;marker=<+*!>`` when the code carried one.
* For rows valid for coding: ``Mapping`` ICD10GM primary -> ORPHA (``Relation.UNSPECIFIED``,
  qualifier ``alpha-id=<id>``) and ``AddedTerm(ORPHA:n, Term(text, "de", INDEX))``.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterator, Sequence
from pathlib import Path

from ... import codes
from ...codes import System
from ...errors import InvalidCodeError, ReleaseFormatError
from ...model import AddedTerm, Concept, Mapping, Provenance, Record, Relation, Release, Status, Term, TermKind
from ...release_input import ReadContext
from ..formats.files import open_binary, read_text_lines, stem

_NAME = re.compile(r"^icd10gm(?P<year>\d{4})_alphaid_?se(?P<sample>_muster)?_edvtxt_(?P<date>\d{8})\.txt$", re.I)
FIELDS = 8
ROLES = (("primary", 2), ("star", 3), ("additional", 4), ("secondary", 5))
LICENCE = ("Alpha-ID-SE \u00a9 BfArM (Bundesinstitut f\u00fcr Arzneimittel und Medizinprodukte), distributed free of "
           "charge under BfArM's download terms; the file itself states no licence.")


def detect_encoding(path: Path) -> str:
    """``utf-8`` if the whole file decodes as UTF-8, else ``cp1252`` (older BfArM files).
    A damaged ``.gz`` file: ``utf-8`` (reading the lines then names the damage)."""
    try:
        with open_binary(path) as fh:
            for raw in fh:
                if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
                    return "utf-8"  # UTF-16: read_text_lines names it
                raw.decode("utf-8")
    except UnicodeDecodeError:
        return "cp1252"
    except (EOFError, OSError, zlib.error):
        return "utf-8"
    return "utf-8"


class AlphaIdSeReader:
    """Alpha-ID-SE text files, one input per file."""

    name = "alpha-id-se"
    discovery_order = 600  # sources.readers(): a file claimed earlier is not offered later

    def find(self, files: Sequence[Path]) -> list[tuple[Path, ...]]:
        return [(p,) for p in sorted(files) if _NAME.match(stem(p))]

    def read(self, files: tuple[Path, ...], ctx: ReadContext) -> Iterator[Record]:
        (path,) = files
        m = _NAME.match(stem(path))
        if m is None:
            raise ReleaseFormatError(path.name, "file", "not an Alpha-ID-SE file name (icd10gm<YYYY>_alphaidse_edvtxt_<date>.txt)")
        date = m["date"]
        release = Release(
            id=f"{self.name}:{date}",
            system=System.ALPHAID.value,
            name="Alpha-ID-SE" + (" (Muster)" if m["sample"] else ""),
            version=m["year"],
            date=f"{date[:4]}-{date[4:6]}-{date[6:]}",
            files=(ctx.source_file(path),),
            licence=LICENCE,
            bundled_sample=ctx.bundled_sample,
        )
        yield release
        yield from _Rows(ctx, release.id, path).records()


class _Rows:
    def __init__(self, ctx: ReadContext, release: str, path: Path) -> None:
        self.ctx = ctx
        self.release = release
        self.path = path
        self.file = ctx.relative(path)

    def _skip(self, number: int, reason: str, detail: str = "") -> None:
        self.ctx.report.skip(self.file, f"line {number}" + (f" ({detail})" if detail else ""), reason)

    def records(self) -> Iterator[Record]:
        encoding = detect_encoding(self.path)
        self.ctx.report.count(f"alpha-id-se: files read as {encoding}")
        rows = valid = 0
        orpha_codes: set[str] = set()
        # BfArM's rows end with CRLF: a last line without a line end is cut
        for number, line in read_text_lines(self.path, encoding, self.file, report=self.ctx.report, terminated=True):
            if not line.strip():
                continue
            fields = line.split("|")
            if len(fields) != FIELDS:
                self._skip(number, f"expected {FIELDS} '|'-separated fields, found {len(fields)}")
                continue
            fields = [f.strip() for f in fields]
            validity, alpha_id, text = fields[0], fields[1], fields[7]
            if validity not in ("0", "1"):
                self._skip(number, "validity must be 0 or 1", repr(validity))
                continue
            try:
                code = codes.canonical(alpha_id, System.ALPHAID)
            except InvalidCodeError as err:
                self._skip(number, f"invalid Alpha-ID: {err.reason}", repr(alpha_id))
                continue
            if not text:
                self._skip(number, "empty diagnosis text", alpha_id)
                continue
            rows += 1
            valid += validity == "1"
            yield from self._row(number, code, validity == "1", fields, orpha_codes)
        if rows == 0:
            raise ReleaseFormatError(self.file, "line 1", "no Alpha-ID-SE row (empty file)")
        self.ctx.report.count("alpha-id-se: rows", rows)
        self.ctx.report.count("alpha-id-se: rows valid for coding", valid)
        self.ctx.report.count("alpha-id-se: distinct ORPHA codes", len(orpha_codes))

    def _row(self, number: int, code: str, valid: bool, fields: list[str], orpha_codes: set[str]) -> Iterator[Record]:
        text = fields[7]
        provenance = Provenance(self.release, self.file, f"line {number}")
        attributes = {role: fields[i] for role, i in ROLES if fields[i]}
        if fields[6]:
            attributes["orpha"] = fields[6]
        yield Concept(code=code, system=System.ALPHAID.value, label=text, labels={"de": text},
                      status=Status.ACTIVE if valid else Status.INACTIVE, attributes=attributes, release=self.release)
        orpha = None
        if fields[6]:
            try:
                orpha = codes.canonical(fields[6], System.ORPHA)
            except InvalidCodeError as err:
                self._skip(number, f"invalid ORPHA code: {err.reason}", repr(fields[6]))
        primary = None
        for role, i in ROLES:
            if not fields[i]:
                continue
            try:
                parsed = codes.parse(fields[i], System.ICD10GM)
            except InvalidCodeError as err:
                self._skip(number, f"invalid ICD-10-GM {role} code: {err.reason}", repr(fields[i]))
                continue
            qualifier = role + (f";marker={parsed.marker}" if parsed.marker else "")
            self.ctx.report.count(f"alpha-id-se: {role} codes")
            yield Mapping(code, str(parsed), Relation.UNSPECIFIED, provenance=provenance, published=fields[i], qualifier=qualifier)
            if role == "primary":
                primary = parsed
        if orpha is None:
            return
        orpha_codes.add(orpha)
        yield Mapping(code, orpha, Relation.EXACT, provenance=provenance, published=fields[6])
        if not valid:
            return  # an entry not valid for coding names no ICD-10-GM <-> ORPHA pair and no search term
        if primary is not None:
            yield Mapping(str(primary), orpha, Relation.UNSPECIFIED, provenance=provenance, published=fields[6],
                          qualifier=f"alpha-id={codes.value_of(code)}")
        yield AddedTerm(orpha, Term(text, "de", TermKind.INDEX), self.release)


READER = AlphaIdSeReader()
READERS = (READER,)
