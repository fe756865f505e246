"""Reverse reachability: a code proved to reach nothing in a system gets exactly the answers the
full search gives it (none, or only the hierarchy fallback), on every code of the releases."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crosswalk_fixtures import everything
from raremap.services.crosswalk import Crosswalker

WANTS = ("ORPHA", "ICD10SE", "ICD10", "ICD11", "SCTID", "ICD10GM", "OMIM")


def _codes(terms) -> list[str]:
    """Every code of the releases: the concepts and the codes the mappings state."""
    found = set(terms.concept_codes())
    found.update(terms.mapping_column("source"))
    found.update(terms.mapping_column("target"))
    return sorted(found)


def _check(terms, wants, options: dict) -> dict[str, int]:
    pruned, reference = Crosswalker(terms, prove_after=0), Crosswalker(terms, prune=False)
    hops = options.get("max_hops", 3) if options.get("transitive", True) else 1
    proved: dict[str, int] = {}
    for want in wants:
        proved[want] = 0
        for code in _codes(terms):
            if not pruned.reaches_nothing(code, want, hops, options.get("conditional", False)):
                continue  # searched as before: the same code path as the reference
            proved[want] += 1
            assert pruned.crosswalk_resolved(code, want, **options) == \
                reference.crosswalk_resolved(code, want, **options), (code, want, options)
    return proved


@pytest.fixture
def fixture_map(make_map):
    return make_map(*everything())


def test_nothing_is_proved_where_the_fixtures_have_an_answer(fixture_map) -> None:
    proved = _check(fixture_map, WANTS, {})
    assert proved["ORPHA"] > 0  # the proof is used, not vacuous
    # a code with a statement into the system is never pruned
    cw = Crosswalker(fixture_map, prove_after=0)
    assert not cw.reaches_nothing("ORPHA:166024", "ICD11")
    assert not cw.reaches_nothing("ICD10:Q77.3", "ORPHA")


# the map is read-only: one per test function, shared by its examples
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(want=st.sampled_from(WANTS), max_hops=st.integers(1, 4), transitive=st.booleans(),
       conditional=st.booleans(), include_inactive=st.booleans(), hierarchy=st.booleans(),
       subdivisions=st.booleans())
def test_pruned_search_equals_the_full_search_on_the_fixtures(fixture_map, want, max_hops, transitive, conditional,
                                                              include_inactive, hierarchy, subdivisions) -> None:
    _check(fixture_map, (want,), {"max_hops": max_hops, "transitive": transitive, "conditional": conditional,
                         "include_inactive": include_inactive, "hierarchy": hierarchy, "subdivisions": subdivisions})


def test_every_code_of_the_shared_releases(shared_map) -> None:
    proved = _check(shared_map, ("ORPHA", "ICD10SE", "ICD11", "SCTID"), {"subdivisions": True})
    # most ICD-10-SE codes name no rare disease: the proof must carry the registry case
    assert proved["ORPHA"] > 50_000, proved


def test_every_code_of_the_shared_releases_one_statement(shared_map) -> None:
    _check(shared_map, ("ORPHA", "ICD11"), {"transitive": False, "conditional": True, "include_inactive": True})


def test_a_few_questions_are_searched_before_the_proof_is_built(fixture_map) -> None:
    cw = Crosswalker(fixture_map, prove_after=2)
    proved = [cw.reaches_nothing("ICD10:A00.0", "ORPHA") for _ in range(3)]
    assert proved == [False, False, Crosswalker(fixture_map, prove_after=0).reaches_nothing("ICD10:A00.0", "ORPHA")]


def _editions(terms) -> dict[str, list[str]]:
    """The ICD-10 codes of the releases, per edition (what reaches_nothing_many takes)."""
    found: dict[str, list[str]] = {}
    for code in _codes(terms):
        system = code.partition(":")[0]
        if system in ("ICD10SE", "ICD10", "ICD10GM"):
            found.setdefault(system, []).append(code)
    return found


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(want=st.sampled_from(WANTS), max_hops=st.integers(1, 4), conditional=st.booleans(),
       include_inactive=st.booleans())
def test_codes_proved_at_once_have_no_answer_on_the_fixtures(fixture_map, want, max_hops, conditional,
                                                             include_inactive) -> None:
    import pyarrow as pa

    pruned, reference = Crosswalker(fixture_map), Crosswalker(fixture_map, prune=False)
    for codes in _editions(fixture_map).values():
        proved = pruned.reaches_nothing_many(pa.array(codes), want, max_hops, conditional)
        for code in (c for c, p in zip(codes, proved.tolist()) if p):
            assert reference.crosswalk_resolved(code, want, max_hops=max_hops, conditional=conditional,
                                                include_inactive=include_inactive) == [], (code, want)


def test_codes_proved_at_once_are_proved_one_by_one_on_the_shared_releases(shared_map) -> None:
    """The vectorised proof (every edition's codes at every prefix of a key as starts) proves a
    subset of what the per-code proof does, which the tests above hold to the full search."""
    import pyarrow as pa

    cw = Crosswalker(shared_map, prove_after=0)
    proved = {}
    for want, hops, conditional in (("ORPHA", 3, False), ("ICD11", 3, False), ("SCTID", 1, True)):
        for system, codes in _editions(shared_map).items():
            many = cw.reaches_nothing_many(pa.array(codes), want, hops, conditional)
            assert all(cw.reaches_nothing(c, want, hops, conditional) for c, p in zip(codes, many.tolist()) if p)
            proved[want, system] = int(many.sum())
    assert proved["ORPHA", "ICD10SE"] > 30_000, proved  # the registry case: most codes name no rare disease


def test_codes_proved_at_once_are_of_one_edition(fixture_map) -> None:
    import pyarrow as pa

    from raremap.errors import UsageError

    with pytest.raises(UsageError, match="one ICD-10 edition"):
        Crosswalker(fixture_map).reaches_nothing_many(pa.array(["ICD10SE:A00.0", "ORPHA:558"]), "ICD11")
    assert not Crosswalker(fixture_map).reaches_nothing_many(pa.array(["ICD10SE:A00-A09"]), "ORPHA").any()


def test_codes_proved_at_once_on_the_fixtures_are_not_none(fixture_map) -> None:
    import pyarrow as pa

    cw = Crosswalker(fixture_map)
    counts = {s: int(cw.reaches_nothing_many(pa.array(c), "ORPHA").sum()) for s, c in _editions(fixture_map).items()}
    assert sum(counts.values()) > 0, counts  # the property above is not vacuous
