"""Orphanet nomenclature pack MasterFile (``ORPHAnomenclature_MasterFile_<lang>_<date>.xlsx``).

One sheet: a title row ``Date: 01/07/2021``, then the header ``ORPHAcode | PreferredTerm |
Synonyms | ICDcodes`` (found by name), then rows holding at most one synonym and one ICD-10
code each; the rows of one ORPHA code follow each other. The file states **no mapping
relation**, so ORPHA → ICD-10 mappings are :attr:`Relation.UNSPECIFIED`. It states no
status either: the reader is ``partial`` (it never decides status, kind or label over a
full nomenclature) and its concepts carry only label and synonyms.
"""

from __future__ import annotations

import re
import zipfile
import zlib
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.workbook.workbook import Workbook

from ...codes import System, parse
from ...errors import InvalidCodeError, ReleaseFormatError
from ...model import Concept, Mapping, Provenance, Record, Relation, Release, Term, TermKind
from ...release_input import ReadContext
from ..formats.files import repair_text
from .jdbor import orpha, release_id, strip_inactive_prefix

_NAME = re.compile(r"^ORPHAnomenclature_MasterFile_(?P<lang>[a-z]{2})(?:_(?P<rest>.*))?\.xlsx$")
_TITLE_DATE = re.compile(r"Date\s*:\s*(\d{1,2})/(\d{1,2})/(\d{4})")
_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_HEADER = ("ORPHAcode", "PreferredTerm", "Synonyms", "ICDcodes")
_HEADER_SEARCH_ROWS = 20
_SPLIT = re.compile(r"\s*[,;]\s*")
_BROKEN = (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, EOFError, zlib.error, SyntaxError, ValueError)


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return repair_text(str(value).strip())


@dataclass
class _Group:
    code: str
    label: str
    synonyms: list[Term]
    targets: set[str]


class MasterFileReader:
    """ORPHA codes with preferred term, synonyms and ICD-10 codes (relation unspecified)."""

    name = "orphanet-masterfile"
    discovery_order = 130  # sources.readers(): a file claimed earlier is not offered later
    partial = True

    def find(self, files: Sequence[Path]) -> list[tuple[Path, ...]]:
        return [(p,) for p in files if _NAME.match(p.name)]

    def read(self, files: tuple[Path, ...], ctx: ReadContext) -> Iterator[Record]:
        (path,) = files
        display = ctx.relative(path)
        m = _NAME.match(path.name)
        lang = m.group("lang") if m else "en"
        try:
            workbook = load_workbook(path, read_only=True, data_only=True)
        except _BROKEN as err:
            raise ReleaseFormatError(display, "file", f"not a readable xlsx workbook: {err}") from None
        try:
            yield from self._rows(workbook, path, display, lang, ctx)
        except _BROKEN as err:
            raise ReleaseFormatError(display, "sheet", f"unreadable worksheet: {err}") from None
        finally:
            workbook.close()

    def _rows(self, workbook: Workbook, path: Path, display: str, lang: str, ctx: ReadContext) -> Iterator[Record]:
        if not workbook.worksheets:
            raise ReleaseFormatError(display, "workbook", "no worksheet")
        sheet = workbook.worksheets[0]
        rows = enumerate(sheet.iter_rows(values_only=True), start=1)
        date, columns = "", None
        for number, row in rows:
            cells = [_cell(v) for v in row]
            for value in cells:
                found = _TITLE_DATE.search(value)
                if found and not date:
                    date = f"{found.group(3)}-{int(found.group(2)):02d}-{int(found.group(1)):02d}"
            if "ORPHAcode" in cells and "PreferredTerm" in cells:
                columns = {name: cells.index(name) for name in _HEADER if name in cells}
                break
            if number >= _HEADER_SEARCH_ROWS:
                break
        if columns is None:
            raise ReleaseFormatError(display, f"sheet {sheet.title!r} rows 1-{_HEADER_SEARCH_ROWS}",
                                     "no header row with ORPHAcode and PreferredTerm")
        if not date:
            iso = _ISO_DATE.search(path.name)
            date = iso.group(0) if iso else ""
        release = Release(
            id=release_id(self.name, date, lang),
            system=System.ORPHA.value,
            name=f"Orphanet nomenclature pack MasterFile ({lang})",
            date=date,
            files=(ctx.source_file(path),),
            bundled_sample=ctx.bundled_sample,
        )
        yield release
        counts: Counter[str] = Counter()
        group: _Group | None = None
        for number, row in rows:
            counts["rows"] += 1
            values = {name: _cell(row[i]) if i < len(row) else "" for name, i in columns.items()}
            if not any(values.values()):
                counts["rows"] -= 1
                continue
            raw = values["ORPHAcode"]
            code = orpha(raw)
            position = f"row {number}"
            if code is None:
                ctx.report.skip(display, position, f"no valid ORPHAcode ({raw!r})")
                continue
            if group is None or group.code != code:
                if group is not None:
                    counts["concepts"] += 1
                    yield _concept(group, lang, release.id)
                group = _Group(code, strip_inactive_prefix(values["PreferredTerm"], False), [], set())
            synonym = values.get("Synonyms", "")
            if synonym and synonym != group.label and all(t.text != synonym for t in group.synonyms):
                group.synonyms.append(Term(synonym, lang, TermKind.SYNONYM))
            for published in _SPLIT.split(values.get("ICDcodes", "")):
                if not published:
                    continue
                mapping = _mapping(code, published, release.id, display, position, group, ctx)
                if mapping is not None:
                    counts["mappings"] += 1
                    yield mapping
        if group is not None:
            counts["concepts"] += 1
            yield _concept(group, lang, release.id)
        for what, n in counts.items():
            ctx.report.count(f"{self.name}: {what}", n)


def _concept(group: _Group, lang: str, release: str) -> Concept:
    return Concept(
        code=group.code,
        system=System.ORPHA.value,
        label=group.label,
        labels={lang: group.label} if group.label else {},
        synonyms=tuple(group.synonyms),
        release=release,
    )


def _mapping(code: str, published: str, release: str, file: str, position: str, group: _Group,
             ctx: ReadContext) -> Mapping | None:
    try:
        parsed = parse(published, System.ICD10)
    except InvalidCodeError as err:
        ctx.report.skip(file, position, f"ICDcodes value is not an ICD-10 code: {err.reason}")
        return None
    target = str(parsed)
    if (target + parsed.marker) in group.targets:
        ctx.report.count("orphanet-masterfile: repeated ICD-10 code of the same ORPHA code (kept once)")
        return None
    group.targets.add(target + parsed.marker)
    return Mapping(
        source=code,
        target=target,
        relation=Relation.UNSPECIFIED,
        provenance=Provenance(release, file, position),
        published=published,
        qualifier=f"marker={parsed.marker}" if parsed.marker else "",
    )


MASTERFILE = MasterFileReader()
READERS = (MASTERFILE,)
