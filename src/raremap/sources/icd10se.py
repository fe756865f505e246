"""ICD-10-SE readers: Inera's code-list files, Socialstyrelsen's ``icd-10-se.tsv``, KSH97-P terms.

Three formats (formats.md §3), three readers in :data:`READERS`:

* :data:`INERA` — Inera's ``digit3.txt``/``digit4.txt``/``digit5.txt`` (the code list),
  ``block.txt`` (avsnitt) and ``diagnoskapitel.txt`` (chapters) of one directory, read as one
  input. The files carry no edition year, so the release id is
  ``icd10se-inera:unversioned-<first 12 hex of a sha256 over the files' sha256s>``: stable for
  identical files, different for any other content. ``diagnosgrupper.txt`` in the same
  directory is Inera's own grouping, not part of ICD-10-SE, and is left unclaimed.
* :data:`SOCIALSTYRELSEN` — the official TSV (16 quoted columns, continuation rows). Its
  release id is ``icd10se-socialstyrelsen:<newest "Giltig från" date>`` (the file names no
  edition; an edition adds codes valid from its 1 January).
* :data:`KSH97P` — ``KSH97P_KOD.ANS`` and ``KSH97P_SFAMALT.ANS`` (primary-care list and its
  synonyms), emitted as index terms of ICD-10-SE codes (see :func:`ksh97p_target`).

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
import hashlib
import re
from bisect import bisect_right
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ..codes import System, canonical, icd10_display
from ..errors import InvalidCodeError, ReleaseFormatError
from ..model import AddedTerm, Concept, Edge, Record, Release, Term, TermKind
from ..release_input import ReadContext
from .base import open_binary, read_text_lines, stem

SYSTEM = System.ICD10SE.value
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


def _clean(text: str) -> str:
    """Title text with runs of whitespace collapsed (files carry trailing and double spaces)."""
    return " ".join(text.split())


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


def _combined_id(files: Sequence[Path], ctx: ReadContext) -> str:
    digest = hashlib.sha256()
    for path in sorted(files, key=lambda p: p.name):
        digest.update(f"{stem(path)}:{ctx.source_file(path).sha256}\n".encode())
    return f"unversioned-{digest.hexdigest()[:12]}"


def _undated_release(reader: str, title: str, files: Sequence[Path], ctx: ReadContext) -> Release:
    """The Release of Inera files, which state no edition: identified by their checksums."""
    return Release(id=f"{reader}:{_combined_id(files, ctx)}", system=SYSTEM, name=title,
                   files=tuple(ctx.source_file(p) for p in files), bundled_sample=ctx.bundled_sample)


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


def _by_folder(files: Sequence[Path], names: Collection[str]) -> dict[Path, list[Path]]:
    """The files named one of ``names`` (case-insensitive, ``.gz`` allowed), grouped by folder."""
    by_dir: dict[Path, list[Path]] = {}
    for path in files:
        if stem(path).lower() in names:
            by_dir.setdefault(path.parent, []).append(path)
    return by_dir


class IneraCodeListReader:
    """Inera's ICD-10-SE code lists (``sklintyg/refdata`` ``diagnoskoder/``)."""

    name = "icd10se-inera"

    def find(self, files: Sequence[Path]) -> list[tuple[Path, ...]]:
        groups = []
        for paths in _by_folder(files, _INERA_FILES).values():
            digits = [p for p in paths if stem(p).lower() in _INERA_LEVELS]
            if digits and any(_sniff(p, _INERA_SNIFF) for p in digits):  # one damaged file is still read (and refused)
                groups.append(tuple(sorted(paths, key=lambda p: _INERA_FILES[stem(p).lower()])))
        return groups

    def read(self, files: tuple[Path, ...], ctx: ReadContext) -> Iterator[Record]:
        release = _undated_release(self.name, "ICD-10-SE (Inera code lists)", files, ctx)
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
            title = _clean(m.group(2)) if m else ""
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
        _require_rows(name, rows, valid)

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
            key, marker, title = fields[0].strip(), fields[1].strip(), _clean(fields[2])
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
        _require_rows(name, rows, valid)

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


def _require_rows(name: str, rows: int, valid: int) -> None:
    if rows == 0:
        raise ReleaseFormatError(name, "line 1", "empty file")
    if valid == 0:
        raise ReleaseFormatError(name, "line 1", "no row of this file is in the expected format")


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

    def find(self, files: Sequence[Path]) -> list[tuple[Path, ...]]:
        return [(p,) for p in files if stem(p).lower().endswith(".tsv") and _sniff(p, _TSV_SNIFF)]

    def read(self, files: tuple[Path, ...], ctx: ReadContext) -> Iterator[Record]:
        (path,) = files
        name = ctx.relative(path)
        newest = _newest_valid_from(path)
        version = newest or _combined_id(files, ctx)
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
        return next((_clean(row[i]) for row in group.rows if row[i].strip()), "")

    def _all(self, group: _Group, column: str) -> list[str]:
        i = self.columns.get(column)
        if i is None:
            return []
        return [_clean(row[i]) for row in group.rows if row[i].strip()]

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


