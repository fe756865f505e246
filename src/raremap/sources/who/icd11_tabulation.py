"""WHO ICD-11 MMS: Simple Tabulation (tab-separated text or xlsx) and LinearizationMiniOutput.

One row per linearization entity, in browser order: 28 chapters, blocks (groupings without a
code) and categories (coded, including the extension codes of chapter X). Columns are taken by
header name (releases add and rename columns); the last header cell is a version string
(``Version:2024 Jan 21 - 22:30 UTC``), not a column.

The parent of a row is implicit. The Title carries one ``"- "`` per level below the chapter;
with the row order that gives the tree exactly (``DepthInKind`` restarts inside each kind and
``Grouping1..5`` lists only the first five ancestor blocks). The reader derives the parent from
the Title depth and cross-checks it: a row whose ``ChapterNo`` differs from the chapter above it
is skipped, disagreements with ``Grouping1..5`` are counted in the build report.

Codes: chapters ``ICD11:20``, blocks ``ICD11:BlockL1-1A0``, categories ``ICD11:LD28.01``. WHO
gives 627 groupings in chapters V and X no BlockId; they are named after their MMS entity id,
``ICD11:Block-2144513044``.

The WHO ICD-10 ⇄ ICD-11 mapping tables of the same release are read by
:mod:`raremap.sources.who.mapping_tables`.
"""

from __future__ import annotations

import csv
import gzip
import io
import re
import zipfile
import zlib
from collections.abc import Generator, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree.ElementTree import ParseError

from ...codes import ICD11_BLOCK, ICD11_CHAPTER, ICD11_EXTENSION, ICD11_STEM, System
from ...errors import ReleaseFormatError
from ...model import Concept, Edge, Record, Release
from ...release_input import BuildReport, ReadContext
from ..formats.files import open_binary, stem

SYSTEM = System.ICD11.value
HIERARCHY = "icd11"
LICENCE = "CC BY-ND 3.0 IGO (WHO licence for ICD-11; not restated in the release files)"

