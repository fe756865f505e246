"""Swedish name matching and the lexical bridges ICD-10-SE ↔ ORPHA derived at build time."""

from __future__ import annotations

import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crosswalk_fixtures import everything
from raremap.indexes.swedish import disease_key, match_names, names_same_disease
from raremap.indexes.textnorm import normalise
from raremap.model import Relation
from raremap.services import sssom

# (ICD-10-SE title, ORPHA name as the releases write it, score): pairs of the shared releases
SAME = [
    ("Wilsons sjukdom", "Wilson disease", 1.0),  # genitive, sjukdom ↔ disease
    ("Tuberös skleros", "Tuberous sclerosis", 1.0),  # -ös ↔ -ous, -os ↔ -osis, k ↔ c
    ("Gauchers sjukdom", "Gaucher-Krankheit", 1.0),  # German
    ("Marfans syndrom", "Marfan syndrome", 1.0),
    ("Medfödd toxoplasmos", "Congenital toxoplasmosis", 1.0),  # medfödd ↔ congenital
    ("Argininemi", "Argininemia", 1.0),  # -emi ↔ -emia
    ("Fenylketonuri", "Phenylketonuria", 1.0),  # f ↔ ph, y
    ("Polymyosit", "Polymyositis", 1.0),  # -it ↔ -itis
    ("Pyoderma gangraenosum", "Pyoderma gangrenosum", 1.0),  # Latin kept, ae ↔ e
    ("Wilsons sjukdom", "maladie de Wilson", 0.95),  # French word order
    ("Russell-Silvers syndrom", "Silver-Russell syndrome", 0.95),
    ("Hereditär hemorragisk telangiektasi", "Hereditary hemorrhagic telangiectasia", 0.9),
    ("Muskeldystrofi, hereditär, typ Duchenne", "Duchenne muscular dystrophy", 0.85),  # compound split
    ("Cystisk fibros, ospecificerad", "Cystic fibrosis", 0.85),
    ("Cystisk fibros med lungmanifestationer", "Cystic fibrosis", 0.8),  # a subdivision of the disease
    ("Crigler-Najjars syndrom, typ 1", "Crigler-Najjar syndrome", 0.8),
]
DIFFERENT = [
    ("Annan hereditär spinal muskelatrofi", "Spinal muscular atrophy"),  # "other …": the rest of a group
    ("Spinal muskelatrofi och besläktade syndrom", "Spinal muscular atrophy"),
    ("Hemofili A", "Hemophilia B"),
    ("Marfans syndrom", "Marfan syndrome type 2"),  # the name is narrower than the title
    ("Wilson-Mikitys syndrom", "Wilson disease"),
    ("Icke-Hodgkins lymfom", "Hodgkin lymphoma"),
]


@pytest.mark.parametrize("title,name,score", SAME)
def test_titles_naming_the_disease(title: str, name: str, score: float) -> None:
    assert names_same_disease(title, name) == score


@pytest.mark.parametrize("title,name", DIFFERENT)
def test_titles_naming_another_disease(title: str, name: str) -> None:
    assert names_same_disease(title, name) is None


def test_qualified_title_reports_the_part_naming_the_disease() -> None:
    hit = match_names("Cystisk fibros med lungmanifestationer", "Cystic fibrosis")
    assert hit is not None and hit.title_part == "Cystisk fibros"
    assert match_names("Marfans syndrom", "Marfan syndrome").title_part == "Marfans syndrom"


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=80))
def test_disease_key_never_raises_and_is_idempotent(text: str) -> None:
    key = disease_key(text)
    assert disease_key(" ".join(key)) == key
    names_same_disease(text, text)  # never raises


_SWEDISH = st.text(alphabet="abcdefghijklmnopqrstuvwxyzåäöÅÄÖ -'", min_size=1, max_size=40)


@settings(max_examples=300, deadline=None)
@given(_SWEDISH)
def test_swedish_letters_fold_as_lookup_folds_them(text: str) -> None:
    """å/ä/ö typed as a/o give the same key, exactly when lookup's normalisation equates them."""
    plain = text.translate(str.maketrans("åäöÅÄÖ", "aaoAAO"))
    assert normalise(plain) == normalise(text)
    assert disease_key(plain) == disease_key(text)
    if disease_key(text):
        assert names_same_disease(plain, text) in (1.0, None)


