"""SNOMED CT RF2 reader: concepts with terms per language, IS-A edges, ICD-10 and Orphanet maps.

Reads Snapshot releases (International and national editions; Full files when no Snapshot is
present, keeping the latest row per id) from folders or directly from release zips. One input is
one package; a national extension package (e.g. Swedish, ``SE1000052``) is read together with
the newest International package found beside it, because it only adds descriptions and
refset members to International concepts (formats.md §5).

Emits, after the :class:`Release`:

* ``Concept("SCTID:<id>", "SCTID")`` for every concept row (active and inactive): ``label`` =
  English preferred term (US, else GB language refset; else the FSN without semantic tag),
  ``labels`` per language (Swedish refset 46011000052107 -> ``labels["sv"]``), ``synonyms`` =
  the other acceptable/preferred descriptions (FSN as :attr:`TermKind.FSN`), ``definition`` =
  text definition, ``kind`` = semantic tag, ``attributes``: fsn, semantic_tag, module,
  definition_status (primitive/defined), effective_time, inactivation_reason; ``replaced_by``
  from the historical association refsets.
* ``AddedTerm`` for descriptions of concepts that have no concept row in the input.
* ``Edge(child, parent, "snomed")`` for active inferred IS-A relationships.
* ``Mapping`` SCTID -> ORPHA (simple map 784008009) and SCTID -> ICD10 (extended map 447562003,
  every active row with a target, rule/advice in the qualifier); both ``Relation.UNSPECIFIED``.
  Other map refsets (UK ICD-10 999002271000000101, OPCS, CTV3, ...) are counted, not emitted:
  the UK map targets the UK ICD-10 edition with its own conventions, not WHO ICD-10.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from ... import codes
from ...codes import System, verhoeff_valid
from ...errors import InvalidCodeError, ReleaseFormatError
from ...model import (
    AddedTerm,
    Concept,
    Edge,
    Mapping,
    Provenance,
    Record,
    Relation,
    Release,
    Replacement,
    Status,
    Term,
    TermKind,
)
from ...release_input import ReadContext
from ..formats import rf2
from ..formats.rf2 import LINE

# --- identifiers (formats.md §5.3) -----------------------------------------------------------
IS_A = 116680003
INFERRED = 900000000000011006
FSN = 900000000000003001
TEXT_DEFINITION = 900000000000550004
PREFERRED = 900000000000548007
ACCEPTABLE = 900000000000549004
US_ENGLISH = 900000000000509007
GB_ENGLISH = 900000000000508004
SWEDISH = 46011000052107
CONCEPT_INACTIVATION = 900000000000489007
ICD10_MAP = 447562003
ORPHANET_MAP = 784008009

DEFINITION_STATUS = {"900000000000074008": "primitive", "900000000000073002": "defined"}

ASSOCIATIONS = {
    900000000000527005: "same_as",
    900000000000526001: "replaced_by",
    900000000000523009: "possibly_equivalent_to",
    1186921001: "possibly_replaced_by",
    1186924009: "partially_equivalent_to",
    900000000000530003: "alternative",
    900000000000528000: "was_a",
    900000000000524003: "moved_to",
    900000000000525002: "moved_from",
    900000000000531004: "refers_to",
    900000000000529008: "similar_to",
}
_NOT_A_REPLACEMENT = {"moved_from"}  # points from the new concept back to the old one

INACTIVATION_REASONS = {
    900000000000482003: "duplicate",
    900000000000483008: "outdated",
    900000000000484002: "ambiguous",
    900000000000485001: "erroneous",
    900000000000486000: "limited",
    900000000000487009: "moved elsewhere",
    900000000000492006: "pending move",
    900000000000495008: "concept non-current",
    723277005: "nonconformance to editorial policy",
    1186917008: "classification derived component",
    1186919006: "meaning of component unknown",
}

LICENCE = (
    "SNOMED CT is distributed by SNOMED International under the SNOMED CT Affiliate License "
    "(free of charge in member countries such as Sweden); see https://www.snomed.org/snomed-ct/get-snomed."
)
_CHUNK_ROWS = 1 << 18
_EXTENSION_TOKEN = re.compile(r"^[A-Z]{2}\d{7}$")  # SE1000052, GB1000000, DK1000005 ...
_SEMANTIC_TAG = re.compile(r"^(.*\S)\s*\(([^()]+)\)$")
_ICD10_TARGET = re.compile(r"^([A-Z]\d{2})\.?([0-9X]{0,2}?)\s?([AD*+\u2020]?)$")

# acceptability per description, one base-4 digit per language refset slot: 2 preferred, 1 acceptable
_US, _GB, _SV, _OTHER = 0, 2, 4, 6
_TYPE_FSN, _TYPE_SYNONYM, _TYPE_DEFINITION = 1, 2, 3

CONCEPT_COLUMNS = ("id", "effectiveTime", "active", "moduleId", "definitionStatusId")
DESCRIPTION_COLUMNS = ("id", "effectiveTime", "active", "conceptId", "languageCode", "typeId", "term")
LANGUAGE_COLUMNS = ("id", "effectiveTime", "active", "refsetId", "referencedComponentId", "acceptabilityId")
ASSOCIATION_COLUMNS = ("id", "effectiveTime", "active", "refsetId", "referencedComponentId", "targetComponentId")
ATTRIBUTE_COLUMNS = ("id", "effectiveTime", "active", "refsetId", "referencedComponentId", "valueId")
RELATIONSHIP_COLUMNS = ("id", "effectiveTime", "active", "sourceId", "destinationId", "typeId", "characteristicTypeId")
MAP_COLUMNS = ("id", "effectiveTime", "active", "refsetId", "referencedComponentId", "mapGroup", "mapPriority",
               "mapRule", "mapAdvice", "mapTarget", "correlationId", "mapCategoryId")


def sctid_problem(value: str) -> str | None:
    """Why ``value`` is not a valid SCTID (partition, Verhoeff check digit), or None."""
    if (6 <= len(value) <= 18 and value.isdigit() and value[0] != "0" and value[-3] in "01"
            and value[-2] in "012345" and verhoeff_valid(value)):
        return None
    try:
        codes.parse(value, System.SCTID)
    except InvalidCodeError as err:
        return err.reason
    return None


def icd10_target(published: str) -> tuple[str, str]:
    """Canonical WHO ICD-10 code and marker (``*``/``†``) of an extended-map target.

    Accepts dotted (``Q99.9``), undotted (``I500``, the R package copies) and UK-style spellings
    (``I394 A`` asterisk, ``…D`` dagger, 4th-character filler ``X``). Raises InvalidCodeError.
    """
    m = _ICD10_TARGET.match(published.strip().upper())
    if m is None:
        raise InvalidCodeError(published, "not an ICD-10 code")
    head, tail, suffix = m.groups()
    tail = tail.rstrip("X")  # UK filler: A33X is the 3-character code A33
    marker = {"A": "*", "*": "*", "D": "\u2020", "+": "\u2020", "\u2020": "\u2020"}.get(suffix, "")
    return codes.canonical(f"{head}.{tail}" if tail else head, System.ICD10), marker


class SnomedRf2Reader:
    """SNOMED CT RF2 release packages (folders or zips)."""

    name = "snomed-rf2"
    discovery_order = 500  # sources.readers(): a file claimed earlier is not offered later

    def find(self, files: Sequence[Path]) -> list[tuple[Path, ...]]:
        """One group per package; national extensions join the newest International package."""
        found = rf2.packages(files)
        bases = [p for p in found if p.token == "INT" and p.has_concepts]
        newest = max(bases, key=lambda p: (p.date, str(p.source))) if bases else None
        extensions = [p for p in found if newest is not None and p is not newest and _EXTENSION_TOKEN.match(p.token)]
        joined = {id(p) for p in extensions} | {id(newest)}
        groups = [tuple(p.paths) for p in found if id(p) not in joined]
        if newest is not None:
            groups.append(tuple(newest.paths + [path for e in extensions for path in e.paths]))
        return groups

    def read(self, files: tuple[Path, ...], ctx: ReadContext) -> Iterator[Record]:
        """Release, then concepts (and added terms), IS-A edges, mappings."""
        found = sorted(rf2.packages(files), key=lambda p: (p.token != "INT", p.token, p.date))
        if not found:
            name = files[0].name if files else "?"
            raise ReleaseFormatError(name, "file", "no SNOMED CT RF2 Snapshot or Full files found")
        release = self._release(found, files, ctx)
        yield release
        run = _SnomedReadState(ctx, release.id, found)
        yield from run.concepts()
        yield from run.edges()
        yield from run.mappings()

    def _release(self, found: list[rf2.Package], files: tuple[Path, ...], ctx: ReadContext) -> Release:
        version = "+".join(p.version for p in found)
        date = max((p.date for p in found), default="")
        names = [("SNOMED CT International Edition" if p.token == "INT" else f"SNOMED CT {p.token} ({p.label})") for p in found]
        licence = next((text for text in (p.licence() for p in found) if text), LICENCE)
        return Release(
            id=f"{self.name}:{version}",
            system=System.SCTID.value,
            name=" + ".join(names),
            version=version,
            date=f"{date[:4]}-{date[4:6]}-{date[6:]}" if date else "",
            files=tuple(ctx.source_file(p) for p in files),
            licence=licence,
            bundled_sample=ctx.bundled_sample,
        )


READER = SnomedRf2Reader()
READERS = (READER,)


class _Cursor:
    """Rows sorted by an integer key (first tuple item), handed out one key at a time."""

    def __init__(self, rows: Iterator[tuple]) -> None:
        self._rows = rows
        self._next = next(rows, None)

    def before(self, key: int | None) -> Iterator[tuple[int, list[tuple]]]:
        """Groups with keys below ``key`` (all remaining groups for None)."""
        while self._next is not None and (key is None or self._next[0] < key):
            first = self._next[0]
            yield first, self._group(first)

    def take(self, key: int) -> list[tuple]:
        """Rows of ``key`` (groups below it must have been consumed)."""
        if self._next is not None and self._next[0] == key:
            return self._group(key)
        return []

    def _group(self, key: int) -> list[tuple]:
        rows = []
        while self._next is not None and self._next[0] == key:
            rows.append(self._next)
            self._next = next(self._rows, None)
        return rows


@dataclass
class _Assembly:
    """What one concept's descriptions say."""

    labels: dict[str, str]
    synonyms: tuple[Term, ...]
    fsn: str
    definition: str | None


