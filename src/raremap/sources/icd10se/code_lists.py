"""ICD-10-SE code lists: Inera's code-list files and Socialstyrelsen's ``icd-10-se.tsv``.

Two formats (formats.md §3), two readers in :data:`READERS` (KSH97-P, the primary-care list,
is read by :mod:`.ksh97p`):

* :data:`INERA` — Inera's ``digit3.txt``/``digit4.txt``/``digit5.txt`` (the code list),
  ``block.txt`` (avsnitt) and ``diagnoskapitel.txt`` (chapters) of one directory, read as one
  input. The files carry no edition year, so the release id is
  ``icd10se-inera:unversioned-<first 12 hex of a sha256 over the files' sha256s>``: stable for
  identical files, different for any other content. ``diagnosgrupper.txt`` in the same
  directory is Inera's own grouping, not part of ICD-10-SE, and is left unclaimed.
* :data:`SOCIALSTYRELSEN` — the official TSV (16 quoted columns, continuation rows). Its
  release id is ``icd10se-socialstyrelsen:<newest "Giltig från" date>`` (the file names no
  edition; an edition adds codes valid from its 1 January).

Both code-list readers emit the same concepts for the same code: chapters keyed by their code
range (``ICD10SE:A00-B99``, kind ``chapter``), blocks (``ICD10SE:A00-A09``, ``block``),
3-character categories (``category``), 4- and 5-character codes (``subcategory``); a letter
5th character is a Swedish fördjupningskod (attribute ``national_extension`` = ``true``), a
digit 5th character a WHO-style one (``fifth_character`` = ``who``); ``marker`` is ``†`` or
``*``. Hierarchy edges use the hierarchy id ``icd10se``. The Inera files state no parents:
a block's parent is the chapter whose range contains it, a category's the block whose range
contains it, a 4-character code's its category, a 5-character code's its 4-character code, or
its category when ICD-10-SE has no such 4-character code (external-cause place + activity
codes such as W00.00, and U98.4A, Y05.0A ...; counted in the build report).

The TSV reader also keeps ``valid_from`` (Giltig från), ``labels["la"]`` (Latin),
``not_main_diagnosis`` (Ej huvuddiagnos), ``chapter_number`` and, one value per line,
``inclusion_terms`` (Innefattar), ``examples`` (Exempel) and ``exclusions`` (Utesluter).
Inclusion terms and examples name narrower conditions, so they are not synonyms. Beskrivning,
Anmärkning, Kodningsinformation, Innehåll (chapter contents in HTML) and the dagger/asterisk
link column are not kept; Kodnivå is not needed (the code's shape gives the kind).
"""

from __future__ import annotations

import csv
import re
from bisect import bisect_right
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ...codes import System, canonical, icd10_display
from ...errors import InvalidCodeError, ReleaseFormatError
from ...model import Concept, Edge, Record, Release
from ...release_input import ReadContext
from ..formats.files import open_binary, read_text_lines, stem
from .release_files import SYSTEM, clean_title, combined_id, files_by_folder, require_rows, undated_release

HIERARCHY = "icd10se"
MARKERS = ("†", "*")

_UNDOTTED = re.compile(r"[A-Z]\d{2}(?:\d[0-9A-Z]?)?")
_DOTTED = re.compile(r"[A-Z]\d{2}(?:\.\d[0-9A-Z]?)?")
_RANGE = re.compile(r"([A-Z]\d{2})-([A-Z]\d{2})")
_CHAPTER_LINE = re.compile(r"([A-Z]\d{2}-[A-Z]\d{2})\t*(.*)")
_TITLE_RANGE = re.compile(r"\s*\(([A-Z]\d{2}-[A-Z]\d{2})\)\s*$")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def se_code(key: str) -> str:
    """Canonical ``ICD10SE:`` code of an undotted key already checked against ``_UNDOTTED``.

    Same result as ``canonical(key, System.ICD10SE)``, without re-parsing in the hot loop.
    """
    return f"{SYSTEM}:{icd10_display(key)}"


def _kind(key: str) -> str:
    """Concept kind of an undotted code or a range."""
    if "-" in key:
        return "block"
    return "category" if len(key) == 3 else "subcategory"


