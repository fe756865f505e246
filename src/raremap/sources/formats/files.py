"""What every release reader shares for reading: safe file access, text lines, XML.

The reader contract and the build report are in :mod:`raremap.release_input`.
"""

from __future__ import annotations

import gzip
import re
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import IO, cast
from xml.etree.ElementTree import Element

from ...errors import ReleaseFormatError
from ...release_input import BuildReport


def stem(path: Path) -> str:
    """File name without a trailing ``.gz`` (readers match on this)."""
    name = path.name
    return name[:-3] if name.endswith(".gz") else name


def open_binary(path: Path) -> IO[bytes]:
    """Open a release file for reading bytes, decompressing ``.gz`` transparently."""
    if path.name.endswith(".gz"):
        # GzipFile provides the IO[bytes] interface, but typeshed types it as BufferedIOBase only
        return cast(IO[bytes], gzip.open(path, "rb"))
    return path.open("rb")


_UNICODE_BOMS = ((b"\xff\xfe\x00\x00", "UTF-32"), (b"\x00\x00\xfe\xff", "UTF-32"),
                 (b"\xff\xfe", "UTF-16"), (b"\xfe\xff", "UTF-16"))
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def read_text_lines(path: Path, encoding: str, display: str | None = None, *,
                    report: BuildReport | None = None, terminated: bool = False) -> Iterator[tuple[int, str]]:
    """(line number, line without end-of-line) for a text release file.

    Accepts LF and CRLF and strips a UTF-8 BOM. Typed errors (:class:`ReleaseFormatError`
    naming the file and line) for: a line that does not decode, a UTF-16/UTF-32 file (its
    byte-order mark), a ``.gz`` file that is cut short or corrupt (no gzip end marker).

    With ``report``, a damaged row is a counted skip, never a record: a row holding control
    characters (NUL ...), and — ``terminated=True``, for formats whose files end with a line end —
    a last row without its line end (the file was cut inside it). Mojibake (UTF-8 read as
    Latin-1) is repaired and counted as a repair.
    """
    name = display or path.name
    number = 0
    try:
        with open_binary(path) as fh:
            pending: tuple[int, str] | None = None
            for number, raw in enumerate(fh, start=1):
                if number == 1:
                    for bom, what in _UNICODE_BOMS:
                        if raw.startswith(bom):
                            raise ReleaseFormatError(name, "byte 0", f"a {what} file (byte-order mark); "
                                                                   f"expected {encoding} text: save it as {encoding}")
                try:
                    line = raw.decode(encoding)
                except UnicodeDecodeError as err:
                    raise ReleaseFormatError(name, f"line {number}", f"not valid {encoding}: {err.reason} at byte {err.start}") from None
                if number == 1 and line.startswith("\ufeff"):
                    line = line[1:]
                if pending is not None:
                    yield pending
                    pending = None
                ended = line.endswith(("\n", "\r"))
                line = line.rstrip("\r\n")
                if report is not None and line.strip():  # a blank line is the reader's to pass over
                    if _CONTROL.search(line):
                        report.skip(name, f"line {number}", "control characters (NUL or other C0) in the row")
                        continue
                    repaired = repair_text(line)
                    if repaired != line:
                        report.repair(name, f"line {number}", "mojibake (UTF-8 or Windows-1252 read as Latin-1) repaired")
                        line = repaired
                    if _MOJIBAKE.search(line):
                        report.repair(name, f"line {number}", "mojibake that cannot be repaired (mixed encodings): kept as written")
                    if terminated and not ended:
                        pending = (number, line)  # the last line? decided by whether another follows
                        continue
                yield number, line
            if pending is not None:
                if pending[1].strip():
                    assert report is not None
                    report.skip(name, f"line {pending[0]}", "last row has no line end: the file is cut short inside it")
                else:
                    yield pending
    except (EOFError, gzip.BadGzipFile, zlib.error) as err:
        raise ReleaseFormatError(name, f"after line {number}", f"corrupt or truncated gzip file: {err}") from None
    except OSError as err:
        raise ReleaseFormatError(name, f"after line {number}", f"cannot read: {err}") from None


# --- XML ---------------------------------------------------------------------------------

MAX_XML_TOKEN = 4 << 20  # bytes of one tag, attribute value or text run (the releases' largest: a few KB)
MAX_XML_DEPTH = 1000  # element nesting (the releases nest 10 levels at most)


