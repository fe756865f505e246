"""Mapping relation algebra: composition and inversion."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from raremap.model import Mapping, Relation

R = Relation
relations = st.sampled_from(list(Relation))


def test_documented_compositions() -> None:
    assert R.EXACT.compose(R.EXACT) is R.EXACT
    assert R.EXACT.compose(R.NARROWER) is R.NARROWER
    assert R.NARROWER.compose(R.EXACT) is R.NARROWER
    assert R.NARROWER.compose(R.NARROWER) is R.NARROWER
    assert R.BROADER.compose(R.BROADER) is R.BROADER
    assert R.NARROWER.compose(R.BROADER) is R.RELATED
    assert R.BROADER.compose(R.NARROWER) is R.RELATED
    assert R.EXACT.compose(R.UNSPECIFIED) is R.UNSPECIFIED
    assert R.NARROWER.compose(R.WRONG) is R.WRONG


def test_inverse() -> None:
    assert R.NARROWER.inverse() is R.BROADER
    assert R.BROADER.inverse() is R.NARROWER
    for r in (R.EXACT, R.RELATED, R.UNDECIDED, R.UNSPECIFIED, R.WRONG):
        assert r.inverse() is r


@given(relations, relations, relations)
def test_composition_is_associative(a: Relation, b: Relation, c: Relation) -> None:
    assert a.compose(b).compose(c) is a.compose(b.compose(c))


@given(relations)
def test_exact_is_identity(a: Relation) -> None:
    assert R.EXACT.compose(a) is a and a.compose(R.EXACT) is a


@given(relations)
def test_inverse_is_an_involution(a: Relation) -> None:
    assert a.inverse().inverse() is a


@given(relations, relations)
def test_inverse_of_composition_reverses_order(a: Relation, b: Relation) -> None:
    # reading a chain A→B→C backwards gives C→B→A
    assert a.compose(b).inverse() is b.inverse().compose(a.inverse())


@given(relations, relations)
def test_composition_never_gets_more_exact(a: Relation, b: Relation) -> None:
    assert a.compose(b).rank >= max(a.rank, b.rank) or a.compose(b) in (a, b)


def test_mapping_inverted() -> None:
    m = Mapping("ORPHA:166024", "ICD10:Q77.3", R.NARROWER, via=("X:1", "Y:2"))
    inv = m.inverted()
    assert (inv.source, inv.target, inv.relation, inv.via) == ("ICD10:Q77.3", "ORPHA:166024", R.BROADER, ("Y:2", "X:1"))
    assert inv.inverted() == m