# --- KSH97-P ---------------------------------------------------------------------------------

_KSH97P_FILES = ("ksh97p_kod.ans", "ksh97p_sfamalt.ans")
_KSH_CATEGORY = re.compile(r"([A-Z]\d{2})-")  # A00-: the whole category
_KSH_AGGREGATE = re.compile(r"([A-Z]\d{2})(?:-|\d)P")  # A02-P, I832P: primary-care aggregate
_KSH_CODE = re.compile(r"[A-Z]\d{3}[0-9A-Z]?")  # A045, F438A: an ICD-10-SE code as is


def ksh97p_target(code: str) -> tuple[str, bool] | None:
    """ICD-10-SE code that a KSH97-P code's terms belong to, and whether it is an aggregate.

    ``A00-`` is category A00 itself. ``A02-P`` and ``I832P`` are KSH97-P primary-care
    aggregates: they are placed at an ICD-10-SE code but may cover its siblings (``I832P``
    "Varicer i nedre extremiteterna med bensår" spans I83.0 and I83.2), so their terms go to
    the enclosing 3-character category, which always contains the aggregate's code, as
    :attr:`TermKind.GROUPED` terms (an aggregate may gather diagnoses of other categories too:
    G98-P holds "Spinal muskelatrofi", which ICD-10-SE codes G12). Any other
    4- or 5-character code (``A045``, ``F438A``) is the ICD-10-SE code itself. A 5th character
    ``P`` is read as the KSH97-P aggregate mark, never as a fördjupningskod letter.
    """
    if m := _KSH_CATEGORY.fullmatch(code):
        return canonical(m.group(1), System.ICD10SE), False
    if m := _KSH_AGGREGATE.fullmatch(code):
        return canonical(m.group(1), System.ICD10SE), True
    if _KSH_CODE.fullmatch(code):
        return canonical(code, System.ICD10SE), False
    return None


class Ksh97pReader:
    """KSH97-P primary-care code titles and synonyms, as index terms of ICD-10-SE codes."""

    name = "ksh97p"

    def find(self, files: Sequence[Path]) -> list[tuple[Path, ...]]:
        return [tuple(sorted(paths, key=lambda p: stem(p).lower())) for paths in _by_folder(files, _KSH97P_FILES).values()]

    def read(self, files: tuple[Path, ...], ctx: ReadContext) -> Iterator[Record]:
        release = _undated_release(self.name, "KSH97-P (primary-care ICD-10-SE, Inera code lists)", files, ctx)
        yield release
        seen: set[tuple[str, str]] = set()
        for path in files:
            name = ctx.relative(path)
            rows = valid = 0
            # KSH97-P lines end with a line end (and a trailing space): a last line without one is cut
            for number, line in read_text_lines(path, "latin-1", name, report=ctx.report, terminated=True):
                if not line.strip():
                    continue
                rows += 1
                position = f"line {number}"
                code, text = line[:7].strip(), _clean(line[7:])
                if not code or " " in code or not text:
                    ctx.report.skip(name, position, "not a fixed-width KSH97-P line (code in columns 1-7, text from 8)")
                    continue
                try:
                    target = ksh97p_target(code)
                except InvalidCodeError as err:
                    ctx.report.skip(name, position, err.reason)
                    continue
                if target is None:
                    ctx.report.skip(name, position, "not a KSH97-P code")
                    continue
                valid += 1
                if target[1]:
                    ctx.report.count(f"{self.name}: terms of primary-care aggregates attached to the category")
                if (target[0], text.casefold()) in seen:
                    ctx.report.count(f"{self.name}: terms repeated for the same code")
                    continue
                seen.add((target[0], text.casefold()))
                ctx.report.count(f"{self.name}: terms")
                kind = TermKind.GROUPED if target[1] else TermKind.INDEX
                yield AddedTerm(target[0], Term(text, "sv", kind), release.id)
            _require_rows(name, rows, valid)


INERA = IneraCodeListReader()
SOCIALSTYRELSEN = SocialstyrelsenTsvReader()
KSH97P = Ksh97pReader()
READERS = (INERA, SOCIALSTYRELSEN, KSH97P)
