"""Name lookup: normalisation, ranking, filters, obsolete codes, completion, CLI.

Names and codes are real (Orphanet nomenclature pack 2023, ICD-10-SE 2022, ICD-11 MMS 2024-01).
"""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from raremap.cli import main
from raremap.model import Concept, Release, Replacement, Status, Term, TermKind
from raremap.indexes.textnorm import gram_keys, normalise, permutation_key

ORPHA = Release("orphanet-nomenclature:2023-06-21", "ORPHA", "Orphanet nomenclature pack", "1.3.25", "2023-06-21")
ICD10SE = Release("icd10se-inera:2022", "ICD10SE", "ICD-10-SE", "2022", "2022-01-11")
ICD11 = Release("icd11-simple-tabulation-en:2024-01", "ICD11", "ICD-11 MMS", "2024-01", "2024-01-21")


def orpha(code: str, label: str, *synonyms: str, status: Status = Status.ACTIVE, replaced_by: tuple[Replacement, ...] = ()) -> Concept:
    return Concept(code, "ORPHA", label, {"en": label}, tuple(Term(s, "en", TermKind.SYNONYM) for s in synonyms),
                   status=status, replaced_by=replaced_by, release=ORPHA.id)


def icd10se(code: str, label: str, *index_terms: str) -> Concept:
    return Concept(code, "ICD10SE", label, {"sv": label}, tuple(Term(s, "sv", TermKind.INDEX) for s in index_terms),
                   release=ICD10SE.id)


def icd11(code: str, label: str) -> Concept:
    return Concept(code, "ICD11", label, {"en": label}, release=ICD11.id)


@pytest.fixture
def rm(make_map):
    return make_map(
        [ORPHA,
         orpha("ORPHA:558", "Marfan syndrome", "MFS"),
         orpha("ORPHA:284963", "Marfan syndrome type 1", "MFS1"),
         orpha("ORPHA:284973", "Marfan syndrome type 2", "MFS2"),
         orpha("ORPHA:586", "Cystic fibrosis", "CF", "Mucoviscidosis"),
         orpha("ORPHA:284264", "IgG4-related disease", "IgG4-related sclerosing disease"),
         orpha("ORPHA:596448", "IgG4-related systemic disease", "IgG4-RD", "IgG4-related disease"),
         orpha("ORPHA:287", "Classical Ehlers-Danlos syndrome", "Classical EDS", "cEDS"),
         orpha("ORPHA:275517", "Autoimmune lymphoproliferative syndrome with recurrent viral infections",
               "ALPS with recurrent viral infections", "CEDS", "Caspase 8 deficiency syndrome"),
         orpha("ORPHA:166063", "Pontocerebellar hypoplasia type 4"),
         orpha("ORPHA:166068", "Pontocerebellar hypoplasia type 5", "Fetal-onset olivopontocerebellar hypoplasia", "PCH5",
               status=Status.DEPRECATED, replaced_by=(Replacement("ORPHA:166063", "moved_to"),))],
        [ICD10SE,
         icd10se("ICD10SE:Q87.4", "Marfans syndrom"),
         icd10se("ICD10SE:N30", "Cystit (blåskatarr)"),
         icd10se("ICD10SE:N30.4", "Strålcystit"),
         icd10se("ICD10SE:K50", "Crohns sjukdom [regional enterit]", "Morbus Crohn"),
         icd10se("ICD10SE:K50.9", "Crohns sjukdom, ospecificerad"),
         icd10se("ICD10SE:E10", "Diabetes mellitus typ 1"),
         icd10se("ICD10SE:E11", "Diabetes mellitus typ 2"),
         icd10se("ICD10SE:E84.0", "Cystisk fibros med lungmanifestationer")],
        [ICD11,
         icd11("ICD11:LD28.01", "Marfan syndrome"),
         icd11("ICD11:DD70", "Crohn disease"),
         icd11("ICD11:CA25", "Cystic fibrosis")],
    )


def codes(matches) -> list[str]:
    return [m.code for m in matches]


# --- normalisation --------------------------------------------------------------------------


