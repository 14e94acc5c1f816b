"""Drug and diagnosis catalog: antidepressants, augmenting agents, ICD-10-CM codes.

The data lives in ``antidepressants.yaml`` and ``icd10.yaml`` inside this package
(program reference data a clinic can override, not payer rules). It is loaded
lazily, once, on first use.
"""

from __future__ import annotations

import difflib
import functools
import re
from dataclasses import dataclass, field
from importlib.resources import files
from types import MappingProxyType
from typing import Any
from collections.abc import Mapping

import yaml

__all__ = [
    "CLASSES",
    "AUGMENTING_CLASSES",
    "CLASS_LABELS",
    "ROLES",
    "Drug",
    "lookup_drug",
    "suggest_drug",
    "all_drugs",
    "Diagnosis",
    "lookup_icd10",
    "icd10_title",
    "is_category_header",
    "all_icd10",
]

CLASSES: frozenset[str] = frozenset(
    {
        "ssri",
        "snri",
        "tca",
        "maoi",
        "bupropion",
        "mirtazapine",
        "serotonin_modulator",
        "nmda",
        "other",
    }
)
AUGMENTING_CLASSES: frozenset[str] = frozenset({"antipsychotic", "lithium", "thyroid", "buspirone"})
# Class of entries whose role is "not_a_trial" (esketamine, ketamine). Deliberately in
# neither CLASSES nor AUGMENTING_CLASSES so that class counting can never pick it up.
_NOT_A_TRIAL_CLASSES: frozenset[str] = frozenset({"ketamine"})

ROLES: frozenset[str] = frozenset({"antidepressant", "augmenting_agent", "not_a_trial"})

CLASS_LABELS: dict[str, str] = {
    "ssri": "SSRI",
    "snri": "SNRI",
    "tca": "tricyclic/tetracyclic",
    "maoi": "MAOI",
    "bupropion": "NDRI (bupropion)",
    "mirtazapine": "NaSSA (mirtazapine)",
    "serotonin_modulator": "serotonin modulator",
    "nmda": "NMDA antagonist (dextromethorphan-bupropion)",
    "other": "other antidepressant",
    "antipsychotic": "second-generation antipsychotic",
    "lithium": "lithium",
    "thyroid": "thyroid hormone (T3)",
    "buspirone": "buspirone",
    "ketamine": "ketamine/esketamine (not an oral antidepressant trial)",
}

_EMPTY: Mapping[str, float] = MappingProxyType({})

# Trailing words stripped (repeatedly) when the full name does not resolve:
# salt names and release-form suffixes.
_STRIP_WORDS: frozenset[str] = frozenset(
    {
        "hcl",
        "hydrochloride",
        "hbr",
        "hydrobromide",
        "er",
        "xr",
        "sr",
        "cr",
        "xl",
        "ir",
        "odt",
        "sodium",
        "succinate",
        "oxalate",
        "maleate",
        "mesylate",
        "fumarate",
        "sulfate",
        "carbonate",
        "citrate",
    }
)

_SEPARATORS = re.compile(r"[\s\-/+,&_]+")


def _norm(name: str) -> str:
    """Lower-case; hyphen, slash, plus, comma and whitespace runs become one space."""
    return _SEPARATORS.sub(" ", name.strip().lower()).strip()


def _compact(normed: str) -> str:
    return normed.replace(" ", "")


def _candidates(name: str) -> list[str]:
    """The normalized name, then successively shorter forms with trailing
    salt / release-form words removed ("bupropion hcl xl" -> "bupropion hcl" -> "bupropion")."""
    words = _norm(name).split()
    out = [" ".join(words)] if words else []
    while len(words) > 1 and words[-1] in _STRIP_WORDS:
        words = words[:-1]
        out.append(" ".join(words))
    return out


def _dose_map(raw: Any, where: str) -> Mapping[str, float]:
    if not raw:
        return _EMPTY
    if not isinstance(raw, dict):
        raise ValueError(f"{where}: expected a mapping")
    return MappingProxyType({_norm(str(k)): float(v) for k, v in raw.items()})