_TXT_NAME = re.compile(r"^SimpleTabulation-ICD-11-MMS-(?P<lang>[A-Za-z]{2,3}(?:-[A-Z]{2})?)(?P<rest>[_.-].*)?\.txt$")
_XLSX_NAME = re.compile(
    r"^(?:SimpleTabulation-ICD-11-MMS|LinearizationMiniOutput-MMS)-(?P<lang>[A-Za-z]{2,3}(?:-[A-Z]{2})?)(?P<rest>[_.-].*)?\.xlsx$"
)
_NAME_VERSION = re.compile(r"(?<!\d)(\d{4}-\d{2})(?![\d-])")
_URI_VERSION = re.compile(r"/release/11/(\d{4}-\d{2})/mms/")
_URI_ENTITY = re.compile(r"/mms/(\d+)")
_HEADER_VERSION = re.compile(r"(\d{4})\s+([A-Za-z]{3})[a-z]*\.?\s+(\d{1,2})")
_MONTHS = {m: i for i, m in enumerate(("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1)}

_STEM, _EXTENSION, _BLOCK_ID, _CHAPTER = ICD11_STEM, ICD11_EXTENSION, ICD11_BLOCK, ICD11_CHAPTER
_RESIDUAL = re.compile(r"^[0-9A-Z]{3}[YZ]$|\.(?:[0-9A-Z]?[YZ])$")

# logical column -> accepted header spellings, normalised (lower case, letters and digits only)
_COLUMNS = {
    "foundation_uri": ("foundationuri",),
    "linearization_uri": ("linearizationuri", "linearizationreleaseuri"),
    "code": ("code",),
    "block_id": ("blockid",),
    "title": ("title",),
    "title_en": ("titleen",),
    "class_kind": ("classkind",),
    "residual": ("isresidual",),
    "chapter": ("chapterno",),
    "leaf": ("isleaf",),
    "primary_tabulation": ("primarytabulation",),
    **{f"grouping{i}": (f"grouping{i}",) for i in range(1, 6)},
}
_REQUIRED = ("code", "block_id", "title", "class_kind", "chapter")
_HEADER_NAMES = {"code": "Code", "block_id": "BlockId", "title": "Title", "class_kind": "ClassKind", "chapter": "ChapterNo"}
_KINDS = ("chapter", "block", "category")


def normalise_header(cell: object) -> str:
    """Header cell reduced to lower-case letters and digits (``Linearization (release) URI`` → ``linearizationreleaseuri``)."""
    return re.sub(r"[^a-z0-9]", "", str(cell or "").lower())


def header_date(text: str) -> str:
    """ISO date of a WHO version string (``Version:2024 Jan 21 - 22:30 UTC`` → ``2024-01-21``), or ``""``."""
    m = _HEADER_VERSION.search(text)
    if not m or m.group(2).lower() not in _MONTHS:
        return ""
    return f"{m.group(1)}-{_MONTHS[m.group(2).lower()]:02d}-{int(m.group(3)):02d}"


def strip_depth(title: str) -> tuple[str, int]:
    """Title without its ``"- "`` depth prefixes, and the number of prefixes removed."""
    depth = 0
    while title.startswith("- "):
        title = title[2:]
        depth += 1
    return title.strip(), depth


def _boolean(value: str) -> str:
    low = value.strip().lower()
    return low if low in ("true", "false") else ""


@dataclass
class _Node:
    code: str
    block_id: str
    chapter: str


@dataclass
class _Tabulation:
    """Turns tabulation rows (any file form) into concepts and hierarchy edges."""

    reader: str
    file: str
    release: str
    lang: str
    columns: dict[str, int]
    ctx: ReadContext
    stack: list[_Node] = field(default_factory=list)
    seen: set[str] = field(default_factory=set)

    def _cell(self, cells: Sequence[str], column: str) -> str:
        index = self.columns.get(column)
        if index is None or index >= len(cells):
            return ""
        return cells[index].strip()

    def row(self, cells: Sequence[str], position: str) -> Iterator[Record]:
        """Records of one data row; a row that cannot be placed is skipped and counted.

        A skipped row also closes its subtree: the open ancestors below its depth are dropped,
        so its children are skipped too instead of being attached to a wrong parent.
        """
        report = self.ctx.report
        kind = self._cell(cells, "class_kind").lower()
        chapter = self._cell(cells, "chapter")
        title, depth = strip_depth(self._cell(cells, "title"))
        if kind == "chapter":
            depth = 0
        found = self._invalid(cells, kind, chapter, title, depth)
        if len(found) == 3:
            reason, detail, _ = found
            # without a Title the depth is unknown: only the chapter stays open (rows of another
            # chapter are refused by their ChapterNo)
            del self.stack[depth if title else 1:]
            report.skip(self.file, f"{position} ({detail[:60]})" if detail else position, reason)
            return
        code, block_id = found
        del self.stack[depth:]
        parent = self.stack[-1].code if self.stack else None
        if parent is not None:
            self._check(cells)
        self.seen.add(code)
        self.stack.append(_Node(code, block_id, chapter))

        attributes = {"chapter": chapter}
        for column in ("foundation_uri", "linearization_uri"):
            value = self._cell(cells, column)
            if value:
                attributes[column] = value
        residual = _boolean(self._cell(cells, "residual"))
        if not residual and "residual" not in self.columns:
            residual = "true" if kind == "category" and _STEM.match(code) and _RESIDUAL.search(code) else "false"
        if residual:
            attributes["residual"] = residual
        for column, key in (("leaf", "leaf"), ("primary_tabulation", "primary_tabulation")):
            value = _boolean(self._cell(cells, column))
            if value:
                attributes[key] = value

        labels = {self.lang: title}
        label = title
        title_en = strip_depth(self._cell(cells, "title_en"))[0]
        if self.lang != "en" and title_en:
            labels["en"] = label = title_en
        canonical = f"{SYSTEM}:{code}"
        yield Concept(code=canonical, system=SYSTEM, label=label, labels=labels, kind=kind,
                      attributes=attributes, release=self.release)
        report.count(f"{self.reader}: {kind}")
        if kind == "category" and chapter == "X":
            report.count(f"{self.reader}: extension codes")
        if attributes.get("residual") == "true":
            report.count(f"{self.reader}: residual")
        if parent is not None:
            yield Edge(canonical, f"{SYSTEM}:{parent}", HIERARCHY, self.release)
            report.count(f"{self.reader}: edges")

    def _invalid(self, cells: Sequence[str], kind: str, chapter: str, title: str,
                 depth: int) -> tuple[str, str] | tuple[str, str, None]:
        """The row's (code, BlockId as written), or (reason, detail, None) when it cannot be used."""
        if len(cells) <= max(self.columns[c] for c in _REQUIRED):
            return "row has fewer cells than the header names", f"{len(cells)} cells", None
        block_id = ""
        if kind == "chapter":
            code = chapter
            if not _CHAPTER.match(code):
                return "chapter row whose ChapterNo is not 01-26, V or X", code, None
        elif kind == "block":
            block_id = self._cell(cells, "block_id")
            if _BLOCK_ID.match(block_id):
                code = block_id
            else:
                # no BlockId (chapters V, X) or a beta placeholder such as BlockL1-_NO
                entity = _URI_ENTITY.search(self._cell(cells, "linearization_uri"))
                if entity is None:
                    return "block without a valid BlockId and without an MMS entity id", block_id, None
                code = f"Block-{entity.group(1)}"
                if block_id:
                    self.ctx.report.count(f"{self.reader}: blocks with a placeholder BlockId, named by entity id")
        elif kind == "category":
            code = self._cell(cells, "code").upper()
            if not (_STEM.match(code) or _EXTENSION.match(code)):
                return "category code is not an ICD-11 stem or extension code", code, None
        else:
            return "ClassKind is not chapter, block or category", kind, None
        if not title:
            return "empty Title", code, None
        if code in self.seen:
            return "code appears twice", code, None
        if kind != "chapter" and (depth == 0 or depth > len(self.stack)):
            return "Title depth prefix does not fit below the previous row", f"{code}, depth {depth}", None
        if kind != "chapter" and self.stack[0].code != chapter:
            return "ChapterNo differs from the chapter the row sits in", f"{code}, chapter {chapter}", None
        return code, block_id

    def _check(self, cells: Sequence[str]) -> None:
        """Count rows whose Grouping1..5 disagree with the Title-depth parent chain."""
        if "grouping1" not in self.columns:
            return
        groupings = [g for g in (self._cell(cells, f"grouping{i}") for i in range(1, 6)) if g]
        ancestors = [node.block_id for node in self.stack if node.block_id][:5]
        if groupings != ancestors:
            self.ctx.report.count(f"{self.reader}: rows whose Grouping1-5 disagree with the Title depth")


def _columns(header: Sequence[object], file: str) -> tuple[dict[str, int], str]:
    """Column index per logical column, and the version cell (``Version:…``) of a header row."""
    names = [normalise_header(cell) for cell in header]
    columns: dict[str, int] = {}
    for column, spellings in _COLUMNS.items():
        for i, name in enumerate(names):
            if name in spellings:
                columns[column] = i
                break
    missing = [c for c in _REQUIRED if c not in columns]
    if missing:
        wanted = ", ".join(_HEADER_NAMES[c] for c in missing)
        raise ReleaseFormatError(file, "line 1", f"header lacks column(s) {wanted}; is this an ICD-11 tabulation?")
    version = next((str(c).strip() for c in reversed(header) if str(c or "").strip().lower().startswith("version:")), "")
    return columns, version


def _release(reader: str, title: str, path: Path, match: re.Match[str], version_cell: str,
             first_uri: str, files: tuple[Path, ...], ctx: ReadContext) -> tuple[Release, str]:
    lang = match.group("lang")
    lang = lang[:3].lower() + lang[3:] if "-" in lang else lang.lower()
    beta = "/beta/" in first_uri
    date = header_date(version_cell)
    version = ""
    uri_version = _URI_VERSION.search(first_uri)
    if uri_version:
        version = uri_version.group(1)
    elif not beta:
        name_version = _NAME_VERSION.search(match.group("rest") or "")
        version = name_version.group(1) if name_version else ""
    stated = f"{version_cell}" if version_cell else "no version stated"
    if beta:
        ident = f"{reader}-beta-{lang}:{version or date or 'undated'}"
        name = f"WHO ICD-11 MMS {title} ({lang}), BETA (development) linearization, not a release; {stated}"
    else:
        ident = f"{reader}-{lang}:{version or date or 'undated'}"
        name = f"WHO ICD-11 MMS {title} ({lang}); {stated}"
    release = Release(id=ident, system=SYSTEM, name=name, version=version, date=date,
                      files=tuple(ctx.source_file(p) for p in files), licence=LICENCE,
                      bundled_sample=ctx.bundled_sample)
    return release, lang


def _named_width(header: Sequence[object]) -> int:
    """Number of header cells before the trailing ``Version:…`` cell (and any empty cells after it)."""
    cells = [str(c or "").strip() for c in header]
    while cells and (not cells[-1] or cells[-1].lower().startswith("version:")):
        cells.pop()
    return len(cells)


def _is_blank(cells: Sequence[str]) -> bool:
    return not any(c.strip() for c in cells)


class SimpleTabulationReader:
    """WHO ``SimpleTabulation-ICD-11-MMS-<lang>.txt`` (UTF-8 with BOM, CRLF, tab-separated, CSV quoting)."""

    name = "icd11-simple-tabulation"
    discovery_order = 400  # sources.readers(): a file claimed earlier is not offered later

    def find(self, files: Sequence[Path]) -> list[tuple[Path, ...]]:
        return [(f,) for f in files if _TXT_NAME.match(stem(f))]

    def read(self, files: tuple[Path, ...], ctx: ReadContext) -> Iterator[Record]:
        (path,) = files
        display = ctx.relative(path)
        match = _TXT_NAME.match(stem(path))
        if match is None:
            raise ReleaseFormatError(display, "file", "not a SimpleTabulation-ICD-11-MMS-<lang>.txt file name")
        yield from _read_tabulation(self.name, "Simple Tabulation", path, match, _tsv_rows(path, display, ctx.report), "line",
                                    files, ctx, full_rows=True)


def _read_tabulation(reader: str, title: str, path: Path, match: re.Match[str],
                     rows: Generator[tuple[int, list[str]], None, None], unit: str,
                     files: tuple[Path, ...], ctx: ReadContext, full_rows: bool = False) -> Iterator[Record]:
    """The records of one tabulation, txt or xlsx: header by name, Release, then the rows.

    ``full_rows`` (tab-separated text): a data row with fewer cells than the header names is a
    ReleaseFormatError. Text cells are placed by position only, so a lost cell shifts every cell
    after it into the wrong column; WHO writes every cell, empty ones too. (An xlsx cell carries
    its column, and openpyxl leaves trailing empty cells out, so there a short row is no damage.)
    """
    display = ctx.relative(path)
    try:
        header = next(rows, None)
        if header is None:
            raise ReleaseFormatError(display, f"{unit} 1", "empty file")
        columns, version_cell = _columns(header[1], display)
        first = next(rows, None)
        first_uri = ""
        if first is not None and columns.get("linearization_uri", 1 << 30) < len(first[1]):
            first_uri = first[1][columns["linearization_uri"]]
        release, lang = _release(reader, title, path, match, version_cell, first_uri, files, ctx)
        yield release
        table = _Tabulation(reader, display, release.id, lang, columns, ctx)
        if first is None:
            return
        width = _named_width(header[1]) if full_rows else 0
        for number, cells in _chain(first, rows):
            if _is_blank(cells):
                continue
            if len(cells) < width:
                names = [str(c).strip() for c in header[1][len(cells):width]]
                lacking = f"column {width} ({names[0]})" if len(names) == 1 else \
                    f"columns {len(cells) + 1}-{width} ({names[0]} … {names[-1]})"
                raise ReleaseFormatError(display, f"{unit} {number}",
                                         f"{len(cells)} cells where the header names {width}: no cell for {lacking}; "
                                         "a cell is missing (the cells after it are shifted) or the row is cut short")
            yield from table.row(cells, f"{unit} {number}")
    finally:
        rows.close()


_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _chain(first: tuple[int, list[str]], rest: Iterator[tuple[int, list[str]]]) -> Iterator[tuple[int, list[str]]]:
    yield first
    yield from rest


def _tsv_rows(path: Path, display: str, report: BuildReport | None = None) -> Generator[tuple[int, list[str]], None, None]:
    """(line number, cells) of a tab-separated WHO file with CSV quoting; broken files raise ReleaseFormatError.

    With ``report``: a row holding control characters (NUL ...) and a last row without its line
    end (WHO ends every row with CRLF: the file was cut inside it) are counted skips."""
    line = 0
    ended = [True]

    def watched(text: io.TextIOWrapper) -> Iterator[str]:
        for physical in text:
            ended[0] = physical.endswith(("\n", "\r"))
            yield physical

    try:
        with open_binary(path) as raw, io.TextIOWrapper(raw, encoding="utf-8-sig", newline="") as text:
            reader = csv.reader(watched(text), delimiter="\t", quotechar='"')
            held: tuple[int, list[str]] | None = None
            for cells in reader:
                line = reader.line_num
                if report is not None and any(_CONTROL.search(c) for c in cells):
                    report.skip(display, f"line {line}", "control characters (NUL or other C0) in the row")
                    continue
                if held is not None:
                    yield held
                held = (line, cells)
            if held is not None:
                if report is not None and not ended[0] and any(c.strip() for c in held[1]):
                    report.skip(display, f"line {held[0]}", "last row has no line end: the file is cut short inside it")
                else:
                    yield held
    except UnicodeDecodeError as err:
        raise ReleaseFormatError(display, f"near line {line + 1}", f"not valid UTF-8: {err.reason}") from None
    except csv.Error as err:
        raise ReleaseFormatError(display, f"line {line + 1}", f"broken tab-separated text: {err}") from None
    except (EOFError, gzip.BadGzipFile, zlib.error, OSError) as err:
        raise ReleaseFormatError(display, "file", f"cannot read: {err}") from None


class TabulationXlsxReader:
    """WHO ``LinearizationMiniOutput-MMS-<lang>.xlsx`` / ``SimpleTabulation-ICD-11-MMS-<lang>.xlsx`` (first sheet)."""

    name = "icd11-linearization-xlsx"
    discovery_order = 410  # sources.readers(): a file claimed earlier is not offered later
    # the same linearization as the txt tabulation (or its beta): read the txt when both are there
    superseded_by = ("icd11-simple-tabulation",)

    def find(self, files: Sequence[Path]) -> list[tuple[Path, ...]]:
        return [(f,) for f in files if _XLSX_NAME.match(f.name)]

    def read(self, files: tuple[Path, ...], ctx: ReadContext) -> Iterator[Record]:
        (path,) = files
        display = ctx.relative(path)
        match = _XLSX_NAME.match(path.name)
        if match is None:
            raise ReleaseFormatError(display, "file", "not a LinearizationMiniOutput/SimpleTabulation .xlsx file name")
        title = "LinearizationMiniOutput" if path.name.startswith("Linearization") else "Simple Tabulation"
        yield from _read_tabulation(self.name, title, path, match, _xlsx_rows(path, display), "row", files, ctx)


def _xlsx_cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int):
        return str(value)
    return str(value)


def _xlsx_rows(path: Path, display: str) -> Generator[tuple[int, list[str]], None, None]:
    """(row number, cells as text) of the first sheet, streamed; a broken workbook raises ReleaseFormatError."""
    from openpyxl import load_workbook  # imported here: only this reader needs openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    errors = (zipfile.BadZipFile, InvalidFileException, KeyError, ParseError, ValueError, TypeError, OSError, EOFError)
    try:
        workbook = load_workbook(path, read_only=True, data_only=False)
    except errors as err:
        raise ReleaseFormatError(display, "file", f"not a readable xlsx workbook: {err}") from None
    try:
        sheet = workbook.worksheets[0] if workbook.worksheets else None
        if sheet is None:
            raise ReleaseFormatError(display, "file", "workbook has no sheet")
        rows = sheet.iter_rows(values_only=True)
        number = 0
        while True:
            try:
                values = next(rows)
            except StopIteration:
                break
            except errors as err:
                raise ReleaseFormatError(display, f"row {number + 1}", f"unreadable sheet data: {err}") from None
            number += 1
            cells = [_xlsx_cell(v) for v in values]
            if number == 1:  # the version header cell may be followed by empty cells
                while cells and not cells[-1]:
                    cells.pop()
            yield number, cells
    finally:
        workbook.close()


SIMPLE_TABULATION_READER = SimpleTabulationReader()
XLSX_READER = TabulationXlsxReader()
READER = SIMPLE_TABULATION_READER
READERS = (SIMPLE_TABULATION_READER, XLSX_READER)
