"""WHO ICD-10 ⇄ ICD-11 mapping tables (the ``mapping_<YYYY-MM>`` files of a WHO ICD-11 release).

Four tab-separated tables (UTF-8, CRLF, a header row whose last cell is the date, e.g.
``2024-Jan-21``; header spellings differ between the tables, so columns are taken by name):

* ``10To11MapToOneCategory``, ``10To11MapToMultipleCategories``: ICD-10 → ICD-11 MMS.
* ``11To10MapToOneCategory``: ICD-11 MMS → ICD-10.
* ``foundation_10To11MapToOneCategory``: ICD-10 → ICD-11 *Foundation* entity, with two unnamed
  columns (relation ``Equivalent``/``Subclass``, distance ``0``…``-3``).

What the reader emits:

* ``Mapping`` ICD10 → ICD11 and ICD11 → ICD10 for rows whose both sides are coded categories
  (ICD-10 ``category``/``modifiedcategory``; ICD-11 stem code or postcoordinated cluster such as
  ``1A00&XN8P1`` or ``1A36.1Y/1D03.3Z``, kept whole). The tables state no relation:
  :attr:`Relation.UNSPECIFIED`. A bare extension code (B95.0 → XN6LP "Streptococcus, group A")
  is WHO's only ICD-11 counterpart of such an ICD-10 category and is kept, with the qualifier
  ``extension code: never coded alone``. Rows with a block, chapter or ``No Mapping`` on either
  side are skipped and counted with the reason.
* The one-category tables give WHO's single choice for a code; those mappings carry the
  qualifier item ``preferred=<table>`` (``rm.crosswalk`` ranks them first among equals).
* The foundation table maps to Foundation entities, which are not MMS codes (many lie below the
  MMS shoreline), so it yields no mappings of its own. Its statement is attached to the
  ``10To11MapToOneCategory`` mapping of the same ICD-10 code as qualifier text, when both name
  the same foundation entity; every other foundation row is skipped and counted. ``Equivalent``
  is not turned into ``exact``: WHO uses it for pairs such as E10.1 "Type 1 diabetes mellitus
  with ketoacidosis" → "Idiopathic Type 1 diabetes mellitus".
* ``Concept`` for every WHO ICD-10 code the tables name (English title; kind chapter/block/
  category, and subcategory for a dotted code — WHO's ``modifiedcategory`` kept as the attribute
  ``who_class_kind``) and ``Edge``s of the ICD-10
  hierarchy (``icd10``): a dotted code under its truncation (Q87.4 → Q87), a three-character
  code or block under the innermost block whose range contains it, a top block under its
  chapter. Chapters are written as Roman numerals in the tables; raremap names a chapter by the
  range of its blocks (chapter XVII → ``ICD10:Q00-Q99``), which reproduces WHO's chapter ranges.
"""

from __future__ import annotations

import gzip
import re
import zlib
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from ...codes import ICD11_CHAPTER, ICD11_EXTENSION, System, canonical, value_of
from ...errors import InvalidCodeError, ReleaseFormatError
from ...model import Concept, Edge, Mapping, Provenance, Record, Relation, Release
from ...release_input import BuildReport, ReadContext
from ..formats.files import read_text_lines, stem

ONE = "10To11MapToOneCategory"
MULTIPLE = "10To11MapToMultipleCategories"
BACK = "11To10MapToOneCategory"
FOUNDATION = "foundation_10To11MapToOneCategory"
TABLES = (FOUNDATION, ONE, MULTIPLE, BACK)  # reading order: the foundation table is needed by ONE
_TABLE_BY_LOWER = {t.lower(): t for t in TABLES}
_NAME = re.compile(r"^(?P<table>" + "|".join(TABLES) + r")(?P<rest>[_.-][^/]*)?\.txt$", re.I)

PREFERRED = "preferred"  # qualifier item: the target the source itself picks among several
LICENCE = "CC BY-ND 3.0 IGO (WHO licence for ICD-11; not restated in the release files)"
ICD10 = System.ICD10.value
ICD11 = System.ICD11.value

