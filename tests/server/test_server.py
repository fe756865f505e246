"""The FHIR terminology service in-process (Starlette's test client) on the bundled sample:
every FHIR response validated against the R4 models of fhir.resources."""

from __future__ import annotations

import subprocess
import sys

import pytest

pytest.importorskip("fastapi", reason="the server extra (fastapi) is not installed")

from hypothesis import given, strategies as st  # noqa: E402
from starlette.testclient import TestClient  # noqa: E402

from raremap.model import Mapping, Relation  # noqa: E402
from raremap.server import create_app  # noqa: E402
from raremap.server import equivalence, systems  # noqa: E402
from raremap.server.fhir import ALL_CODES, MEDIA_TYPE  # noqa: E402
from raremap.server.params import MAX_BODY, MAX_COUNT, MAX_TEXT  # noqa: E402
from server_support import one, params, parts, valid  # noqa: E402

ORPHA = "http://www.orpha.net"
ICD10SE = "http://hl7.org/fhir/sid/icd-10-se"
ICD10 = "http://hl7.org/fhir/sid/icd-10"
SCT = "http://snomed.info/sct"


@pytest.fixture(scope="module")
def client(sample_map):
    with TestClient(create_app(sample_map)) as c:
        yield c


def get(client, path: str, kind: str, status: int = 200, **query):
    r = client.get(path, params=query)
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith(MEDIA_TYPE)
    return valid(r.json(), kind)


def outcome(client, path: str, status: int, parameter: str | None = None, **query) -> str:
    """The diagnostics of the OperationOutcome a request is refused with (no stack trace)."""
    body = get(client, path, "OperationOutcome", status, **query)
    issue = body["issue"][0]
    assert issue["severity"] == "error"
    assert "Traceback" not in issue["diagnostics"]
    if parameter is not None:
        assert issue["expression"] == [parameter]
    return issue["diagnostics"]


# --- metadata ------------------------------------------------------------------------------

def test_capability_statement_lists_the_operations(client) -> None:
    cs = get(client, "/metadata", "CapabilityStatement")
    assert cs["fhirVersion"] == "4.0.1" and cs["kind"] == "instance"
    ops = {r["type"]: {o["name"] for o in r["operation"]} for r in cs["rest"][0]["resource"]}
    assert ops == {"CodeSystem": {"lookup", "validate-code", "subsumes", "umi"}, "ValueSet": {"expand"},
                   "ConceptMap": {"translate"}}


def test_terminology_capabilities_lists_every_loaded_system_with_its_release(client, sample_map) -> None:
    tc = get(client, "/metadata", "TerminologyCapabilities", mode="terminology")
    found = {c["uri"]: [v["code"] for v in c["version"]] for c in tc["codeSystem"]}
    assert set(found) == {systems.uri_of(s) for s in sample_map.code_systems()}
    assert found[ORPHA] == ["orphanet-nomenclature:2023-06-21"]
    assert all(sum(v["isDefault"] for v in c["version"]) == 1 for c in tc["codeSystem"])
    assert tc["expansion"]["hierarchical"] is True
    assert {"filter", "count", "offset", "excludeNested"} <= {p["name"] for p in tc["expansion"]["parameter"]}
    outcome(client, "/metadata", 400, "mode", mode="everything")


def test_umi_operation_definition(client) -> None:
    od = get(client, "/OperationDefinition/umi", "OperationDefinition")
    assert od["code"] == "umi" and od["resource"] == ["CodeSystem"]


# --- $lookup -------------------------------------------------------------------------------

def test_lookup_orpha_code_with_designations_properties_and_umi(client) -> None:
    p = get(client, "/CodeSystem/$lookup", "Parameters", system=ORPHA, code="558")
    assert one(p, "display") == "Marfan syndrome"
    assert one(p, "version") == "orphanet-nomenclature:2023-06-21"
    designations = [(parts(d["part"], "language"), parts(d["part"], "value")) for d in params(p, "designation")]
    assert (["en"], ["MFS"]) in designations
    props = {(parts(e["part"], "code")[0], str(parts(e["part"], "value")[0])) for e in params(p, "property")}
    assert {("parent", "284993"), ("child", "284963"), ("child", "284973"), ("kind", "disorder"),
            ("status", "active"), ("inactive", "False"), ("umi-needs-attention", "False"),
            ("umi-specific-icd10", "True")} <= props