def _code_attributes(key: str, marker: str) -> dict[str, str]:
    attributes: dict[str, str] = {}
    if marker:
        attributes["marker"] = marker
    if len(key) == 5:
        if key[4].isalpha():
            attributes["national_extension"] = "true"
        else:
            attributes["fifth_character"] = "who"
    return attributes


@dataclass
class _Ranges:
    """Code ranges (chapters or blocks); finds the innermost range containing a code span."""

    starts: list[str] = field(default_factory=list)
    items: list[tuple[str, str, str]] = field(default_factory=list)  # (start, end, code)

    def add(self, start: str, end: str, code: str) -> None:
        # ordered by start, and for equal starts the wider range first, so that scanning
        # backwards meets the innermost containing range first
        self.items.append((start, end, code))
        self.items.sort(key=lambda item: (item[0], _desc(item[1])))
        self.starts = [item[0] for item in self.items]

    def find(self, start: str, end: str) -> str | None:
        for i in range(bisect_right(self.starts, start) - 1, -1, -1):
            r_start, r_end, code = self.items[i]
            if r_start <= start and end <= r_end:
                return code
        return None


def _desc(text: str) -> tuple[int, ...]:
    return tuple(-ord(ch) for ch in text)


# --- Inera code lists ------------------------------------------------------------------------

_INERA_LEVELS = {"digit3.txt": 3, "digit4.txt": 4, "digit5.txt": 5}
_INERA_FILES = {"diagnoskapitel.txt": 0, "block.txt": 1} | _INERA_LEVELS
_INERA_SNIFF = re.compile(rb"^(?:\xef\xbb\xbf)?[A-Z]\d{2}[0-9A-Z]{0,2}\t")


class IneraCodeListReader:
    """Inera's ICD-10-SE code lists (``sklintyg/refdata`` ``diagnoskoder/``)."""

    name = "icd10se-inera"
    discovery_order = 300  # sources.readers(): a file claimed earlier is not offered later

    def find(self, files: Sequence[Path]) -> list[tuple[Path, ...]]:
        groups = []
        for paths in files_by_folder(files, _INERA_FILES).values():
            digits = [p for p in paths if stem(p).lower() in _INERA_LEVELS]
            if digits and any(_sniff(p, _INERA_SNIFF) for p in digits):  # one damaged file is still read (and refused)
                groups.append(tuple(sorted(paths, key=lambda p: _INERA_FILES[stem(p).lower()])))
        return groups

    def read(self, files: tuple[Path, ...], ctx: ReadContext) -> Iterator[Record]:
        release = undated_release(self.name, "ICD-10-SE (Inera code lists)", files, ctx)
        yield release
        state = _IneraState(release.id, ctx)
        ordered = sorted(files, key=lambda p: _INERA_FILES.get(stem(p).lower(), 9))
        for path in ordered:
            kind = stem(path).lower()
            if kind == "diagnoskapitel.txt":
                yield from state.chapters(path)
            elif kind == "block.txt":
                yield from state.rows(path, level=0)
            elif kind in _INERA_LEVELS:
                yield from state.rows(path, level=_INERA_LEVELS[kind])
        for what, n in state.counts.items():
            ctx.report.count(f"{self.name}: {what}", n)


