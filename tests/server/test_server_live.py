"""``raremap serve`` for real: uvicorn on a free port of 127.0.0.1 driven by a FHIR client library
(fhirpy), every answer validated against the R4 models of fhir.resources; the HTTP surface fuzzed
by schemathesis from the OpenAPI description (0 server errors)."""

from __future__ import annotations

import pytest

pytest.importorskip("uvicorn", reason="the server extra (uvicorn) is not installed")
fhirpy = pytest.importorskip("fhirpy", reason="fhirpy (test extra) is not installed")
schemathesis = pytest.importorskip("schemathesis", reason="schemathesis (test extra) is not installed")

import httpx  # noqa: E402
from hypothesis import HealthCheck, given, settings  # noqa: E402
from schemathesis.checks import not_a_server_error  # noqa: E402

from raremap.server import create_app  # noqa: E402
from server_support import one, params, parts, running_server, valid  # noqa: E402

ORPHA = "http://www.orpha.net"
ICD10 = "http://hl7.org/fhir/sid/icd-10"
ICD10SE = "http://hl7.org/fhir/sid/icd-10-se"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with running_server(cache=tmp_path_factory.mktemp("serve-cache")) as base:
        yield base


@pytest.fixture(scope="module")
def fhir_client(server):
    return fhirpy.SyncFHIRClient(server, extra_headers={"Accept": "application/fhir+json"})


def test_fhir_client_lookup_validate_expand(fhir_client) -> None:
    p = valid(fhir_client.execute("CodeSystem/$lookup", method="get", params={"system": ORPHA, "code": "558"}),
              "Parameters")
    assert one(p, "display") == "Marfan syndrome"
    p = valid(fhir_client.execute("CodeSystem/$validate-code", method="get",
                                  params={"url": ICD10SE, "code": "Q87.4", "display": "Marfans syndrom"}), "Parameters")
    assert one(p, "result") is True
    body = {"resourceType": "Parameters", "parameter": [{"name": "url", "valueUri": ICD10SE},
                                                        {"name": "code", "valueCode": "Q85.1"}]}
    p = valid(fhir_client.execute("CodeSystem/$validate-code", method="post", data=body), "Parameters")
    assert one(p, "result") is True and one(p, "display") == "Tuberös skleros"
    vs = valid(fhir_client.execute("ValueSet/$expand", method="get",
                                   params={"url": f"{ICD10SE}?fhir_vs", "filter": "tuberos skler", "count": 5}),
               "ValueSet")
    assert vs["expansion"]["contains"][0]["code"] == "Q85.1"


def test_fhir_client_translate_both_directions(fhir_client) -> None:
    forward = valid(fhir_client.execute("ConceptMap/$translate", method="get",
                                        params={"system": ORPHA, "code": "166024", "targetsystem": ICD10}), "Parameters")
    (match,) = params(forward, "match")
    assert parts(match["part"], "equivalence") == ["wider"]
    reverse = valid(fhir_client.execute("ConceptMap/$translate", method="get",
                                        params={"system": ICD10, "code": "Q77.3", "targetsystem": ORPHA,
                                                "reverse": "true"}), "Parameters")
    found = {parts(m["part"], "concept")[0]["code"]: parts(m["part"], "equivalence")[0]
             for m in params(reverse, "match")}
    assert found["166024"] == "narrower" and len(found) > 1


def test_fhir_client_umi_and_errors(fhir_client, server) -> None:
    p = valid(fhir_client.execute("CodeSystem/$umi", method="get", params={"system": ORPHA, "code": "166024"}),
              "Parameters")
    assert one(p, "needs-attention") is True
    p = valid(fhir_client.execute("CodeSystem/$umi", method="get", params={"text": "marfans syndrom"}), "Parameters")
    assert one(p, "code")["code"] == "558"
    with pytest.raises(fhirpy.base.exceptions.ResourceNotFound) as err:
        fhir_client.execute("CodeSystem/$umi", method="get", params={"text": "xqzjv"})
    assert "xqzjv" in str(err.value)
    with pytest.raises(fhirpy.base.exceptions.ResourceNotFound) as err:
        fhir_client.execute("CodeSystem/$lookup", method="get", params={"system": ORPHA, "code": "99999"})
    assert "ORPHA:99999" in str(err.value)
    r = httpx.get(f"{server}/CodeSystem/$lookup", params={"system": ORPHA, "code": "x"})
    assert r.status_code == 400 and valid(r.json(), "OperationOutcome")["issue"][0]["expression"] == ["code"]
    r = httpx.get(f"{server}/metadata", params={"mode": "terminology"})
    assert valid(r.json(), "TerminologyCapabilities")["codeSystem"]


def test_server_binds_loopback_only(server) -> None:
    assert server.startswith("http://127.0.0.1:")


def test_fuzzed_requests_never_get_a_server_error(sample_map) -> None:
    """Every operation of the OpenAPI description, 25 generated requests each (bounded)."""
    schema = schemathesis.openapi.from_asgi("/openapi.json", create_app(sample_map))
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 15

    for operation in operations:
        @given(case=operation.as_strategy())
        @settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def check(case) -> None:
            case.call_and_validate(checks=[not_a_server_error])

        check()
