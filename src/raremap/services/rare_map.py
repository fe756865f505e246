"""The RareMap facade: one loaded snapshot answered as concepts, hierarchy and mappings, with the
services over it (crosswalk, UMI assessment, grouped and bulk lookup, batch mapping)."""

from __future__ import annotations

from collections.abc import Iterable
from functools import cached_property
from typing import TYPE_CHECKING, Any, Literal, overload

import pyarrow as pa

from .. import codes
from ..model import DiseaseMatch, Mapping, Match
from .terminology import SystemArg, Terminology, check_limit, code_text

# The services are imported on first use: ``import raremap`` and a loaded snapshot's concept and
# mapping answers do not need them (start-up).
if TYPE_CHECKING:
    import pandas as pd
    import polars as pl

    from .batch import BatchMapper
    from .batch.mapper import TableSource
    from .crosswalk import Crosswalker
    from .umi import Assessor, UmiAssessment

__all__ = ["RareMap", "SystemArg", "code_text"]


class RareMap(Terminology):
    """Terminology loaded from one snapshot, with its services. Create it with :func:`raremap.load`.

    The concept, hierarchy, mapping and name-lookup answers are :class:`Terminology`'s; this
    class adds the crosswalk, the UMI assessment, grouped and bulk lookup and batch mapping."""

    def lookup_diseases(self, text: str, system: SystemArg = None, lang: str | None = None,
                        limit: int = 10) -> list[DiseaseMatch]:
        """One answer per disease (see :mod:`raremap.services.disease_groups`): the matches of one
        disease folded into one :class:`DiseaseMatch` — the ORPHA code when there is one, its
        label in ``lang``, the name that matched, and its ICD-10-SE, ICD-10, ICD-11 and SNOMED CT
        codes with relation, basis and release — best first."""
        from .disease_groups import lookup_diseases

        return lookup_diseases(self, self.crosswalker, text, system, lang, limit)

    def lookup_many(self, queries: Iterable[str], system: SystemArg = None, lang: str | Iterable[str] | None = None,
                    limit: int = 10, *, include_inactive: bool = False, workers: int | None = None) -> list[list[Match]]:
        """:meth:`lookup` of every query (a registry's free-text diagnosis column), in order;
        each distinct query is looked up once, on ``workers`` processes (default: every core)."""
        from .bulk_lookup import lookup_many

        check_limit(limit)
        options = {"system": system, "lang": lang, "limit": limit, "include_inactive": include_inactive}
        return lookup_many(self, queries, options, workers)

    # --- crosswalk, UMI assessment, batch mapping (crosswalk.py, umi.py, batch.py, sssom.py) -

    @cached_property
    def crosswalker(self) -> Crosswalker:
        """Direct and transitive mappings with relation algebra (see :mod:`raremap.services.crosswalk`)."""
        from .crosswalk import Crosswalker

        return Crosswalker(self)

    def crosswalk(self, code: str, to: codes.System | str | None = None, *, transitive: bool = True,
                  max_hops: int = 3, include_inactive: bool = False, conditional: bool = False,
                  hierarchy: bool = True, subdivisions: bool = False, best_evidence: bool = False) -> list[Mapping]:
        """What ``code`` is in system ``to`` (every system when None), best first, each with
        relation, ICD relation, validation, path (``via``, ``steps``), ``basis`` and provenance.

        ``subdivisions=True``: an ICD-10(-SE) category also answers what its subdivisions are mapped
        to (E84 → ORPHA:586 via E84.0, ``basis="hierarchy"``). Where the ICD-10-SE code's own title
        names one target (lexical evidence: E75.2A "Gauchers sjukdom" → ORPHA:355), that answer comes
        first with ``score``/``matched``; ``best_evidence=True`` keeps only it.
        """
        return self.crosswalker.crosswalk(code_text(code), to, transitive=transitive, max_hops=max_hops,
                                          include_inactive=include_inactive, conditional=conditional,
                                          hierarchy=hierarchy, subdivisions=subdivisions, best_evidence=best_evidence)

    @cached_property
    def umi_assessor(self) -> Assessor:
        """The UMI assessor behind :meth:`umi` and :meth:`umi_table` (see :mod:`raremap.services.umi`)."""
        from .umi import Assessor

        return Assessor(self, self.crosswalker)

    def umi(self, code: str) -> UmiAssessment:
        """Does the diagnosis have its own ICD code, and what should UMI carry (see :mod:`raremap.services.umi`)."""
        return self.umi_assessor.assess(code_text(code))

    def umi_by_name(self, text: str, *, lang: str | None = None) -> UmiAssessment:
        """UMI for a diagnosis name ("marfans syndrom"): the best disease :meth:`lookup_diseases`
        finds, assessed as :meth:`umi` assesses its code; ``name``/``resolved`` and the start of
        the reason say which disease the name was read as. Raises :class:`NoMatchError` when no
        name matches."""
        return self.umi_assessor.assess_name(text, lang=lang)

    def umi_table(self, kinds: tuple[str, ...] | None = ("disorder", "subtype")) -> pa.Table:
        """Every active ORPHA disorder and subtype with its UMI flags, one row each (groups of
        disorders and inactive codes left out; ``kinds=None`` includes groups)."""
        from .umi import umi_table

        return umi_table(self.umi_assessor, kinds)

    @overload
    def map_table(self, table: Any, column: str = ..., to: codes.System | str | None = ..., *, stream: Literal[True],
                  **options: Any) -> pa.RecordBatchReader: ...
    @overload
    def map_table(self, table: pd.DataFrame, column: str = ..., to: codes.System | str | None = ..., *,
                  stream: Literal[False] = ..., **options: Any) -> pd.DataFrame: ...
    @overload
    def map_table(self, table: pl.DataFrame, column: str = ..., to: codes.System | str | None = ..., *,
                  stream: Literal[False] = ..., **options: Any) -> pl.DataFrame: ...
    @overload
    def map_table(self, table: TableSource, column: str = ..., to: codes.System | str | None = ..., *,
                  stream: Literal[False] = ..., **options: Any) -> pa.Table: ...
    def map_table(self, table: Any, column: str = "code", to: codes.System | str | None = None, *,
                  stream: bool = False, **options: Any) -> Any:
        """Map a column of codes of a table (Arrow, pandas, polars, Parquet/CSV path) to system
        ``to``; out comes what went in (a pandas or polars DataFrame, a pyarrow Table for the
        rest), or a RecordBatchReader with ``stream=True`` (see :mod:`raremap.services.batch`)."""
        from .batch import map_table

        return map_table(self, table, column, to, stream=stream, **options)

    def batch_mapper(self, column: str = "code", to: codes.System | str | None = None, **options: Any) -> BatchMapper:
        """A picklable batch mapping function for Spark ``mapInArrow`` / Dask ``map_partitions``."""
        from .batch import BatchMapper

        return BatchMapper(column, to, rm=self, **options)

    def __repr__(self) -> str:
        names = ", ".join(r.id for r in self.releases)
        return f"<RareMap {len(self)} concepts from {names}>"
