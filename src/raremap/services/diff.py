"""Release diff: what changed between two loaded terminologies, per code system.

Kinds of change: ``added`` (new code), ``retired`` (active before, inactive or gone now, with
its replacement), ``reactivated``, ``status`` (another inactive status, or an inactive code
gone), ``replacement`` (an inactive code now referred to another code), ``renamed`` (preferred
label in a language both releases state; ``detail`` names the language), ``kind`` (e.g.
Orphanet's classification level: disorder → group), ``parents`` (hierarchy),
``mapping_added``, ``mapping_removed``, ``mapping_relation`` (same target, other relation or ICD
relation: e.g. an ORPHA code that gained a specific ICD-10 code, which changes its UMI flag).
Mappings are compared for every source code, also codes that are only mapped (ICD10GM in
Alpha-ID-SE, ICD-11 codes of the WHO tables without the ICD-11 tabulation).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass

from .. import codes as _codes
from ..errors import InvalidCodeError
from ..model import Concept, Mapping
from .terminology import Terminology

KINDS = ("added", "retired", "reactivated", "status", "replacement", "renamed", "kind", "parents",
         "mapping_added", "mapping_removed", "mapping_relation")


@dataclass(frozen=True, slots=True)
class Change:
    """One difference between two releases for one code (``kind``: one of :data:`KINDS`), with
    the ``old`` and ``new`` value and a ``detail``."""

    system: str
    code: str
    kind: str
    old: str = ""
    new: str = ""
    detail: str = ""


def diff(old: Terminology, new: Terminology, *, systems: Iterable[str] | None = None,
         codes: Iterable[str] | None = None) -> list[Change]:
    """Every change from ``old`` to ``new``, sorted by system, code and kind.

    ``systems`` restricts the diff to code systems (any spelling: ``"orpha"``, ``"ICD-10-SE"``).
    ``codes`` restricts it to those codes (any spelling; e.g. a registry's stored codes); see
    :func:`scope` for the codes neither release knows.
    """
    wanted = {_codes.system_named(s).value for s in systems} if systems is not None else None
    in_scope, _ = scope(old, new, codes)
    old_sources, new_sources = old.mapping_rows_by_source(), new.mapping_rows_by_source()
    changes: list[Change] = []
    for code in sorted(in_scope):
        a = old.concept(code) if old.has_concept(code) else None
        b = new.concept(code) if new.has_concept(code) else None
        known = a or b
        system = known.system if known is not None else _codes.system_of(code)
        if wanted is not None and system not in wanted:
            continue
        changes.extend(_concept_changes(system, code, a, b))
        changes.extend(_mapping_changes(system, code, old.mappings(code) if code in old_sources or a else [],
                                        new.mappings(code) if code in new_sources or b else []))
    return changes


def scope(old: Terminology, new: Terminology, codes: Iterable[str] | None = None) -> tuple[set[str], list[str]]:
    """The canonical codes a diff covers (concepts and mapped source codes of either release),
    restricted to ``codes`` when given, and the given codes that neither release knows."""
    known = (set(old.concept_rows()) | set(new.concept_rows()) | set(old.mapping_rows_by_source())
             | set(new.mapping_rows_by_source()))
    if codes is None:
        return known, []
    found: set[str] = set()
    unknown: list[str] = []
    for code in codes:
        canonical = _canonical(old, new, code, known)
        if canonical is None:
            unknown.append(code)
        else:
            found.add(canonical)
    return found, unknown


def _canonical(old: Terminology, new: Terminology, code: str, known: set[str]) -> str | None:
    for rm in (new, old):
        try:
            return rm.resolve(code)
        except (KeyError, ValueError, InvalidCodeError):
            continue
    try:
        candidates = _codes.candidates(code)
    except InvalidCodeError:
        return None
    return next((str(c) for c in candidates if str(c) in known), None)


def _concept_changes(system: str, code: str, a: Concept | None, b: Concept | None) -> list[Change]:
    if a is None and b is None:
        return []
    if a is None and b is not None:
        return [Change(system, code, "added", new=b.label, detail=str(b.status))]
    if b is None and a is not None:
        if not a.active:  # already inactive: its status changes, it is not retired again
            return [Change(system, code, "status", old=str(a.status), new="absent", detail="no longer in the release")]
        return [Change(system, code, "retired", old=a.label, detail="no longer in the release")]
    assert a is not None and b is not None
    found = []
    if a.status != b.status:
        replacement = _replacements(b)
        kind = "retired" if a.active else "reactivated" if b.active else "status"
        found.append(Change(system, code, kind, old=str(a.status), new=str(b.status), detail=replacement))
    elif not b.active and set(a.replaced_by) != set(b.replaced_by):  # still inactive, referred elsewhere
        found.append(Change(system, code, "replacement", old=_replacements(a), new=_replacements(b),
                            detail=str(b.status)))
    found.extend(Change(system, code, "renamed", old=before, new=after, detail=lang)
                 for lang, before, after in _renamed(a, b))
    if a.kind and b.kind and a.kind != b.kind:  # a release that states no kind (MasterFile) changes none
        found.append(Change(system, code, "kind", old=a.kind, new=b.kind))
    if set(a.parents) != set(b.parents):
        found.append(Change(system, code, "parents", old=" ".join(sorted(a.parents)), new=" ".join(sorted(b.parents)),
                            detail=_delta(set(a.parents), set(b.parents))))
    return found


def _replacements(c: Concept) -> str:
    return ", ".join(f"{r.relation} {r.target}" for r in c.replaced_by)


def _renamed(a: Concept, b: Concept) -> list[tuple[str, str, str]]:
    """(language, old, new) for each language both state a preferred label in that differs; a
    label in another language is a translation, not a new name. ``language`` gets
    ``", spacing or case only"`` when nothing but spaces or letter case changed."""
    common = sorted(a.labels.keys() & b.labels.keys())
    pairs = [(lang, a.labels[lang], b.labels[lang]) for lang in common]
    if not a.labels and not b.labels:
        pairs = [("", a.label, b.label)]
    found = []
    for lang, before, after in pairs:
        if before == after:
            continue
        cosmetic = " ".join(before.split()).casefold() == " ".join(after.split()).casefold()
        found.append((", ".join(x for x in (lang, "spacing or case only" if cosmetic else "") if x), before, after))
    return found


def _mapping_changes(system: str, code: str, before: list[Mapping], after: list[Mapping]) -> list[Change]:
    def by_target(ms: list[Mapping]) -> dict[str, set[str]]:
        out: dict[str, set[str]] = {}
        for m in ms:
            out.setdefault(m.target, set()).add(_relation(m))
        return out

    a, b = by_target(before), by_target(after)
    found = []
    for target in sorted(a.keys() | b.keys()):
        if target not in a:
            found.append(Change(system, code, "mapping_added", new=" | ".join(sorted(b[target])), detail=target))
        elif target not in b:
            found.append(Change(system, code, "mapping_removed", old=" | ".join(sorted(a[target])), detail=target))
        elif a[target] != b[target]:
            found.append(Change(system, code, "mapping_relation", old=" | ".join(sorted(a[target])),
                                new=" | ".join(sorted(b[target])), detail=target))
    return found


def _relation(m: Mapping) -> str:
    return str(m.relation) + (f"/{m.icd_relation}" if m.icd_relation else "")


def _delta(a: set[str], b: set[str]) -> str:
    return " ".join([f"+{x}" for x in sorted(b - a)] + [f"-{x}" for x in sorted(a - b)])


def to_json(changes: list[Change]) -> str:
    """The changes as a JSON array of objects (non-ASCII letters kept)."""
    return json.dumps([asdict(c) for c in changes], ensure_ascii=False, indent=1)


def to_csv(changes: list[Change]) -> str:
    """The changes as CSV text with a header row."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["system", "code", "kind", "old", "new", "detail"])
    writer.writerows([c.system, c.code, c.kind, c.old, c.new, c.detail] for c in changes)
    return out.getvalue()


def summary(changes: list[Change]) -> dict[str, dict[str, int]]:
    """Counts per system and kind."""
    out: dict[str, dict[str, int]] = {}
    for c in changes:
        per = out.setdefault(c.system, dict.fromkeys(KINDS, 0))
        per[c.kind] += 1
    return out
