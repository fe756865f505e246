"""The one rule for unknown and invalid input (README "Unknown and invalid input"), tested as a
table: function × input kind → outcome, on the bundled sample."""

from __future__ import annotations

import pyarrow as pa
import pytest

from raremap.cli import main
from raremap.errors import InvalidCodeError, UnknownCodeError, UsageError

OK = "answer"
INVALID, UNKNOWN, USAGE = InvalidCodeError, UnknownCodeError, UsageError

# input kind -> value
INPUTS = {
    "known code": "ORPHA:558",
    "known code, other spelling": "orpha 558",
    "integer": 558,
    "well-formed, not loaded": "ORPHA:9999999",
    "mapped-only code": None,  # taken from the sample by the mapped_only fixture
    "malformed": "ORPHA:abc",
    "empty": "",
    "None": None,
    "float": 558.0,
    "bytes": b"ORPHA:558",
    "bool": True,
    "list": ["ORPHA:558"],
}

CODE_FUNCTIONS = ("concept", "parents", "children", "ancestors", "mappings", "crosswalk", "umi")
# the expected outcome per input kind for every code function (exceptions noted per function)
EXPECTED = {
    "known code": OK, "known code, other spelling": OK, "integer": OK,
    "well-formed, not loaded": UNKNOWN, "mapped-only code": {"concept": UNKNOWN, "parents": UNKNOWN,
                                                            "children": UNKNOWN, "ancestors": UNKNOWN,
                                                            "mappings": OK, "crosswalk": OK, "umi": OK},
    "malformed": INVALID, "empty": INVALID, "None": INVALID, "float": INVALID, "bytes": INVALID,
    "bool": INVALID, "list": INVALID,
}


def _call(rm, function: str, value: object) -> object:
    if function == "crosswalk":
        return rm.crosswalk(value, to="ICD10SE")
    return getattr(rm, function)(value)


@pytest.fixture(scope="module")
def mapped_only(sample_map) -> str:
    """A code only a mapping of the sample names (no concept of its own)."""
    known = set(c.code for c in sample_map.concepts())
    for code in sample_map.snapshot.table("mappings").column("target").to_pylist():
        if code not in known:
            return code
    pytest.skip("the sample has no mapped-only code")


@pytest.mark.parametrize("function", CODE_FUNCTIONS)
@pytest.mark.parametrize("kind", list(INPUTS))
def test_code_functions_follow_the_rule(sample_map, mapped_only: str, function: str, kind: str) -> None:
    value = mapped_only if kind == "mapped-only code" else INPUTS[kind]
    expected = EXPECTED[kind]
    if isinstance(expected, dict):
        expected = expected[function]
    if expected is OK:
        _call(sample_map, function, value)  # answers (possibly an empty list), raises nothing
    else:
        with pytest.raises(expected) as err:
            _call(sample_map, function, value)
        assert type(err.value) is expected  # exactly the rule's type, not a subclass or a raw error


def test_an_integer_is_read_as_its_digits(sample_map) -> None:
    assert sample_map.concept(558) == sample_map.concept("558") == sample_map.concept("ORPHA:558")
    assert 558 in sample_map and "ORPHA:9999999" not in sample_map and None not in sample_map


@pytest.mark.parametrize("value, outcome", [
    ("marfans syndrom", OK), ("", OK), ("   ", OK), ("ORPHA:abc", OK), ("x" * 5000, OK),
    (None, USAGE), (558, USAGE), (b"marfan", USAGE), (["marfan"], USAGE),
])
@pytest.mark.parametrize("function", ["lookup", "complete", "lookup_diseases"])
def test_lookup_takes_text(sample_map, function: str, value: object, outcome: object) -> None:
    if outcome is OK:
        assert isinstance(getattr(sample_map, function)(value), list)  # no match is [], never an error
    else:
        with pytest.raises(UsageError, match=f"{function.removesuffix('_diseases')} text must be a string"):
            getattr(sample_map, function)(value)
    with pytest.raises(UsageError):
        getattr(sample_map, function)("marfan", limit=-1)


def test_map_table_gives_one_status_per_row_and_never_raises_for_a_row(sample_map) -> None:
    table = pa.table({"code": pa.array(["ORPHA:558", "558", "ORPHA:9999999", "ORPHA:abc", "", "  ", None])})
    out = sample_map.map_table(table, column="code", to="ICD10SE", explode=False)
    assert out.column("status").to_pylist() == ["mapped", "mapped", "unknown", "invalid", "missing", "missing", "missing"]
    errors = out.column("error").to_pylist()
    assert "unknown code ORPHA:9999999" in errors[2] and errors[3] and errors[0] is None
    ints = sample_map.map_table(pa.table({"code": pa.array([558, 9999999, 0, None])}), column="code", to="ICD10SE",
                                explode=False)
    assert ints.column("status").to_pylist() == ["mapped", "unknown", "invalid", "missing"]
    # an integer cell is read as the API reads an integer argument
    assert sample_map.concept(558).code == ints.column("resolved").to_pylist()[0]
    with pytest.raises(UnknownCodeError):
        sample_map.concept(9999999)
    with pytest.raises(InvalidCodeError):
        sample_map.concept(0)


@pytest.mark.parametrize("argv, status", [
    (["show", "ORPHA:558"], 0), (["show", "ORPHA:9999999"], 2), (["show", "ORPHA:abc"], 2), (["show", ""], 2),
    (["map", "ORPHA:558", "--to", "ICD10SE"], 0), (["map", "ORPHA:9999999", "--to", "ICD10SE"], 2),
    (["map", "ORPHA:abc", "--to", "ICD10SE"], 2), (["umi", "ORPHA:9999999"], 2), (["umi", "ORPHA:abc"], 2),
    (["lookup", "marfans syndrom"], 0), (["lookup", "zzzzqqqq"], 1),
])
def test_cli_exit_status_follows_the_rule(argv: list[str], status: int, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == status
    err = capsys.readouterr().err
    if status == 2:
        assert err.startswith("raremap: ") and err.count("\n") == 1 and "Traceback" not in err
