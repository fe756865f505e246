"""A small terminology of real codes, as record streams for the ``make_map`` fixture.

Codes, names and ICD-10-SE titles are real (shared/data: Orphanet pack 2023, product1 2025
fixture, Inera ICD-10-SE 2022, WHO ICD-10/11 tables 2024-01, Alpha-ID-SE 2020, SNOMED CT map
rows of the UK sample). Relations are Orphanet's where the fixture states them (ORPHA:166024)
and those of the bundled sample otherwise (data/README.md: ORPHA:558 → Q87.4 E/specific …).
"""

from __future__ import annotations

from raremap.model import Concept, Edge, IcdRelation, Mapping, Provenance, Relation, Release, Replacement, Status

E, NTBT, BTNT, UNSPEC = Relation.EXACT, Relation.NARROWER, Relation.BROADER, Relation.UNSPECIFIED
SPECIFIC, ATTRIBUTED, INDEX = IcdRelation.SPECIFIC, IcdRelation.ATTRIBUTED, IcdRelation.INDEX

PRODUCT1 = Release("orphanet-product1:2025-12-09", "ORPHA", "Orphadata product1", date="2025-12-09")
ICD10SE = Release("icd10se-inera:2022", "ICD10SE", "ICD-10-SE (Inera)", version="2022")
WHO = Release("who-icd10-icd11-maps:2024-01-21", "ICD11", "WHO ICD-10/ICD-11 mapping tables", date="2024-01-21")
SNOMED = Release("snomed-rf2:INT_20240701", "SCTID", "SNOMED CT", date="2024-07-01")
ALPHA = Release("alpha-id-se:2019-10-04", "ALPHAID", "Alpha-ID-SE", date="2019-10-04")


def _orpha(code: str, label: str, kind: str = "disorder", **kw) -> Concept:
    return Concept(f"ORPHA:{code}", "ORPHA", label, labels={"en": label}, kind=kind, release=PRODUCT1.id, **kw)


def _o(code: str, target: str, relation: Relation, icd: IcdRelation | None, n: int) -> Mapping:
    return Mapping(f"ORPHA:{code}", target, relation, icd, True,
                   provenance=Provenance(PRODUCT1.id, "en_product1.xml", f"Disorder {code} ExternalReference {n}"),
                   published=target.split(":", 1)[1])


def orphanet() -> list:
    return [
        PRODUCT1,
        _orpha("558", "Marfan syndrome"),
        _orpha("284963", "Marfan syndrome type 1", "subtype"),
        _orpha("284993", "Marfan syndrome and Marfan-related disorders", "group"),
        _orpha("166024", "Multiple epiphyseal dysplasia-macrocephaly-facial dysmorphism syndrome"),
        _orpha("355", "Gaucher disease"),
        _orpha("63", "Alport syndrome"),
        _orpha("127", "Borjeson-Forssman-Lehmann syndrome"),
        _orpha("33226", "Waldenström macroglobulinemia"),
        _orpha("850", "May-Hegglin thrombocytopenia", status=Status.DEPRECATED,
               replaced_by=(Replacement("ORPHA:182050", "moved_to"),)),
        _orpha("182050", "MYH9-related disease"),
        _orpha("99715", "MASS syndrome", status=Status.DEPRECATED, replaced_by=(Replacement("ORPHA:284963", "moved_to"),)),
        Edge("ORPHA:284963", "ORPHA:558", "orphanet:156"),
        Edge("ORPHA:558", "ORPHA:284993", "orphanet:156"),
        _o("558", "ICD10:Q87.4", E, SPECIFIC, 1),
        _o("558", "ICD11:LD28.01", E, None, 2),
        _o("166024", "ICD11:LD24.61", NTBT, INDEX, 212360),
        _o("166024", "ICD10:Q77.3", NTBT, ATTRIBUTED, 120419),
        _o("355", "ICD10:E75.2", NTBT, ATTRIBUTED, 3),
        _o("63", "ICD10:Q87.8", NTBT, ATTRIBUTED, 4),
        _o("127", "ICD10:Q87.8", NTBT, ATTRIBUTED, 5),
    ]


