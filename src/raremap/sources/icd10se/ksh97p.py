"""KSH97-P (Inera): the primary-care version of ICD-10-SE, read as Swedish index terms of ICD-10-SE codes.

Files ``KSH97P_KOD.ANS`` (code titles) and ``KSH97P_SFAMALT.ANS`` (synonyms) of one folder are one
input (formats.md §3): Latin-1, fixed width (code in columns 1-7, text from column 8), every line
ending with a line end. Codes are placed by :func:`ksh97p_target`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from pathlib import Path

from ...codes import System, canonical
from ...errors import InvalidCodeError
from ...model import AddedTerm, Record, Term, TermKind
from ...release_input import ReadContext
from ..formats.files import read_text_lines, stem
from .release_files import clean_title, files_by_folder, require_rows, undated_release

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
    discovery_order = 320  # sources.readers(): a file claimed earlier is not offered later

    def find(self, files: Sequence[Path]) -> list[tuple[Path, ...]]:
        return [tuple(sorted(paths, key=lambda p: stem(p).lower())) for paths in files_by_folder(files, _KSH97P_FILES).values()]

    def read(self, files: tuple[Path, ...], ctx: ReadContext) -> Iterator[Record]:
        release = undated_release(self.name, "KSH97-P (primary-care ICD-10-SE, Inera code lists)", files, ctx)
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
                code, text = line[:7].strip(), clean_title(line[7:])
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
            require_rows(name, rows, valid)


KSH97P = Ksh97pReader()
READERS = (KSH97P,)