class GuardedXml:
    """A binary XML stream that fails fast on a token longer than ``MAX_XML_TOKEN`` bytes (expat
    re-scans an unfinished token on every read: quadratic, minutes for 50 MB) or nesting deeper
    than ``MAX_XML_DEPTH`` (counted from the markup, comments and CDATA aside)."""

    def __init__(self, raw: IO[bytes], display: str, max_token: int = MAX_XML_TOKEN,
                 max_depth: int = MAX_XML_DEPTH) -> None:
        self.raw = raw
        self.display = display
        self.max_token = max_token
        self.max_depth = max_depth
        self.offset = 0
        self.run = 0  # bytes since the last '<' or '>'
        self.depth = 0
        self.last = b""

    def read(self, size: int = -1) -> bytes:
        data = self.raw.read(size)
        if data:
            self._check(data)
            self.offset += len(data)
        return data

    def _check(self, data: bytes) -> None:
        first = min((i for i in (data.find(b"<"), data.find(b">")) if i >= 0), default=-1)
        if first < 0:
            self.run += len(data)
        else:
            longest = self.run + first
            if len(data) > self.max_token:
                longest = max(longest, max((len(m) for m in re.findall(rb"[^<>]+", data)), default=0))
            if longest > self.max_token:
                self._fail(f"an XML token (tag, attribute or text) longer than {self.max_token >> 20} MiB")
            self.run = len(data) - 1 - max(data.rfind(b"<"), data.rfind(b">"))
        if self.run > self.max_token:
            self._fail(f"an XML token (tag, attribute or text) longer than {self.max_token >> 20} MiB")
        pairs = self.last + data
        opened = data.count(b"<") - pairs.count(b"</") - pairs.count(b"<?") - pairs.count(b"<!")
        self.depth += opened - pairs.count(b"</") - pairs.count(b"/>")
        self.last = data[-1:]
        if self.depth > self.max_depth:
            self._fail(f"elements nested deeper than {self.max_depth} levels")

    def _fail(self, what: str) -> None:
        raise ReleaseFormatError(self.display, f"byte {self.offset:,}", f"refused: {what}")

    def close(self) -> None:
        self.raw.close()

    def __enter__(self) -> GuardedXml:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_xml(path: Path, display: str | None = None) -> GuardedXml:
    """Open an XML release file (``.gz`` decompressed) behind the token-size and depth guard."""
    return GuardedXml(open_binary(path), display or path.name)


def sniff_xml_root(path: Path, limit: int = 4096) -> str | None:
    """The root element's tag name from the first bytes of a file, without parsing it all."""
    try:
        with open_binary(path) as fh:
            head = fh.read(limit)
    except (OSError, EOFError, zlib.error):
        return None
    body = re.sub(rb"<\?.*?\?>|<!--.*?-->|<!DOCTYPE[^>]*>", b"", head, flags=re.S)
    start = body.find(b"<")
    m = re.compile(rb"<([A-Za-z_][\w.:-]*)([\s\S]?)").match(body, start) if start >= 0 else None
    if m is None or m.group(2) not in (b"", b" ", b"\t", b"\r", b"\n", b"/", b">"):
        return None  # no element, or the first one is damaged (its name runs into a stray byte): unknown
    return m.group(1).decode("ascii", "replace")


def text(elem: Element | None, path: str = "") -> str:
    """Stripped text of ``elem`` (or of its descendant ``path``); empty string if absent."""
    if elem is None:
        return ""
    target = elem.find(path) if path else elem
    if target is None or target.text is None:
        return ""
    return repair_text(target.text.strip())


_C1 = re.compile("[\u0080-\u009f]")
_MOJIBAKE = re.compile("[\u00c2\u00c3][\u0080-\u00bf]")


def repair_text(value: str) -> str:
    """Undo the two encoding faults seen in Orphanet releases (formats.md §1.2).

    C1 control characters are Windows-1252 bytes read as Latin-1; ``Ã¶``-style pairs are
    UTF-8 read as Latin-1 (kept only when the round trip succeeds).
    """
    if _C1.search(value):
        value = _C1.sub(lambda m: m.group(0).encode("latin-1").decode("cp1252", "replace"), value)
    if _MOJIBAKE.search(value):
        try:
            value = value.encode("latin-1").decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            pass
    return value