@dataclass
class _IneraState:
    release: str
    ctx: ReadContext
    chapters_: _Ranges = field(default_factory=_Ranges)
    blocks: _Ranges = field(default_factory=_Ranges)
    seen: dict[int, set[str]] = field(default_factory=lambda: {0: set(), 3: set(), 4: set(), 5: set()})  # keys
    counts: dict[str, int] = field(default_factory=dict)

    def _count(self, what: str, n: int = 1) -> None:
        self.counts[what] = self.counts.get(what, 0) + n

    def chapters(self, path: Path) -> Iterator[Record]:
        """``diagnoskapitel.txt``: a 7-character range glued to the title."""
        name = self.ctx.relative(path)
        seen: set[str] = set()
        rows = valid = 0
        for number, line in read_text_lines(path, "utf-8", name, report=self.ctx.report):
            if not line.strip():
                continue
            rows += 1
            m = _CHAPTER_LINE.fullmatch(line.strip())
            title = clean_title(m.group(2)) if m else ""
            if not m or not title:
                self.ctx.report.skip(name, f"line {number}", "not a chapter line (range glued to a title)")
                continue
            start, end = m.group(1).split("-")
            if start > end:
                self.ctx.report.skip(name, f"line {number}", "chapter range ends before it starts")
                continue
            if m.group(1) in seen:
                self.ctx.report.skip(name, f"line {number}", "duplicate chapter")
                continue
            seen.add(m.group(1))
            valid += 1
            code = canonical(m.group(1), System.ICD10SE)
            self.chapters_.add(start, end, code)
            self._count("chapters")
            yield Concept(code=code, system=SYSTEM, label=title, labels={"sv": title}, kind="chapter",
                          release=self.release)
        require_rows(name, rows, valid)

    def rows(self, path: Path, level: int) -> Iterator[Record]:
        """``block.txt`` (level 0) and ``digitN.txt``: ``code<TAB>marker<TAB>title``."""
        name = self.ctx.relative(path)
        skip = self.ctx.report.skip
        rows = valid = 0
        for number, line in read_text_lines(path, "utf-8", name, report=self.ctx.report):
            if not line.strip():
                continue
            rows += 1
            position = f"line {number}"
            fields = line.split("\t")
            if len(fields) != 3:
                skip(name, position, f"expected 3 tab-separated fields, found {len(fields)}")
                continue
            key, marker, title = fields[0].strip(), fields[1].strip(), clean_title(fields[2])
            if not title:
                skip(name, position, "empty title")
                continue
            if marker and marker not in MARKERS:
                skip(name, position, "marker is neither † nor *")
                continue
            if level == 0:
                m = _RANGE.fullmatch(key)
                if not m or m.group(1) > m.group(2):
                    skip(name, position, "not a block range (A00-A09)")
                    continue
            elif not _UNDOTTED.fullmatch(key):
                skip(name, position, "not an undotted ICD-10-SE code")
                continue
            elif len(key) != level:
                skip(name, position, f"a {len(key)}-character code in the {level}-character file")
                continue
            code = canonical(key, System.ICD10SE) if level == 0 else se_code(key)
            if key in self.seen[level]:
                skip(name, position, "duplicate code")
                continue
            self.seen[level].add(key)
            valid += 1
            kind = _kind(key)
            if level == 0:
                start, end = key.split("-")  # one "-": the key matched _RANGE above
                self.blocks.add(start, end, code)
            self._count(f"{kind} concepts")
            if level == 5 and key[4].isalpha():
                self._count("fördjupningskoder")
            yield Concept(code=code, system=SYSTEM, label=title, labels={"sv": title}, kind=kind,
                          attributes=_code_attributes(key, marker), release=self.release)
            parent = self._parent(key, level, name, position)
            if parent is not None:
                self._count("edges")
                yield Edge(code, parent, HIERARCHY, self.release)
        require_rows(name, rows, valid)

    def _parent(self, key: str, level: int, name: str, position: str) -> str | None:
        if level == 0:
            start, end = key.split("-")
            parent = self.chapters_.find(start, end)
            if parent is None:
                self.ctx.report.skip(name, position, "no chapter contains this block (edge not emitted)")
            return parent
        if level == 3:
            parent = self.blocks.find(key, key) or self.chapters_.find(key, key)
            if parent is None:
                self.ctx.report.skip(name, position, "no block or chapter contains this category (edge not emitted)")
            return parent
        if level == 5 and key[:4] in self.seen[4]:
            return se_code(key[:4])
        if key[:3] in self.seen[3]:
            if level == 5:
                # external-cause codes (place + activity) and a few fördjupningskoder
                # (U98.4A, Y05.0A) have no 4-character code in ICD-10-SE
                self._count("5-character codes attached to their category (no 4-character code)")
            return se_code(key[:3])
        self.ctx.report.skip(name, position, "parent code not in the code list (edge not emitted)")
        return None


def _sniff(path: Path, pattern: re.Pattern[bytes]) -> bool:
    try:
        with open_binary(path) as fh:
            head = fh.read(256)
    except (OSError, EOFError):
        return False
    return bool(pattern.match(head))


# --- Socialstyrelsen TSV ---------------------------------------------------------------------