def icd10se() -> list:
    rows = [("Q87", "Andra specificerade medfödda missbildningssyndrom som engagerar multipla organsystem"),
            ("Q87.4", "Marfans syndrom"),
            ("Q87.8", "Andra specificerade medfödda missbildningssyndrom som ej klassificeras på annan plats"),
            ("Q87.8A", "Alports syndrom"), ("Q87.8D", "Zellwegers syndrom"),
            ("Q87.8W", "Andra specificerade medfödda missbildningssyndrom som ej klassificeras på annan plats"),
            ("Q77", "Osteokondrodysplasi med bristande tillväxt av rörben och kotpelare"),
            ("Q77.3", "Chondrodysplasia punctata"),
            ("E75", "Rubbningar i sfingolipidomsättningen och andra rubbningar i fettupplagringen"),
            ("E75.2", "Andra specificerade sfingolipidoser"), ("E75.2A", "Gauchers sjukdom"),
            ("E75.2W", "Andra specificerade sfingolipidoser"),
            ("C88", "Andra B-cellslymfom [maligna immunoproliferativa sjukdomar]"),
            ("C88.0", "Waldenströms makroglobulinemi")]
    out: list = [ICD10SE]
    for code, title in rows:
        out.append(Concept(f"ICD10SE:{code}", "ICD10SE", title, labels={"sv": title}, release=ICD10SE.id,
                           attributes={"national_extension": "true"} if code[-1].isalpha() else {}))
        if len(code) > 3:
            out.append(Edge(f"ICD10SE:{code}", f"ICD10SE:{code[:-1].rstrip('.')}", "icd10se"))
    return out


def who_tables() -> list:
    def m(src: str, dst: str, file: str, line: int) -> Mapping:
        return Mapping(src, dst, UNSPEC, provenance=Provenance(WHO.id, file, f"line {line}"), published=dst.split(":")[1])

    return [
        WHO,
        Concept("ICD10:Q87.4", "ICD10", "Marfan syndrome", labels={"en": "Marfan syndrome"}, release=WHO.id),
        Concept("ICD10:Q77.3", "ICD10", "Chondrodysplasia punctata", labels={"en": "Chondrodysplasia punctata"}, release=WHO.id),
        m("ICD10:Q87.4", "ICD11:LD28.01", "10To11MapToOneCategory.txt", 1),
        m("ICD10:Q77.3", "ICD11:LD24.04", "10To11MapToOneCategory.txt", 2),
        m("ICD10:Q87.8", "ICD11:LD2Z", "10To11MapToOneCategory.txt", 3),
        m("ICD11:LD28.01", "ICD10:Q87.4", "11To10MapToOneCategory.txt", 1),
        m("ICD11:LD24.61", "ICD10:Q79.8", "11To10MapToOneCategory.txt", 2),
        m("ICD11:LD24.04", "ICD10:Q77.3", "11To10MapToOneCategory.txt", 3),
    ]


def snomed() -> list:
    def ext(sctid: str, target: str, group: int, priority: int, rule: str, advice: str, line: int) -> Mapping:
        qualifier = f"group={group};priority={priority};rule={rule};advice={advice};correlation=447561005"
        return Mapping(f"SCTID:{sctid}", target, UNSPEC, provenance=Provenance(SNOMED.id, "der2_iisssccRefset_ExtendedMapSnapshot.txt", f"line {line}"),
                       published=target.split(":")[1], qualifier=qualifier)

    return [
        SNOMED,
        Concept("SCTID:19346006", "SCTID", "Marfan syndrome", labels={"en": "Marfan syndrome"}, release=SNOMED.id),
        Mapping("SCTID:19346006", "ORPHA:558", UNSPEC, provenance=Provenance(SNOMED.id, "der2_sRefset_OrphanetSimpleMapSnapshot.txt", "line 2"), published="558"),
        ext("703273002", "ICD10:I50.9", 1, 1, "TRUE", "ALWAYS I50.9", 3),
        ext("703273002", "ICD10:I25.1", 2, 1, "TRUE", "ALWAYS I25.1", 4),
        ext("364006", "ICD10:I50.0", 1, 1, "IFA 74960003 | Acute left-sided congestive heart failure (disorder) |",
            "IF ACUTE LEFT-SIDED CONGESTIVE HEART FAILURE CHOOSE I50.0 | MAP OF SOURCE CONCEPT IS CONTEXT DEPENDENT", 5),
        ext("364006", "ICD10:I50.1", 1, 2, "OTHERWISE TRUE", "ALWAYS I50.1", 6),
    ]


