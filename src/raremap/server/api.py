"""A small JSON API for clients that do not speak FHIR and for the lookup page; the shapes mirror
the CLI's ``--json`` output (``raremap lookup/map/umi/show --json``)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from ..errors import InvalidCodeError, UnknownCodeError
from ..services.rare_map import RareMap
from .params import MAX_CODE, MAX_COUNT, Args, RequestError

Json = dict[str, Any]


class JsonApi:
    """``/api/lookup``, ``/api/map``, ``/api/umi``, ``/api/concept`` over one :class:`RareMap`."""

    def __init__(self, rm: RareMap) -> None:
        self.rm = rm

    def lookup(self, args: Args) -> Json:
        """``rm.lookup`` (or ``rm.complete`` with ``complete=true``): ``{"query", "matches"}``."""
        text = args.text("q", required=True) or ""
        systems = args.texts("system") or None
        langs = args.texts("lang", limit=8) or None
        limit = args.integer("limit", 10, 0, MAX_COUNT)
        include_inactive = args.flag("include_inactive", False)
        find = self.rm.complete if args.flag("complete", False) else self.rm.lookup
        try:
            matches = find(text, system=systems, lang=langs[0] if langs and len(langs) == 1 else langs, limit=limit,
                           include_inactive=include_inactive)
        except InvalidCodeError as err:
            raise RequestError(400, f"unknown code system {err.code!r}", parameter="system") from None
        return {"query": text, "matches": [asdict(m) for m in matches]}

    def map(self, args: Args) -> Json:
        """``rm.crosswalk``: ``{"code", "to", "mappings"}``."""
        code = self._code(args)
        to = args.text("to", limit=20)
        try:
            source = self.rm.crosswalker.resolve(code)
            maps = self.rm.crosswalk(source, to, transitive=args.flag("transitive", True))
        except InvalidCodeError as err:
            parameter = "to" if to is not None and err.code == to else "code"
            raise RequestError(400, str(err), code="code-invalid", parameter=parameter) from None
        except UnknownCodeError as err:
            raise RequestError(404, str(err), code="not-found", parameter="code") from None
        return {"code": source, "to": to, "mappings": [asdict(m) for m in maps]}

    def umi(self, args: Args) -> Json:
        """``rm.umi``: the fields of ``raremap umi --json``, plus ``labels`` of the codes it names."""
        code = self._code(args)
        try:
            a = self.rm.umi(code)
        except InvalidCodeError as err:
            raise RequestError(400, str(err), code="code-invalid", parameter="code") from None
        except UnknownCodeError as err:
            raise RequestError(404, str(err), code="not-found", parameter="code") from None
        data: Json = {k: getattr(a, k) for k in ("code", "label", "query", "specific_icd10", "specific_icd11",
                                                  "needs_attention", "recommended", "reason", "specific_to")}
        for k in ("icd10", "icd10se", "icd11", "snomed", "covers"):
            data[k] = [asdict(m) for m in getattr(a, k)]
        data["rare_diseases"] = a.rare_diseases
        mentioned = [a.code, a.query, *a.recommended, *a.specific_to,
                     *(m.target for k in ("icd10", "icd10se", "icd11", "snomed", "covers") for m in getattr(a, k))]
        data["labels"] = {c: label for c in dict.fromkeys(mentioned) if (label := self._label(c))}
        return data

    def concept(self, args: Args) -> Json:
        """``rm.concept`` and ``rm.mappings``: ``{"concept", "mappings"}`` as ``raremap show --json``."""
        code = self._code(args)
        try:
            c = self.rm.concept(code)
        except InvalidCodeError as err:
            raise RequestError(400, str(err), code="code-invalid", parameter="code") from None
        except UnknownCodeError as err:
            raise RequestError(404, str(err), code="not-found", parameter="code") from None
        concept = asdict(c)
        concept["status"] = str(c.status)
        return {"concept": concept, "mappings": [asdict(m) for m in self.rm.mappings(c.code)]}

    def releases(self) -> Json:
        """The loaded releases (``raremap releases --json`` without the snapshot path)."""
        return {"releases": [asdict(r) for r in self.rm.releases]}

    def _label(self, code: str) -> str:
        try:
            return self.rm.concept(code).label
        except (InvalidCodeError, UnknownCodeError):
            return ""  # a mapped-only code (ICD-10-GM) has no concept

    def _code(self, args: Args) -> str:
        return args.text("code", limit=MAX_CODE, required=True) or ""