@pytest.mark.parametrize("variants", [
    ("Crohn's disease", "Crohns disease", "Crohn disease", "CROHN’S DISEASE"),
    ("Marfans syndrom", "marfan syndrom", "Marfan's syndrom"),
    ("Strålcystit", "stralcystit", "STRÅLCYSTIT"),
    ("Diabetes mellitus typ II", "diabetes mellitus typ 2", "Diabetes mellitus, typ 2"),
    ("α-thalassemia", "alpha thalassemia", "Alfa-thalassemia", "ALPHA-THALASSEMIA"),
    ("Charcot-Marie-Tooth disease", "charcot marie tooth disease"),
    ("Sjögren syndrome", "Sjogren syndrome", "Sjøgren syndrome"),
    ("Mucopolysaccharidosis type VI", "mucopolysaccharidosis type 6"),
])
def test_normalisation_equates_clinical_spellings(variants):
    assert len({normalise(v) for v in variants}) == 1


def test_normalisation_keeps_what_tells_names_apart():
    assert normalise("Fragile X syndrome") == "fragile x syndrome"  # a lone X is no numeral here
    assert normalise("Diabetes mellitus typ 1") != normalise("Diabetes mellitus typ 2")
    assert normalise("CRPS") == "crps"  # short words keep their s
    assert normalise("MODY3") == "mody 3"


def test_word_order_key():
    assert permutation_key(normalise("syndrome, Marfan")) == permutation_key(normalise("Marfan syndrome"))


SWEDISH = st.text(alphabet="abcdefghijklmnopqrstuvwxyzåäöABCDEFGHIJKLMNOPQRSTUVWXYZÅÄÖ -',.()0123456789", max_size=40)
_ASCII = str.maketrans("åäöÅÄÖ", "aaoAAO")


@settings(max_examples=100)
@given(st.text(max_size=60))
def test_normalise_is_idempotent_and_never_raises(text):
    once = normalise(text)
    assert normalise(once) == once
    assert once == once.strip() and "  " not in once
    gram_keys(once)


@settings(max_examples=100)
@given(SWEDISH)
def test_swedish_letters_match_when_typed_as_a_and_o(text):
    assert normalise(text.translate(_ASCII)) == normalise(text)
    assert normalise(text.upper()) == normalise(text.lower())


# --- ranking ----------------------------------------------------------------------------------


def test_exact_then_prefix_then_fuzzy(rm):
    found = rm.lookup("Marfan syndrome")
    assert found[0].code in {"ORPHA:558", "ICD11:LD28.01"} and found[0].match == "exact" and found[0].score == 100
    assert {m.code for m in found[:2]} == {"ORPHA:558", "ICD11:LD28.01"}
    kinds = [m.match for m in found]
    assert kinds[2:4] == ["prefix", "prefix"] and {m.code for m in found[2:4]} == {"ORPHA:284963", "ORPHA:284973"}
    assert "ICD10SE:Q87.4" in codes(found[4:]) and all(k == "fuzzy" for k in kinds[4:])
    tiers = ["exact", "synonym", "abbreviation", "prefix", "fuzzy"]
    assert [tiers.index(k) for k in kinds] == sorted(tiers.index(k) for k in kinds)


def test_swedish_genitive_finds_icd10se_first_then_english(rm):
    found = rm.lookup("marfans syndrom")
    assert found[0].code == "ICD10SE:Q87.4" and found[0].match == "exact"
    assert {"ORPHA:558", "ICD11:LD28.01"} <= set(codes(found[1:3]))


def test_exact_label_ranks_above_synonym_above_abbreviation(rm):
    found = rm.lookup("IgG4-related disease")
    assert codes(found[:2]) == ["ORPHA:284264", "ORPHA:596448"]
    assert [m.match for m in found[:2]] == ["exact", "synonym"]
    found = rm.lookup("cEDS")  # a synonym of ORPHA:287 ("cEDS"), an abbreviation of ORPHA:275517 ("CEDS")
    assert codes(found[:2]) == ["ORPHA:287", "ORPHA:275517"]
    assert [m.match for m in found[:2]] == ["synonym", "abbreviation"]


def test_abbreviation_and_synonym(rm):
    mfs = rm.lookup("MFS")[0]
    assert (mfs.code, mfs.matched_term, mfs.match, mfs.label) == ("ORPHA:558", "MFS", "abbreviation", "Marfan syndrome")
    cf = rm.lookup("mucoviscidosis")[0]
    assert (cf.code, cf.matched_term, cf.match) == ("ORPHA:586", "Mucoviscidosis", "synonym")


def test_word_order(rm):
    found = rm.lookup("syndrome, Marfan")
    assert set(codes(found[:2])) == {"ORPHA:558", "ICD11:LD28.01"} and found[0].match == "exact"