def test_lookup_swedish_display_and_property_filter(client) -> None:
    p = get(client, "/CodeSystem/$lookup", "Parameters", system=ICD10SE, code="Q87.4", displayLanguage="sv-SE",
            property=["parent"])
    assert one(p, "display") == "Marfans syndrom"
    assert [parts(e["part"], "code")[0] for e in params(p, "property")] == ["parent"]
    assert not params(p, "designation")


def test_lookup_inactive_code_names_its_replacement(client) -> None:
    p = get(client, "/CodeSystem/$lookup", "Parameters", system=ORPHA, code="99715")
    props = {parts(e["part"], "code")[0]: e["part"] for e in params(p, "property")}
    assert parts(props["inactive"], "value") == [True]
    assert parts(props["status"], "value") == ["deprecated"]
    assert parts(props["replaced-by"], "value")[0]["code"] == "284963"
    assert parts(props["replaced-by"], "description") == ["moved to"]


def test_lookup_errors(client) -> None:
    assert "not in the loaded releases" in outcome(client, "/CodeSystem/$lookup", 404, "code", system=ORPHA, code="99999")
    assert "digits only" in outcome(client, "/CodeSystem/$lookup", 400, "code", system=ORPHA, code="x558")
    assert "not known" in outcome(client, "/CodeSystem/$lookup", 404, "system", system="http://loinc.org", code="1-8")
    outcome(client, "/CodeSystem/$lookup", 400, "code", system=ORPHA)
    outcome(client, "/CodeSystem/$lookup", 404, "version", system=ORPHA, code="558", version="1999")
    outcome(client, "/CodeSystem/$lookup", 400, "property", system=ORPHA, code="558", property="colour")
    outcome(client, "/CodeSystem/$lookup", 400, "code", system=ORPHA, code="5" * 101)


def test_icd10se_aliases_are_read_as_icd10se(client) -> None:
    for alias in ("urn:oid:1.2.752.116.1.1.1.1.3",
                  "https://terminologitjansten.inera.se/inera-kodverksforvaltning/kodverk/icd-10-se"):
        p = get(client, "/CodeSystem/$lookup", "Parameters", system=alias, code="Q87.4")
        assert one(p, "display") == "Marfans syndrom"


def test_lookup_by_post_parameters(client) -> None:
    body = {"resourceType": "Parameters", "parameter": [{"name": "coding", "valueCoding": {"system": ORPHA, "code": "558"}}]}
    r = client.post("/CodeSystem/$lookup", json=body, headers={"content-type": MEDIA_TYPE})
    assert r.status_code == 200
    assert one(valid(r.json(), "Parameters"), "display") == "Marfan syndrome"
    r = client.post("/CodeSystem/$lookup", json={"resourceType": "Patient"}, headers={"content-type": MEDIA_TYPE})
    assert r.status_code == 400 and valid(r.json(), "OperationOutcome")
    r = client.post("/CodeSystem/$lookup", content=b"{not json", headers={"content-type": MEDIA_TYPE})
    assert r.status_code == 400 and valid(r.json(), "OperationOutcome")
    r = client.post("/CodeSystem/$lookup", content=b"code=558", headers={"content-type": "text/plain"})
    assert r.status_code == 415 and valid(r.json(), "OperationOutcome")


# --- $validate-code ------------------------------------------------------------------------

def test_validate_code(client) -> None:
    p = get(client, "/CodeSystem/$validate-code", "Parameters", url=ICD10SE, code="Q87.4", display="marfans syndrom")
    assert one(p, "result") is True and one(p, "display") == "Marfans syndrom"
    p = get(client, "/CodeSystem/$validate-code", "Parameters", url=ICD10SE, code="Q87.4", display="Tuberös skleros")
    assert one(p, "result") is False and "not a name of ICD10SE:Q87.4" in one(p, "message")
    p = get(client, "/CodeSystem/$validate-code", "Parameters", url=ORPHA, code="99999")
    assert one(p, "result") is False and "Unknown code ORPHA:99999" in one(p, "message")
    p = get(client, "/CodeSystem/$validate-code", "Parameters", url=SCT, code="19346007")
    assert one(p, "result") is False and "Verhoeff" in one(p, "message")


