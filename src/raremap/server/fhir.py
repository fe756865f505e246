"""Building blocks of FHIR R4 JSON: Parameters entries, Codings, extensions, OperationOutcome,
and the resources the server describes itself with (CapabilityStatement, TerminologyCapabilities,
the ``$umi`` OperationDefinition)."""

from __future__ import annotations

from typing import Any

from .. import __version__
from .. import codes
from . import systems

FHIR_VERSION = "4.0.1"
MEDIA_TYPE = "application/fhir+json"
# raremap's own canonical base for the extensions, code systems and the operation it defines; a
# name, not an address (".invalid" never resolves, RFC 2606)
CANONICAL = "https://raremap.invalid/fhir"
EXT = f"{CANONICAL}/StructureDefinition"
TERM_KIND = f"{CANONICAL}/CodeSystem/term-kind"  # designation use: preferred, synonym, abbreviation ...
ALL_CODES = f"{CANONICAL}/ValueSet/all"  # every loaded code of every system (grouped by disease)
UMI_OPERATION = f"{CANONICAL}/OperationDefinition/umi"

Json = dict[str, Any]


def parameters(*entries: Json | None) -> Json:
    """A Parameters resource of the given entries (None entries left out)."""
    return {"resourceType": "Parameters", "parameter": [e for e in entries if e is not None]}


def value(name: str, kind: str, content: Any) -> Json | None:
    """One Parameters entry ``{"name": name, "value<Kind>": content}``; None when content is None or ""."""
    if content is None or content == "":
        return None
    return {"name": name, f"value{kind}": content}


def part(name: str, *parts: Json | None, extension: list[Json] | None = None) -> Json:
    """A Parameters entry made of parts."""
    entry: Json = {"name": name, "part": [p for p in parts if p is not None]}
    if extension:
        entry["extension"] = extension
    return entry


def coding(code: str, display: str | None = None, version: str | None = None) -> Json:
    """The FHIR Coding of a canonical raremap code (``ORPHA:558`` → system www.orpha.net, code 558);
    a prefix HL7 terminology has no URI for gets ``{CANONICAL}/CodeSystem/<prefix>``."""
    prefix, bare = codes.split(code)
    uri = systems.uri_of_prefix(prefix) or f"{CANONICAL}/CodeSystem/{prefix.lower()}"
    out: Json = {"system": uri, "code": bare}
    if version:
        out["version"] = version
    if display:
        out["display"] = display
    return out


def extension(name: str, kind: str, content: Any) -> Json | None:
    """A raremap extension ``{EXT}/<name>``; None when there is no content."""
    if content is None or content == "":
        return None
    return {"url": f"{EXT}/{name}", f"value{kind}": content}


def outcome(message: str, *, code: str = "invalid", severity: str = "error", parameter: str = "") -> Json:
    """An OperationOutcome with one issue (``expression`` names the request parameter at fault)."""
    issue: Json = {"severity": severity, "code": code, "diagnostics": message}
    if parameter:
        issue["expression"] = [parameter]
    return {"resourceType": "OperationOutcome", "issue": [issue]}


_OPERATIONS = {
    "CodeSystem": [("lookup", "http://hl7.org/fhir/OperationDefinition/CodeSystem-lookup"),
                   ("validate-code", "http://hl7.org/fhir/OperationDefinition/CodeSystem-validate-code"),
                   ("subsumes", "http://hl7.org/fhir/OperationDefinition/CodeSystem-subsumes"),
                   ("umi", UMI_OPERATION)],
    "ValueSet": [("expand", "http://hl7.org/fhir/OperationDefinition/ValueSet-expand")],
    "ConceptMap": [("translate", "http://hl7.org/fhir/OperationDefinition/ConceptMap-translate")],
}


def capability_statement(date: str) -> Json:
    """The server's CapabilityStatement: read-only terminology operations, JSON only."""
    return {
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": date,
        "kind": "instance",
        "instantiates": ["http://hl7.org/fhir/CapabilityStatement/terminology-server"],
        "software": {"name": "raremap", "version": __version__},
        "implementation": {"description": "raremap terminology service (read-only): ORPHA, ICD-10-SE, ICD-10, "
                                          "ICD-11 MMS, SNOMED CT from the loaded releases"},
        "fhirVersion": FHIR_VERSION,
        "format": [MEDIA_TYPE, "json"],
        "rest": [{
            "mode": "server",
            "resource": [
                {"type": resource, "operation": [{"name": name, "definition": url} for name, url in ops]}
                for resource, ops in _OPERATIONS.items()
            ],
        }],
    }


_EXPAND_PARAMETERS = [
    ("filter", "the start of a name being typed (autocomplete)"),
    ("count", "entries to return (diseases, for the grouped value set of every loaded code); at most 1000"),
    ("offset", "entries to skip (likewise)"),
    ("displayLanguage", "sv or en: the display of each entry in that language where the release has it"),
    ("activeOnly", "false adds inactive codes (default true)"),
    ("excludeNested", "true: the grouped value set flat, each disease's codes right after it"),
]


