"""A streaming pass over OWL ontologies in RDF/XML: one small node record per top-level element.

Full RDF libraries build the whole graph in memory; for a ~50 MB ORDO that costs tens of
seconds and hundreds of MB (see ``sources/orphanet/ordo.py``). This pass reads the file once with the
safe ElementTree parser of defusedxml, turns every top-level node element of ``rdf:RDF`` into a
:class:`Node` (subject, types, property values, nested blank nodes kept as nested nodes) and
drops the XML elements at once, so memory stays flat. It covers the RDF/XML that OWL API and
similar writers produce: typed node elements or ``rdf:Description`` + ``rdf:type``,
``rdf:about``/``rdf:ID``/``rdf:nodeID``, ``rdf:resource``, nested blank nodes (restrictions,
``owl:Axiom`` reifications), ``xml:lang``, ``xml:base``, ``rdf:parseType="Resource"`` and
``"Literal"``; collections (``rdf:parseType="Collection"``) are skipped.

Safety: nothing is fetched; the DTD may only declare plain internal entities (OWL API writes
``<!ENTITY owl "http://www.w3.org/2002/07/owl#">``); parameter entities, external entities and
entities that refer to other entities are refused.
"""

from __future__ import annotations

import gzip
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple, Union
from urllib.parse import urljoin
from xml.etree.ElementTree import Element, ParseError, TreeBuilder

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser, iterparse

from ...errors import ReleaseFormatError
from .safe_xml import open_xml

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
OWL = "http://www.w3.org/2002/07/owl#"
XML_NS = "http://www.w3.org/XML/1998/namespace"

_RDF_RDF = f"{{{RDF}}}RDF"
_DESCRIPTION = f"{{{RDF}}}Description"
_ABOUT = f"{{{RDF}}}about"
_ID = f"{{{RDF}}}ID"
_NODE_ID = f"{{{RDF}}}nodeID"
_RESOURCE = f"{{{RDF}}}resource"
_DATATYPE = f"{{{RDF}}}datatype"
_PARSE_TYPE = f"{{{RDF}}}parseType"
_TYPE = f"{{{RDF}}}type"
_LANG = f"{{{XML_NS}}}lang"
_BASE = f"{{{XML_NS}}}base"
_SYNTAX_ATTRS = frozenset({_ABOUT, _ID, _NODE_ID, _RESOURCE, _DATATYPE, _PARSE_TYPE, _TYPE, _LANG, _BASE})
MAX_ENTITY_VALUE = 512
MAX_DEPTH = 64


class Literal(NamedTuple):
    """A literal property value and its ``xml:lang``."""

    text: str
    lang: str  # "" when untagged


class BlankRef(NamedTuple):
    """A reference to a blank node described elsewhere (``rdf:nodeID``)."""

    node_id: str


@dataclass(slots=True)
class Node:
    """One RDF node: its IRI (or blank node id), its types and its property values in file order."""

    about: str | None = None
    node_id: str | None = None
    types: list[str] = field(default_factory=list)
    props: list[tuple[str, Value]] = field(default_factory=list)

    def values(self, predicate: str) -> Iterator[Value]:
        """The values of ``predicate`` (a full IRI), in file order."""
        for p, v in self.props:
            if p == predicate:
                yield v

    def first(self, predicate: str) -> Value | None:
        """The first value of ``predicate``, or None."""
        return next(self.values(predicate), None)


Value = Union[str, Literal, BlankRef, Node]  # str = IRI


class _EntitySafeParser(DefusedXMLParser):
    """defusedxml's parser, also accepting the plain internal entities OWL API declares."""

    def defused_entity_decl(self, name, is_parameter_entity, value, base, sysid, pubid, notation_name):  # type: ignore[no-untyped-def]
        plain = (
            not is_parameter_entity
            and value is not None
            and not (sysid or pubid or notation_name)
            and len(value) <= MAX_ENTITY_VALUE
            and "&" not in value
            and "%" not in value
        )
        if not plain:
            super().defused_entity_decl(name, is_parameter_entity, value, base, sysid, pubid, notation_name)