def test_validate_inactive_code_says_so_with_the_replacement(client) -> None:
    p = get(client, "/CodeSystem/$validate-code", "Parameters", url=ORPHA, code="230845")
    assert one(p, "result") is True
    assert one(p, "message") == "ORPHA:230845 is inactive (deprecated); moved to ORPHA:287"
    p = get(client, "/CodeSystem/$validate-code", "Parameters", url=ORPHA, code="1244")
    assert "non-rare" in one(p, "message") and "no replacement" in one(p, "message")


# --- $subsumes -----------------------------------------------------------------------------

def test_subsumes_over_the_loaded_hierarchies(client) -> None:
    def outcome_of(a: str, b: str, system: str = ORPHA) -> str:
        return one(get(client, "/CodeSystem/$subsumes", "Parameters", system=system, codeA=a, codeB=b), "outcome")

    assert outcome_of("284993", "558") == "subsumes"
    assert outcome_of("558", "284993") == "subsumed-by"
    assert outcome_of("558", "558") == "equivalent"
    assert outcome_of("284963", "284973") == "not-subsumed"
    assert outcome_of("Q87", "Q87.4", ICD10SE) == "subsumes"
    outcome(client, "/CodeSystem/$subsumes", 404, "codeB", system=ORPHA, codeA="558", codeB="99999")


# --- $expand -------------------------------------------------------------------------------

def test_expand_filter_autocompletes_swedish_and_english(client) -> None:
    vs = get(client, "/ValueSet/$expand", "ValueSet", url=f"{ICD10SE}?fhir_vs", filter="marfans syndr", count=5)
    assert [(c["code"], c["display"]) for c in vs["expansion"]["contains"]][:1] == [("Q87.4", "Marfans syndrom")]
    vs = get(client, "/ValueSet/$expand", "ValueSet", url=f"{ORPHA}?fhir_vs", filter="tuberous scler", count=5)
    assert vs["expansion"]["contains"][0]["code"] == "805"
    vs = get(client, "/ValueSet/$expand", "ValueSet", url=ALL_CODES, filter="marfan", count=3)
    assert len(vs["expansion"]["contains"]) == 3  # three diseases
    assert not any("contains" in c for c in get(client, "/ValueSet/$expand", "ValueSet", url=f"{ICD10SE}?fhir_vs",
                                                 filter="marfan", count=5)["expansion"]["contains"])


def _ext(entry: dict, name: str):
    found = [next(v for k, v in e.items() if k.startswith("value")) for e in entry.get("extension", [])
             if e["url"].endswith("/" + name)]
    return found[0] if found else None


def test_expand_every_code_groups_by_disease_nested(client, sample_map) -> None:
    """The ORPHA concept first, its ICD-10-SE, ICD-10, ICD-11 and SNOMED CT codes nested under it,
    each with the relation and basis lookup_diseases gives; typed Swedish or English."""
    for typed in ("marfans syndr", "Marfan synd"):
        vs = get(client, "/ValueSet/$expand", "ValueSet", url=ALL_CODES, filter=typed, count=2)
        first = vs["expansion"]["contains"][0]
        assert (first["system"], first["code"]) == (ORPHA, "558")
        nested = [(c["system"], c["code"]) for c in first["contains"]]
        assert nested == [(ICD10SE, "Q87.4"), (ICD10, "Q87.4"), ("http://id.who.int/icd/release/11/mms", "LD28.01"),
                          (SCT, "19346006")]
        expected = {c.code: c for c in sample_map.lookup_diseases("Marfan syndrome", limit=1)[0].codes}
        for entry, code in zip(first["contains"], expected):
            assert _ext(entry, "mapping-relation") == str(expected[code].relation)
            assert _ext(entry, "mapping-basis") == expected[code].basis
            assert "contains" not in entry
        assert _ext(first["contains"][0], "equivalence") == "equivalent"
        assert len(vs["expansion"]["contains"]) == 2  # count pages diseases, not codes
    english = get(client, "/ValueSet/$expand", "ValueSet", url=ALL_CODES, filter="marfans syndr", count=1,
                  displayLanguage="en")["expansion"]["contains"][0]
    assert (english["code"], english["display"]) == ("558", "Marfan syndrome")
    swedish = get(client, "/ValueSet/$expand", "ValueSet", url=ALL_CODES, filter="tuberos skler", count=1)
    (tsc,) = swedish["expansion"]["contains"]
    assert (tsc["code"], tsc["display"]) == ("805", "Tuberös skleros")
    assert [c["code"] for c in tsc["contains"]][:1] == ["Q85.1"]


