"""Tests for priorauth.catalog (drug and ICD-10 reference data)."""

from __future__ import annotations

import dataclasses

import pytest

from priorauth import catalog
from priorauth.catalog import (
    AUGMENTING_CLASSES,
    CLASS_LABELS,
    CLASSES,
    Diagnosis,
    Drug,
    all_drugs,
    all_icd10,
    icd10_title,
    is_category_header,
    lookup_drug,
    lookup_icd10,
    suggest_drug,
)

# Hard-coded from shared/reference/antidepressants.md (not parsed at test time:
# the reference directory is not part of the package).
# brand (as written) -> (generic, class)
BRANDS = {
    "Celexa": ("citalopram", "ssri"),
    "Lexapro": ("escitalopram", "ssri"),
    "Prozac": ("fluoxetine", "ssri"),
    "Sarafem": ("fluoxetine", "ssri"),
    "Luvox": ("fluvoxamine", "ssri"),
    "Paxil": ("paroxetine", "ssri"),
    "Pexeva": ("paroxetine", "ssri"),
    "Paxil CR": ("paroxetine", "ssri"),
    "Zoloft": ("sertraline", "ssri"),
    "Effexor": ("venlafaxine", "snri"),
    "Effexor XR": ("venlafaxine", "snri"),
    "Pristiq": ("desvenlafaxine", "snri"),
    "Khedezla": ("desvenlafaxine", "snri"),
    "Cymbalta": ("duloxetine", "snri"),
    "Drizalma Sprinkle": ("duloxetine", "snri"),
    "Fetzima": ("levomilnacipran", "snri"),
    "Wellbutrin": ("bupropion", "bupropion"),
    "Wellbutrin SR": ("bupropion", "bupropion"),
    "Wellbutrin XL": ("bupropion", "bupropion"),
    "Forfivo XL": ("bupropion", "bupropion"),
    "Aplenzin": ("bupropion", "bupropion"),
    "Remeron": ("mirtazapine", "mirtazapine"),
    "RemeronSolTab": ("mirtazapine", "mirtazapine"),
    "Desyrel": ("trazodone", "serotonin_modulator"),
    "Oleptro": ("trazodone", "serotonin_modulator"),
    "Viibryd": ("vilazodone", "serotonin_modulator"),
    "Trintellix": ("vortioxetine", "serotonin_modulator"),
    "Elavil": ("amitriptyline", "tca"),
    "Anafranil": ("clomipramine", "tca"),
    "Norpramin": ("desipramine", "tca"),
    "Sinequan": ("doxepin", "tca"),
    "Tofranil": ("imipramine", "tca"),
    "Tofranil-PM": ("imipramine", "tca"),
    "Pamelor": ("nortriptyline", "tca"),
    "Vivactil": ("protriptyline", "tca"),
    "Surmontil": ("trimipramine", "tca"),
    "Nardil": ("phenelzine", "maoi"),
    "Parnate": ("tranylcypromine", "maoi"),
    "Marplan": ("isocarboxazid", "maoi"),
    "Emsam": ("selegiline transdermal", "maoi"),
    "Auvelity": ("dextromethorphan-bupropion", "nmda"),
    "Exxua": ("gepirone", "other"),
    "Abilify": ("aripiprazole", "antipsychotic"),
    "Rexulti": ("brexpiprazole", "antipsychotic"),
    "Vraylar": ("cariprazine", "antipsychotic"),
    "Seroquel": ("quetiapine", "antipsychotic"),
    "Seroquel XR": ("quetiapine", "antipsychotic"),
    "Symbyax": ("olanzapine", "antipsychotic"),
    "Zyprexa": ("olanzapine", "antipsychotic"),
    "Lithobid": ("lithium", "lithium"),
    "Cytomel": ("liothyronine", "thyroid"),
}

