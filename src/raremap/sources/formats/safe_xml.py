"""XML release files behind a guard: token size and nesting depth capped, the root sniffed cheaply.

Parsing itself stays with defusedxml (no entity expansion, nothing fetched); the guard fails fast
where expat would otherwise re-scan an unfinished token for minutes.
"""

from __future__ import annotations

import re
import zlib
from pathlib import Path
from typing import IO
from xml.etree.ElementTree import Element

from ...errors import ReleaseFormatError
from .files import open_binary, repair_text


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
        """Close the underlying stream."""
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