def test_expand_every_code_flat_keeps_each_disease_together(client) -> None:
    nested = get(client, "/ValueSet/$expand", "ValueSet", url=ALL_CODES, filter="marfan", count=3)["expansion"]
    flat = get(client, "/ValueSet/$expand", "ValueSet", url=ALL_CODES, filter="marfan", count=3,
               excludeNested="true")["expansion"]
    expected = []
    for head in nested["contains"]:
        expected.append((head["system"], head["code"], None))
        expected += [(c["system"], c["code"], head["code"]) for c in head.get("contains", [])]
    assert [(c["system"], c["code"], (_ext(c, "disease") or {}).get("code")) for c in flat["contains"]] == expected
    assert not any("contains" in c for c in flat["contains"])
    assert {"name": "excludeNested", "valueBoolean": True} in flat["parameter"]
    second = get(client, "/ValueSet/$expand", "ValueSet", url=ALL_CODES, filter="marfan", count=2, offset=1)
    assert [c["code"] for c in second["expansion"]["contains"]] == [c["code"] for c in nested["contains"][1:3]]


def test_expand_paging_and_isa(client, sample_map) -> None:
    first = get(client, "/ValueSet/$expand", "ValueSet", url=f"{ORPHA}?fhir_vs", count=4)["expansion"]["contains"]
    second = get(client, "/ValueSet/$expand", "ValueSet", url=f"{ORPHA}?fhir_vs", count=4, offset=2)["expansion"]["contains"]
    assert first[2:] == second[:2]
    assert all(not c.get("inactive") for c in first)
    vs = get(client, "/ValueSet/$expand", "ValueSet", url=f"{ORPHA}?fhir_vs=isa/558", count=10)
    codes = {c["code"] for c in vs["expansion"]["contains"]}
    assert codes == {"558"} | {d.split(":")[1] for d in sample_map.descendants("ORPHA:558")}
    assert vs["expansion"]["total"] == len(codes)


def test_expand_limits_and_errors(client) -> None:
    outcome(client, "/ValueSet/$expand", 400, "count", url=f"{ORPHA}?fhir_vs", count=MAX_COUNT + 1)
    outcome(client, "/ValueSet/$expand", 400, "filter", url=f"{ORPHA}?fhir_vs", filter="m" * (MAX_TEXT + 1))
    outcome(client, "/ValueSet/$expand", 400, "filter", url=ALL_CODES)
    outcome(client, "/ValueSet/$expand", 404, "url", url="http://loinc.org?fhir_vs")
    outcome(client, "/ValueSet/$expand", 404, "url", url=f"{ORPHA}?fhir_vs=isa/99999")
    outcome(client, "/ValueSet/$expand", 400, "activeOnly", url=f"{ORPHA}?fhir_vs", activeOnly="maybe")


# --- $translate ----------------------------------------------------------------------------

def matches(p: dict) -> list[dict]:
    out = []
    for m in params(p, "match"):
        concept = parts(m["part"], "concept")[0]
        ext = {e["url"].rsplit("/", 1)[1]: next(v for k, v in e.items() if k.startswith("value"))
               for e in m.get("extension", [])}
        out.append({"system": concept["system"], "code": concept["code"], "equivalence": parts(m["part"], "equivalence")[0],
                    "via": [pr[1]["valueCoding"]["code"] for pr in parts(m["part"], "product")], **ext})
    return out