def test_ascii_typed_swedish_title_is_displayed_unchanged(rm):
    hit = rm.lookup("stralcystit")[0]
    assert (hit.code, hit.matched_term, hit.match, hit.matched_lang) == ("ICD10SE:N30.4", "Strålcystit", "exact", "sv")


def test_typos(rm):
    assert rm.lookup("Stralcysit")[0].code == "ICD10SE:N30.4"
    assert rm.lookup("marfn syndrom")[0].code == "ICD10SE:Q87.4"
    assert rm.lookup("cystic fiborsis")[0].code in {"ORPHA:586", "ICD11:CA25"}
    assert rm.lookup("Pontocerebelar hypoplasia type 4")[0].code == "ORPHA:166063"


def test_apostrophe_and_genitive_variants_find_crohn(rm):
    for query in ("Crohn's disease", "Crohns disease", "crohn disease"):
        assert rm.lookup(query)[0].code == "ICD11:DD70"
    assert rm.lookup("crohns sjukdom")[0].code == "ICD10SE:K50"  # bracketed part not needed
    assert rm.lookup("morbus crohn")[0].code == "ICD10SE:K50"


def test_roman_numerals(rm):
    hit = rm.lookup("Diabetes mellitus typ II")[0]
    assert (hit.code, hit.match) == ("ICD10SE:E11", "exact")


def test_one_result_per_concept_with_best_name(rm):
    found = rm.lookup("cystic fibrosis", limit=20)
    assert len(codes(found)) == len(set(codes(found)))
    cf = next(m for m in found if m.code == "ORPHA:586")
    assert cf.matched_term == "Cystic fibrosis" and cf.match == "exact"


def test_deterministic(rm):
    first = rm.lookup("syndrome", limit=20)
    assert first == rm.lookup("syndrome", limit=20)


@pytest.mark.parametrize("query", ["", "   ", "-- , ;", "\x00"])
def test_nothing_to_look_up(rm, query):
    assert rm.lookup(query) == [] and rm.complete(query) == []


def test_lookup_never_raises(rm):
    @settings(max_examples=60, deadline=None)
    @given(st.text(max_size=80))
    def check(text):
        for m in rm.lookup(text) + rm.complete(text) + rm.lookup(text, system="ORPHA", include_inactive=True):
            assert 0 <= m.score <= 100

    check()


# --- filters and obsolete codes ------------------------------------------------------------


def test_system_filter_one_or_several(rm):
    assert codes(rm.lookup("Marfan syndrome", system="ICD10SE")) == ["ICD10SE:Q87.4"]
    both = rm.lookup("Marfan syndrome", system=["ORPHA", "icd11"])
    assert {m.system for m in both} == {"ORPHA", "ICD11"}


def test_lang_filter(rm):
    found = rm.lookup("Marfan syndrome", lang="sv")
    assert codes(found) == ["ICD10SE:Q87.4"] and found[0].label == "Marfans syndrom"
    assert all(m.matched_lang == "en" for m in rm.lookup("cystic fibrosis", lang="en"))


def test_inactive_codes_only_on_request_flagged_with_replacement(rm):
    assert "ORPHA:166068" not in codes(rm.lookup("Pontocerebellar hypoplasia type 5", limit=20))
    assert "ORPHA:166068" not in codes(rm.lookup("PCH5", limit=20))
    hit = rm.lookup("Pontocerebellar hypoplasia type 5", include_inactive=True)[0]
    assert (hit.code, hit.status, hit.replaced_by, hit.match) == ("ORPHA:166068", Status.DEPRECATED, ("ORPHA:166063",), "exact")
    assert rm.lookup("PCH5", include_inactive=True)[0].code == "ORPHA:166068"


def test_short_name_gets_no_partial_credit_for_a_long_query():
    from raremap.services.search import similarity

    nerve, plantar = similarity(normalise("Plamntar nerve"), [normalise("Nerve"), normalise("Plantar nerve")]).tolist()
    assert plantar > 85 > nerve
    longer = similarity(normalise("Marfan syndrome"), [normalise("Neonatal Marfan syndrome")]).tolist()[0]
    assert longer >= 85  # a longer name containing the query is a fair answer


def test_snapshot_without_search_index_is_reported():
    from raremap.errors import SnapshotError
    from raremap.services.search import SearchIndex

    with pytest.raises(SnapshotError, match="rebuild"):
        SearchIndex({})


