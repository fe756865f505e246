"""FHIR code system URIs of raremap's code systems, and the aliases accepted on input.

Canonical URIs are those HL7 terminology and the publishers' FHIR profiles use:

* ORPHA: ``http://www.orpha.net`` (the German Medizininformatik-Initiative profiles, HL7 Europe);
* ICD-10-SE: ``http://hl7.org/fhir/sid/icd-10-se`` — FHIR R4 names national ICD-10 variants
  ``http://hl7.org/fhir/sid/icd-10-[x]``; Swedish FHIR work (HL7 Sweden, the EHDS bridge to
  MyHealth@EU) writes ICD-10-SE so. Accepted as aliases: Socialstyrelsen's OID
  ``urn:oid:1.2.752.116.1.1.1.1.3`` (RIV-TA and Inera's certificate services) and the canonical URL
  of Inera's terminology service
  ``https://terminologitjansten.inera.se/inera-kodverksforvaltning/kodverk/icd-10-se``;
* ICD-10 (WHO): ``http://hl7.org/fhir/sid/icd-10`` (alias its OID ``urn:oid:2.16.840.1.113883.6.3``);
* ICD-10-GM and Alpha-ID: ``http://fhir.de/CodeSystem/bfarm/icd-10-gm`` and
  ``http://fhir.de/CodeSystem/bfarm/alpha-id`` as the German base profiles name them (aliases: the
  older ``http://fhir.de/CodeSystem/dimdi/...`` names);
* ICD-11 MMS: ``http://id.who.int/icd/release/11/mms``;
* SNOMED CT: ``http://snomed.info/sct`` (an edition URI ``http://snomed.info/sct/<module>`` or a
  ``.../version/<date>`` form is read as SNOMED CT too).

Answers always carry the canonical URI. The table is the code-system registry's
(:class:`raremap.codes.CodeSystem` ``fhir_uri``/``fhir_aliases``); this module only reads it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from .. import codes
from ..codes import System, SystemId


class _Registry(Mapping[SystemId, str]):
    """A read-only view of one field of the code-system registry, by system (systems added at
    run time included)."""

    def __init__(self, field: str) -> None:
        self._field = field

    def __getitem__(self, system: SystemId) -> str:
        row = codes.find_system(getattr(system, "value", system))
        value = getattr(row, self._field, "") if row is not None else ""
        if not value:
            raise KeyError(system)
        return value

    def __iter__(self) -> Iterator[SystemId]:
        return (row.system for row in codes.code_systems() if getattr(row, self._field))

    def __len__(self) -> int:
        return sum(1 for _ in self)


URIS: Mapping[SystemId, str] = _Registry("fhir_uri")  # canonical FHIR URI per system (codes.CodeSystem.fhir_uri)
NAMES: Mapping[SystemId, str] = _Registry("title")


def _aliases() -> dict[str, SystemId]:
    return {uri: row.system for row in codes.code_systems() for uri in row.fhir_aliases}


ALIASES: dict[str, SystemId] = _aliases()  # the built-in systems' alias URIs (codes.CodeSystem.fhir_aliases)

# systems Orphanet cross-references that raremap does not load (mapping targets only), as HL7
# terminology names them
EXTERNAL: dict[str, str] = {
    "OMIM": "http://www.omim.org",
    "UMLS": "http://www.nlm.nih.gov/research/umls",
    "MONDO": "http://purl.obolibrary.org/obo/mondo.owl",
    "MESH": "http://id.nlm.nih.gov/mesh",
    "MEDDRA": "http://terminology.hl7.org/CodeSystem/mdr",
}


def system_of(uri: str) -> SystemId | None:
    """The raremap system a FHIR system URI names (canonical or alias), None when unknown."""
    return codes.system_for_uri(uri)


def uri_of(system: SystemId | str) -> str:
    """The canonical FHIR URI of a raremap system (``"ORPHA"`` → ``http://www.orpha.net``)."""
    return URIS[codes.code_system(system).system]


def uri_of_prefix(prefix: str) -> str | None:
    """The FHIR URI of a code prefix: a raremap system or a cross-referenced one (OMIM, UMLS …);
    None when HL7 terminology names none."""
    row = codes.find_system(prefix)
    if row is not None and row.fhir_uri:
        return row.fhir_uri
    return EXTERNAL.get(prefix.upper())


__all__ = ["ALIASES", "EXTERNAL", "NAMES", "System", "URIS", "system_of", "uri_of", "uri_of_prefix"]