def test_translate_ntbt_is_wider_forwards_and_narrower_backwards(client) -> None:
    p = get(client, "/ConceptMap/$translate", "Parameters", system=ORPHA, code="166024", targetsystem=ICD10)
    assert one(p, "result") is True
    (m,) = matches(p)
    assert (m["code"], m["equivalence"], m["mapping-relation"], m["mapping-basis"]) == ("Q77.3", "wider", "narrower",
                                                                                         "stated")
    assert m["provenance"].startswith("orphanet-product1:2023-06-21 / orphanet/en_product1.xml")
    for reverse in ("false", "true"):
        p = get(client, "/ConceptMap/$translate", "Parameters", system=ICD10, code="Q77.3", targetsystem=ORPHA,
                reverse=reverse)
        found = {m["code"]: m["equivalence"] for m in matches(p)}
        assert found["166024"] == "narrower"
        assert len(found) == 6  # every ORPHA code mapped to Q77.3, not one


def test_translate_keeps_the_path_and_never_calls_derived_exact_equivalent(client, sample_map) -> None:
    p = get(client, "/ConceptMap/$translate", "Parameters", system=ORPHA, code="558", targetsystem=ICD10SE)
    (m,) = matches(p)
    assert (m["code"], m["equivalence"], m["mapping-basis"], m["via"]) == ("Q87.4", "equivalent", "edition", ["Q87.4"])
    p = get(client, "/ConceptMap/$translate", "Parameters", system=ORPHA, code="558")
    found = matches(p)
    assert len(found) == len(sample_map.crosswalk("ORPHA:558"))
    sct = [m for m in found if m["system"] == SCT]
    assert sct and all(m["equivalence"] == "relatedto" for m in sct)  # SNOMED CT's Orphanet map states no relation
    for m in found:
        if m["mapping-basis"] not in equivalence.STATED_BASES:
            assert m["equivalence"] != "equivalent"


def test_translate_lexical_pairs_only_on_request_and_never_equivalent(client) -> None:
    p = get(client, "/ConceptMap/$translate", "Parameters", system=ICD10SE, code="Q87.8A", targetsystem=ORPHA)
    assert all(m["mapping-basis"] != "lexical" for m in matches(p))
    p = get(client, "/ConceptMap/$translate", "Parameters", system=ICD10SE, code="Q87.8A", targetsystem=ORPHA,
            lexical="true")
    lexical = [m for m in matches(p) if m["mapping-basis"] == "lexical"]
    assert [(m["code"], m["equivalence"], m["mapping-relation"]) for m in lexical] == [("63", "relatedto", "unspecified")]
    assert lexical[0]["lexical-score"] == 1.0 and " = " in lexical[0]["lexical-names"]


def test_translate_errors(client) -> None:
    outcome(client, "/ConceptMap/$translate", 404, "code", system=ORPHA, code="99999")
    outcome(client, "/ConceptMap/$translate", 400, "code", system=ICD10, code="Q87.4A")
    outcome(client, "/ConceptMap/$translate", 404, "url", url="http://example.org/ConceptMap/x", system=ORPHA, code="558")
    outcome(client, "/ConceptMap/$translate", 404, "targetsystem", system=ORPHA, code="558", targetsystem="http://loinc.org")


# --- $umi ----------------------------------------------------------------------------------

def test_umi_by_code(client) -> None:
    p = get(client, "/CodeSystem/$umi", "Parameters", system=ORPHA, code="166024")
    assert one(p, "needs-attention") is True and one(p, "specific-icd10") is False
    assert params(p, "recommended")[0]["valueCoding"]["system"] == ORPHA
    reasons = {parts(r["part"], "language")[0]: parts(r["part"], "value")[0] for r in params(p, "reason")}
    assert set(reasons) == {"sv", "en"} and "ORPHA:166024" in reasons["sv"]
    p = get(client, "/CodeSystem/$umi", "Parameters", system=ICD10SE, code="Q85.1")
    assert one(p, "code")["code"] == "Q85.1" and one(p, "rare-diseases") == 1
    assert one(p, "specific-to")["code"] == "805"
    outcome(client, "/CodeSystem/$umi", 404, "code", system=ORPHA, code="99999")