KOD, GILTIG, PARENT, TITEL, LATIN = "Kod", "Giltig från", "Överordnad kod", "Titel", "Latin"
EXEMPEL, INNEFATTAR, UTESLUTER = "Exempel", "Innefattar", "Utesluter"
MARKER_COLUMN, EJ_HUVUDDIAGNOS = "Manifestation(*)/Etiologi(†)", "Ej huvuddiagnos"
_REQUIRED = (KOD, GILTIG, PARENT, TITEL)
# multi-valued columns kept as attributes, one value per line; inclusion terms and examples
# are not synonyms (they name narrower conditions), so they never become search terms here
_LIST_ATTRIBUTES = {EXEMPEL: "examples", INNEFATTAR: "inclusion_terms", UTESLUTER: "exclusions"}
_TSV_SNIFF = re.compile(rb'^(?:\xef\xbb\xbf)?"Kod"\t"Giltig fr\xc3\xa5n"\t')
_TSV_DATE = re.compile(r'^"[^"\t]*"\t"(\d{4}-\d{2}-\d{2})"\t')


class SocialstyrelsenTsvReader:
    """Socialstyrelsen's ``icd-10-se.tsv`` (one edition per year)."""

    name = "icd10se-socialstyrelsen"
    discovery_order = 310  # sources.readers(): a file claimed earlier is not offered later

    def find(self, files: Sequence[Path]) -> list[tuple[Path, ...]]:
        return [(p,) for p in files if stem(p).lower().endswith(".tsv") and _sniff(p, _TSV_SNIFF)]

    def read(self, files: tuple[Path, ...], ctx: ReadContext) -> Iterator[Record]:
        (path,) = files
        name = ctx.relative(path)
        newest = _newest_valid_from(path)
        version = newest or combined_id(files, ctx)
        release = Release(
            id=f"{self.name}:{version}",
            system=SYSTEM,
            name="ICD-10-SE (Socialstyrelsen)",
            date=newest,
            files=(ctx.source_file(path),),
            bundled_sample=ctx.bundled_sample,
        )
        yield release
        yield from _TsvState(release.id, name, ctx).read(path)


def _newest_valid_from(path: Path) -> str:
    """Newest ``Giltig från`` date of the file (a light scan of the line starts)."""
    newest = ""
    with open_binary(path) as fh:
        for raw in fh:
            m = _TSV_DATE.match(raw.decode("utf-8", "replace"))
            if m and m.group(1) > newest:
                newest = m.group(1)
    return newest


@dataclass
class _Group:
    key: str
    line: int
    rows: list[list[str]] = field(default_factory=list)