class _SnomedReadState:
    """State of one read: the files, the ids known valid, the counters."""

    def __init__(self, ctx: ReadContext, release_id: str, found: list[rf2.Package]) -> None:
        self.ctx = ctx
        self.report = ctx.report
        self.release = release_id
        self.files: list[tuple[rf2.Rf2File, str]] = [(f, self._display(f)) for p in found for f in p.files]
        # Full files hold every version of a component: keep the latest row per id. Packages read
        # together (International + extension) do not share components; a concept row that does
        # appear twice is resolved by effectiveTime in the concept loop.
        self.dedupe = any(f.type == "Full" for f, _ in self.files)
        self.valid: set[int] = set()
        self._checked: dict[int, str | None] = {}
        self._targets: dict[str, tuple[str, str] | InvalidCodeError] = {}  # ICD-10 map targets parsed once

    def _display(self, f: rf2.Rf2File) -> str:
        rel = self.ctx.relative(f.container)
        return f"{rel}!/{f.member}" if f.member is not None else rel

    def _where(self, line_value: int) -> tuple[str, str]:
        index, line = rf2.split_line(line_value)
        return self.files[index][1], f"line {line}"

    def _skip(self, line_value: int, reason: str, detail: object = "") -> None:
        file, position = self._where(line_value)
        self.report.skip(file, f"{position} ({detail})" if detail != "" else position, reason)

    def _bad_id(self, line_value: int, column: str, value: str) -> None:
        self._skip(line_value, f"{column} is not a numeric identifier", repr(value))

    def _problem(self, sctid: int) -> str | None:
        if sctid in self.valid:
            return None
        if sctid not in self._checked:
            self._checked[sctid] = sctid_problem(str(sctid))
        return self._checked[sctid]

    # --- loading tables ---------------------------------------------------------------------

    def _batches(
        self,
        kinds: Iterable[str],
        columns: Sequence[str],
        required: Iterable[str],
        prepare: Callable[[pa.RecordBatch | pa.Table], pa.RecordBatch | pa.Table],
        pre: Callable[[pa.RecordBatch], pa.RecordBatch] | None = None,
        only: int | None = None,
    ) -> Iterator[pa.RecordBatch | pa.Table]:
        """Prepared rows of every file of ``kinds`` (or file number ``only``); streamed, or
        deduplicated (latest row per id) first when reading Full files."""
        kinds = set(kinds)
        raw: list[pa.Table] = []
        for index, (f, display) in enumerate(self.files):
            if f.kind not in kinds or (only is not None and index != only):
                continue
            for batch in rf2.iter_batches(f, display, columns, required, self.report, index):
                if pre is not None:
                    batch = pre(batch)
                if self.dedupe:
                    raw.append(_conform(batch, columns))
                else:
                    yield prepare(batch)
        if raw:
            yield prepare(rf2.latest_per_id(pa.concat_tables(raw)))

    def _table(self, kinds: Iterable[str], columns: Sequence[str], required: Iterable[str],
               prepare: Callable[[pa.RecordBatch | pa.Table], pa.RecordBatch | pa.Table]) -> pa.Table | None:
        chunks: list[pa.Table] = []  # few large chunks: take() over thousands of small ones is slow
        pending: list[pa.Table] = []
        rows = 0
        for part in self._batches(kinds, columns, required, prepare):
            if part.num_rows:
                pending.append(pa.Table.from_batches([part]) if isinstance(part, pa.RecordBatch) else part)
                rows += part.num_rows
            if rows >= _CHUNK_ROWS:
                chunks.append(pa.concat_tables(pending).combine_chunks())
                pending, rows = [], 0
        if pending:
            chunks.append(pa.concat_tables(pending).combine_chunks())
        _release_unused()
        return pa.concat_tables(chunks) if chunks else None

    def _active_ids(self, data: pa.RecordBatch | pa.Table, id_columns: Sequence[str]) -> pa.RecordBatch | pa.Table:
        data = data.filter(pc.equal(data.column("active"), "1"))
        data = rf2.digits_only(data, id_columns, self._bad_id)
        return rf2.cast_ids(data, id_columns)

    # --- concepts ---------------------------------------------------------------------------

    def concepts(self) -> Iterator[Record]:
        concepts = self._concept_table()
        descriptions = self._descriptions()
        associations = self._by_component("association", ASSOCIATION_COLUMNS, "targetComponentId", ASSOCIATIONS)
        attributes = self._by_component("attribute", ATTRIBUTE_COLUMNS, "valueId", [CONCEPT_INACTIVATION])
        previous = previous_time = None
        n_concepts = n_inactive = 0
        rows = rf2.pylists(concepts, ["id", "effectiveTime", "active", "moduleId", "definitionStatusId", LINE]) if concepts else ()
        for cid, effective, active, module, status, line in rows:
            yield from self._orphan_terms(descriptions.before(cid))
            self._unused(associations.before(cid), "association")
            self._unused(attributes.before(cid), "attribute value")
            drows, arows, vrows = descriptions.take(cid), associations.take(cid), attributes.take(cid)
            if cid == previous:
                if effective == previous_time:
                    self._skip(line, "concept row repeated", cid)
                else:
                    self.report.count("snomed: concept rows superseded by a later row of the same id")
                continue
            previous, previous_time = cid, effective
            problem = sctid_problem(str(cid))
            if problem is not None:
                self._skip(line, f"invalid concept SCTID: {problem}", cid)
                continue
            if active not in ("0", "1"):
                self._skip(line, "active must be 0 or 1", repr(active))
                continue
            self.valid.add(cid)
            concept = self._concept(cid, effective, active == "1", module, status, drows, arows, vrows)
            n_concepts += 1
            n_inactive += not concept.active
            yield concept
        yield from self._orphan_terms(descriptions.before(None))
        self._unused(associations.before(None), "association")
        self._unused(attributes.before(None), "attribute value")
        self.report.count("snomed: concepts", n_concepts)
        self.report.count("snomed: inactive concepts", n_inactive)

    def _concept_table(self) -> pa.Table | None:
        def prepare(data: pa.RecordBatch | pa.Table) -> pa.RecordBatch | pa.Table:
            data = rf2.digits_only(data, ["id"], self._bad_id)
            return rf2.cast_ids(_conform(data, CONCEPT_COLUMNS + (LINE,)), ["id"])

        table = self._table(["concept"], CONCEPT_COLUMNS, ["id", "active"], prepare)
        if table is None:
            return None
        keys = [("id", "ascending"), ("effectiveTime", "descending"), (LINE, "ascending")]
        return table.take(pc.sort_indices(table, sort_keys=keys))

    def _descriptions(self) -> _Cursor:
        """Active descriptions and text definitions with their acceptability, by concept."""
        def prepare(data: pa.RecordBatch | pa.Table) -> pa.RecordBatch | pa.Table:
            data = self._active_ids(data, ["id", "conceptId", "typeId"])
            kind = pc.if_else(pc.equal(data.column("typeId"), FSN), _TYPE_FSN,
                              pc.if_else(pc.equal(data.column("typeId"), TEXT_DEFINITION), _TYPE_DEFINITION, _TYPE_SYNONYM))
            lang = pc.dictionary_encode(pc.utf8_lower(data.column("languageCode")))
            return pa.table({"conceptId": data.column("conceptId"), "id": data.column("id"), "lang": lang,
                             "type": pc.cast(kind, pa.int8()), "term": data.column("term"), LINE: data.column(LINE)})

        table = self._table(["description", "definition"], DESCRIPTION_COLUMNS,
                            ["id", "active", "conceptId", "languageCode", "typeId", "term"], prepare)
        if table is None:
            return _Cursor(iter(()))
        table = table.append_column("acc", self._acceptability(table.column("id")))
        order = pc.sort_indices(table, sort_keys=[("conceptId", "ascending"), ("id", "ascending")])
        _release_unused()
        return _Cursor(rf2.pylists(table, ["conceptId", "id", "lang", "type", "term", "acc", LINE], order=order))

    def _acceptability(self, ids: pa.ChunkedArray) -> pa.Array:
        """Per description: base-4 digits of its acceptability in the US, GB, Swedish and other refsets.

        Computed one language refset at a time (a description is a member of a refset once), so
        no description-level hash table of all refsets is ever built.
        """
        def prepare(data: pa.RecordBatch | pa.Table) -> pa.RecordBatch | pa.Table:
            data = self._active_ids(data, ["refsetId", "referencedComponentId", "acceptabilityId"])
            acc = data.column("acceptabilityId")
            level = pc.if_else(pc.equal(acc, PREFERRED), 2, pc.if_else(pc.equal(acc, ACCEPTABLE), 1, 0))
            return pa.table({"d": data.column("referencedComponentId"), "refset": data.column("refsetId"),
                             "level": pc.cast(level, pa.int16())})

        packed = pc.cast(pc.multiply(ids, 0), pa.int16())
        table = self._table(["language"], LANGUAGE_COLUMNS, ["active", "refsetId", "referencedComponentId", "acceptabilityId"], prepare)
        if table is None:
            return packed
        other = None
        for refset in sorted(pc.unique(table.column("refset")).to_pylist()):
            members = table.filter(pc.equal(table.column("refset"), refset))
            level = pc.fill_null(_lookup(ids, members.column("d"), members.column("level")), 0)
            shift = {US_ENGLISH: _US, GB_ENGLISH: _GB, SWEDISH: _SV}.get(refset)
            if shift is None:
                other = level if other is None else pc.max_element_wise(other, level)
            else:
                packed = pc.add(packed, pc.multiply(level, 1 << shift))
            del members, level
        if other is not None:
            packed = pc.add(packed, pc.multiply(other, 1 << _OTHER))
        return pc.cast(packed, pa.int16())

    def _by_component(self, kind: str, columns: Sequence[str], value: str, refsets: Iterable[int]) -> _Cursor:
        """Active members of the ``refsets`` in files of ``kind``, by referenced component."""
        wanted = pa.array([str(r) for r in refsets], pa.string())

        def prepare(data: pa.RecordBatch | pa.Table) -> pa.RecordBatch | pa.Table:
            data = data.filter(pc.is_in(data.column("refsetId"), value_set=wanted))
            data = self._active_ids(data, ["refsetId", "referencedComponentId", value])
            return pa.table({c: data.column(c) for c in ("referencedComponentId", "refsetId", value, LINE)})

        table = self._table([kind], columns, ["active", "refsetId", "referencedComponentId", value], prepare)
        if table is None:
            return _Cursor(iter(()))
        order = pc.sort_indices(table, sort_keys=[("referencedComponentId", "ascending"), (LINE, "ascending")])
        return _Cursor(rf2.pylists(table, ["referencedComponentId", "refsetId", value, LINE], order=order))

    def _unused(self, groups: Iterator[tuple[int, list[tuple]]], what: str) -> None:
        n = sum(len(rows) for _, rows in groups)
        if n:
            self.report.count(f"snomed: {what} rows for components without a concept row (not used)", n)

    def _orphan_terms(self, groups: Iterator[tuple[int, list[tuple]]]) -> Iterator[AddedTerm]:
        """Descriptions of concepts defined in another release (an extension's translations)."""
        for cid, rows in groups:
            problem = self._problem(cid)
            if problem is not None:
                self._skip(rows[0][-1], f"description of an invalid SCTID: {problem}", cid)
                continue
            code = f"SCTID:{cid}"
            langs_with_refset = {r[2] for r in rows if r[5]}
            n = 0
            for _, _, lang, kind, term, acc, _ in rows:
                if kind == _TYPE_DEFINITION or (not acc and lang in langs_with_refset) or not term:
                    continue
                if kind == _TYPE_FSN:
                    term_kind = TermKind.FSN
                elif _preferred(acc):
                    term_kind = TermKind.PREFERRED
                else:
                    term_kind = TermKind.SYNONYM
                n += 1
                yield AddedTerm(code, Term(term, lang, term_kind), self.release)
            self.report.count("snomed: terms for concepts without a concept row", n)

    def _concept(self, cid: int, effective: str, active: bool, module: str, definition_status: str,
                 drows: list[tuple], arows: list[tuple], vrows: list[tuple]) -> Concept:
        terms = self._assemble(drows)
        labels = terms.labels
        attributes = {"module": module, "definition_status": DEFINITION_STATUS.get(definition_status, definition_status)}
        tag = ""
        if terms.fsn:
            tag = _split_fsn(terms.fsn)[1]
            attributes["fsn"] = terms.fsn
            if tag:
                attributes["semantic_tag"] = tag
        if effective:
            attributes["effective_time"] = effective
        if vrows:
            reasons = {INACTIVATION_REASONS.get(v, str(v)) for _, _, v, _ in vrows}
            attributes["inactivation_reason"] = "; ".join(sorted(reasons))
        replaced: list[Replacement] = []
        for _, refset, target, line in arows:
            relation = ASSOCIATIONS[refset]
            problem = self._problem(target)
            if problem is not None:
                self._skip(line, f"association target is not a valid SCTID: {problem}", target)
            elif relation in _NOT_A_REPLACEMENT or active:
                self.report.count(f"snomed: {relation} associations not used as replacement")
            else:
                replaced.append(Replacement(f"SCTID:{target}", relation))
        if len(replaced) > 1:
            replaced.sort(key=lambda r: (not r.strong, r.relation, r.target))
        return Concept(
            code=f"SCTID:{cid}",
            system="SCTID",
            label=labels.get("en") or next(iter(labels.values()), ""),
            labels=labels,
            synonyms=terms.synonyms,
            status=Status.ACTIVE if active else Status.INACTIVE,
            replaced_by=tuple(replaced),
            kind=tag,
            definition=terms.definition,
            attributes=attributes,
            release=self.release,
        )

    @staticmethod
    def _assemble(rows: list[tuple]) -> _Assembly:
        """Preferred terms per language, FSN, synonyms and definition from one concept's descriptions.

        Only descriptions in a language refset count, unless no description of that language is
        in any (converted copies without language refsets). Without an English preferred term
        the FSN without its semantic tag is the English label.
        """
        langs_with_refset = {r[2] for r in rows if r[5]}
        best: dict[str, tuple[int, int, str]] = {}  # lang -> (rank, description id, term)
        fsn = definition = None
        fsn_rank = definition_rank = 9
        candidates = []
        for _, did, lang, kind, term, acc, _ in rows:
            if not term or (not acc and lang in langs_with_refset):
                continue  # not in the language refsets that speak for this language
            if kind == _TYPE_SYNONYM:
                rank = _LABEL_RANK[acc]
                if rank is not None:
                    held = best.get(lang)
                    if held is None or (rank, did) < held[:2]:
                        best[lang] = (rank, did, term)
                candidates.append((did, term, lang, TermKind.SYNONYM))
                continue
            rank = (0 if _PREFERRED[acc] else 1) + (0 if lang == "en" else 2)
            if kind == _TYPE_FSN:
                if rank < fsn_rank:
                    fsn, fsn_rank = term, rank
                candidates.append((did, term, lang, TermKind.FSN))
            elif rank < definition_rank:
                definition, definition_rank = term, rank
        labels = {lang: term for lang, (_, _, term) in sorted(best.items())}
        if "en" not in labels and fsn:
            labels["en"] = _split_fsn(fsn)[0]
        chosen = {did for _, did, _ in best.values()}
        seen = set()
        synonyms = []
        for did, term, lang, kind in candidates:
            if did in chosen or (kind is TermKind.SYNONYM and labels.get(lang) == term):
                continue
            key = (term, lang, kind)
            if key not in seen:
                seen.add(key)
                synonyms.append(Term(term, lang, kind))
        return _Assembly(labels, tuple(synonyms), fsn or "", definition)

    # --- hierarchy --------------------------------------------------------------------------

    def edges(self) -> Iterator[Edge]:
        def pre(batch: pa.RecordBatch) -> pa.RecordBatch:
            return batch.filter(pc.equal(batch.column("typeId"), str(IS_A)))

        def prepare(data: pa.RecordBatch | pa.Table) -> pa.RecordBatch | pa.Table:
            data = data.filter(pc.and_(pc.equal(data.column("active"), "1"),
                                       pc.equal(data.column("characteristicTypeId"), str(INFERRED))))
            return rf2.digits_only(data, ["sourceId", "destinationId"], self._bad_id)

        n = 0
        for data in self._batches(["relationship"], RELATIONSHIP_COLUMNS,
                                  ["active", "sourceId", "destinationId", "typeId", "characteristicTypeId"], prepare, pre):
            data = rf2.cast_ids(data, ["sourceId", "destinationId"])
            valid = self.valid
            for child, parent, line in zip(*(data.column(c).to_pylist() for c in ("sourceId", "destinationId", LINE))):
                if child not in valid or parent not in valid:
                    problem = self._problem(child) or self._problem(parent)
                else:
                    problem = None
                if problem is not None:
                    self._skip(line, f"IS-A relationship with an invalid SCTID: {problem}", f"{child} -> {parent}")
                    continue
                n += 1
                yield Edge(f"SCTID:{child}", f"SCTID:{parent}", "snomed", self.release)
        self.report.count("snomed: IS-A edges", n)

    # --- maps -------------------------------------------------------------------------------

    def mappings(self) -> Iterator[Mapping]:
        for index, (f, display) in enumerate(self.files):
            if f.kind != "map":
                continue
            header = rf2.read_header(f, display)
            if "mapTarget" not in header or "referencedComponentId" not in header:
                self.report.count("snomed: map files without mapTarget (not used)")
                continue
            extended = "mapGroup" in header
            yield from self._map_file(index, extended)

    def _map_file(self, index: int, extended: bool) -> Iterator[Mapping]:
        kind = "extended map" if extended else "simple map"
        fields = [c for c in MAP_COLUMNS if c != "id" and c != "effectiveTime"]

        def count(batch: pa.RecordBatch) -> pa.RecordBatch:
            for item in pc.value_counts(batch.column("refsetId")).to_pylist():
                self.report.count(f"snomed: {kind} rows (refset {item['values']})", item["counts"])
            return batch

        def prepare(data: pa.RecordBatch | pa.Table) -> pa.RecordBatch | pa.Table:
            active = pc.equal(data.column("active"), "1")
            inactive = len(data) - pc.sum(active).as_py() if len(data) else 0
            if inactive:
                self.report.count(f"snomed: inactive {kind} rows (not emitted)", inactive)
            return rf2.digits_only(_conform(data.filter(active), MAP_COLUMNS + (LINE,)), ["referencedComponentId"], self._bad_id)

        n_icd = n_orpha = 0
        required = ["active", "refsetId", "referencedComponentId", "mapTarget"]
        for data in self._batches(["map"], MAP_COLUMNS, required, prepare, pre=count, only=index):
            for row in zip(*(data.column(c).to_pylist() for c in fields + [LINE])):
                values = dict(zip(fields, row[:-1]))
                line = row[-1]
                source = values["referencedComponentId"]
                problem = self._problem(int(source))
                if problem is not None:
                    self._skip(line, f"map row with an invalid SCTID: {problem}", source)
                    continue
                refset = values["refsetId"]
                if extended and refset == str(ICD10_MAP):
                    mapping = self._icd10_mapping(source, values, line)
                    n_icd += mapping is not None
                elif not extended and refset == str(ORPHANET_MAP):
                    mapping = self._orpha_mapping(source, values, line)
                    n_orpha += mapping is not None
                else:
                    self.report.count(f"snomed: {kind} rows of refset {refset} (not emitted)")
                    continue
                if mapping is not None:
                    yield mapping
        self.report.count("snomed: mappings to ICD10", n_icd)
        self.report.count("snomed: mappings to ORPHA", n_orpha)

    def _provenance(self, line: int) -> Provenance:
        file, position = self._where(line)
        return Provenance(self.release, file, position)

    def _icd10_mapping(self, source: str, values: dict[str, str], line: int) -> Mapping | None:
        published = values["mapTarget"].strip()
        if not published:
            self._skip(line, f"empty ICD-10 map target (map category {values.get('mapCategoryId') or 'not given'})", source)
            return None
        if published.startswith("#"):
            self._skip(line, f"no ICD-10 map target ({published})", source)
            return None
        parsed = self._targets.get(published)
        if parsed is None:
            try:
                parsed = self._targets[published] = icd10_target(published)
            except InvalidCodeError as err:
                parsed = self._targets[published] = err
        if isinstance(parsed, InvalidCodeError):
            self._skip(line, f"invalid ICD-10 map target: {parsed.reason}", published)
            return None
        target, marker = parsed
        parts = [("group", values.get("mapGroup", "")), ("priority", values.get("mapPriority", "")),
                 ("rule", values.get("mapRule", "")), ("advice", values.get("mapAdvice", "")),
                 ("correlation", values.get("correlationId", "")), ("category", values.get("mapCategoryId", "")),
                 ("marker", marker)]
        qualifier = ";".join(f"{k}={v.replace(';', ',').strip()}" for k, v in parts if v)
        return Mapping(f"SCTID:{source}", target, Relation.UNSPECIFIED, provenance=self._provenance(line),
                       published=published, qualifier=qualifier)

    def _orpha_mapping(self, source: str, values: dict[str, str], line: int) -> Mapping | None:
        published = values["mapTarget"].strip()
        try:
            target = codes.canonical(published, System.ORPHA)
        except InvalidCodeError as err:
            self._skip(line, f"invalid Orphanet map target: {err.reason}", published)
            return None
        return Mapping(f"SCTID:{source}", target, Relation.UNSPECIFIED, provenance=self._provenance(line),
                       published=published)