def test_umi_by_name(client, sample_map) -> None:
    p = get(client, "/CodeSystem/$umi", "Parameters", text="marfans syndrom")
    assert one(p, "code")["code"] == "558" and one(p, "specific-icd10") is True
    resolved = {e["name"]: next(v for k, v in e.items() if k.startswith("value")) for e in one(p, "resolved")}
    assert resolved["text"] == "marfans syndrom" and resolved["concept"]["code"] == "558"
    assert resolved["matched-term"] == "Marfans syndrom" and resolved["matched-code"]["code"] == "Q87.4"
    reasons = {parts(r["part"], "language")[0]: parts(r["part"], "value")[0] for r in params(p, "reason")}
    assert reasons["sv"].startswith("”marfans syndrom” tolkas som")
    expected = sample_map.umi_by_name("tuberos skleros")
    p = get(client, "/CodeSystem/$umi", "Parameters", text="tuberos skleros")
    assert one(p, "code")["code"] == expected.code.split(":")[1] and one(p, "needs-attention") is expected.needs_attention
    body = {"resourceType": "Parameters", "parameter": [{"name": "text", "valueString": "marfans syndrom"}]}
    r = client.post("/CodeSystem/$umi", json=body, headers={"content-type": MEDIA_TYPE})
    assert r.status_code == 200 and one(valid(r.json(), "Parameters"), "code")["code"] == "558"


def test_umi_by_name_errors(client) -> None:
    assert "'xqzjv'" in outcome(client, "/CodeSystem/$umi", 404, "text", text="xqzjv")
    assert "empty" in outcome(client, "/CodeSystem/$umi", 400, "text", text="  ")
    assert "not both" in outcome(client, "/CodeSystem/$umi", 400, "text", text="marfan", system=ORPHA, code="558")
    outcome(client, "/CodeSystem/$umi", 400, "text", text="m" * (MAX_TEXT + 1))
    outcome(client, "/CodeSystem/$umi", 400, "system")  # neither a name nor a code


def test_umi_operation_definition_names_text_and_resolved(client) -> None:
    od = get(client, "/OperationDefinition/umi", "OperationDefinition")
    by_name = {(p["name"], p["use"]): p for p in od["parameter"]}
    assert by_name[("text", "in")]["type"] == "string"
    assert {q["name"] for q in by_name[("resolved", "out")]["part"]} == {"text", "concept", "matched-term",
                                                                        "matched-code", "score"}


# --- the HTTP surface ----------------------------------------------------------------------

def test_page_and_its_files_come_from_memory_only(client) -> None:
    r = client.get("/")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert "default-src 'none'" in r.headers["content-security-policy"]
    assert '<html lang="sv">' in r.text and "/static/app.js" in r.text
    assert client.get("/static/app.js").headers["content-type"].startswith("text/javascript")
    for path in ("/static/../app.py", "/static/%2e%2e%2fapp.py", "/static/index.html", "/static/README.md",
                 "/static/..%2F..%2Fpyproject.toml"):
        assert client.get(path).status_code == 404, path


def test_unknown_paths_methods_and_large_bodies_are_operation_outcomes(client) -> None:
    outcome(client, "/Patient/1", 404)
    r = client.delete("/CodeSystem/$lookup")
    assert r.status_code == 405 and valid(r.json(), "OperationOutcome")
    r = client.post("/CodeSystem/$lookup", content=b"x" * (MAX_BODY + 1), headers={"content-type": MEDIA_TYPE})
    assert r.status_code == 413 and valid(r.json(), "OperationOutcome")
    r = client.get("/metadata")
    assert r.headers["x-content-type-options"] == "nosniff"


def test_the_test_client_imports_without_a_deprecation_warning() -> None:
    """Starlette's test client warns that httpx is deprecated for it unless httpx2 (test extra) is there."""
    done = subprocess.run([sys.executable, "-W", "error", "-c", "import starlette.testclient"], capture_output=True,
                          text=True)
    assert done.returncode == 0, done.stderr


def test_health(client, sample_map) -> None:
    r = client.get("/health")
    assert r.status_code == 200 and r.json()["status"] == "ok" and r.json()["concepts"] == len(sample_map)


