"""Release diff: what changed between two loaded terminologies, per code system.

Kinds of change: ``added`` (new code), ``retired`` (active before, inactive or gone now, with
its replacement), ``reactivated``, ``status`` (another inactive status), ``renamed`` (preferred
label), ``parents`` (hierarchy), ``mapping_added``, ``mapping_removed``, ``mapping_relation``
(same target, other relation or ICD relation: e.g. an ORPHA code that gained a specific ICD-10
code, which changes its UMI flag).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass

from ..model import Concept, Mapping
from .rare_map import RareMap

KINDS = ("added", "retired", "reactivated", "status", "renamed", "parents",
         "mapping_added", "mapping_removed", "mapping_relation")


@dataclass(frozen=True, slots=True)
class Change:
    system: str
    code: str
    kind: str
    old: str = ""
    new: str = ""
    detail: str = ""


def diff(old: RareMap, new: RareMap, *, systems: Iterable[str] | None = None,
         codes: Iterable[str] | None = None) -> list[Change]:
    """Every change from ``old`` to ``new``, sorted by system, code and kind.

    ``codes`` restricts the diff to those codes (any spelling; e.g. a registry's stored codes).
    """
    wanted_systems = set(systems) if systems is not None else None
    old_codes, new_codes = set(old._index), set(new._index)
    scope = old_codes | new_codes
    if codes is not None:
        scope = {_canonical(old, new, c) for c in codes} & scope
    changes: list[Change] = []
    for code in sorted(scope):
        a = old.concept(code) if code in old_codes else None
        b = new.concept(code) if code in new_codes else None
        system = (a or b).system  # type: ignore[union-attr]
        if wanted_systems is not None and system not in wanted_systems:
            continue
        changes.extend(_concept_changes(system, code, a, b))
        changes.extend(_mapping_changes(system, code, old.mappings(code) if a else [], new.mappings(code) if b else []))
    return changes


def _canonical(old: RareMap, new: RareMap, code: str) -> str:
    for rm in (new, old):
        try:
            return rm.resolve(code)
        except (KeyError, ValueError):
            continue
    return code


def _concept_changes(system: str, code: str, a: Concept | None, b: Concept | None) -> list[Change]:
    if a is None and b is not None:
        return [Change(system, code, "added", new=b.label, detail=str(b.status))]
    if b is None and a is not None:
        return [Change(system, code, "retired", old=a.label, detail="no longer in the release")]
    assert a is not None and b is not None
    found = []
    if a.status != b.status:
        replacement = ", ".join(f"{r.relation} {r.target}" for r in b.replaced_by)
        kind = "retired" if a.active else "reactivated" if b.active else "status"
        found.append(Change(system, code, kind, old=str(a.status), new=str(b.status), detail=replacement))
    if a.label != b.label:
        found.append(Change(system, code, "renamed", old=a.label, new=b.label))
    if set(a.parents) != set(b.parents):
        found.append(Change(system, code, "parents", old=" ".join(sorted(a.parents)), new=" ".join(sorted(b.parents)),
                            detail=_delta(set(a.parents), set(b.parents))))
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
    return json.dumps([asdict(c) for c in changes], ensure_ascii=False, indent=1)


def to_csv(changes: list[Change]) -> str:
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
