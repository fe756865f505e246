"""The ASGI application: FHIR R4 terminology operations, the JSON API, the lookup page, health.

``create_app(rm)`` returns a FastAPI application answering from one loaded :class:`RareMap`;
mount it in your own service or run it with ``raremap serve``. Read-only: GET everywhere, POST
(a FHIR ``Parameters`` body) for the operations; anything else is 405. Limits: query texts
(:data:`~raremap.server.params.MAX_TEXT` characters), ``count``, request bodies
(:data:`~raremap.server.params.MAX_BODY` bytes) and time per request (``timeout`` seconds: 503
after it). CORS is off unless ``cors_origins`` names origins. No path of a request reaches the
filesystem: the page's three files are read into memory when the application is created.
"""

from __future__ import annotations

import asyncio
import json
import logging
from importlib import resources
from collections.abc import Callable, Iterable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .. import __version__
from ..errors import InvalidCodeError, RaremapError, UnknownCodeError, UsageError
from ..services.rare_map import RareMap
from . import fhir
from .api import JsonApi
from .operations import LOOKUP_PROPERTIES, Terminology
from .params import MAX_BODY, MAX_CODE, MAX_COUNT, MAX_OFFSET, MAX_TEXT, MAX_URI, Args, RequestError

log = logging.getLogger("raremap.server")

PAGE_FILES = {"index.html": "text/html; charset=utf-8", "app.js": "text/javascript; charset=utf-8",
              "style.css": "text/css; charset=utf-8"}
_PAGE_CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; "
             "base-uri 'none'; form-action 'none'; frame-ancestors 'none'")