# generic -> (class, role, min adequate, top of usual range)
GENERICS = {
    "citalopram": ("ssri", "antidepressant", 20, 40),
    "escitalopram": ("ssri", "antidepressant", 10, 20),
    "fluoxetine": ("ssri", "antidepressant", 20, 60),
    "fluvoxamine": ("ssri", "antidepressant", 50, 200),
    "paroxetine": ("ssri", "antidepressant", 20, 40),
    "sertraline": ("ssri", "antidepressant", 50, 200),
    "venlafaxine": ("snri", "antidepressant", 75, 225),
    "desvenlafaxine": ("snri", "antidepressant", 50, 100),
    "duloxetine": ("snri", "antidepressant", 60, 120),
    "levomilnacipran": ("snri", "antidepressant", 40, 120),
    "bupropion": ("bupropion", "antidepressant", 300, 450),
    "mirtazapine": ("mirtazapine", "antidepressant", 15, 45),
    "trazodone": ("serotonin_modulator", "antidepressant", 200, 400),
    "nefazodone": ("serotonin_modulator", "antidepressant", 300, 600),
    "vilazodone": ("serotonin_modulator", "antidepressant", 20, 40),
    "vortioxetine": ("serotonin_modulator", "antidepressant", 10, 20),
    "amitriptyline": ("tca", "antidepressant", 150, 300),
    "amoxapine": ("tca", "antidepressant", 200, 300),
    "clomipramine": ("tca", "antidepressant", 100, 250),
    "desipramine": ("tca", "antidepressant", 150, 300),
    "doxepin": ("tca", "antidepressant", 100, 300),
    "imipramine": ("tca", "antidepressant", 150, 300),
    "maprotiline": ("tca", "antidepressant", 100, 225),
    "nortriptyline": ("tca", "antidepressant", 50, 150),
    "protriptyline": ("tca", "antidepressant", 15, 60),
    "trimipramine": ("tca", "antidepressant", 150, 300),
    "phenelzine": ("maoi", "antidepressant", 45, 90),
    "tranylcypromine": ("maoi", "antidepressant", 30, 60),
    "isocarboxazid": ("maoi", "antidepressant", 30, 60),
    "selegiline transdermal": ("maoi", "antidepressant", 6, 12),
    "dextromethorphan-bupropion": ("nmda", "antidepressant", None, None),
    "gepirone": ("other", "antidepressant", 18.2, 72.6),
    "aripiprazole": ("antipsychotic", "augmenting_agent", 2, 15),
    "brexpiprazole": ("antipsychotic", "augmenting_agent", 1, 3),
    "cariprazine": ("antipsychotic", "augmenting_agent", 1.5, 3),
    "quetiapine": ("antipsychotic", "augmenting_agent", 150, 300),
    "olanzapine": ("antipsychotic", "augmenting_agent", 6, 18),
    "lithium": ("lithium", "augmenting_agent", 600, 1200),
    "liothyronine": ("thyroid", "augmenting_agent", 0.025, 0.05),
    "buspirone": ("buspirone", "augmenting_agent", 15, 60),
    "esketamine": ("ketamine", "not_a_trial", None, None),
    "ketamine": ("ketamine", "not_a_trial", None, None),
}

FDA_ADJUNCT = {"aripiprazole", "brexpiprazole", "cariprazine", "quetiapine", "olanzapine"}


# ----------------------------------------------------------------- drugs: resolution


@pytest.mark.parametrize("brand", sorted(BRANDS))
def test_every_brand_resolves_to_its_generic(brand: str) -> None:
    generic, drug_class = BRANDS[brand]
    for spelling in (brand, brand.upper(), brand.lower(), f"  {brand}  "):
        drug = lookup_drug(spelling)
        assert drug is not None, spelling
        assert drug.generic == generic
        assert drug.drug_class == drug_class


