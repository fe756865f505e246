"""SNOMED CT RF2 files: recognise them by name, group them into packages, read them as Arrow.

RF2 (formats.md §5.2) is UTF-8, tab-separated, one header row, no quoting, CRLF or LF.
Columns are looked up by header name, because converted copies lack some of them (no refset
``id``, empty ``effectiveTime``). Tables are read with pyarrow so that an International Edition
(1.6M descriptions, 3M relationships) stays compact in memory: ids become int64 columns and
terms stay in Arrow buffers until a concept is assembled.
"""

from __future__ import annotations

import json
import re
import zipfile
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from ...errors import ReleaseFormatError
from ...release_input import BuildReport
from .files import open_binary, repair_text

# sct2_Concept_Snapshot_INT_20230131.txt, der2_cRefset_LanguageSnapshot-en-US_INT_20230131.txt,
# sct2_Concept_UKCLSnapshot_GB1000000_20230412.txt, sct2_Concept_Snapshot_sample.txt (converted)
_NAME = re.compile(
    r"^(?P<prefix>sct2|der2)_(?P<pattern>[A-Za-z0-9]+)_(?P<name>[A-Za-z0-9]*?)"
    r"(?P<type>Snapshot|Full|Delta)(?:-(?P<lang>[A-Za-z]{2,3}(?:-[A-Za-z]{2})?))?"
    r"_(?P<token>[A-Za-z0-9-]+?)(?:_(?P<date>\d{8}))?\.txt$"
)
# folders of the release package layout; the package root is above them
_LAYOUT_DIRS = frozenset({"snapshot", "full", "delta", "terminology", "refset", "content", "language", "map", "metadata"})
PACKAGE_INFO = "release_package_information.json"
_ID_RE = "^[0-9]{1,18}$"  # fits int64; SCTID rules (Verhoeff, partition) are checked later


@dataclass(frozen=True, slots=True)
class Rf2File:
    """One RF2 file, loose on disk (``member`` None) or inside a release zip."""

    container: Path
    member: str | None
    name: str
    kind: str  # concept, description, definition, relationship, language, association, attribute, map, other
    type: str  # Snapshot, Full, Delta
    token: str  # INT, SE1000052, ... (namespace part of the name)
    date: str  # YYYYMMDD or ""

    @contextmanager
    def open(self) -> Iterator[IO[bytes]]:
        """The file's bytes (``.gz`` and zip members read directly, never extracted)."""
        if self.member is None:
            with open_binary(self.container) as fh:
                yield fh
            return
        try:
            zf = zipfile.ZipFile(self.container)
        except (zipfile.BadZipFile, OSError) as err:
            raise ReleaseFormatError(self.container.name, "file", f"not a readable zip: {err}") from None
        with zf, zf.open(self.member) as fh:
            yield fh


def _kind(m: re.Match[str]) -> str:
    if m["prefix"] == "sct2":
        return {"Concept": "concept", "Description": "description", "TextDefinition": "definition",
                "Relationship": "relationship"}.get(m["pattern"], "other")
    name = m["name"]
    if name.startswith("Language"):
        return "language"
    if name.startswith("Association"):  # AssociationReference before 2019
        return "association"
    if name.startswith("AttributeValue"):
        return "attribute"
    if "Map" in name:
        return "map"
    return "other"


def rf2_file(container: Path, member: str | None = None) -> Rf2File | None:
    """The RF2 file at ``container`` (or its zip ``member``), or None if the name is not RF2."""
    name = member.rsplit("/", 1)[-1] if member is not None else container.name
    bare = name[:-3] if name.endswith(".gz") and member is None else name
    m = _NAME.match(bare)
    if m is None:
        return None
    return Rf2File(container, member, name, _kind(m), m["type"], m["token"], m["date"] or "")