# --- completion -------------------------------------------------------------------------------


def test_complete_short_prefix(rm):
    found = rm.complete("marf")
    assert {"ORPHA:558", "ICD10SE:Q87.4", "ICD11:LD28.01", "ORPHA:284963"} <= set(codes(found))
    assert all(m.match == "prefix" for m in found)
    assert codes(rm.complete("str")) == ["ICD10SE:N30.4"]  # å typed as a


def test_complete_exact_name_first_then_longer(rm):
    found = rm.complete("Marfan syndrome t")
    assert set(codes(found[:2])) == {"ORPHA:284963", "ORPHA:284973"}
    found = rm.complete("Marfan syndrome")
    assert {m.match for m in found[:2]} == {"exact"}


def test_complete_word_inside_a_name_and_filters(rm):
    assert codes(rm.complete("syndrome marf", system="ORPHA"))[:3] == ["ORPHA:558", "ORPHA:284963", "ORPHA:284973"]
    assert codes(rm.complete("fibros", system="ICD10SE")) == ["ICD10SE:E84.0"]
    assert codes(rm.complete("ma", system="ICD11")) == ["ICD11:LD28.01"]


def test_complete_inactive_only_on_request(rm):
    assert "ORPHA:166068" not in codes(rm.complete("pontocerebellar hyp"))
    hit = next(m for m in rm.complete("pontocerebellar hyp", include_inactive=True) if m.code == "ORPHA:166068")
    assert hit.status is Status.DEPRECATED and hit.replaced_by == ("ORPHA:166063",)


def test_complete_falls_back_to_fuzzy(rm):
    assert rm.complete("mucovisc")[0].code == "ORPHA:586"
    hit = rm.complete("mukoviscidos")[0]
    assert (hit.code, hit.match) == ("ORPHA:586", "fuzzy")


# --- CLI --------------------------------------------------------------------------------------