@pytest.mark.parametrize(
    "name, generic",
    [
        ("Zoloft", "sertraline"),
        ("ZOLOFT", "sertraline"),
        ("zoloft", "sertraline"),
        ("Effexor XR", "venlafaxine"),
        ("effexor   xr", "venlafaxine"),
        ("wellbutrin xl", "bupropion"),
        ("Wellbutrin  XL", "bupropion"),
        ("Auvelity", "dextromethorphan-bupropion"),
        ("dextromethorphan-bupropion", "dextromethorphan-bupropion"),
        ("dextromethorphan/bupropion", "dextromethorphan-bupropion"),
        ("dextromethorphan bupropion", "dextromethorphan-bupropion"),
        ("Dextromethorphan / Bupropion", "dextromethorphan-bupropion"),
        ("olanzapine-fluoxetine", "olanzapine"),
        ("olanzapine/fluoxetine", "olanzapine"),
        ("Tofranil PM", "imipramine"),
        ("tofranil-pm", "imipramine"),
        ("Remeron SolTab", "mirtazapine"),
        ("Drizalma", "duloxetine"),
        ("selegiline", "selegiline transdermal"),
        ("selegiline transdermal", "selegiline transdermal"),
        ("lithium carbonate", "lithium"),
        ("T3", "liothyronine"),
        ("t3", "liothyronine"),
        ("levomilnacipran", "levomilnacipran"),
        ("Spravato", "esketamine"),
        ("Ketalar", "ketamine"),
    ],
)
def test_names_resolve(name: str, generic: str) -> None:
    drug = lookup_drug(name)
    assert drug is not None, name
    assert drug.generic == generic


@pytest.mark.parametrize(
    "name, generic",
    [
        ("sertraline hcl", "sertraline"),
        ("Sertraline HCl", "sertraline"),
        ("sertraline hydrochloride", "sertraline"),
        ("bupropion XL", "bupropion"),
        ("bupropion hcl xl", "bupropion"),
        ("venlafaxine ER", "venlafaxine"),
        ("quetiapine XR", "quetiapine"),
        ("paroxetine CR", "paroxetine"),
        ("escitalopram oxalate", "escitalopram"),
        ("Wellbutrin XL", "bupropion"),
    ],
)
def test_salt_and_release_words_are_tolerated(name: str, generic: str) -> None:
    drug = lookup_drug(name)
    assert drug is not None and drug.generic == generic


@pytest.mark.parametrize("name", ["", "   ", "xyzzy", "hcl", "aspirin", "Silenor", "milnacipran"])
def test_unknown_names_return_none(name: str) -> None:
    assert lookup_drug(name) is None


def test_suggest_drug() -> None:
    assert suggest_drug("sertralin") == "sertraline"
    assert suggest_drug("zzzz") is None
    assert suggest_drug("") is None
    assert suggest_drug("Welbutrin") == "bupropion"
    assert suggest_drug("escitalopran") == "escitalopram"
    assert suggest_drug("Zoloft") == "sertraline"  # known names give their generic


# ----------------------------------------------------------------- drugs: data


def test_catalog_covers_exactly_the_reference_tables() -> None:
    assert {d.generic for d in all_drugs()} == set(GENERICS)
    assert len(all_drugs()) == len(GENERICS)


@pytest.mark.parametrize("generic", sorted(GENERICS))
def test_class_role_and_doses(generic: str) -> None:
    drug_class, role, min_dose, max_dose = GENERICS[generic]
    drug = lookup_drug(generic)
    assert drug is not None
    assert drug.generic == generic
    assert drug.drug_class == drug_class
    assert drug.role == role
    assert drug.min_dose_mg == min_dose
    assert drug.max_dose_mg == max_dose
    assert drug.fda_adjunct is (generic in FDA_ADJUNCT)
    if min_dose is not None and max_dose is not None:
        assert min_dose <= max_dose


def test_classes_match_roles() -> None:
    for drug in all_drugs():
        if drug.role == "antidepressant":
            assert drug.drug_class in CLASSES
        elif drug.role == "augmenting_agent":
            assert drug.drug_class in AUGMENTING_CLASSES
        else:
            assert drug.role == "not_a_trial"
            assert drug.drug_class not in CLASSES | AUGMENTING_CLASSES
        assert drug.drug_class in CLASS_LABELS