@dataclass
class Package:
    """One release package: a folder root or one zip, with the RF2 files of one release type."""

    source: Path  # the root folder, or the zip
    files: list[Rf2File] = field(default_factory=list)

    @property
    def is_zip(self) -> bool:
        """Whether the package is read from a release zip."""
        return self.source.suffix.lower() == ".zip" and self.source.is_file()

    @property
    def label(self) -> str:
        """The zip's or root folder's name."""
        return self.source.stem if self.is_zip else self.source.name

    def _core(self) -> list[Rf2File]:
        core = [f for f in self.files if f.kind in ("concept", "description")]
        return core or self.files

    @property
    def token(self) -> str:
        """Namespace/edition token of the concept and description files (``INT``, ``SE1000052``)."""
        return Counter(f.token for f in self._core()).most_common(1)[0][0] if self.files else ""

    @property
    def date(self) -> str:
        """Newest ``YYYYMMDD`` of the concept and description file names ("" when none)."""
        return max((f.date for f in self._core()), default="")

    @property
    def has_concepts(self) -> bool:
        """Whether the package has a concept file."""
        return any(f.kind == "concept" for f in self.files)

    @property
    def version(self) -> str:
        """``INT_20230131``; the package name when the files carry no date (converted copies)."""
        return f"{self.token}_{self.date}" if self.date else self.label

    @property
    def paths(self) -> list[Path]:
        """What a reader input lists for this package: the zip, or the loose RF2 files."""
        return [self.source] if self.is_zip else sorted(f.container for f in self.files)

    def licence(self) -> str:
        """The package's own licence statement (``release_package_information.json``), or ''."""
        try:
            if self.is_zip:
                with zipfile.ZipFile(self.source) as zf:
                    names = [n for n in zf.namelist() if n.rsplit("/", 1)[-1] == PACKAGE_INFO]
                    raw = zf.read(names[0]) if names else b""
            elif (self.source / PACKAGE_INFO).is_file():
                raw = (self.source / PACKAGE_INFO).read_bytes()
            else:
                raw = b""
            statement = json.loads(raw.decode("utf-8")).get("licenceStatement", "") if raw else ""
        except (OSError, zipfile.BadZipFile, UnicodeDecodeError, json.JSONDecodeError, AttributeError):
            return ""
        return statement if isinstance(statement, str) else ""


def _choose_type(files: list[Rf2File]) -> list[Rf2File]:
    """Snapshot files if any, else Full; Delta alone cannot be loaded."""
    for wanted in ("Snapshot", "Full"):
        chosen = [f for f in files if f.type == wanted]
        if chosen:
            return chosen
    return []


def package_root(path: Path) -> Path:
    """Root folder of a loose RF2 file: above Snapshot/Full/Terminology/Refset/... folders."""
    root = path.parent
    while root.name.lower() in _LAYOUT_DIRS and root.parent != root:
        root = root.parent
    return root


def zip_files(path: Path) -> list[Rf2File]:
    """RF2 files inside a zip (empty if it is not a readable zip or holds none)."""
    try:
        with zipfile.ZipFile(path) as zf:
            names = zf.namelist()
    except (zipfile.BadZipFile, OSError):
        return []
    found = (rf2_file(path, n) for n in names if not n.endswith("/"))
    return [f for f in found if f is not None]


def packages(paths: Iterable[Path]) -> list[Package]:
    """Group paths into RF2 packages (one per root folder or zip), keeping one release type."""
    loose: dict[Path, list[Rf2File]] = {}
    found: list[Package] = []
    for path in paths:
        if path.suffix.lower() == ".zip":
            chosen = _choose_type(zip_files(path))
            if chosen:
                found.append(Package(path, chosen))
            continue
        f = rf2_file(path)
        if f is not None:
            loose.setdefault(package_root(path), []).append(f)
    for root, files in loose.items():
        chosen = _choose_type(files)
        if chosen:
            found.append(Package(root, sorted(chosen, key=lambda f: f.name)))
    return sorted(found, key=lambda p: str(p.source))


# --- reading tables ---------------------------------------------------------------------------

def read_header(f: Rf2File, display: str) -> list[str]:
    """Column names of the header row; a missing or undecodable header is a format error."""
    with f.open() as fh:
        try:
            first = fh.readline(1 << 16)
        except (OSError, EOFError, zipfile.BadZipFile) as err:
            raise ReleaseFormatError(display, "file", f"cannot read: {err}") from None
    try:
        line = first.decode("utf-8")
    except UnicodeDecodeError as err:
        raise ReleaseFormatError(display, "line 1", f"header is not UTF-8: {err.reason}") from None
    line = line.lstrip("\ufeff").rstrip("\r\n")
    if not line.strip():
        raise ReleaseFormatError(display, "line 1", "empty file: no RF2 header row")
    columns = line.split("\t")
    if len(set(columns)) != len(columns):
        raise ReleaseFormatError(display, "line 1", f"duplicate column names in header {columns}")
    return columns


def check_columns(header: Sequence[str], required: Iterable[str], display: str) -> None:
    """Refuse a file whose header lacks a ``required`` column (ReleaseFormatError at line 1)."""
    missing = [c for c in required if c not in header]
    if missing:
        raise ReleaseFormatError(display, "line 1", f"header lacks column(s) {', '.join(missing)} (found: {' '.join(header)[:200]})")


