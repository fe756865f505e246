"""Opening release files safely: ``.gz`` transparently, text lines with typed errors, text repair.

Shared by every reader; the reader contract and the build report are in :mod:`raremap.release_input`.
"""

from __future__ import annotations

import gzip
import re
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import IO, cast

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