_SECURITY_HEADERS = [(b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"no-referrer")]
def create_app(rm: RareMap, *, cors_origins: Iterable[str] = (), timeout: float = 10.0) -> FastAPI:
    """The server's ASGI application over ``rm`` (see the module docstring for its limits)."""
    ops = Terminology(rm)
    api = JsonApi(rm)
    page = {name: (resources.files(__package__) / "static" / name).read_bytes() for name in PAGE_FILES}
    app = FastAPI(title="raremap terminology service", version=__version__, docs_url=None, redoc_url=None,
                  description="FHIR R4 terminology operations (JSON) over the loaded releases of ORPHA, "
                              "ICD-10-SE, ICD-10, ICD-11 MMS and SNOMED CT, a JSON API and a lookup page. Read-only.")

    def fhir_route(path: str, operation: Callable[[Args], dict[str, Any]], params: list[dict[str, Any]],
                   summary: str, post: bool = True) -> None:
        def get(request: Request) -> Response:
            return _fhir(operation(Args(_query(request))))

        app.add_api_route(path, get, methods=["GET"], summary=summary, response_class=Response,
                          openapi_extra={"parameters": params, "responses": _RESPONSES})
        if post:
            async def post_(request: Request) -> Response:
                body = await _parameters_body(request)
                args = Args.from_parameters(body)
                return _fhir(await _in_thread(operation, args))

            app.add_api_route(path, post_, methods=["POST"], summary=summary + " (Parameters body)",
                              response_class=Response,
                              openapi_extra={"requestBody": _PARAMETERS_BODY, "responses": _RESPONSES})

    fhir_route("/metadata", ops.metadata, [_enum("mode", ["full", "normative", "terminology"])],
               "CapabilityStatement, or TerminologyCapabilities with mode=terminology", post=False)
    fhir_route("/CodeSystem/$lookup", ops.lookup,
               [_uri("system", True), _str("code", MAX_CODE, True), _str("version", MAX_URI), _lang(),
                _list("property", LOOKUP_PROPERTIES)], "Look up a code: display, designations, properties, UMI flag")
    fhir_route("/CodeSystem/$validate-code", ops.validate_code,
               [_uri("url", True), _str("code", MAX_CODE, True), _str("display", MAX_TEXT), _str("version", MAX_URI)],
               "Validate a code (and display) against a loaded code system")
    fhir_route("/CodeSystem/$subsumes", ops.subsumes,
               [_uri("system", True), _str("codeA", MAX_CODE, True), _str("codeB", MAX_CODE, True),
                _str("version", MAX_URI)], "Subsumption test over the loaded hierarchies")
    fhir_route("/CodeSystem/$umi", ops.umi, [_uri("system", False), _str("code", MAX_CODE, False),
                                             _str("text", MAX_TEXT, False)],
               "UMI (attention information) assessment of a code (system + code) or a diagnosis name (text)")
    fhir_route("/ValueSet/$expand", ops.expand,
               [_uri("url", True), _str("filter", MAX_TEXT), _int("count", 0, MAX_COUNT), _int("offset", 0, MAX_OFFSET),
                _lang(), _bool("activeOnly"), _bool("excludeNested")],
               "Expand an implicit value set, with a text filter (autocomplete; every loaded code: grouped by disease)")
    fhir_route("/ConceptMap/$translate", ops.translate,
               [_uri("system", True), _str("code", MAX_CODE, True), _uri("targetsystem", False), _bool("reverse"),
                _bool("transitive"), _bool("lexical"), _lang()], "Translate a code: every match with its equivalence")

    @app.get("/OperationDefinition/umi", response_class=Response, summary="The $umi OperationDefinition",
             openapi_extra={"responses": _RESPONSES})
    def umi_definition() -> Response:
        return _fhir(fhir.umi_operation_definition())

    def json_route(path: str, call: Callable[[Args], dict[str, Any]], params: list[dict[str, Any]],
                   summary: str) -> None:
        def get(request: Request) -> Response:
            return _json(call(Args(_query(request))))

        app.add_api_route(path, get, methods=["GET"], summary=summary, response_class=Response,
                          openapi_extra={"parameters": params, "responses": _JSON_RESPONSES})

    json_route("/api/lookup", api.lookup,
               [_str("q", MAX_TEXT, True), _str("system", 100), _str("lang", 8), _int("limit", 0, MAX_COUNT),
                _bool("complete"), _bool("include_inactive")], "Codes by name (raremap lookup --json)")
    json_route("/api/map", api.map, [_str("code", MAX_CODE, True), _str("to", 20), _bool("transitive")],
               "Crosswalk (raremap map --json)")
    json_route("/api/umi", api.umi, [_str("code", MAX_CODE, True)], "UMI assessment (raremap umi --json)")
    json_route("/api/concept", api.concept, [_str("code", MAX_CODE, True)], "A code (raremap show --json)")

    @app.get("/api/releases", response_class=Response, summary="The loaded releases",
             openapi_extra={"responses": _JSON_RESPONSES})
    def releases() -> Response:
        return _json(api.releases())

    @app.get("/health", response_class=Response, summary="Liveness and what is loaded",
             openapi_extra={"responses": _JSON_RESPONSES})
    def health() -> Response:
        return _json({"status": "ok", "concepts": len(rm), "releases": [r.id for r in rm.releases]})

    @app.get("/", response_class=Response, include_in_schema=False)
    def index() -> Response:
        return _page(page, "index.html")

    @app.get("/static/{name}", response_class=Response, include_in_schema=False)
    def static(name: str) -> Response:
        if name not in PAGE_FILES or name == "index.html":
            raise RequestError(404, "no such file", code="not-found")
        return _page(page, name)

    @app.exception_handler(RequestError)
    async def request_error(request: Request, err: RequestError) -> Response:
        return _error(request, err.status, err.message, err.code, err.parameter)

    @app.exception_handler(InvalidCodeError)
    async def invalid_code(request: Request, err: InvalidCodeError) -> Response:
        return _error(request, 400, str(err), "code-invalid")

    @app.exception_handler(UnknownCodeError)
    async def unknown_code(request: Request, err: UnknownCodeError) -> Response:
        return _error(request, 404, str(err), "not-found")

    @app.exception_handler(UsageError)
    async def usage(request: Request, err: UsageError) -> Response:
        return _error(request, 400, str(err), "invalid")

    @app.exception_handler(RaremapError)
    async def raremap_error(request: Request, err: RaremapError) -> Response:
        return _error(request, 400, str(err), "processing")

    @app.exception_handler(RequestValidationError)
    async def validation(request: Request, err: RequestValidationError) -> Response:
        return _error(request, 400, "invalid request", "invalid")

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, err: HTTPException) -> Response:
        code = {404: "not-found", 405: "not-supported"}.get(err.status_code, "invalid")
        message = {404: f"no such endpoint: {request.url.path[:200]}",
                   405: f"{request.method} is not allowed here (the server is read-only)"}.get(err.status_code,
                                                                                          str(err.detail))
        response = _error(request, err.status_code, message, code)
        if err.headers:
            response.headers.update(err.headers)
        return response

    @app.exception_handler(Exception)
    async def internal(request: Request, err: Exception) -> Response:
        log.exception("internal error answering %s %s", request.method, request.url.path)
        return _error(request, 500, "internal server error", "exception")

    origins = list(cors_origins)
    if origins:
        app.add_middleware(CORSMiddleware, allow_origins=origins, allow_methods=["GET", "POST"],
                           allow_headers=["Accept", "Content-Type"])
    app.add_middleware(Guard, timeout=timeout)
    return app


