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