def _lookup_dose_map(mapping: Mapping[str, float], name_as_written: str) -> float | None:
    if not mapping:
        return None
    for cand in _candidates(name_as_written):
        if cand in mapping:
            return mapping[cand]
        for key, value in mapping.items():
            if _compact(key) == _compact(cand):
                return value
    return None


@dataclass(frozen=True)
class Drug:
    generic: str
    brands: tuple[str, ...]
    drug_class: str
    role: str  # "antidepressant" | "augmenting_agent" | "not_a_trial"
    min_dose_mg: float | None
    max_dose_mg: float | None
    fda_adjunct: bool
    notes: str
    # normalized (lower-cased) brand or variant name -> dose
    brand_min_dose_mg: Mapping[str, float] = field(default_factory=lambda: _EMPTY, hash=False)
    # additive extras (defaults keep the documented constructor working)
    brand_max_dose_mg: Mapping[str, float] = field(default_factory=lambda: _EMPTY, hash=False)
    aliases: tuple[str, ...] = ()

    def min_dose_for(self, name_as_written: str) -> float | None:
        """Minimum adequate daily dose for the drug as named (brand override, e.g.
        Aplenzin 348, else ``min_dose_mg``)."""
        override = _lookup_dose_map(self.brand_min_dose_mg, name_as_written)
        return self.min_dose_mg if override is None else override

    def max_dose_for(self, name_as_written: str) -> float | None:
        """Top of the usual range for the drug as named (e.g. Paxil CR 50), else ``max_dose_mg``."""
        override = _lookup_dose_map(self.brand_max_dose_mg, name_as_written)
        return self.max_dose_mg if override is None else override

    @property
    def class_label(self) -> str:
        return CLASS_LABELS.get(self.drug_class, self.drug_class)

    @property
    def names(self) -> tuple[str, ...]:
        """Generic, brands and aliases, as written."""
        return (self.generic, *self.brands, *self.aliases)


@dataclass(frozen=True)
class Diagnosis:
    code: str
    title: str
    billable: bool


# --------------------------------------------------------------------------- loading


# libyaml's safe loader when PyYAML has it: the same data, ten times faster (the drug list
# is read on every `check`).
_SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _read_yaml(filename: str) -> Any:
    text = files("priorauth.catalog").joinpath(filename).read_text(encoding="utf-8")
    return yaml.load(text, Loader=_SafeLoader)


def _opt_float(value: Any, where: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"{where}: expected a number or null, got {value!r}")
    return float(value)


def _build_drug(raw: dict[str, Any]) -> Drug:
    generic = str(raw["generic"])
    where = f"antidepressants.yaml [{generic}]"
    role = raw.get("role")
    drug_class = raw.get("class")
    if role not in ROLES:
        raise ValueError(f"{where}: unknown role {role!r}")
    allowed = {
        "antidepressant": CLASSES,
        "augmenting_agent": AUGMENTING_CLASSES,
        "not_a_trial": _NOT_A_TRIAL_CLASSES,
    }[role]
    if drug_class not in allowed:
        raise ValueError(f"{where}: class {drug_class!r} not valid for role {role!r}")
    return Drug(
        generic=generic,
        brands=tuple(str(b) for b in raw.get("brands") or ()),
        drug_class=drug_class,
        role=role,
        min_dose_mg=_opt_float(raw.get("min_dose_mg"), where + " min_dose_mg"),
        max_dose_mg=_opt_float(raw.get("max_dose_mg"), where + " max_dose_mg"),
        fda_adjunct=bool(raw.get("fda_adjunct", False)),
        notes=" ".join(str(raw.get("notes") or "").split()),
        brand_min_dose_mg=_dose_map(raw.get("brand_min_dose_mg"), where + " brand_min_dose_mg"),
        brand_max_dose_mg=_dose_map(raw.get("brand_max_dose_mg"), where + " brand_max_dose_mg"),
        aliases=tuple(str(a) for a in raw.get("aliases") or ()),
    )


@dataclass(frozen=True)
class _DrugIndex:
    drugs: tuple[Drug, ...]
    by_name: Mapping[str, Drug]  # normalized name -> drug
    by_compact: Mapping[str, Drug]  # normalized name without spaces -> drug


