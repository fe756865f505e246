"""Code parsing, normalisation and validation for every system raremap knows."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from raremap import codes
from raremap.codes import System
from raremap.errors import InvalidCodeError


@pytest.mark.parametrize(
    "text",
    ["ORPHA:558", "Orphanet_558", "orpha 558", "ORPHA 558", "Orphanet:558", "ORPHA558",
     "http://www.orpha.net/ORDO/Orphanet_558", "https://www.orpha.net/ORDO/Orphanet_558"],
)
def test_orpha_spellings(text: str) -> None:
    assert codes.canonical(text) == "ORPHA:558"


def test_bare_digits_with_system() -> None:
    assert codes.canonical("558", "ORPHA") == "ORPHA:558"
    assert codes.canonical("558", System.ORPHA) == "ORPHA:558"


@pytest.mark.parametrize(
    ("text", "system", "expected"),
    [
        ("Q874", "ICD10SE", "ICD10SE:Q87.4"),
        ("q87.4", "ICD10SE", "ICD10SE:Q87.4"),
        ("ICD10SE:Q87.4", None, "ICD10SE:Q87.4"),
        ("E10.0A", None, "ICD10SE:E10.0A"),
        ("E100A", "ICD10SE", "ICD10SE:E10.0A"),
        ("A08.3B", None, "ICD10SE:A08.3B"),
        ("E10.0†", "ICD10SE", "ICD10SE:E10.0"),
        ("G01*", "ICD10GM", "ICD10GM:G01"),
        ("A17.0+", "ICD10GM", "ICD10GM:A17.0"),
        ("U69.21!", "ICD10GM", "ICD10GM:U69.21"),
        ("ICD-10:Q87.4", None, "ICD10:Q87.4"),
        ("S02.01", "ICD10SE", "ICD10SE:S02.01"),
        ("A00-B99", "ICD10SE", "ICD10SE:A00-B99"),
        ("E100X", "ICD10SE", "ICD10SE:E10.0X"),  # a trailing X is a real code, never stripped
    ],
)
def test_icd10_family(text: str, system: str | None, expected: str) -> None:
    assert codes.canonical(text, system) == expected


def test_icd10_marker_is_kept_apart_from_the_code() -> None:
    parsed = codes.parse("E10.0†", "ICD10SE")
    assert parsed.value == "E10.0" and parsed.marker == "†" and parsed.key == "E100"


def test_bare_icd10_prefers_swedish_then_who() -> None:
    assert [str(c) for c in codes.candidates("Q874")][:2] == ["ICD10SE:Q87.4", "ICD10:Q87.4"]


def test_who_icd10_has_no_fordjupningskod() -> None:
    with pytest.raises(InvalidCodeError, match="fördjupningskod"):
        codes.parse("ICD10:E10.0A")


@pytest.mark.parametrize(
    ("text", "expected"),
    [("LD28.01", "ICD11:LD28.01"), ("1A00", "ICD11:1A00"), ("1a00&xn8p1", "ICD11:1A00&XN8P1"),
     ("DD52&XK9J&XT44/ME24.8", "ICD11:DD52&XK9J&XT44/ME24.8"), ("XN2QM", "ICD11:XN2QM"),
     ("ICD-11 8A6Y", "ICD11:8A6Y"), ("BA52.1Z", "ICD11:BA52.1Z"), ("BlockL1-1A0", "ICD11:BlockL1-1A0")],
)
def test_icd11(text: str, expected: str) -> None:
    assert codes.canonical(text, None if ":" in text or " " in text else "ICD11") == expected


def test_icd11_rejects_letters_i_and_o() -> None:
    with pytest.raises(InvalidCodeError):
        codes.parse("1I00", "ICD11")
    with pytest.raises(InvalidCodeError, match="extension"):
        codes.parse("1A00&1A01", "ICD11")


def test_icd11_stem() -> None:
    assert codes.icd11_stem("ICD11:1A00&XN8P1/1A01") == "1A00"


@pytest.mark.parametrize("sctid", ["19346006", "138875005", "116680003", "45991000052106", "900000000000548007", "784008009", "447562003"])
def test_real_sctids_pass_verhoeff(sctid: str) -> None:
    assert codes.canonical(sctid, "SCTID") == f"SCTID:{sctid}"
    assert codes.canonical(f"SNOMED CT {sctid}") == f"SCTID:{sctid}"


@pytest.mark.parametrize(("sctid", "reason"), [("19346007", "Verhoeff"), ("1934600", "partition"), ("012345", "leading zero"), ("12345", "6 to 18")])
def test_bad_sctids(sctid: str, reason: str) -> None:
    with pytest.raises(InvalidCodeError, match=reason):
        codes.parse(sctid, "SCTID")


@pytest.mark.parametrize("bad", ["", "   ", "ORPHA:abc", "ORPHA:0", "Q8", "XYZ", "ORPHA:558", "SCTID:abc"])
def test_invalid_codes_name_the_reason(bad: str) -> None:
    system = "ICD10SE" if bad == "ORPHA:558" else None
    with pytest.raises(InvalidCodeError) as err:
        codes.parse(bad, system)
    assert err.value.reason


def test_non_string_is_invalid() -> None:
    with pytest.raises(InvalidCodeError):
        codes.parse(558)  # type: ignore[arg-type]


# --- properties ---------------------------------------------------------------------------

@given(st.integers(min_value=1, max_value=9_999_999))
def test_orpha_round_trip(n: int) -> None:
    for spelling in (str(n), f"ORPHA:{n}", f"Orphanet_{n}", f"orpha {n}", f"http://www.orpha.net/ORDO/Orphanet_{n}"):
        assert codes.canonical(spelling, "ORPHA") == f"ORPHA:{n}"
    assert codes.canonical(codes.canonical(str(n), "ORPHA")) == f"ORPHA:{n}"


_icd10_keys = st.builds(
    lambda letter, d2, tail: letter + d2 + tail,
    st.sampled_from("ABCDEFGHIJKLMNOPQRSTUVWXYZ"),
    st.integers(0, 99).map(lambda n: f"{n:02d}"),
    st.one_of(st.just(""), st.integers(0, 9).map(str), st.tuples(st.integers(0, 9), st.sampled_from("0123456789ABCDEFGHJKLMNPRSTWX")).map(lambda t: f"{t[0]}{t[1]}")),
)


@given(_icd10_keys, st.sampled_from(["", "†", "*"]), st.booleans(), st.booleans())
def test_icd10se_round_trip(key: str, marker: str, dotted: bool, lower: bool) -> None:
    spelling = codes.icd10_display(key) if dotted else key
    spelling = (spelling.lower() if lower else spelling) + marker
    code = codes.parse(spelling, "ICD10SE")
    assert code.key == key
    assert str(code) == f"ICD10SE:{codes.icd10_display(key)}"
    assert codes.canonical(str(code)) == str(code)  # canonical is a fixed point
    assert code.marker == marker


@given(st.integers(min_value=100, max_value=10**16))
def test_verhoeff_appended_digit_validates(n: int) -> None:
    digits = str(n)
    full = digits + codes.verhoeff_digit(digits)
    assert codes.verhoeff_valid(full)
    # any single-digit change is detected
    wrong = full[:-1] + str((int(full[-1]) + 1) % 10)
    assert not codes.verhoeff_valid(wrong)


@given(st.text(max_size=40))
def test_parse_never_raises_anything_but_invalid_code(text: str) -> None:
    try:
        code = codes.parse(text)
    except InvalidCodeError:
        return
    assert codes.canonical(str(code)) == str(code)