def _preferred(acc: int) -> bool:
    return any((acc >> shift) & 3 == 2 for shift in (_US, _GB, _SV, _OTHER))


def _label_rank(acc: int) -> int | None:
    """Rank of a preferred synonym as label of its language: US/Swedish first, then GB, then others."""
    if (acc >> _US) & 3 == 2 or (acc >> _SV) & 3 == 2:
        return 0
    if (acc >> _GB) & 3 == 2:
        return 1
    if (acc >> _OTHER) & 3 == 2:
        return 2
    return None


_PREFERRED = [_preferred(acc) for acc in range(256)]
_LABEL_RANK = [_label_rank(acc) for acc in range(256)]


def _lookup(ids: pa.ChunkedArray, keys: pa.ChunkedArray, values: pa.ChunkedArray, parts: int = 8) -> pa.ChunkedArray:
    """``values[i]`` where ``keys[i] == id``, for each of ``ids`` (null where absent).

    The key set is hashed in ``parts`` slices (by the low bits of the id) to keep the hash
    table, not the data, from dominating peak memory.
    """
    found = None
    bucket = pc.bit_wise_and(keys, parts - 1)
    for part in range(parts):
        chosen = pc.equal(bucket, part)
        hits = pc.take(values.filter(chosen), pc.index_in(ids, value_set=keys.filter(chosen).combine_chunks()))
        found = hits if found is None else pc.coalesce(found, hits)
    return found


def _release_unused() -> None:
    """Hand memory freed by Arrow's allocator back to the system (keeps the RSS peak down)."""
    pa.default_memory_pool().release_unused()


def _split_fsn(fsn: str) -> tuple[str, str]:
    """``Heart failure (disorder)`` -> (``Heart failure``, ``disorder``)."""
    m = _SEMANTIC_TAG.match(fsn.strip())
    if m is None:
        return fsn.strip(), ""
    return m.group(1), m.group(2)


def _conform(data: pa.RecordBatch | pa.Table, columns: Sequence[str]) -> pa.Table:
    """``data`` with exactly ``columns`` (+ ``_line``), missing ones as empty strings."""
    n = data.num_rows
    arrays = {}
    for c in list(columns) + ([LINE] if LINE not in columns else []):
        if c in data.schema.names:
            arrays[c] = data.column(c)
        else:
            arrays[c] = pa.array([""] * n, pa.string())
    return pa.table(arrays)
