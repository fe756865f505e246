"""The FHIR terminology operations, each a thin translation of one call of the Python API:
``$lookup`` → :meth:`RareMap.concept`, ``$validate-code`` → :meth:`RareMap.concept`,
``$subsumes`` → :meth:`RareMap.ancestors`, ``$expand`` → :meth:`RareMap.complete` (grouped by
disease with :func:`~raremap.services.disease_groups.group_matches` for every loaded code) /
:meth:`RareMap.concepts` / :meth:`RareMap.descendants`, ``$translate`` → :meth:`RareMap.crosswalk`
(and :meth:`RareMap.lexical_mappings` with ``lexical=true``), ``$umi`` → :meth:`RareMap.umi`."""

from __future__ import annotations

import itertools
import time
import uuid
from typing import Any

from .. import codes
from ..codes import System
from ..errors import InvalidCodeError, NoMatchError, RaremapError, UnknownCodeError
from ..model import Concept, Mapping
from ..services.disease_groups import group_matches
from ..services.rare_map import RareMap
from . import equivalence, fhir, systems
from .fhir import Json, coding, extension, parameters, part, value
from .params import (DEFAULT_COUNT, MAX_CODE, MAX_COUNT, MAX_OFFSET, MAX_URI, Args, RequestError)

LOOKUP_PROPERTIES = ("kind", "status", "inactive", "parent", "child", "replaced-by", "definition",
                     "umi-needs-attention", "umi-specific-icd10", "umi-specific-icd11")
# an isa value set with a filter keeps the members among this many best name matches
ISA_FILTER_WINDOW = MAX_COUNT
# completions looked at per disease asked for (grouped $expand of every loaded code), at least / at most
GROUP_POOL, GROUP_POOL_MIN, MAX_COMPLETIONS = 4, 24, MAX_COUNT