@dataclass
class Lines:
    """Maps the n-th parsed row of a file back to its line number (rows dropped as malformed shift it)."""

    dropped: list[int] = field(default_factory=list)
    _counting: pa.Array = field(default_factory=lambda: pa.array([], pa.int64()))

    def numbers(self, first_row: int, count: int) -> pa.Array:
        """Line numbers of ``count`` parsed rows from row ``first_row`` (0-based) on."""
        start = first_row + 2  # line 1 is the header
        if not self.dropped or self.dropped[-1] < start:
            if len(self._counting) < count:
                self._counting = pa.array(range(count), pa.int64())
            return pc.add(self._counting.slice(0, count), start)
        return pa.array([self.line(first_row + i) for i in range(count)], pa.int64())

    def line(self, row: int) -> int:
        """Line number of parsed row ``row`` (0-based)."""
        line = row + 2
        for d in self.dropped:
            if d <= line:
                line += 1
            else:
                break
        return line


LINE = "_line"  # column added to every batch: source index << 40 | line number
_SHIFT = 40


def split_line(value: int) -> tuple[int, int]:
    """(source index, line number) of a ``_line`` value."""
    return value >> _SHIFT, value & ((1 << _SHIFT) - 1)


def iter_batches(
    f: Rf2File,
    display: str,
    columns: Sequence[str],
    required: Iterable[str],
    report: BuildReport,
    source_index: int = 0,
) -> Iterator[pa.RecordBatch]:
    """Record batches of the wanted ``columns`` (those present) as strings, plus ``_line``.

    Rows with the wrong number of fields are skipped and counted; invalid UTF-8 raises
    :class:`ReleaseFormatError` naming the line.
    """
    header = read_header(f, display)
    check_columns(header, required, display)
    use = [c for c in columns if c in header]
    lines = Lines()

    def malformed(row: pacsv.InvalidRow) -> str:
        number = row.number if row.number is not None else 0
        lines.dropped.append(number)
        report.skip(display, f"line {number}", f"expected {row.expected_columns} tab-separated fields, found {row.actual_columns}")
        return "skip"

    read_options = pacsv.ReadOptions(use_threads=False, skip_rows=1, column_names=header, block_size=1 << 20)
    parse_options = pacsv.ParseOptions(delimiter="\t", quote_char=False, escape_char=False, double_quote=False,
                                       newlines_in_values=False, ignore_empty_lines=True, invalid_row_handler=malformed)
    convert_options = pacsv.ConvertOptions(column_types={c: pa.string() for c in header}, include_columns=use,
                                           strings_can_be_null=False, quoted_strings_can_be_null=False)
    offset = source_index << _SHIFT
    cut = _ends_cut(f)
    with f.open() as fh:
        try:
            reader = pacsv.open_csv(fh, read_options=read_options, parse_options=parse_options, convert_options=convert_options)
            row = 0
            held: pa.RecordBatch | None = None
            for batch in reader:
                numbers = lines.numbers(row, batch.num_rows)
                if offset:
                    numbers = pc.add(numbers, offset)
                row += batch.num_rows
                if held is not None:
                    yield held
                held = _damaged_rows_out(batch.append_column(LINE, numbers), use, display, report)
            if held is not None:
                if cut and held.num_rows:
                    line = split_line(held.column(LINE)[held.num_rows - 1].as_py())[1]
                    report.skip(display, f"line {line}", "last row has no line end: the file is cut short inside it")
                    held = held.slice(0, held.num_rows - 1)
                yield held
        except pa.ArrowException as err:
            raise ReleaseFormatError(display, _locate_bad_utf8(f), f"cannot parse RF2: {err}") from None
        except (OSError, EOFError, zipfile.BadZipFile) as err:
            raise ReleaseFormatError(display, "file", f"cannot read: {err}") from None


_CONTROL_RE = "[\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f]"
_MOJIBAKE_RE = "[\\x{c2}\\x{c3}][\\x{80}-\\x{bf}]|[\\x{80}-\\x{9f}]"


def _ends_cut(f: Rf2File) -> bool:
    """Whether a loose, uncompressed RF2 file ends inside a row (RF2 rows end with CRLF)."""
    if f.member is not None or f.container.name.endswith(".gz"):
        return False  # a cut zip or gzip fails on its own checksum
    try:
        with f.container.open("rb") as fh:
            size = fh.seek(0, 2)
            if size == 0:
                return False
            fh.seek(size - 1)
            return fh.read(1) not in (b"\n", b"\r")
    except OSError:
        return False