def test_class_sets_and_labels() -> None:
    assert CLASSES == {
        "ssri", "snri", "tca", "maoi", "bupropion", "mirtazapine",
        "serotonin_modulator", "nmda", "other",
    }
    assert AUGMENTING_CLASSES == {"antipsychotic", "lithium", "thyroid", "buspirone"}
    assert not CLASSES & AUGMENTING_CLASSES
    assert CLASS_LABELS["ssri"] == "SSRI"
    assert CLASS_LABELS["serotonin_modulator"] == "serotonin modulator"
    assert CLASS_LABELS["tca"] == "tricyclic/tetracyclic"
    assert CLASS_LABELS["bupropion"] == "NDRI (bupropion)"
    for cls in CLASSES | AUGMENTING_CLASSES:
        assert CLASS_LABELS[cls]


def test_trazodone_sleep_dose() -> None:
    drug = lookup_drug("trazodone")
    assert drug.min_dose_mg == 200
    assert "sleep" in drug.notes


def test_aplenzin_brand_min_dose() -> None:
    drug = lookup_drug("Aplenzin")
    assert drug.generic == "bupropion"
    assert drug.min_dose_for("Aplenzin") == 348
    assert drug.min_dose_for("APLENZIN") == 348
    assert drug.min_dose_for("bupropion hydrobromide") == 348
    assert drug.min_dose_for("Wellbutrin XL") == 300
    assert drug.min_dose_for("bupropion") == 300
    assert drug.min_dose_mg == 300
    assert drug.brand_min_dose_mg["aplenzin"] == 348


def test_controlled_release_variants() -> None:
    paroxetine = lookup_drug("Paxil CR")
    assert paroxetine.min_dose_for("Paxil CR") == 25
    assert paroxetine.max_dose_for("Paxil CR") == 50
    assert paroxetine.min_dose_for("Paxil") == 20
    assert paroxetine.max_dose_for("Paxil") == 40
    fluvoxamine = lookup_drug("fluvoxamine CR")
    assert fluvoxamine.min_dose_for("fluvoxamine CR") == 100
    assert fluvoxamine.min_dose_for("Luvox") == 50


def test_no_min_dose_for_auvelity() -> None:
    drug = lookup_drug("Auvelity")
    assert drug.min_dose_mg is None
    assert drug.min_dose_for("Auvelity") is None
    assert "label" in drug.notes.lower()


def test_esketamine_and_ketamine_are_not_trials() -> None:
    for name in ("esketamine", "Spravato", "ketamine", "Ketalar"):
        drug = lookup_drug(name)
        assert drug.role == "not_a_trial"
        assert "never count" in drug.notes


def test_notes() -> None:
    assert "Silenor" in lookup_drug("doxepin").notes
    assert "serum" in lookup_drug("lithium").notes
    assert "0.025" in lookup_drug("liothyronine").notes
    assert lookup_drug("quetiapine").fda_adjunct is True


def test_drug_is_frozen_and_hashable() -> None:
    drug = lookup_drug("Zoloft")
    assert isinstance(drug, Drug)
    with pytest.raises(dataclasses.FrozenInstanceError):
        drug.generic = "x"  # type: ignore[misc]
    assert hash(drug) == hash(lookup_drug("sertraline"))
    assert drug == lookup_drug("sertraline")
    assert isinstance(drug.brands, tuple)
    with pytest.raises(TypeError):
        lookup_drug("Aplenzin").brand_min_dose_mg["x"] = 1  # type: ignore[index]


def test_all_names_are_unambiguous() -> None:
    # Each name resolves back to the drug that lists it.
    for drug in all_drugs():
        for name in (drug.generic, *drug.brands, *drug.aliases):
            assert lookup_drug(name) is drug, name


def test_loaded_once() -> None:
    assert all_drugs() is all_drugs()
    assert all_icd10() is all_icd10()
    assert catalog._drug_index.cache_info().currsize == 1


# ----------------------------------------------------------------- ICD-10