def test_bridges_rest_on_stated_mappings(make_map) -> None:
    rm = make_map(*everything())
    [m] = rm.lexical_mappings("ICD10SE:E75.2A")  # Gauchers sjukdom, a fördjupningskod under E75.2
    assert (m.source, m.target, m.basis, m.relation) == ("ICD10SE:E75.2A", "ORPHA:355", "lexical", Relation.UNSPECIFIED)
    assert m.score == 1.0 and m.matched == ("Gauchers sjukdom", "Gaucher disease")
    assert [(s.source, s.target) for s in m.steps] == [("ORPHA:355", "ICD10:E75.2")]  # the code above it
    [inv] = rm.lexical_mappings("ORPHA:355")
    assert (inv.source, inv.target, inv.matched) == ("ORPHA:355", "ICD10SE:E75.2A", m.matched)
    assert rm.lexical_mappings("ICD10SE:Q87.4")[0].target == "ORPHA:558"
    # never among the stated mappings
    assert all(x.basis != "lexical" for x in rm.mappings("ICD10SE:E75.2A", direction="both"))
    assert all(x.basis != "lexical" for x in rm.mappings("ORPHA:355", direction="both"))


def test_no_bridge_without_a_stated_link(make_map) -> None:
    """Alport syndrome (ORPHA:63) is linked to Q87.8 only; ICD10SE:Q87.8A "Alports syndrom" is
    under Q87.8, a fördjupningskod of the linked code: bridged. Marfan type 1 (ORPHA:284963) has
    no mapping of its own: no Swedish title is bridged to it."""
    rm = make_map(*everything())
    assert [m.target for m in rm.lexical_mappings("ORPHA:284963")] == []
    linked = {m.target for m in rm.lexical_mappings("ORPHA:63")}
    for code in linked:
        assert rm.concept(code).label.startswith("Alport")


def test_sssom_lexical_rows_only_on_request(make_map) -> None:
    rm = make_map(*everything())
    plain, with_lexical = io.StringIO(), io.StringIO()
    n = sssom.write(rm, plain)
    m = sssom.write(rm, with_lexical, lexical=True)
    assert "LexicalMatching" not in plain.getvalue()
    assert m == n + len(list(rm.all_lexical_mappings())) and m > n
    row = next(line for line in with_lexical.getvalue().splitlines() if "icd10se:E75.2A" in line)
    assert "semapv:LexicalMatching" in row and "\t1.00\t" in row and "skos:relatedMatch" in row


def test_sample_bridges_and_switch_off(sample_map, tmp_path) -> None:
    import raremap

    pairs = {(m.source, m.target) for m in sample_map.all_lexical_mappings()}
    assert ("ICD10SE:Q87.4", "ORPHA:558") in pairs and ("ICD10SE:E75.2A", "ORPHA:355") in pairs
    report = sample_map.snapshot.manifest["report"]["counts"]
    total = report["lexical mappings (ICD-10-SE title names the ORPHA disease; derived, not stated)"]
    assert total == len(pairs)
    assert sum(n for k, n in report.items() if k.startswith("lexical mappings in chapter ")) == total
    assert report["lexical mappings in chapter Q00-Q99"] >= 1
    off = raremap.load(cache=tmp_path, lexical=False)
    assert off.snapshot.path != sample_map.snapshot.path  # a cache entry of its own
    assert off.snapshot.manifest["options"] == {"lexical": False}
    assert list(off.all_lexical_mappings()) == [] and off.lexical_mappings("ICD10SE:Q87.4") == []


def test_shared_bridges(shared_map) -> None:
    expect = {
        "ICD10SE:E83.0B": "ORPHA:905",  # Wilsons sjukdom, under E83.0
        "ICD10SE:Q85.1": "ORPHA:805",
        "ICD10SE:E75.2A": "ORPHA:355",
        "ICD10SE:Q43.1": "ORPHA:388",
        "ICD10SE:G71.0A": "ORPHA:98896",
        "ICD10SE:Q87.4": "ORPHA:558",
        "ICD10SE:E84.0": "ORPHA:586",
    }
    for code, orpha in expect.items():
        found = shared_map.lexical_mappings(code)
        assert found and found[0].target == orpha, code
        assert all(s.provenance and s.provenance.release for s in found[0].steps)
    # a broad code linked to many diseases is bridged only to the one its title names
    assert [m.target for m in shared_map.lexical_mappings("ICD10SE:Q43.1")] == ["ORPHA:388"]
    cf = {m.target for m in shared_map.lexical_mappings("ORPHA:586")}
    assert {"ICD10SE:E84.0", "ICD10SE:E84.1", "ICD10SE:E84.8", "ICD10SE:E84.9"} <= cf