def _damaged_rows_out(batch: pa.RecordBatch, columns: Sequence[str], display: str, report: BuildReport) -> pa.RecordBatch:
    """``batch`` without rows holding control characters (each a counted skip); mojibake in a
    field (UTF-8 or Windows-1252 read as Latin-1) repaired and counted."""
    bad = None
    for c in columns:
        hit = pc.match_substring_regex(batch.column(c), _CONTROL_RE)
        bad = hit if bad is None else pc.or_(bad, hit)
    if bad is not None and pc.any(bad).as_py():
        for value in batch.filter(bad).column(LINE).to_pylist():
            report.skip(display, f"line {split_line(value)[1]}", "control characters (NUL or other C0) in the row")
        batch = batch.filter(pc.invert(bad))
    for c in columns:
        hit = pc.match_substring_regex(batch.column(c), _MOJIBAKE_RE)
        if not pc.any(hit).as_py():
            continue
        values = batch.column(c).to_pylist()
        flags = hit.to_pylist()
        lines_of = batch.column(LINE).to_pylist()
        for i, flagged in enumerate(flags):
            if flagged:
                fixed = repair_text(values[i])
                if fixed != values[i]:
                    values[i] = fixed
                    report.repair(display, f"line {split_line(lines_of[i])[1]}", "mojibake (UTF-8 or Windows-1252 read as Latin-1) repaired")
        batch = batch.set_column(batch.schema.get_field_index(c), c, pa.array(values, pa.string()))
    return batch


def _locate_bad_utf8(f: Rf2File) -> str:
    try:
        with f.open() as fh:
            for number, raw in enumerate(fh, start=1):
                try:
                    raw.decode("utf-8")
                except UnicodeDecodeError as err:
                    return f"line {number}, byte {err.start}"
    except (OSError, EOFError, zipfile.BadZipFile, ReleaseFormatError):
        pass
    return "file"


def digits_only(batch: pa.RecordBatch, columns: Sequence[str], on_bad: Callable[[int, str, str], None]) -> pa.RecordBatch:
    """Rows whose ``columns`` are all numeric ids; the others are reported via ``on_bad(line, column, value)``."""
    mask = None
    for c in columns:
        ok = pc.match_substring_regex(batch.column(c), _ID_RE)
        mask = ok if mask is None else pc.and_(mask, ok)
    if mask is None or pc.all(mask).as_py():
        return batch
    bad = batch.filter(pc.invert(mask))
    lines = bad.column(LINE).to_pylist()
    values = {c: bad.column(c).to_pylist() for c in columns}
    for i, line in enumerate(lines):
        col = next(c for c in columns if not re.match(_ID_RE, values[c][i]))
        on_bad(line, col, values[col][i])
    return batch.filter(mask)


def latest_per_id(table: pa.Table) -> pa.Table:
    """One row per component ``id``: the one with the greatest ``effectiveTime`` (Full files).

    Rows without an id (converted copies lack the refset member id) are all kept.
    """
    if "id" not in table.column_names or table.num_rows < 2:
        return table
    no_id = pc.equal(table.column("id"), "")
    if pc.any(no_id).as_py():
        return pa.concat_tables([latest_per_id(table.filter(pc.invert(no_id))), table.filter(no_id)])
    keys = [("id", "ascending")]
    if "effectiveTime" in table.column_names:
        keys.append(("effectiveTime", "descending"))
    table = table.take(pc.sort_indices(table, sort_keys=keys)).combine_chunks()
    ids = table.column("id")
    first = pa.chunked_array([pa.array([True]), pc.not_equal(ids.slice(1), ids.slice(0, len(ids) - 1))])
    return table.filter(first)


def cast_ids(batch: pa.RecordBatch | pa.Table, columns: Sequence[str]) -> pa.RecordBatch | pa.Table:
    """Replace numeric-string id columns by int64 columns."""
    for c in columns:
        i = batch.schema.get_field_index(c)
        batch = batch.set_column(i, c, pc.cast(batch.column(c), pa.int64()))
    return batch


def pylists(table: pa.Table, columns: Sequence[str], chunk: int = 1 << 16, order: pa.Array | None = None) -> Iterator[tuple]:
    """Rows of ``columns`` as Python tuples, converted chunk by chunk (optionally in ``order``)."""
    n = table.num_rows if order is None else len(order)
    for start in range(0, n, chunk):
        length = min(chunk, n - start)
        part = table.slice(start, length) if order is None else table.take(order.slice(start, length))
        yield from zip(*(part.column(c).to_pylist() for c in columns))