class Guard:
    """ASGI middleware: request bodies above :data:`MAX_BODY` bytes get 413, a request not answered
    within ``timeout`` seconds gets 503, every response gets ``nosniff`` and ``no-referrer``."""

    def __init__(self, app: ASGIApp, timeout: float) -> None:
        self.app = app
        self.timeout = timeout

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope.get("headers", ()):
            if name == b"content-length" and (not value.isdigit() or int(value) > MAX_BODY):
                await _send_plain(send, 413, f"the request body is larger than {MAX_BODY} bytes")
                return
        started = False
        received = 0

        async def counted_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > MAX_BODY:
                    raise RequestError(413, f"the request body is larger than {MAX_BODY} bytes", code="too-costly")
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                message = {**message, "headers": [*message.get("headers", []), *_SECURITY_HEADERS]}
            await send(message)

        try:
            await asyncio.wait_for(self.app(scope, counted_receive, guarded_send), self.timeout)
        except asyncio.TimeoutError:
            if not started:
                await _send_plain(send, 503, f"the request took longer than {self.timeout:g} s", "timeout")


async def _send_plain(send: Send, status: int, message: str, code: str = "too-costly") -> None:
    body = json.dumps(fhir.outcome(message, code=code), ensure_ascii=False).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", fhir.MEDIA_TYPE.encode()), (b"content-length", str(len(body)).encode()),
                            *_SECURITY_HEADERS]})
    await send({"type": "http.response.body", "body": body})


def _query(request: Request) -> list[tuple[str, str]]:
    return [(k, v) for k, v in request.query_params.multi_items() if not k.startswith("_")]


async def _parameters_body(request: Request) -> Any:
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind not in ("application/fhir+json", "application/json"):
        raise RequestError(415, "send the Parameters resource as application/fhir+json", code="not-supported")
    raw = await request.body()
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise RequestError(400, "the body is not valid JSON", code="structure") from None


async def _in_thread(call: Callable[[Args], dict[str, Any]], args: Args) -> dict[str, Any]:
    return await run_in_threadpool(call, args)


def _fhir(resource: dict[str, Any], status: int = 200) -> Response:
    return Response(json.dumps(resource, ensure_ascii=False, separators=(",", ":")), status_code=status,
                    media_type=fhir.MEDIA_TYPE)


def _json(data: dict[str, Any], status: int = 200) -> Response:
    return Response(json.dumps(data, ensure_ascii=False, separators=(",", ":"), default=str), status_code=status,
                    media_type="application/json")


def _error(request: Request, status: int, message: str, code: str, parameter: str = "") -> Response:
    if request.url.path.startswith("/api/"):
        return _json({"error": {"status": status, "message": message, "parameter": parameter or None}}, status)
    return _fhir(fhir.outcome(message, code=code, parameter=parameter), status)


def _page(page: dict[str, bytes], name: str) -> Response:
    response = Response(page[name], media_type=PAGE_FILES[name])
    response.headers["content-security-policy"] = _PAGE_CSP
    response.headers["cache-control"] = "no-cache"
    return response


# --- OpenAPI description of the query parameters -----------------------------------------

def _str(name: str, max_length: int, required: bool = False) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": required, "schema": {"type": "string", "maxLength": max_length}}


def _uri(name: str, required: bool) -> dict[str, Any]:
    return _str(name, MAX_URI, required)


def _int(name: str, low: int, high: int) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "schema": {"type": "integer", "minimum": low, "maximum": high}}


def _bool(name: str) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "schema": {"type": "boolean"}}


def _enum(name: str, values: list[str]) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "schema": {"type": "string", "enum": values}}


def _lang() -> dict[str, Any]:
    return _str("displayLanguage", 35)


def _list(name: str, values: Iterable[str]) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "explode": True,
            "schema": {"type": "array", "maxItems": 20, "items": {"type": "string", "enum": list(values)}}}


_OUTCOME = {"description": "OperationOutcome", "content": {fhir.MEDIA_TYPE: {"schema": {"type": "object"}}}}
_RESPONSES = {"200": {"description": "FHIR resource", "content": {fhir.MEDIA_TYPE: {"schema": {"type": "object"}}}},
              "400": _OUTCOME, "404": _OUTCOME, "413": _OUTCOME, "415": _OUTCOME, "503": _OUTCOME}
_JSON_ERROR = {"description": "error", "content": {"application/json": {"schema": {"type": "object"}}}}
_JSON_RESPONSES = {"200": {"description": "JSON", "content": {"application/json": {"schema": {"type": "object"}}}},
                   "400": _JSON_ERROR, "404": _JSON_ERROR}
_PARAMETERS_BODY = {"required": True, "content": {fhir.MEDIA_TYPE: {"schema": {"type": "object"}}}}