def test_a_request_over_the_time_limit_gets_503(sample_map) -> None:
    with TestClient(create_app(sample_map, timeout=1e-9)) as slow:
        r = slow.get("/CodeSystem/$lookup", params={"system": ORPHA, "code": "558"})
    assert r.status_code == 503 and valid(r.json(), "OperationOutcome")["issue"][0]["code"] == "timeout"


def test_cors_is_off_unless_configured(client, sample_map) -> None:
    r = client.get("/metadata", headers={"origin": "http://elsewhere.example"})
    assert "access-control-allow-origin" not in r.headers
    with TestClient(create_app(sample_map, cors_origins=["http://ehr.example"])) as open_client:
        r = open_client.get("/metadata", headers={"origin": "http://ehr.example"})
        assert r.headers["access-control-allow-origin"] == "http://ehr.example"
        r = open_client.get("/metadata", headers={"origin": "http://elsewhere.example"})
        assert "access-control-allow-origin" not in r.headers


# --- JSON API ------------------------------------------------------------------------------

def test_json_api_mirrors_the_cli_shapes(client) -> None:
    r = client.get("/api/lookup", params={"q": "marfans syndrom", "limit": 3})
    assert r.status_code == 200 and r.json()["matches"][0]["code"] == "ICD10SE:Q87.4"
    r = client.get("/api/map", params={"code": "ORPHA:166024", "to": "ICD10SE"})
    assert [(m["target"], m["relation"], m["basis"]) for m in r.json()["mappings"]] == [("ICD10SE:Q77.3", "narrower",
                                                                                         "edition")]
    r = client.get("/api/umi", params={"code": "ORPHA:558"})
    assert r.json()["specific_icd10"] is True and r.json()["reason"]["sv"]
    r = client.get("/api/concept", params={"code": "q874"})
    assert r.json()["concept"]["code"] == "ICD10SE:Q87.4"
    r = client.get("/api/map", params={"code": "ORPHA:558", "to": "LOINC"})
    assert r.status_code == 400 and r.json()["error"]["parameter"] == "to"
    r = client.get("/api/umi", params={"code": "ORPHA:99999"})
    assert r.status_code == 404 and "ORPHA:99999" in r.json()["error"]["message"]


# --- equivalence table and system URIs -----------------------------------------------------

BASES = ["", "stated", "inverse", "edition", "replacement", "transitive", "hierarchy", "lexical", "other"]


@given(st.sampled_from(list(Relation)), st.sampled_from(BASES))
def test_equivalence_never_overstates(relation: Relation, basis: str) -> None:
    eq = equivalence.equivalence(relation, basis)
    if eq == "equivalent":
        assert relation is Relation.EXACT and basis in ("", "stated", "inverse", "edition")
    if relation in (Relation.UNSPECIFIED, Relation.UNDECIDED, Relation.RELATED):
        assert eq == "relatedto"
    if basis in ("lexical", "transitive", "hierarchy", "replacement"):
        assert eq != "equivalent"
    m = Mapping("ORPHA:1", "ICD10:Q87.8", relation, basis=basis)
    mirror = {"wider": "narrower", "narrower": "wider"}
    assert equivalence.of(m.inverted()) == mirror.get(eq, eq)  # the same statement read from the other side


def test_equivalence_table() -> None:
    assert equivalence.equivalence("narrower", "stated") == "wider"  # Orphanet NTBT, ORPHA → ICD
    assert equivalence.equivalence("broader", "inverse") == "narrower"  # the same, ICD → ORPHA
    assert equivalence.equivalence("exact", "stated") == "equivalent"
    assert equivalence.equivalence("exact", "lexical") == "relatedto"
    assert equivalence.equivalence("wrong", "stated") == "disjoint"


def test_every_system_uri_round_trips() -> None:
    for system, uri in systems.URIS.items():
        assert systems.system_of(uri) is system and systems.system_of(uri + "/") is system
    assert systems.system_of("http://snomed.info/sct/45991000052106") is systems.System.SCTID
    assert systems.system_of("http://loinc.org") is None
