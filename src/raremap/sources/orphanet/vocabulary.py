"""Orphanet vocabulary shared by the XML products and ORDO: mapping precision tokens, ICD
relation words, external-reference targets, definition clean-up.

Labels changed wording between releases and are translated, so every reader matches on the
leading token (``E``, ``NTBT``, ``BTNT``, ``W``, ``ND``) or on word stems, never on the full text.
"""

from __future__ import annotations

import html
import re

from ...codes import System, parse
from ...model import IcdRelation, Relation

RELATION_TOKENS = {
    "E": Relation.EXACT, "NTBT": Relation.NARROWER, "BTNT": Relation.BROADER,
    "W": Relation.WRONG, "ND": Relation.UNDECIDED,
}
_ICD_STEMS = (
    (("specific", "spécifique", "spezifisch", "específic", "specifico"), IcdRelation.SPECIFIC),
    (("attribu", "atribu", "zugeordnet", "zugewiesen"), IcdRelation.ATTRIBUTED),
    (("inclusion", "inklusion", "inclusión", "inclusione", "einschluss"), IcdRelation.INCLUSION),
    (("index", "índice", "indice"), IcdRelation.INDEX),
)
_ICD_SOURCES = {"ICD-10": System.ICD10, "ICD10": System.ICD10, "ICD-11": System.ICD11, "ICD11": System.ICD11}
_HTML_TAG = re.compile(r"</?(?:i|b|u|em|strong|sup|sub|br|p|span|a|ul|ol|li|div|font)\b[^<>]*>", re.I)
_SPACES = re.compile(r"\s+")


def relation_token(token: str) -> Relation | None:
    """The mapping precision a label's leading token names, in any letter case (Orphanet
    writes ``NTBT`` in products and ``nTBT`` in some documents), else None."""
    return RELATION_TOKENS.get(token.upper())


def icd_relation_word(word: str) -> IcdRelation | None:
    """The ICD relation a (possibly translated) label word names, e.g. ``Attributed`` → attributed."""
    word = word.casefold()
    for stems, relation in _ICD_STEMS:
        if word.startswith(stems):
            return relation
    return None


def reference_target(source: str, reference: str) -> tuple[str, str]:
    """(canonical target, ICD marker) of an Orphanet external reference.

    ICD-10 and ICD-11 references become ``ICD10:Q87.4`` / ``ICD11:LD28.01`` (raises
    :class:`~raremap.errors.InvalidCodeError` when the reference is not a code); other
    sources are kept as ``OMIM:154700``-style strings.
    """
    system = _ICD_SOURCES.get(source.upper().replace(" ", ""))
    if system is None:
        return f"{source.replace(' ', '')}:{reference}", ""
    parsed = parse(reference, system)
    return str(parsed), parsed.marker


def clean_definition(value: str) -> str:
    """Definition text without its escaped HTML markup, entities resolved, spaces collapsed."""
    return _SPACES.sub(" ", html.unescape(_HTML_TAG.sub("", value))).strip()