def iter_nodes(path: Path, display: str | None = None) -> Iterator[Node]:
    """The top-level nodes of an RDF/XML file, in file order.

    Raises :class:`ReleaseFormatError` (file, ``line L, column C``) for malformed XML, refused
    DTD content, or a root element other than ``rdf:RDF``.
    """
    name = display or path.name
    try:
        with open_xml(path, name) as fh:
            parser = _EntitySafeParser(target=TreeBuilder())
            root: Element | None = None
            base = ""
            lang = ""
            depth = 0
            builder = _NodeBuilder()
            for event, elem in iterparse(fh, events=("start", "end"), parser=parser):
                if event == "start":
                    depth += 1
                    if root is None:
                        root = elem
                        if elem.tag != _RDF_RDF:
                            raise ReleaseFormatError(name, "line 1", f"not RDF/XML: the root element is {elem.tag!r}, not rdf:RDF")
                        base = elem.get(_BASE, "")
                        lang = elem.get(_LANG, "")
                    continue
                depth -= 1
                if depth == 1:
                    node = builder.node(elem, base, lang)
                    assert root is not None  # set at the first start event, before any end event
                    del root[:]
                    if node is not None:
                        yield node
            if root is None:
                raise ReleaseFormatError(name, "line 1", "empty XML document")
    except ParseError as err:
        line, column = err.position
        reason = str(err).split(": line ")[0]
        raise ReleaseFormatError(name, f"line {line}, column {column}", f"malformed XML: {reason}") from None
    except DefusedXmlException as err:
        raise ReleaseFormatError(name, "DTD", f"refused unsafe XML: {err}") from None
    except (EOFError, gzip.BadGzipFile, zipfile.BadZipFile, OSError) as err:
        raise ReleaseFormatError(name, "file", f"cannot read: {err}") from None
    except RecursionError:
        raise ReleaseFormatError(name, "file", "elements nested too deeply") from None


def _iri(value: str, base: str) -> str:
    if "://" in value or not base:
        return value
    return urljoin(base, value)


class _NodeBuilder:
    """Turns node elements into :class:`Node` records (with a per-file cache of element names)."""

    def __init__(self) -> None:
        self._iris: dict[str, str] = {}

    def tag_iri(self, tag: str) -> str:
        """``{ns}local`` → ``nslocal`` (the IRI of a predicate or class written as an element name)."""
        found = self._iris.get(tag)
        if found is None:
            found = tag
            if tag[:1] == "{":
                ns, _, local = tag[1:].partition("}")
                found = ns + local
            if len(self._iris) < 4096:  # a vocabulary has few element names; bounded for hostile input
                self._iris[tag] = found
        return found

    def node(self, elem: Element, base: str, lang: str, depth: int = 0) -> Node | None:
        """The node a node element describes; None for a comment or processing instruction."""
        if depth > MAX_DEPTH:
            raise RecursionError
        tag = elem.tag
        if not isinstance(tag, str):
            return None
        attrib = elem.attrib
        if attrib:
            base = attrib.get(_BASE, base)
            lang = attrib.get(_LANG, lang)
        node = Node()
        if _ABOUT in attrib:
            node.about = _iri(attrib[_ABOUT], base)
        elif _ID in attrib:
            node.about = _iri("#" + attrib[_ID], base)
        elif _NODE_ID in attrib:
            node.node_id = attrib[_NODE_ID]
        if tag != _DESCRIPTION:
            node.types.append(self.tag_iri(tag))
        if _TYPE in attrib:
            node.types.append(_iri(attrib[_TYPE], base))
        props = node.props
        for key, text in attrib.items():
            if key not in _SYNTAX_ATTRS and not key.startswith(_XML_PREFIX):
                props.append((self.tag_iri(key), Literal(text, lang)))
        for child in elem:
            ctag = child.tag
            if not isinstance(ctag, str):
                continue
            predicate = self.tag_iri(ctag)
            cattrib = child.attrib
            value: Value | None
            if not cattrib:
                if len(child):
                    value = self.node(child[0], base, lang, depth + 1)
                else:
                    value = Literal((child.text or "").strip(), lang)
            elif _RESOURCE in cattrib:
                value = _iri(cattrib[_RESOURCE], cattrib.get(_BASE, base))
            elif _NODE_ID in cattrib:
                value = BlankRef(cattrib[_NODE_ID])
            else:
                parse_type = cattrib.get(_PARSE_TYPE)
                cbase = cattrib.get(_BASE, base)
                clang = cattrib.get(_LANG, lang)
                if parse_type == "Resource":
                    value = self.node(child, cbase, clang, depth + 1)
                    if value is not None:
                        value.types.clear()
                        value.about = value.node_id = None
                elif parse_type == "Collection":
                    value = None
                elif parse_type == "Literal":
                    value = Literal("".join(child.itertext()).strip(), clang)
                elif len(child):
                    value = self.node(child[0], cbase, clang, depth + 1)
                else:
                    value = Literal((child.text or "").strip(), clang)
            if predicate == _TYPE_IRI and isinstance(value, str):
                node.types.append(value)
            elif value is not None:
                props.append((predicate, value))
        return node


_TYPE_IRI = f"{RDF}type"
_XML_PREFIX = f"{{{XML_NS}}}"
