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

Answers always carry the canonical URI.
"""

from __future__ import annotations

from ..codes import System

URIS: dict[System, str] = {
    System.ORPHA: "http://www.orpha.net",
    System.ICD10SE: "http://hl7.org/fhir/sid/icd-10-se",
    System.ICD10: "http://hl7.org/fhir/sid/icd-10",
    System.ICD10GM: "http://fhir.de/CodeSystem/bfarm/icd-10-gm",
    System.ICD11: "http://id.who.int/icd/release/11/mms",
    System.SCTID: "http://snomed.info/sct",
    System.ALPHAID: "http://fhir.de/CodeSystem/bfarm/alpha-id",
}

ALIASES: dict[str, System] = {
    "urn:oid:1.2.752.116.1.1.1.1.3": System.ICD10SE,
    "https://terminologitjansten.inera.se/inera-kodverksforvaltning/kodverk/icd-10-se": System.ICD10SE,
    "urn:oid:2.16.840.1.113883.6.3": System.ICD10,
    "http://fhir.de/CodeSystem/dimdi/icd-10-gm": System.ICD10GM,
    "http://fhir.de/CodeSystem/dimdi/alpha-id": System.ALPHAID,
    "urn:oid:2.16.840.1.113883.6.96": System.SCTID,
}

NAMES: dict[System, str] = {
    System.ORPHA: "Orphanet nomenclature (ORPHAcodes)",
    System.ICD10SE: "ICD-10-SE (Swedish edition of ICD-10)",
    System.ICD10: "ICD-10 (WHO)",
    System.ICD10GM: "ICD-10-GM",
    System.ICD11: "ICD-11 MMS",
    System.SCTID: "SNOMED CT",
    System.ALPHAID: "Alpha-ID-SE",
}

# systems Orphanet cross-references that raremap does not load (mapping targets only), as HL7
# terminology names them
EXTERNAL: dict[str, str] = {
    "OMIM": "http://www.omim.org",
    "UMLS": "http://www.nlm.nih.gov/research/umls",
    "MONDO": "http://purl.obolibrary.org/obo/mondo.owl",
    "MESH": "http://id.nlm.nih.gov/mesh",
    "MEDDRA": "http://terminology.hl7.org/CodeSystem/mdr",
}

_BY_URI = {uri: system for system, uri in URIS.items()} | ALIASES


def system_of(uri: str) -> System | None:
    """The raremap system a FHIR system URI names (canonical or alias), None when unknown."""
    uri = uri.strip().rstrip("/")
    found = _BY_URI.get(uri)
    if found is None and uri.startswith(URIS[System.SCTID] + "/"):
        return System.SCTID  # an edition or version URI
    return found


def uri_of(system: System | str) -> str:
    """The canonical FHIR URI of a raremap system (``"ORPHA"`` → ``http://www.orpha.net``)."""
    return URIS[System(system)]


def uri_of_prefix(prefix: str) -> str | None:
    """The FHIR URI of a code prefix: a raremap system or a cross-referenced one (OMIM, UMLS …);
    None when HL7 terminology names none."""
    if prefix in System.__members__:
        return URIS[System(prefix)]
    return EXTERNAL.get(prefix.upper())