ICD_TITLES = {
    "F32.0": "Major depressive disorder, single episode, mild",
    "F32.1": "Major depressive disorder, single episode, moderate",
    "F32.2": "Major depressive disorder, single episode, severe without psychotic features",
    "F32.3": "Major depressive disorder, single episode, severe with psychotic features",
    "F32.4": "Major depressive disorder, single episode, in partial remission",
    "F32.5": "Major depressive disorder, single episode, in full remission",
    "F32.81": "Premenstrual dysphoric disorder",
    "F32.89": "Other specified depressive episodes",
    "F32.9": "Major depressive disorder, single episode, unspecified",
    "F32.A": "Depression, unspecified",
    "F33.0": "Major depressive disorder, recurrent, mild",
    "F33.1": "Major depressive disorder, recurrent, moderate",
    "F33.2": "Major depressive disorder, recurrent severe without psychotic features",
    "F33.3": "Major depressive disorder, recurrent, severe with psychotic symptoms",
    "F33.40": "Major depressive disorder, recurrent, in remission, unspecified",
    "F33.41": "Major depressive disorder, recurrent, in partial remission",
    "F33.42": "Major depressive disorder, recurrent, in full remission",
    "F33.8": "Other recurrent depressive disorders",
    "F33.9": "Major depressive disorder, recurrent, unspecified",
    "F34.1": "Dysthymic disorder",
    "F53.0": "Postpartum depression",
    "F06.31": "Mood disorder due to known physiological condition with depressive features",
    "F06.32": "Mood disorder due to known physiological condition with major depressive-like episode",
    "F06.34": "Mood disorder due to known physiological condition with mixed features",
}
HEADERS = {"F32", "F33", "F32.8", "F33.4"}


@pytest.mark.parametrize("code", sorted(ICD_TITLES))
def test_icd_titles(code: str) -> None:
    diagnosis = lookup_icd10(code)
    assert diagnosis == Diagnosis(code, ICD_TITLES[code], True)
    assert icd10_title(code) == ICD_TITLES[code]
    assert not is_category_header(code)


def test_icd_catalog_contents() -> None:
    assert {d.code for d in all_icd10()} == set(ICD_TITLES) | HEADERS


def test_icd_case_and_spacing() -> None:
    assert lookup_icd10("f33.2").code == "F33.2"
    assert lookup_icd10(" F33.2 ").code == "F33.2"
    assert lookup_icd10("f32.a").code == "F32.A"
    assert lookup_icd10("F332").code == "F33.2"  # dot omitted, as on many claims
    assert lookup_icd10("F33.5") is None
    assert lookup_icd10("") is None
    assert icd10_title("F99.9") is None


@pytest.mark.parametrize("code", sorted(HEADERS) + ["f32", "f33.4"])
def test_category_headers(code: str) -> None:
    assert is_category_header(code)
    diagnosis = lookup_icd10(code)
    assert diagnosis is not None and diagnosis.billable is False
    assert icd10_title(code)


def test_header_titles() -> None:
    assert icd10_title("F32") == "Depressive episode"
    assert icd10_title("F33") == "Major depressive disorder, recurrent"
    assert icd10_title("F33.4") == "Major depressive disorder, recurrent, in remission"
    assert not is_category_header("F31")
    assert not is_category_header("F99")


@pytest.mark.parametrize(
    "code, title",
    [
        ("F31", "Bipolar disorder"),
        ("F31.0", "Bipolar disorder"),
        ("f31.81", "Bipolar disorder"),
        ("F31.9", "Bipolar disorder"),
        ("F20.9", "Schizophrenia"),
        ("F20.0", "Schizophrenia"),
        ("F25.0", "Schizoaffective disorder"),
        ("F25.9", "Schizoaffective disorder"),
    ],
)
def test_families(code: str, title: str) -> None:
    assert icd10_title(code) == title
    assert lookup_icd10(code) is None  # families are titles only, not catalog codes
    assert not is_category_header(code)


def test_family_prefix_must_be_whole() -> None:
    assert icd10_title("F310.1") is None
    assert icd10_title("F3") is None