_DATE = re.compile(r"^(\d{4})-([A-Za-z]{3})-(\d{1,2})$")
_MONTHS = {m: i for i, m in enumerate(("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1)}
_URI_VERSION = re.compile(r"/release/11/(\d{4}-\d{2})/mms/")
_ROMAN = re.compile(r"^[IVX]{1,6}$")
_RANGE = re.compile(r"^([A-Z]\d{2})-([A-Z]\d{2})$")
_NO_MAPPING = "no mapping"
# WHO maps ICD-10 categories such as B95.0 to a bare extension code, which ICD-11 only allows
# after a stem code: the mapping is kept (it is WHO's statement) and says so
EXTENSION_NOTE = "extension code: never coded alone"
_ICD10_KINDS = {"chapter": "chapter", "block": "block", "category": "category", "modifiedcategory": "category"}

# logical column -> normalised header name (lower case, letters and digits only)
_COLUMNS = {
    "icd10_kind": "10classkind",
    "icd10_code": "icd10code",
    "icd10_chapter": "icd10chapter",
    "icd10_title": "icd10title",
    "icd11_kind": "11classkind",
    "foundation_uri": "icd11foundationuri",
    "linearization_uri": "linearizationreleaseuri",
    "icd11_code": "icd11code",
    "icd11_title": "icd11title",
}
_REQUIRED = {
    ONE: ("icd10_kind", "icd10_code", "icd11_code"),
    MULTIPLE: ("icd10_kind", "icd10_code", "icd11_code"),
    BACK: ("icd11_code", "icd10_code"),
    FOUNDATION: ("icd10_code", "foundation_uri"),
}


def table_of(path: Path) -> str | None:
    """Which WHO mapping table a file is (by name, ``.gz`` allowed), or None."""
    m = _NAME.match(stem(path))
    return _TABLE_BY_LOWER[m.group("table").lower()] if m else None


def _iso(cell: str) -> str:
    m = _DATE.match(cell.strip())
    if not m or m.group(2).lower() not in _MONTHS:
        return ""
    return f"{m.group(1)}-{_MONTHS[m.group(2).lower()]:02d}-{int(m.group(3)):02d}"


def _lines(path: Path, display: str, report: BuildReport | None = None) -> Iterator[tuple[int, str]]:
    try:
        # WHO's tables end every row with CRLF: a last line without a line end is cut
        yield from read_text_lines(path, "utf-8", display, report=report, terminated=True)
    except (EOFError, gzip.BadGzipFile, zlib.error, OSError) as err:
        raise ReleaseFormatError(display, "file", f"cannot read: {err}") from None


@dataclass(frozen=True)
class _Header:
    columns: dict[str, int]
    date: str
    named: int  # header cells before the date cell (the foundation table's unnamed columns follow)


def _header(table: str, line: str, display: str) -> _Header:
    cells = line.split("\t")
    date = _iso(cells[-1]) if cells else ""
    named = len(cells) - 1 if date else len(cells)
    names = [re.sub(r"[^a-z0-9]", "", c.lower()) for c in cells[:named]]
    columns = {}
    for column, name in _COLUMNS.items():
        if name in names:
            columns[column] = names.index(name)
    missing = [c for c in _REQUIRED[table] if c not in columns]
    if missing:
        raise ReleaseFormatError(display, "line 1", f"header lacks column(s) {', '.join(missing)} of a WHO {table} table")
    return _Header(columns, date, named)


def _icd10(code: str) -> tuple[str, str]:
    """(shape, canonical code) of an ICD-10 cell: shape chapter/block/category, or ("", "") if invalid."""
    if _ROMAN.match(code):
        return "chapter", code
    try:
        value = canonical(code, System.ICD10)
    except InvalidCodeError:
        return "", ""
    return ("block" if _RANGE.match(value_of(value)) else "category"), value


def _icd11(code: str, no_mapping: bool) -> tuple[str, str]:
    """(canonical ICD-11 category or cluster, "") or ("", why it is not one)."""
    code = code.strip().upper()
    if not code:
        return "", "no mapping stated ('No Mapping')" if no_mapping else "block (no code)"
    if ICD11_CHAPTER.match(code):
        return "", "chapter"
    try:
        value = canonical(code, System.ICD11)
    except InvalidCodeError:
        return "", "not a valid ICD-11 code"
    if ":Block" in value:
        return "", "not a valid ICD-11 code"
    return value, ""


@dataclass
class _Icd10Entity:
    code: str  # canonical for categories/blocks, the Roman numeral for chapters
    kind: str
    chapter: str
    title: str
    stated: bool  # kind from 10ClassKind (not only from the code's shape)


@dataclass
class _FoundationRow:
    line: int
    uri: str
    relation: str
    distance: str


class _IcdMappingReadState:
    """State of one read: the release, collected ICD-10 codes, pending foundation rows."""

    def __init__(self, reader: str, release: Release, ctx: ReadContext) -> None:
        self.reader = reader
        self.release = release
        self.ctx = ctx
        self.icd10: dict[str, _Icd10Entity] = {}
        self.foundation: dict[str, _FoundationRow] = {}
        self.foundation_file = ""

    # -- ICD-10 codes -------------------------------------------------------------------
    def note(self, code: str, kind: str, chapter: str, title: str, stated: bool) -> None:
        """Remember an ICD-10 code the tables name; a kind from 10ClassKind beats one from the code's shape."""
        known = self.icd10.get(code)
        if known is None:
            self.icd10[code] = _Icd10Entity(code, kind, chapter, title, stated)
        elif stated and not known.stated:
            known.kind, known.stated = kind, True
            known.chapter = known.chapter or chapter
            known.title = known.title or title

    # -- tables -------------------------------------------------------------------------
    def table(self, table: str, display: str, header: _Header, rows: Iterator[tuple[int, str]]) -> Iterator[Record]:
        """Mappings of one table's data rows; every row is counted, and skipped rows with a reason."""
        report = self.ctx.report
        if table == FOUNDATION:
            self.foundation_file = display
        handler = self._eleven_to_ten if table == BACK else self._ten_to_eleven
        # cells are placed by position: a row short of a named column (or, in the foundation
        # table, of its two unnamed ones) has lost a cell and the cells after it are shifted
        need = max(max(header.columns[c] for c in _REQUIRED[table]) + 1,
                   header.named + (2 if table == FOUNDATION else 0))
        for line, text in rows:
            if not text.strip():
                continue
            report.count(f"{self.reader}: {table} rows")
            cells = text.split("\t")
            if len(cells) < need:
                report.skip(display, f"line {line} ({len(cells)} cells)", "row has fewer cells than the header names")
                if table == ONE:
                    self._drop_foundation(_icd10(self._cell(header, cells, "icd10_code"))[1])
            elif table == FOUNDATION:
                self._foundation(display, header, line, cells)
            else:
                yield from handler(table, display, header, line, cells)

    def _cell(self, header: _Header, cells: Sequence[str], column: str) -> str:
        index = header.columns.get(column)
        return cells[index].strip() if index is not None and index < len(cells) else ""

    def _foundation(self, display: str, header: _Header, line: int, cells: list[str]) -> None:
        """Keep a foundation row until the 10To11MapToOneCategory row of its ICD-10 code is read."""
        code = self._cell(header, cells, "icd10_code")
        shape, value = _icd10(code)
        if not shape:
            self.ctx.report.skip(display, f"line {line}", "ICD-10 code is not a WHO ICD-10 code, block or chapter")
            return
        self.note(value, shape, self._cell(header, cells, "icd10_chapter"), self._cell(header, cells, "icd10_title"), False)
        if value in self.foundation:
            self.ctx.report.skip(display, f"line {line}", "ICD-10 code appears twice")
            return
        relation = cells[header.named].strip() if header.named < len(cells) else ""
        distance = cells[header.named + 1].strip() if header.named + 1 < len(cells) else ""
        self.foundation[value] = _FoundationRow(line, self._cell(header, cells, "foundation_uri"), relation, distance)

    def _ten_to_eleven(self, table: str, display: str, header: _Header, line: int, cells: list[str]) -> Iterator[Record]:
        report = self.ctx.report
        kind10 = self._cell(header, cells, "icd10_kind").lower()
        shape, code10 = _icd10(self._cell(header, cells, "icd10_code"))
        position = f"line {line}"
        reason = ""
        code11 = ""
        if not shape:
            reason = "ICD-10 code is not a WHO ICD-10 code, block or chapter"
        elif _ICD10_KINDS.get(kind10) != shape:
            reason = "10ClassKind does not fit the ICD-10 code"
        else:
            self.note(code10, kind10, self._cell(header, cells, "icd10_chapter"), self._cell(header, cells, "icd10_title"),
                      True)
            if shape != "category":
                reason = f"ICD-10 side is a {shape}, not a category"
            else:
                no_mapping = any(c.strip().lower() == _NO_MAPPING for c in cells)
                code11, why = _icd11(self._cell(header, cells, "icd11_code"), no_mapping)
                reason = f"ICD-11 side: {why}" if why else ""
        if reason:
            report.skip(display, position, reason)
            if table == ONE:
                self._drop_foundation(code10)
            return
        qualifier = [EXTENSION_NOTE] if ICD11_EXTENSION.match(value_of(code11)) else []
        uri = self._cell(header, cells, "foundation_uri")
        if uri.startswith("http"):
            qualifier.append(f"foundation entity {uri}")
        if table == ONE:
            qualifier.insert(0, f"{PREFERRED}={ONE}")
            statement = self._foundation_statement(code10, uri)
            if statement:
                qualifier.append(statement)
        report.count(f"{self.reader}: {table} mappings")
        yield Mapping(source=code10, target=code11, relation=Relation.UNSPECIFIED,
                      provenance=Provenance(self.release.id, display, position),
                      published=self._cell(header, cells, "icd11_code"), qualifier="; ".join(qualifier))

    def _drop_foundation(self, code10: str) -> None:
        """The ONE row of ``code10`` gives no mapping: its foundation row has nothing to qualify."""
        row = self.foundation.pop(code10, None) if code10 else None
        if row is not None:
            self.ctx.report.skip(self.foundation_file, f"line {row.line}", "its 10To11MapToOneCategory row gives no category-to-category mapping")

    def _foundation_statement(self, code10: str, uri: str) -> str:
        row = self.foundation.pop(code10, None)
        if row is None:
            return ""
        position = f"line {row.line}"
        if not row.relation:
            self.ctx.report.skip(self.foundation_file, position, "no relation stated")
            return ""
        if row.uri != uri:
            self.ctx.report.skip(self.foundation_file, position, "foundation entity differs from 10To11MapToOneCategory")
            return ""
        self.ctx.report.count(f"{self.reader}: {FOUNDATION} relations attached")
        distance = f", distance {row.distance}" if row.distance else ""
        return f"foundation map: {row.relation}{distance}"

    def _eleven_to_ten(self, table: str, display: str, header: _Header, line: int, cells: list[str]) -> Iterator[Record]:
        report = self.ctx.report
        position = f"line {line}"
        raw10 = self._cell(header, cells, "icd10_code")
        no_mapping = raw10.lower() == _NO_MAPPING
        shape, code10 = _icd10(raw10) if not no_mapping else ("", "")
        if shape:
            self.note(code10, shape, self._cell(header, cells, "icd10_chapter"), self._cell(header, cells, "icd10_title"), False)
        code11, why = _icd11(self._cell(header, cells, "icd11_code"), False)
        if why:
            report.skip(display, position, f"ICD-11 side: {why}")
            return
        if no_mapping:
            report.skip(display, position, "ICD-10 side: no mapping stated ('No Mapping')")
            return
        if not shape:
            report.skip(display, position, "ICD-10 code is not a WHO ICD-10 code, block or chapter")
            return
        if shape != "category":
            report.skip(display, position, f"ICD-10 side is a {shape}, not a category")
            return
        report.count(f"{self.reader}: {table} mappings")
        qualifier = [f"{PREFERRED}={BACK}"]
        if ICD11_EXTENSION.match(value_of(code11)):
            qualifier.append(EXTENSION_NOTE)
        yield Mapping(source=code11, target=code10, relation=Relation.UNSPECIFIED,
                      provenance=Provenance(self.release.id, display, position), published=raw10,
                      qualifier="; ".join(qualifier))

    def leftovers(self) -> None:
        for row in self.foundation.values():
            self.ctx.report.skip(self.foundation_file, f"line {row.line}", "ICD-10 code not in 10To11MapToOneCategory")
        self.foundation.clear()

    # -- ICD-10 concepts and hierarchy --------------------------------------------------
    def icd10_records(self) -> Iterator[Record]:
        report = self.ctx.report
        blocks: dict[str, list[tuple[str, str, str]]] = defaultdict(list)
        for entity in self.icd10.values():
            if entity.kind == "block":
                start, end = _RANGE.match(value_of(entity.code)).groups()  # type: ignore[union-attr]
                blocks[entity.chapter].append((start, end, entity.code))
        chapters: dict[str, str] = {}
        block_codes = {code for spans in blocks.values() for _s, _e, code in spans}
        for roman, spans in blocks.items():
            span_code = f"{ICD10}:{min(s for s, _e, _c in spans)}-{max(e for _s, e, _c in spans)}"
            if span_code not in block_codes:
                chapters[roman] = span_code
        for entity in self.icd10.values():
            if entity.kind == "chapter":
                code = chapters.get(entity.code)
                if code is None:
                    report.count(f"{self.reader}: ICD-10 chapters not emitted (no blocks, or their range is a block's code)")
                    continue
                roman = entity.code
            else:
                code, roman = entity.code, entity.chapter
            if not entity.title:
                report.count(f"{self.reader}: ICD-10 codes not emitted (no title)")
                continue
            attributes = {"chapter": roman} if roman else {}
            kind = entity.kind
            if kind in ("category", "modifiedcategory") and "." in code:
                # the kinds of the public contract (as ICD-10-SE): a dotted code is a subcategory;
                # WHO's own class kind is kept where it says more
                if kind == "modifiedcategory":
                    attributes["who_class_kind"] = kind
                kind = "subcategory"
            yield Concept(code=code, system=ICD10, label=entity.title, labels={"en": entity.title},
                          kind=kind, attributes=attributes, release=self.release.id)
            report.count(f"{self.reader}: ICD-10 {entity.kind}")
            if entity.kind == "chapter":
                continue
            parent = self._icd10_parent(entity, blocks.get(entity.chapter, []), chapters.get(entity.chapter))
            if parent is None:
                report.count(f"{self.reader}: ICD-10 codes without a parent in the tables")
                continue
            yield Edge(code, parent, "icd10", self.release.id)
            report.count(f"{self.reader}: ICD-10 edges")

    def _icd10_parent(self, entity: _Icd10Entity, spans: list[tuple[str, str, str]], chapter: str | None) -> str | None:
        bare = value_of(entity.code)
        if "." in bare:
            head = bare[:-1].rstrip(".")
            while head:
                parent = f"{ICD10}:{head}"
                if parent in self.icd10 and self.icd10[parent].kind != "block":
                    return parent
                head = head[:-1].rstrip(".") if "." in head else ""
            bare = bare.split(".")[0]
        m = _RANGE.match(bare)
        start, end = m.groups() if m else (bare, bare)
        inside = [(s, e, c) for s, e, c in spans if s <= start and end <= e and c != entity.code]
        if inside:
            return max(inside, key=lambda span: (span[0], _reverse(span[1])))[2]
        return chapter


def _reverse(text: str) -> tuple[int, ...]:
    return tuple(-ord(ch) for ch in text)


class WhoMappingReader:
    """The WHO ICD-10 ⇄ ICD-11 mapping tables of one directory, read together as one release."""

    name = "who-icd10-icd11-maps"
    discovery_order = 420  # sources.readers(): a file claimed earlier is not offered later

    def find(self, files: Sequence[Path]) -> list[tuple[Path, ...]]:
        groups: dict[tuple[Path, int], list[Path]] = defaultdict(list)
        taken: dict[tuple[Path, str], int] = defaultdict(int)
        for path in sorted(files):
            table = table_of(path)
            if table is None:
                continue
            n = taken[(path.parent, table)]  # a second copy of a table starts a second group
            taken[(path.parent, table)] += 1
            groups[(path.parent, n)].append(path)
        return [tuple(sorted(group, key=lambda p: TABLES.index(table_of(p) or ONE))) for _k, group in sorted(groups.items())]

    def read(self, files: tuple[Path, ...], ctx: ReadContext) -> Iterator[Record]:
        tables = []
        for path in files:
            table = table_of(path)
            if table is None:
                raise ReleaseFormatError(ctx.relative(path), "file", "not a WHO ICD-10/ICD-11 mapping table file name")
            tables.append((TABLES.index(table), table, path))
        opened = []
        date = version = ""
        for _order, table, path in sorted(tables, key=lambda t: t[0]):
            display = ctx.relative(path)
            rows = _lines(path, display, ctx.report)
            first = next(rows, None)
            if first is None:
                raise ReleaseFormatError(display, "line 1", "empty file (no header)")
            header = _header(table, first[1], display)
            if header.date and not date:
                date = header.date
            elif header.date and header.date != date:
                ctx.report.count(f"{self.name}: tables with another header date than {date}")
            opened.append((table, path, display, header, rows))
        for _table, path, display, _header_, _rows in opened:
            if not version and "linearization_uri" in _header_.columns:
                version = _peek_version(path, display)
        release = Release(
            id=f"{self.name}:{date or version or 'undated'}", system=ICD11,
            name=f"WHO ICD-10 ⇄ ICD-11 mapping tables{' ' + version if version else ''}",
            version=version, date=date, files=tuple(ctx.source_file(p) for p in files),
            licence=LICENCE, bundled_sample=ctx.bundled_sample,
        )
        yield release
        run = _IcdMappingReadState(self.name, release, ctx)
        for table, _path, display, header, rows in opened:
            yield from run.table(table, display, header, rows)
        run.leftovers()
        yield from run.icd10_records()


def _peek_version(path: Path, display: str, rows: int = 20) -> str:
    for line, text in _lines(path, display):
        m = _URI_VERSION.search(text)
        if m:
            return m.group(1)
        if line > rows:
            break
    return ""


READER = WhoMappingReader()
READERS = (READER,)