@functools.cache
def _drug_index() -> _DrugIndex:
    data = _read_yaml("antidepressants.yaml")
    drugs = tuple(_build_drug(raw) for raw in data["drugs"])
    by_name: dict[str, Drug] = {}
    by_compact: dict[str, Drug] = {}
    for drug in drugs:
        for name in drug.names:
            key = _norm(name)
            for index, k in ((by_name, key), (by_compact, _compact(key))):
                other = index.get(k)
                if other is not None and other.generic != drug.generic:
                    raise ValueError(
                        f"antidepressants.yaml: name {name!r} is used by both "
                        f"{other.generic!r} and {drug.generic!r}"
                    )
                index[k] = drug
    return _DrugIndex(drugs, MappingProxyType(by_name), MappingProxyType(by_compact))


def all_drugs() -> tuple[Drug, ...]:
    return _drug_index().drugs


def lookup_drug(name: str) -> Drug | None:
    """Resolve a generic, brand or alias name (any case, any spacing; hyphen, slash or
    space in combination names). Trailing salt / release-form words (HCl, ER, XL ...)
    are dropped only when the full name does not resolve."""
    if not isinstance(name, str):
        return None
    index = _drug_index()
    for cand in _candidates(name):
        drug = index.by_name.get(cand) or index.by_compact.get(_compact(cand))
        if drug is not None:
            return drug
    return None


def suggest_drug(name: str, cutoff: float = 0.75) -> str | None:
    """Generic name of the closest known drug name (difflib), or None if nothing is close."""
    if not isinstance(name, str):
        return None
    known = lookup_drug(name)
    if known is not None:
        return known.generic
    cands = _candidates(name)
    if not cands:
        return None
    index = _drug_index()
    best: tuple[float, str] | None = None
    for cand in cands:
        for match in difflib.get_close_matches(cand, index.by_name.keys(), n=1, cutoff=cutoff):
            score = difflib.SequenceMatcher(None, cand, match).ratio()
            if best is None or score > best[0]:
                best = (score, match)
    return index.by_name[best[1]].generic if best else None


# --------------------------------------------------------------------------- ICD-10


@dataclass(frozen=True)
class _IcdIndex:
    codes: tuple[Diagnosis, ...]
    by_code: Mapping[str, Diagnosis]
    families: Mapping[str, str]  # prefix ("F31") -> title


def _norm_code(code: str) -> str:
    """Upper-case, strip whitespace; accept a missing dot ("F332" -> "F33.2")."""
    c = "".join(code.split()).upper()
    if "." not in c and len(c) > 3:
        c = c[:3] + "." + c[3:]
    return c.rstrip(".")


@functools.cache
def _icd_index() -> _IcdIndex:
    data = _read_yaml("icd10.yaml")
    codes = tuple(
        Diagnosis(code=str(c["code"]).upper(), title=str(c["title"]), billable=bool(c["billable"]))
        for c in data["codes"]
    )
    by_code = {d.code: d for d in codes}
    if len(by_code) != len(codes):
        raise ValueError("icd10.yaml: duplicate code")
    families = {str(f["prefix"]).upper(): str(f["title"]) for f in data.get("families") or ()}
    return _IcdIndex(codes, MappingProxyType(by_code), MappingProxyType(families))


def all_icd10() -> tuple[Diagnosis, ...]:
    return _icd_index().codes


def lookup_icd10(code: str) -> Diagnosis | None:
    """Exact code, case-insensitive. Category headers come back with billable=False."""
    if not isinstance(code, str):
        return None
    return _icd_index().by_code.get(_norm_code(code))


_FAMILY_CODE = re.compile(r"^(F\d\d)(?:\.[0-9A-Z]{1,4})?$")


def icd10_title(code: str) -> str | None:
    """Title of an exact code, or the family title for F31.x / F20.x / F25.x codes."""
    diagnosis = lookup_icd10(code)
    if diagnosis is not None:
        return diagnosis.title
    if not isinstance(code, str):
        return None
    m = _FAMILY_CODE.match(_norm_code(code))
    if m:
        return _icd_index().families.get(m.group(1))
    return None


def is_category_header(code: str) -> bool:
    """True for non-billable category headers in the catalog (F32, F33, F32.8, F33.4)."""
    diagnosis = lookup_icd10(code)
    return diagnosis is not None and not diagnosis.billable