class Terminology:
    """The FHIR operations over one loaded :class:`RareMap`."""

    def __init__(self, rm: RareMap) -> None:
        self.rm = rm
        self.code_systems = rm.code_systems()
        self.releases = {r.id: r for r in rm.releases}
        # the release answering for most of a system's concepts is its default version
        self.default_version = {s: max(per, key=per.__getitem__) for s, per in self.code_systems.items()}
        created = rm.snapshot.manifest.get("created") or time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        self.date = created

    # --- metadata ------------------------------------------------------------------------

    def metadata(self, args: Args) -> Json:
        mode = args.text("mode", limit=20)
        if mode in (None, "full", "normative"):
            return fhir.capability_statement(self.date)
        if mode == "terminology":
            return fhir.terminology_capabilities(self.date, self.code_systems, self.default_version)
        raise RequestError(400, f"mode is 'full', 'normative' or 'terminology', not {mode!r}", parameter="mode")

    # --- shared reading of system, code, version -----------------------------------------

    def system(self, args: Args, name: str = "system", *, required: bool = True, loaded: bool = True) -> System | None:
        uri = args.text(name, limit=MAX_URI, required=required)
        if uri is None:
            return None
        found = systems.system_of(uri)
        if found is None:
            raise RequestError(404, f"code system {uri!r} is not known to this server (known: "
                               f"{', '.join(systems.URIS.values())})", code="not-found", parameter=name)
        if loaded and found.value not in self.code_systems:
            raise RequestError(404, f"code system {uri} ({found.value}) is not in the loaded releases",
                               code="not-found", parameter=name)
        return found

    def code(self, system: System, code: str, name: str = "code") -> str:
        """Canonical raremap code of ``code`` in ``system`` (400 when it cannot be a code of it)."""
        try:
            return str(codes.parse(code, system))
        except InvalidCodeError as err:
            raise RequestError(400, f"{code!r} is not a valid {system.value} code: {err.reason}",
                               code="code-invalid", parameter=name) from None

    def concept(self, system: System, code: str, name: str = "code") -> Concept:
        """The loaded concept (404 when the loaded releases lack it)."""
        canonical = self.code(system, code, name)
        try:
            return self.rm.concept(canonical)
        except UnknownCodeError:
            raise RequestError(404, f"{canonical} is not in the loaded releases of {systems.uri_of(system)}",
                               code="not-found", parameter=name) from None

    def check_version(self, system: System, args: Args, name: str = "version") -> None:
        wanted = args.text(name, limit=MAX_URI)
        if wanted is None:
            return
        loaded = self.code_systems.get(system.value, {})
        names = {rid for rid in loaded} | {self.releases[rid].version for rid in loaded if rid in self.releases} | {
            self.releases[rid].date for rid in loaded if rid in self.releases}
        if system is System.SCTID:
            names |= {rid.rsplit("_", 1)[-1] for rid in loaded}  # INT_20240701 → 20240701 (version URIs)
        if wanted not in names and wanted.rsplit("/", 1)[-1] not in names:
            raise RequestError(404, f"version {wanted!r} of {systems.uri_of(system)} is not loaded (loaded: "
                               f"{', '.join(sorted(loaded))})", code="not-found", parameter=name)

    def display(self, concept: Concept, lang: str | None) -> str:
        return concept.labels.get(lang, concept.label) if lang else concept.label

    def label(self, code: str, lang: str | None = None) -> str | None:
        try:
            return self.display(self.rm.concept(code), lang)
        except RaremapError:
            return None  # a mapped-only code (ICD-10-GM) has no concept

    def coding_of(self, code: str, lang: str | None = None) -> Json:
        return coding(code, self.label(code, lang))

    # --- CodeSystem/$lookup --------------------------------------------------------------

    def lookup(self, args: Args) -> Json:
        system, code = self._system_code(args)
        concept = self.concept(system, code)
        self.check_version(system, args)
        lang = _language(args)
        wanted = args.texts("property", limit=MAX_CODE)
        unknown = [p for p in wanted if p not in LOOKUP_PROPERTIES and p not in ("designation", "display", "name",
                                                                                 "version")]
        if unknown:
            raise RequestError(400, f"unknown property {unknown[0]!r} (known: {', '.join(LOOKUP_PROPERTIES)})",
                               parameter="property")
        show = set(wanted) if wanted else set(LOOKUP_PROPERTIES) | {"designation"}
        entries: list[Json | None] = [
            value("name", "String", systems.NAMES[system]),
            value("version", "String", concept.release),
            value("display", "String", self.display(concept, lang)),
        ]
        if "designation" in show:
            for term_lang, text in sorted(concept.labels.items()):
                entries.append(part("designation", value("language", "Code", term_lang),
                                    value("use", "Coding", {"system": fhir.TERM_KIND, "code": "preferred"}),
                                    value("value", "String", text)))
            for term in concept.synonyms:
                entries.append(part("designation", value("language", "Code", term.lang),
                                    value("use", "Coding", {"system": fhir.TERM_KIND, "code": str(term.kind)}),
                                    value("value", "String", term.text)))
        props: list[tuple[str, str, Any, str | None]] = []
        if concept.kind:
            props.append(("kind", "Code", concept.kind, None))
        props.append(("status", "Code", str(concept.status), None))
        props.append(("inactive", "Boolean", not concept.active, None))
        props.extend(("parent", "Code", _bare(p), None) for p in concept.parents if _same(p, system))
        props.extend(("parent", "Coding", self.coding_of(p, lang), None) for p in concept.parents if not _same(p, system))
        if "child" in show:
            props.extend(("child", "Code", _bare(c), None) for c in self.rm.children(concept.code) if _same(c, system))
        props.extend(("replaced-by", "Coding", self.coding_of(r.target, lang), r.relation.replace("_", " "))
                     for r in concept.replaced_by)
        if concept.definition:
            props.append(("definition", "String", concept.definition, None))
        if show & {"umi-needs-attention", "umi-specific-icd10", "umi-specific-icd11"}:
            try:
                a = self.rm.umi(concept.code)
            except RaremapError:
                a = None
            if a is not None:
                props.append(("umi-needs-attention", "Boolean", a.needs_attention, None))
                props.append(("umi-specific-icd10", "Boolean", a.specific_icd10, None))
                props.append(("umi-specific-icd11", "Boolean", a.specific_icd11, None))
        for name, kind, content, description in props:
            if name in show and content is not None:
                entries.append(part("property", value("code", "Code", name), value("value", kind, content),
                                    value("description", "String", description)))
        return parameters(*entries)

    def _system_code(self, args: Args, system_name: str = "system", code_name: str = "code",
                     coding_name: str = "coding", *, loaded: bool = True) -> tuple[System, str]:
        given = args.coding(coding_name)
        if given is not None:
            if not given.get("system") or not given.get("code"):
                raise RequestError(400, f"{coding_name} needs a system and a code", parameter=coding_name)
            found = systems.system_of(given["system"])
            if found is None or (loaded and found.value not in self.code_systems):
                raise RequestError(404, f"code system {given['system']!r} is not loaded here", code="not-found",
                                   parameter=coding_name)
            return found, given["code"]
        system = self.system(args, system_name, loaded=loaded)
        assert system is not None
        code = args.text(code_name, limit=MAX_CODE, required=True)
        assert code is not None
        return system, code

    # --- CodeSystem/$validate-code -------------------------------------------------------

    def validate_code(self, args: Args) -> Json:
        given = args.coding("coding")
        if given is not None:
            system_uri, code, display = given.get("system"), given.get("code"), given.get("display")
            if not system_uri or not code:
                raise RequestError(400, "coding needs a system and a code", parameter="coding")
            system = systems.system_of(system_uri)
            if system is None or system.value not in self.code_systems:
                raise RequestError(404, f"code system {system_uri!r} is not loaded here", code="not-found",
                                   parameter="coding")
        else:
            name = "url" if "url" in args else "system"
            system = self.system(args, name)
            assert system is not None
            code = args.text("code", limit=MAX_CODE, required=True)
            display = args.text("display")
        assert code is not None
        self.check_version(system, args)
        try:
            canonical = str(codes.parse(code, system))
            concept = self.rm.concept(canonical)
        except InvalidCodeError as err:
            return parameters(value("result", "Boolean", False),
                              value("message", "String", f"{code!r} is not a valid {system.value} code: {err.reason}"))
        except UnknownCodeError:
            return parameters(value("result", "Boolean", False),
                              value("message", "String", f"Unknown code {canonical} in {systems.uri_of(system)} "
                                                         f"(the loaded releases do not contain it)"))
        messages: list[str] = []
        result = True
        if display is not None:
            names = {concept.label.casefold(), *(t.casefold() for t in concept.labels.values()),
                     *(t.text.casefold() for t in concept.synonyms)}
            if display.strip().casefold() not in names:
                result = False
                messages.append(f"The display {display!r} is not a name of {concept.code}; its display is "
                                f"{concept.label!r}")
        if not concept.active:
            replaced = ", ".join(f"{r.relation.replace('_', ' ')} {r.target}" for r in concept.replaced_by)
            messages.append(f"{concept.code} is inactive ({concept.status})" +
                            (f"; {replaced}" if replaced else "; no replacement stated"))
        return parameters(value("result", "Boolean", result), value("message", "String", ". ".join(messages)),
                          value("display", "String", concept.label))

    # --- CodeSystem/$subsumes ------------------------------------------------------------

    def subsumes(self, args: Args) -> Json:
        given_a, given_b = args.coding("codingA"), args.coding("codingB")
        if given_a is not None and given_b is not None:
            system = systems.system_of(given_a.get("system", ""))
            if system is None or system is not systems.system_of(given_b.get("system", "")):
                raise RequestError(400, "codingA and codingB must be codes of one loaded code system",
                                   parameter="codingA")
            code_a, code_b = given_a.get("code") or "", given_b.get("code") or ""
        else:
            system = self.system(args)
            assert system is not None
            code_a = args.text("codeA", limit=MAX_CODE, required=True) or ""
            code_b = args.text("codeB", limit=MAX_CODE, required=True) or ""
        self.check_version(system, args)
        a = self.concept(system, code_a, "codeA").code
        b = self.concept(system, code_b, "codeB").code
        if a == b:
            outcome = "equivalent"
        elif a in self.rm.ancestors(b):
            outcome = "subsumes"
        elif b in self.rm.ancestors(a):
            outcome = "subsumed-by"
        else:
            outcome = "not-subsumed"
        return parameters(value("outcome", "Code", outcome))

    # --- ValueSet/$expand ----------------------------------------------------------------

    def expand(self, args: Args) -> Json:
        url = args.text("url", limit=MAX_URI, required=True)
        assert url is not None
        filter_text = args.text("filter")
        count = args.integer("count", DEFAULT_COUNT, 0, MAX_COUNT)
        offset = args.integer("offset", 0, 0, MAX_OFFSET)
        active_only = args.flag("activeOnly", True)
        lang = _language(args)
        system, isa = self._value_set(url)
        total: int | None = None
        contains: list[Json] = []
        nested = not args.flag("excludeNested", False)
        if filter_text is not None and filter_text.strip() and system is None:
            contains = self._disease_groups(filter_text, offset, count, lang, active_only, nested)
        elif filter_text is not None and filter_text.strip():
            window = ISA_FILTER_WINDOW if isa else offset + count
            matches = self.rm.complete(filter_text, system=system.value if system else None, limit=window,
                                       include_inactive=not active_only)
            if isa is not None:
                members = self.rm.descendants(isa) | {isa}
                matches = [m for m in matches if m.code in members]
            for m in matches[offset:offset + count]:
                entry = self._contains(m.code, m.label if not lang else self.label(m.code, lang) or m.label,
                                       inactive=not m.status.is_active)
                if m.matched_term != entry.get("display"):
                    entry["designation"] = [{"value": m.matched_term, **({"language": m.matched_lang} if m.matched_lang
                                                                         else {})}]
                entry["extension"] = [e for e in (extension("match", "Code", m.match),
                                                  extension("score", "Decimal", m.score)) if e]
                contains.append(entry)
        elif system is None:
            raise RequestError(400, f"{url} needs a filter (it holds every loaded code)", code="too-costly",
                               parameter="filter")
        elif isa is not None:
            members = sorted(c for c in self.rm.descendants(isa) | {isa} if c.startswith(system.value + ":"))
            if active_only:
                members = [c for c in members if self.rm.concept(c).active]
            total = len(members)
            for code in members[offset:offset + count]:
                concept = self.rm.concept(code)
                contains.append(self._contains(code, self.display(concept, lang), inactive=not concept.active))
        else:
            for concept in itertools.islice(self.rm.concepts(system, active_only=active_only), offset, offset + count):
                contains.append(self._contains(concept.code, self.display(concept, lang), inactive=not concept.active))
        used = [value("filter", "String", filter_text), value("count", "Integer", count),
                value("excludeNested", "Boolean", not nested if system is None else None),
                value("offset", "Integer", offset), value("displayLanguage", "Code", lang),
                value("activeOnly", "Boolean", active_only)]
        expansion: Json = {"identifier": f"urn:uuid:{uuid.uuid4()}",
                           "timestamp": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                           "offset": offset, "parameter": [u for u in used if u is not None]}
        if total is not None:
            expansion["total"] = total
        if contains:
            expansion["contains"] = contains
        return {"resourceType": "ValueSet", "url": url, "status": "active", "expansion": expansion}

    def _disease_groups(self, text: str, offset: int, count: int, lang: str | None, active_only: bool,
                        nested: bool) -> list[Json]:
        """The completions of ``text`` grouped by disease (:func:`group_matches`): one entry per
        disease (``offset``/``count`` page the diseases), its ORPHA code first, the disease's
        ICD-10-SE, ICD-10, ICD-11 and SNOMED CT codes nested under it (``nested``) or right after
        it, each marked with the disease it belongs to."""
        wanted = offset + count
        hits = self.rm.complete(text, limit=min(MAX_COMPLETIONS, max(GROUP_POOL_MIN, GROUP_POOL * wanted)),
                                include_inactive=not active_only)
        out: list[Json] = []
        for d in group_matches(self.rm, self.rm.crosswalker, hits, lang, wanted)[offset:]:
            head = self._contains(d.code, d.label, inactive=not d.status.is_active)
            if d.matched_term != d.label:
                head["designation"] = [{"value": d.matched_term, **({"language": d.matched_lang} if d.matched_lang
                                                                     else {})}]
            head["extension"] = [e for e in (extension("match", "Code", d.match), extension("score", "Decimal", d.score),
                                             extension("matched-code", "Coding", coding(d.matched_code))
                                             if d.matched_code != d.code else None) if e]
            members = []
            for c in d.codes:
                entry = coding(c.code, c.label)
                entry["extension"] = [e for e in (
                    extension("mapping-relation", "Code", str(c.relation)),
                    extension("mapping-basis", "Code", c.basis or "stated"),
                    extension("equivalence", "Code", equivalence.equivalence(c.relation, c.basis)),
                    extension("provenance", "String", c.release),
                    None if nested else extension("disease", "Coding", coding(d.code)),
                ) if e]
                members.append(entry)
            if nested:
                if members:
                    head["contains"] = members
                out.append(head)
            else:
                out += [head, *members]
        return out

    def _value_set(self, url: str) -> tuple[System | None, str | None]:
        """(system, isa code) of an implicit value set URL; (None, None) for every loaded code."""
        if url.rstrip("/") == fhir.ALL_CODES:
            return None, None
        base, sep, query = url.partition("?")
        found = systems.system_of(base) if sep else None
        if found is None or found.value not in self.code_systems or not (
                query == "fhir_vs" or query.startswith("fhir_vs=isa/")):
            raise RequestError(404, f"value set {url!r} is not known: use <system>?fhir_vs, <system>?fhir_vs=isa/<code> "
                               f"or {fhir.ALL_CODES}", code="not-found", parameter="url")
        if query == "fhir_vs":
            return found, None
        return found, self.concept(found, query[len("fhir_vs=isa/"):], "url").code

    def _contains(self, code: str, display: str, *, inactive: bool) -> Json:
        entry: Json = coding(code, display)
        if inactive:
            entry["inactive"] = True
        return entry

    # --- ConceptMap/$translate -----------------------------------------------------------

    def translate(self, args: Args) -> Json:
        url = args.text("url", limit=MAX_URI)
        if url is not None:
            raise RequestError(404, f"ConceptMap {url!r} is not served here: raremap translates from the loaded "
                               "releases; give system, code and targetsystem", code="not-found", parameter="url")
        system, code = self._system_code(args, loaded=False)
        self.check_version(system, args) if system.value in self.code_systems else None
        target = self.system(args, "targetsystem", required=False, loaded=False)
        target_vs = args.text("target", limit=MAX_URI)
        if target is None and target_vs is not None:
            target = systems.system_of(target_vs.partition("?")[0])
            if target is None:
                raise RequestError(404, f"target value set {target_vs!r} is not known: use <system>?fhir_vs",
                                   code="not-found", parameter="target")
        args.flag("reverse", False)  # the matches are the same either way: see README, $translate
        transitive = args.flag("transitive", True)
        canonical = self.code(system, code)
        try:
            source = self.rm.crosswalker.resolve(canonical)
        except UnknownCodeError:
            raise RequestError(404, f"{canonical} is neither a loaded code nor mapped by the loaded releases",
                               code="not-found", parameter="code") from None
        lang = _language(args)
        maps = self.rm.crosswalk(source, target.value if target else None, transitive=transitive)
        if args.flag("lexical", False):  # derived name pairs (basis lexical), never a release's word
            try:
                lexical = self.rm.lexical_mappings(source)
            except UnknownCodeError:
                lexical = []  # a mapped-only code has no name to compare
            maps += [m for m in lexical if target is None or m.target.startswith(target.value + ":")]
        matches = [self._match(m, lang) for m in maps]
        result = any(equivalence.of(m) not in equivalence.NOT_A_TRANSLATION for m in maps)
        message = None
        if not maps:
            message = f"No mapping of {source}" + (f" to {systems.uri_of(target)}" if target else "") + \
                      " in the loaded releases"
        return parameters(value("result", "Boolean", result), value("message", "String", message), *matches)

    def _match(self, m: Mapping, lang: str | None) -> Json:
        provenance = None
        if m.provenance is not None:
            provenance = " / ".join(x for x in (m.provenance.release, m.provenance.file, m.provenance.position) if x)
        ext = [e for e in (
            extension("mapping-relation", "Code", str(m.relation)),
            extension("mapping-basis", "Code", m.basis or "stated"),
            extension("icd-relation", "Code", str(m.icd_relation) if m.icd_relation else None),
            extension("validated", "Boolean", m.validated),
            extension("provenance", "String", provenance),
            extension("note", "String", m.note),
            extension("qualifier", "String", m.qualifier),
            extension("lexical-score", "Decimal", m.score),
            extension("lexical-names", "String", " = ".join(m.matched) if m.matched else None),
        ) if e is not None]
        products = [part("product", value("element", "Uri", f"{fhir.EXT}/via"),
                         value("concept", "Coding", self.coding_of(v, lang))) for v in m.via]
        return part("match", value("equivalence", "Code", equivalence.of(m)),
                    value("concept", "Coding", self.coding_of(m.target, lang)), *products, extension=ext)

    # --- CodeSystem/$umi -----------------------------------------------------------------

    def umi(self, args: Args) -> Json:
        if "text" in args:
            if "code" in args or "coding" in args:
                raise RequestError(400, "give either text (a diagnosis name) or system and code, not both",
                                   parameter="text")
            text = args.text("text", required=True) or ""
            if not text.strip():
                raise RequestError(400, "parameter 'text' is empty: give a diagnosis name", parameter="text")
            try:
                a = self.rm.umi_by_name(text)
            except NoMatchError:
                raise RequestError(404, f"no disease or code of the loaded releases matches the name {text!r}",
                                   code="not-found", parameter="text") from None
        else:
            system, code = self._system_code(args, loaded=False)
            canonical = self.code(system, code)
            try:
                a = self.rm.umi(canonical)
            except UnknownCodeError:
                raise RequestError(404, f"{canonical} is neither a loaded code nor mapped by the loaded releases",
                                   code="not-found", parameter="code") from None
        entries: list[Json | None] = [
            value("code", "Coding", self.coding_of(a.code)),
            value("query", "Coding", self.coding_of(a.query)),
        ]
        if a.resolved is not None:
            d = a.resolved
            entries.append(part("resolved", value("text", "String", a.name), value("concept", "Coding", self.coding_of(d.code)),
                                value("matched-term", "String", d.matched_term),
                                value("matched-code", "Coding", self.coding_of(d.matched_code)),
                                value("score", "Decimal", d.score)))
        entries += [
            value("specific-icd10", "Boolean", a.specific_icd10),
            value("specific-icd11", "Boolean", a.specific_icd11),
            value("needs-attention", "Boolean", a.needs_attention),
        ]
        entries += [value("recommended", "Coding", self.coding_of(c)) for c in a.recommended]
        entries += [part("reason", value("language", "Code", lang), value("value", "String", text))
                    for lang, text in sorted(a.reason.items())]
        for m in (*a.icd10se, *a.icd11, *a.snomed):
            entries.append(self._candidate("candidate", m))
        for m in a.covers:
            entries.append(self._candidate("covers", m))
        if a.covers:
            entries.append(value("rare-diseases", "Integer", a.rare_diseases))
        entries += [value("specific-to", "Coding", self.coding_of(c)) for c in a.specific_to]
        return parameters(*entries)

    def _candidate(self, name: str, m: Mapping) -> Json:
        ext = [e for e in (extension("mapping-relation", "Code", str(m.relation)),
                           extension("mapping-basis", "Code", m.basis or "stated")) if e]
        return part(name, value("concept", "Coding", self.coding_of(m.target)),
                    value("equivalence", "Code", equivalence.of(m)), extension=ext)


def _language(args: Args) -> str | None:
    lang = args.text("displayLanguage", limit=35)
    if not lang:
        return None
    primary = lang.split(",")[0].split(";")[0].strip().split("-")[0].lower()
    if not primary.isalpha() or len(primary) > 8:
        raise RequestError(400, f"displayLanguage {lang!r} is not a language tag", parameter="displayLanguage")
    return primary


def _bare(code: str) -> str:
    return codes.value_of(code)


def _same(code: str, system: System) -> bool:
    return code.startswith(system.value + ":")