@dataclass
class _TsvState:
    release: str
    name: str
    ctx: ReadContext
    columns: dict[str, int] = field(default_factory=dict)
    chapter_ranges: dict[str, str] = field(default_factory=dict)  # "01" -> "ICD10SE:A00-B99"
    pending: list[tuple[str, str, str]] = field(default_factory=list)  # (child, chapter number, position)
    done: set[str] = field(default_factory=set)
    concepts: int = 0
    edges: int = 0

    def read(self, path: Path) -> Iterator[Record]:
        lines = (line + "\n" for _number, line in read_text_lines(path, "utf-8", self.name, report=self.ctx.report))
        reader = csv.reader(lines, delimiter="\t", quotechar='"', strict=True)
        group: _Group | None = None
        try:
            for row in reader:
                if not self.columns:
                    self._header(row)
                    continue
                if not any(cell.strip() for cell in row):
                    continue
                if len(row) != len(self.columns):
                    self.ctx.report.skip(self.name, f"line {reader.line_num}",
                                         f"expected {len(self.columns)} columns, found {len(row)}")
                    continue
                key = row[self.columns[KOD]].strip()
                if group is not None and key == group.key:
                    group.rows.append(row)
                    continue
                if group is not None:
                    yield from self._flush(group)
                group = _Group(key, reader.line_num, [row])
        except csv.Error as err:
            raise ReleaseFormatError(self.name, f"line {reader.line_num}", f"broken quoting: {err}") from None
        if not self.columns:
            raise ReleaseFormatError(self.name, "line 1", "empty file")
        if group is not None:
            yield from self._flush(group)
        for child, number, position in self.pending:
            parent = self.chapter_ranges.get(number)
            if parent is None:
                self.ctx.report.skip(self.name, position, f"parent chapter {number} not in the file (edge not emitted)")
            else:
                self.edges += 1
                yield Edge(child, parent, HIERARCHY, self.release)
        if self.concepts == 0:
            raise ReleaseFormatError(self.name, "line 2", "no code row in the expected format")
        self.ctx.report.count(f"{SocialstyrelsenTsvReader.name}: concepts", self.concepts)
        self.ctx.report.count(f"{SocialstyrelsenTsvReader.name}: edges", self.edges)

    def _header(self, row: list[str]) -> None:
        names = [cell.strip() for cell in row]
        missing = [c for c in _REQUIRED if c not in names]
        if missing:
            raise ReleaseFormatError(self.name, "line 1", f"missing header row (no column {', '.join(missing)})")
        self.columns = {n: i for i, n in enumerate(names)}
        if len(self.columns) != len(names):
            raise ReleaseFormatError(self.name, "line 1", "duplicate column names in the header row")

    def _first(self, group: _Group, column: str) -> str:
        i = self.columns.get(column)
        if i is None:
            return ""
        return next((clean_title(row[i]) for row in group.rows if row[i].strip()), "")

    def _all(self, group: _Group, column: str) -> list[str]:
        i = self.columns.get(column)
        if i is None:
            return []
        return [clean_title(row[i]) for row in group.rows if row[i].strip()]

    def _flush(self, group: _Group) -> Iterator[Record]:
        position = f"line {group.line}"
        skip = self.ctx.report.skip
        if group.key in self.done:
            skip(self.name, position, "rows of a code already read (continuation rows not adjacent)")
            return
        self.done.add(group.key)
        title = self._first(group, TITEL)
        if not title:
            skip(self.name, position, "code without a title")
            return
        attributes: dict[str, str] = {}
        if group.key.isdigit() and len(group.key) <= 2:
            m = _TITLE_RANGE.search(title)
            if not m:
                skip(self.name, position, "chapter title does not end with its code range")
                return
            title = title[: m.start()]
            code, kind, key = canonical(m.group(1), System.ICD10SE), "chapter", m.group(1)
            number = group.key.zfill(2)
            self.chapter_ranges[number] = code
            attributes["chapter_number"] = number
        else:
            if not (_DOTTED.fullmatch(group.key) or _RANGE.fullmatch(group.key)):
                skip(self.name, position, "not an ICD-10-SE code, range or chapter number")
                return
            try:
                code = canonical(group.key, System.ICD10SE)
            except InvalidCodeError as err:
                skip(self.name, position, err.reason)
                return
            key = group.key.replace(".", "")
            kind = _kind(key)
        marker_text = self._first(group, MARKER_COLUMN)
        marker = next((m for m in MARKERS if m in marker_text), "")
        if kind not in ("chapter", "block"):
            attributes.update(_code_attributes(key, marker))
        valid_from = self._first(group, GILTIG)
        if _DATE.fullmatch(valid_from):
            attributes["valid_from"] = valid_from
        elif valid_from:
            skip(self.name, position, "Giltig från is not a date (attribute not kept)")
        not_main = self._first(group, EJ_HUVUDDIAGNOS)
        if not_main:
            attributes["not_main_diagnosis"] = not_main
        for column, attribute in _LIST_ATTRIBUTES.items():
            values = self._all(group, column)
            if values:
                attributes[attribute] = "\n".join(values)
        labels = {"sv": title}
        latin = self._first(group, LATIN)
        if latin:
            labels["la"] = latin
        self.concepts += 1
        yield Concept(code=code, system=SYSTEM, label=title, labels=labels, kind=kind,
                      attributes=attributes, release=self.release)
        yield from self._edge(group, code, kind, position)

    def _edge(self, group: _Group, code: str, kind: str, position: str) -> Iterator[Record]:
        parent = self._first(group, PARENT)
        if kind == "chapter":
            return
        if not parent:
            self.ctx.report.skip(self.name, position, "no Överordnad kod (edge not emitted)")
            return
        if parent.isdigit() and len(parent) <= 2:
            number = parent.zfill(2)
            if number in self.chapter_ranges:
                self.edges += 1
                yield Edge(code, self.chapter_ranges[number], HIERARCHY, self.release)
            else:
                self.pending.append((code, number, position))
            return
        try:
            parent_code = canonical(parent, System.ICD10SE)
        except InvalidCodeError as err:
            self.ctx.report.skip(self.name, position, f"Överordnad kod: {err.reason} (edge not emitted)")
            return
        self.edges += 1
        yield Edge(code, parent_code, HIERARCHY, self.release)


INERA = IneraCodeListReader()
SOCIALSTYRELSEN = SocialstyrelsenTsvReader()
READERS = (INERA, SOCIALSTYRELSEN)