def test_cli_lookup_json(rm, capsys):
    assert main(["lookup", "marfans syndrom", "--snapshot", str(rm.snapshot.path), "--json", "--limit", "3"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["matches"][0]["code"] == "ICD10SE:Q87.4" and len(data["matches"]) == 3


def test_cli_lookup_text_filters_and_complete(rm, capsys):
    path = str(rm.snapshot.path)
    assert main(["lookup", "pontocerebellar hypoplasia type 5", "--snapshot", path, "--system", "ORPHA",
                 "--include-inactive", "--limit", "1"]) == 0
    out = capsys.readouterr().out
    assert "ORPHA:166068" in out and "deprecated -> ORPHA:166063" in out
    assert main(["lookup", "stral", "--complete", "--lang", "sv", "--snapshot", path]) == 0
    assert "ICD10SE:N30.4" in capsys.readouterr().out


# --- real data ------------------------------------------------------------------------------


def test_icd10se_titles_from_shared_data(shared_data, tmp_path):
    import raremap

    rm = raremap.load(releases=shared_data / "icd10se", cache=tmp_path)
    assert rm.lookup("stralcystit")[0].code == "ICD10SE:N30.4"
    assert rm.lookup("Marfans syndrom")[0].code == "ICD10SE:Q87.4"
    assert rm.lookup("Diabetes mellitus typ 1 med ketoacidotiskt kma")[0].code == "ICD10SE:E10.0A"
    assert rm.lookup("salmonellos")[0].matched_term == "Salmonellos"  # a KSH97-P synonym


def test_a_differently_numbered_name_is_not_a_near_match(make_map) -> None:
    """"type II" must not land on type 3 or 4 (real Orphanet names and synonyms, 2023 pack)."""
    rm = make_map([
        ORPHA,
        orpha("ORPHA:98249", "Ehlers-Danlos syndrome"),
        orpha("ORPHA:285", "Hypermobile Ehlers-Danlos syndrome", "Ehlers-Danlos syndrome type 3"),
        orpha("ORPHA:286", "Vascular Ehlers-Danlos syndrome", "Ehlers-Danlos syndrome type 4"),
    ])
    assert codes(rm.lookup("ehlers-danlos syndrome type II"))[0] == "ORPHA:98249"
    assert codes(rm.lookup("Ehlers-Danlos syndrome type IV"))[0] == "ORPHA:286"  # roman = arabic


# --- clinician and researcher audit: names as typed while coding ---------------------------------

ALPHAID = Release("alpha-id-se:20191004", "ALPHAID", "Alpha-ID-SE", "2020", "2019-10-04")


def alpha_id(code: str, text: str, orpha_code: str, primary: str) -> Concept:
    return Concept(code, "ALPHAID", text, {"de": text}, attributes={"orpha": orpha_code, "primary": primary},
                   release=ALPHAID.id)


def with_index_terms(concept: Concept, *terms: tuple[str, str]) -> Concept:
    import dataclasses

    extra = tuple(Term(text, lang, TermKind.INDEX) for text, lang in terms)
    return dataclasses.replace(concept, synonyms=concept.synonyms + extra)


@pytest.fixture
def audit_map(make_map):
    """Real names: Orphanet 2023 (with the German Alpha-ID texts it receives as index terms),
    Alpha-ID-SE 2020 sample, ICD-10-SE 2022 (with KSH97-P index terms)."""
    return make_map(
        [ORPHA,
         with_index_terms(orpha("ORPHA:586", "Cystic fibrosis", "CF", "Mucoviscidosis"), ("CF [Fibrosis cystica]", "de")),
         with_index_terms(orpha("ORPHA:558", "Marfan syndrome", "MFS"), ("Marfan-Syndrom", "de")),
         with_index_terms(orpha("ORPHA:579", "Mucopolysaccharidosis type 1", "MPS1", "MPSI"),
                          ("MPS I [Mukopolysaccharidose Typ I]", "de")),
         orpha("ORPHA:399", "Huntington disease", "Huntington chorea"),
         orpha("ORPHA:83330", "Proximal spinal muscular atrophy type 1", "SMA type 1", "Werdnig-Hoffmann disease"),
         orpha("ORPHA:98920", "Autosomal recessive distal spinal muscular atrophy type 1"),
         orpha("ORPHA:139518", "Autosomal dominant distal juvenile spinal muscular atrophy type 1"),
         orpha("ORPHA:803", "Amyotrophic lateral sclerosis", "ALS", "Charcot disease", "Lou Gehrig disease")],
        [ALPHAID,
         alpha_id("ALPHAID:I18534", "CF [Fibrosis cystica]", "586", "E84.9"),
         alpha_id("ALPHAID:I19094", "Marfan-Syndrom", "558", "Q87.4"),
         alpha_id("ALPHAID:I118019", "MPS I [Mukopolysaccharidose Typ I]", "579", "E76.0"),
         alpha_id("ALPHAID:I26216", "Chorea Huntington", "399", "G10")],
        [ICD10SE,
         icd10se("ICD10SE:G71.0", "Muskeldystrofi"),
         icd10se("ICD10SE:G71.0A", "Muskeldystrofi, hereditär, typ Duchenne"),
         icd10se("ICD10SE:G71.0B", "Muskeldystrofi, hereditär, typ Becker (benign)"),
         icd10se("ICD10SE:E75.2F", "Fabry-Andersons sjukdom"),
         icd10se("ICD10SE:E75.2B", "Krabbes sjukdom"),
         icd10se("ICD10SE:I67", "Cerebrovaskulär sjukdom"),
         icd10se("ICD10SE:G12.2", "Motorneuronsjukdom", "Amyotrofisk lateralskleros", "ALS")],
    )


def test_an_acronym_left_by_dropping_brackets_is_an_abbreviation(audit_map):
    """"CF [Fibrosis cystica]" gives the key "CF": no exact label match that outranks the
    disease's own abbreviation, which is shown as typed."""
    hit = audit_map.lookup("CF")[0]
    assert (hit.code, hit.matched_term, hit.match) == ("ORPHA:586", "CF", "abbreviation")
    assert audit_map.lookup("MPS I")[0].code == "ORPHA:579"


def test_an_index_term_written_as_an_acronym_is_an_abbreviation(audit_map):
    found = audit_map.lookup("ALS", system="ICD10SE")
    assert (found[0].code, found[0].match) == ("ICD10SE:G12.2", "abbreviation")


def test_alpha_id_entry_ranks_after_the_diagnosis_it_names(audit_map):
    found = audit_map.lookup("Marfan-Syndrom")
    assert codes(found[:2]) == ["ORPHA:558", "ALPHAID:I19094"]
    assert codes(audit_map.complete("marf"))[:2] == ["ORPHA:558", "ALPHAID:I19094"]


def test_name_in_typed_order_beats_reordered_label(audit_map):
    found = audit_map.lookup("Huntington chorea")
    assert codes(found[:2]) == ["ORPHA:399", "ALPHAID:I26216"]
    assert [m.score for m in found[:2]] == [100, 99]


def test_name_holding_every_word_typed_is_a_close_match(audit_map):
    assert audit_map.lookup("Duchennes muskeldystrofi")[0].code == "ICD10SE:G71.0A"
    assert audit_map.lookup("Beckers muskeldystrofi")[0].code == "ICD10SE:G71.0B"
    assert audit_map.lookup("Fabrys sjukdom")[0].code == "ICD10SE:E75.2F"
    # the shortest name holding the query is no worse than much longer ones
    assert audit_map.lookup("spinal muscular atrophy type 1")[0].code == "ORPHA:83330"


def test_containment_score_does_not_depend_on_a_length_threshold():
    from raremap.services.search import similarity

    q = normalise("spinal muscular atrophy type 1")
    near, far = similarity(q, [normalise("Proximal spinal muscular atrophy type 1"),
                               normalise("Autosomal recessive distal spinal muscular atrophy type 1")]).tolist()
    assert near >= far >= 85
    short = similarity(normalise("Duchennes muskeldystrofi"), [normalise("Muskeldystrofi")]).tolist()[0]
    assert short < 85  # a name holding only part of what was typed gets no containment credit


def test_clinician_and_researcher_queries_on_shared_data(shared_map):
    cases = [
        ("Duchennes muskeldystrofi", "ICD10SE", "ICD10SE:G71.0A"),
        ("Fabrys sjukdom", "ICD10SE", "ICD10SE:E75.2F"),
        ("tuberos skleros", "ICD10SE", "ICD10SE:Q85.1"),
        ("CF", "ORPHA", "ORPHA:586"),
        ("Gaucher's disease", None, "ORPHA:355"),
        ("Ehlers-Danlos syndrome type IV", None, "ORPHA:286"),
        ("spinal muscular atrophy type 1", "ORPHA", "ORPHA:83330"),
        ("MPS I", None, "ORPHA:579"),
    ]
    for query, system, expected in cases:
        assert shared_map.lookup(query, system=system)[0].code == expected, query
    assert shared_map.lookup("CF")[0].code == "ORPHA:586"


def test_grouped_term_ranks_after_the_names_of_the_diagnosis(make_map):
    # KSH97-P files "Spinal muskelatrofi" under the aggregate G98-P (on category G98); ICD-10-SE
    # codes the disease G12
    grouped = Concept("ICD10SE:G98", "ICD10SE", "Andra sjukdomar i nervsystemet som ej klassificeras på annat ställe",
                      {"sv": "Andra sjukdomar i nervsystemet som ej klassificeras på annat ställe"},
                      (Term("Spinal muskelatrofi", "sv", TermKind.GROUPED),), release=ICD10SE.id)
    rm = make_map([ICD10SE, grouped, icd10se("ICD10SE:G12", "Spinal muskelatrofi och besläktade syndrom"),
                   icd10se("ICD10SE:G12.9", "Spinal muskelatrofi, ospecificerad")])
    found = rm.lookup("spinal muskelatrofi")
    assert codes(found)[:2] == ["ICD10SE:G12.9", "ICD10SE:G12"]
    assert (found[2].code, found[2].match, found[2].matched_term) == ("ICD10SE:G98", "grouped", "Spinal muskelatrofi")
    # where nothing else names it, the grouped term still finds the code it sits on
    assert codes(make_map([ICD10SE, grouped]).lookup("spinal muskelatrofi")) == ["ICD10SE:G98"]
    assert codes(rm.complete("spinal musk"))[:2] == ["ICD10SE:G12.9", "ICD10SE:G12"]


def test_short_abbreviation_never_matches_a_fragment_of_a_longer_word(make_map):
    # real names: ORPHA:70 (synonym SMA, 2023 pack), ICD-10-SE 2022 titles
    rm = make_map([ORPHA, orpha("ORPHA:70", "Proximal spinal muscular atrophy", "SMA")],
                  [ICD10SE, icd10se("ICD10SE:R52", "Smärta och värk som ej klassificeras på annan plats"),
                   icd10se("ICD10SE:R10", "Buk- och bäckensmärtor")])
    assert codes(rm.lookup("SMA")) == ["ORPHA:70"]
    # ICD-10-SE has no abbreviation SMA: nothing, rather than "Smärta" scored as a near match
    assert rm.lookup("SMA", system="ICD10SE") == []
    assert rm.lookup("sma", system="ICD10SE") == []
    # a short word still finds the names holding it (a typo in a word this short is not
    # tolerated: one letter of four is too much to tell a typo from another word)
    assert codes(rm.lookup("värk", system="ICD10SE")) == ["ICD10SE:R52"]
    assert codes(rm.lookup("vark", system="ICD10SE")) == ["ICD10SE:R52"]  # ä typed as a


def test_long_icd10se_title_is_found_whole(make_map):
    # ICD-10-SE 2022 external-cause titles run to 300 characters; the distinguishing part is the end
    stem = ("Avsiktligt självdestruktiv handling genom förgiftning med och exponering för antiepileptika, lugnande "
            "läkemedel och sömnmedel, medel mot parkinsonism samt psykotropa medel som ej klassificeras på annan "
            "plats-bostad och bostadsområde-")
    rm = make_map([ICD10SE, icd10se("ICD10SE:X61.04", stem + "vitalaktivitet såsom vila, sömn, måltid och personlig hygien"),
                   icd10se("ICD10SE:X61.09", stem + "aktivitet, ospecificerad")])
    typed = (stem + "vitalaktivitet såsom vila, sömn, måltid och personlig hygien").lower().translate(str.maketrans("åäö", "aao"))
    assert len(typed) > 256
    [first, *_] = rm.lookup(typed)
    assert (first.code, first.match) == ("ICD10SE:X61.04", "exact")


def test_complete_every_word_typed_ahead(rm):
    """While coding, each word is typed only in part: "cyst fib" is "Cystic fibrosis"."""
    assert set(codes(rm.complete("cyst fib"))[:2]) == {"ORPHA:586", "ICD11:CA25"}
    assert codes(rm.complete("cyst fib", system="ICD10SE")) == ["ICD10SE:E84.0"]
    assert codes(rm.complete("fib cyst", system="ICD10SE")) == ["ICD10SE:E84.0"]  # any word order
    # a word followed by a space is whole: "fibros " is no prefix of "fibrosis", only a near match
    assert [m.match for m in rm.complete("cyst fibros ") if m.code == "ORPHA:586"] == ["fuzzy"]
    assert [m.match for m in rm.complete("cyst fibros") if m.code == "ORPHA:586"] == ["prefix"]


def test_rare_word_outweighs_common_word_across_languages(make_map):
    """An English name looked up among Swedish titles: the name holding the rare word wins over
    names holding only the common one (real ICD-10-SE 2022 titles, some of them English)."""
    rm = make_map([ICD10SE,
                   icd10se("ICD10SE:E75.2A", "Gauchers sjukdom"),
                   icd10se("ICD10SE:B08.4", "Hand, foot and mouth disease"),
                   icd10se("ICD10SE:E71.0", "Maple-syrup-urine disease [MSUD]"),
                   icd10se("ICD10SE:N73", "Pelvic inflammatory disease [PID]"),
                   icd10se("ICD10SE:A98.2", "Kyasanur Forest disease"),
                   icd10se("ICD10SE:I67", "Cerebrovaskulär sjukdom"),
                   icd10se("ICD10SE:E75.2F", "Fabry-Andersons sjukdom")])
    assert rm.lookup("Gaucher disease")[0].code == "ICD10SE:E75.2A"
    assert rm.lookup("Fabrys sjukdom")[0].code == "ICD10SE:E75.2F"


def test_lookup_many_answers_as_lookup_on_every_core(shared_map):
    import random

    from raremap.errors import UsageError

    rng = random.Random(14)
    labels = [c for c in shared_map._concepts["label"] if c][::40][:700]
    typed = [t[:-2] + t[-1:] if len(t) > 8 else t for t in labels[:300]]  # a letter dropped
    queries = labels + typed + ["marfans syndrom", "CF", "", "tuberos skleros"] * 50
    rng.shuffle(queries)
    many = shared_map.lookup_many(queries, workers=2)
    assert len(many) == len(queries)
    assert many == [shared_map.lookup(q) for q in queries]
    assert shared_map.lookup_many(queries[:20], system="ICD10SE", limit=3) == [
        shared_map.lookup(q, system="ICD10SE", limit=3) for q in queries[:20]]
    with pytest.raises(UsageError):
        shared_map.lookup_many(["marfan", 558])
    with pytest.raises(UsageError):
        shared_map.lookup_many(["marfan"], workers=0)