def alpha_id() -> list:
    def p(line: int) -> Provenance:
        return Provenance(ALPHA.id, "icd10gm2020_alphaid_se_muster_edvtxt_20191004.txt", f"line {line}")

    return [
        ALPHA,
        Mapping("ALPHAID:I19094", "ICD10GM:Q87.4", UNSPEC, provenance=p(1), published="Q87.4", qualifier="role=primary"),
        Mapping("ALPHAID:I19094", "ORPHA:558", E, provenance=p(1), published="558"),
        Mapping("ICD10GM:Q87.4", "ORPHA:558", UNSPEC, provenance=p(1), published="558", qualifier="alpha-id=I19094"),
        Mapping("ALPHAID:I6079", "ICD10GM:Q87.8", UNSPEC, provenance=p(2), published="Q87.8", qualifier="role=primary"),
        Mapping("ALPHAID:I6079", "ORPHA:63", E, provenance=p(2), published="63"),
        Mapping("ICD10GM:Q87.8", "ORPHA:63", UNSPEC, provenance=p(2), published="63", qualifier="alpha-id=I6079"),
        Mapping("ALPHAID:I30531", "ICD10GM:C88.00", UNSPEC, provenance=p(3), published="C88.00", qualifier="role=primary"),
        Mapping("ALPHAID:I30531", "ORPHA:33226", E, provenance=p(3), published="33226"),
        Mapping("ICD10GM:C88.00", "ORPHA:33226", UNSPEC, provenance=p(3), published="33226", qualifier="alpha-id=I30531"),
        Mapping("ALPHAID:I67050", "ICD10GM:D72.0", UNSPEC, provenance=p(4), published="D72.0", qualifier="role=primary"),
        Mapping("ALPHAID:I67050", "ORPHA:850", E, provenance=p(4), published="850"),
        Mapping("ICD10GM:D72.0", "ORPHA:850", UNSPEC, provenance=p(4), published="850", qualifier="alpha-id=I67050"),
    ]


def everything() -> list[list]:
    return [orphanet(), icd10se(), who_tables(), snomed(), alpha_id()]


def shared_map(shared_data, dest):
    """A RareMap of real shared releases: the 2025 product1 fixture, Alpha-ID-SE 2020, ICD-10-SE
    2022 and the WHO ICD-10/ICD-11 tables 2024-01 (each read by its own reader)."""
    import importlib

    from raremap import snapshot
    from raremap.snapshot.compile import compile_inputs
    from raremap.services.rare_map import RareMap
    from raremap.sources import discover

    def readers(*modules):
        return [r for m in modules for r in importlib.import_module(f"raremap.sources.{m}").READERS]

    inputs = []
    for folder, modules in (("orphanet/fixtures_orphanet_link_2025", ("orphanet.products", "orphanet.masterfile")),
                            ("alpha_id_se", ("bfarm.alpha_id",)), ("icd10se", ("icd10se.code_lists", "icd10se.ksh97p")),
                            ("icd11/mapping_2024-01", ("who.icd11_tabulation", "who.mapping_tables"))):
        inputs += discover(shared_data / folder, readers(*modules))
    compiled = compile_inputs(inputs, shared_data)
    return RareMap(snapshot.read(snapshot.write(compiled, dest)))