def terminology_capabilities(date: str, code_systems: dict[str, dict[str, int]],
                             newest: dict[str, str]) -> Json:
    """TerminologyCapabilities: every loaded code system with the releases (versions) that answer
    for it (``newest[system]`` is the default), and the operations' capabilities."""
    entries = []
    for row in codes.code_systems():  # a system registered at run time too
        releases = code_systems.get(row.prefix)
        if not releases:
            continue
        entries.append({
            "uri": systems.uri_of_prefix(row.prefix) or f"{CANONICAL}/CodeSystem/{row.prefix.lower()}",
            "version": [{"code": rid, "isDefault": rid == newest.get(row.prefix)} for rid in sorted(releases) if rid],
            "subsumption": True,
        })
    return {
        "resourceType": "TerminologyCapabilities",
        "status": "active",
        "date": date,
        "kind": "instance",
        "software": {"name": "raremap", "version": __version__},
        "codeSystem": entries,
        "expansion": {"hierarchical": True, "paging": True,
                      "textFilter": "Names in Swedish and English, as typed (autocomplete: the filter is the "
                                    "start of a name; typos, synonyms, abbreviations and å/ä/ö typed as a/o "
                                    "also match). Implicit value sets <system>?fhir_vs and ?fhir_vs=isa/<code> (flat); "
                                    f"{ALL_CODES} (every loaded code) grouped by disease: each ORPHA code with "
                                    "its ICD-10-SE, ICD-10, ICD-11 and SNOMED CT codes nested (excludeNested=true: "
                                    "flat, in the same order).",
                      "parameter": [{"name": name, "documentation": doc} for name, doc in _EXPAND_PARAMETERS]},
        "validateCode": {"translations": False},
        "translation": {"needsMap": False},
        "closure": {"translation": False},
    }


def umi_operation_definition() -> Json:
    """The OperationDefinition of ``CodeSystem/$umi``: raremap's UMI (attention information) assessment."""
    def p(name: str, use: str, lo: int, hi: str, kind: str | None, doc: str, parts: list[Json] | None = None) -> Json:
        entry: Json = {"name": name, "use": use, "min": lo, "max": hi, "documentation": doc}
        if kind:
            entry["type"] = kind
        if parts:
            entry["part"] = parts
        return entry

    return {
        "resourceType": "OperationDefinition",
        "id": "umi",
        "url": UMI_OPERATION,
        "name": "Umi",
        "title": "UMI (uppmärksamhetsinformation) assessment of a diagnosis",
        "status": "active",
        "kind": "operation",
        "code": "umi",
        "description": "Does the diagnosis have its own ICD-10 code, and what should the attention information "
                       "(UMI) of a Swedish record carry? Asked by code (system + code) or by name (text).",
        "resource": ["CodeSystem"],
        "system": False,
        "type": True,
        "instance": False,
        "affectsState": False,
        "parameter": [
            p("system", "in", 0, "1", "uri", "Code system of the code (canonical URI)"),
            p("code", "in", 0, "1", "code", "The code to assess (with system)"),
            p("text", "in", 0, "1", "string", "A diagnosis name to assess instead of a code (Swedish or English, "
                                              "typos, any word order): the best disease of the grouped lookup; "
                                              "404 OperationOutcome when no name matches"),
            p("code", "out", 1, "1", "Coding", "The assessed code (an ORPHA code where the asked code maps to one)"),
            p("query", "out", 1, "1", "Coding", "The code as asked (asked by text: the code the name was read as)"),
            p("resolved", "out", 0, "1", None, "Asked by text: which disease the name was read as", [
                p("text", "out", 1, "1", "string", "The name as asked"),
                p("concept", "out", 1, "1", "Coding", "The disease it was read as (best of the grouped lookup)"),
                p("matched-term", "out", 1, "1", "string", "The name of the releases that matched"),
                p("matched-code", "out", 1, "1", "Coding", "The code that name belongs to"),
                p("score", "out", 1, "1", "decimal", "How well it matched, 0-100"),
            ]),
            p("specific-icd10", "out", 0, "1", "boolean", "A release states an own (exact or specific) ICD-10 code; "
                                                          "absent when the releases state no relation"),
            p("specific-icd11", "out", 0, "1", "boolean", "The same for ICD-11"),
            p("needs-attention", "out", 1, "1", "boolean", "The record needs more than its ICD code to name the disease"),
            p("recommended", "out", 0, "*", "Coding", "What UMI should carry, in order"),
            p("reason", "out", 0, "*", None, "Why, in one language", [
                p("language", "out", 1, "1", "code", "sv or en"),
                p("value", "out", 1, "1", "string", "The reason"),
            ]),
            p("candidate", "out", 0, "*", None, "A candidate code in ICD-10-SE, ICD-11 or SNOMED CT", [
                p("concept", "out", 1, "1", "Coding", "The candidate"),
                p("equivalence", "out", 1, "1", "code", "ConceptMap equivalence of the candidate to the code"),
            ]),
            p("covers", "out", 0, "*", None, "For a code other than ORPHA: a rare disease it covers", [
                p("concept", "out", 1, "1", "Coding", "The ORPHA code"),
                p("equivalence", "out", 1, "1", "code", "ConceptMap equivalence of the disease to the code"),
            ]),
            p("rare-diseases", "out", 0, "1", "integer", "How many rare diseases the asked code covers"),
            p("specific-to", "out", 0, "*", "Coding", "The rare diseases for which the asked code is the own code"),
        ],
    }
