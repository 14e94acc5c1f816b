"""Every word that more than one output shares: labels, nouns, phrases and marks.

Reports, ``priorauth rules show``, letters and checklists all name the same things
(a screening flag, a prescriber's specialty, a treatment, an ECT status, a dose rule, a
criterion's status). Each name lives here once, so that the report and the letter built
from it cannot say two different things. This module sits at the bottom of the package:
it imports nothing from priorauth, and everything else may import it.

Where an output needs two forms of one name (a short one inside a sentence, a full one
as the title of a letter's request), both forms sit side by side in one :class:`Name`.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "Name",
    "fmt_num",
    "cap",
    "STATUS_MARKS",
    "DOCUMENT_MARKS",
    "FLAG_LABELS",
    "SHORT_FLAG_LABELS",
    "SPECIALTY_LABELS",
    "VALIDATED_SCALES",
    "TREATMENTS",
    "MODALITIES",
    "ECT_WORDS",
    "DOSE_PHRASES",
    "OUTCOME_WORDS",
    "DOCUMENT_LABELS",
    "document_noun",
    "SEVERITY_BANDS",
    "severity_band",
]


@dataclass(frozen=True)
class Name:
    """A thing's name inside a sentence (``short``) and as a title (``full``)."""

    short: str
    full: str


def fmt_num(value: float) -> str:
    """A number as a person writes it: 6, 6.5, 0.25 (no trailing zeros)."""
    return f"{value:g}"


def cap(text: str) -> str:
    """Upper-case the first letter only (str.capitalize would lower "CNS" and "REMS")."""
    return text[:1].upper() + text[1:]


# ---- marks ------------------------------------------------------------------------------------
# A criterion's status and a required document's state, as the text reports and
# `rules test` print them in front of a line.

STATUS_MARKS: dict[str, str] = {"met": "[x]", "not_met": "[!]", "unknown": "[?]"}
DOCUMENT_MARKS: dict[str, str] = {"on_file": "[x]", "missing": "[ ]", "stale": "[~]", "undated": "[~]"}

# ---- screening flags, prescribers, scales ---------------------------------------------------------

FLAG_LABELS: dict[str, str] = {
    "seizure_history": "history of seizures",
    "implanted_metal_near_head": "magnetic-sensitive metal or an implanted device within 30 cm of the coil",
    "psychotic_features": "psychotic features",
    "bipolar_disorder": "bipolar disorder",
    "schizophrenia_spectrum": "schizophrenia-spectrum disorder",
    "substance_use_disorder": "substance use disorder",
    "suicidal_ideation": "suicidal ideation",
    "neurological_condition": "a neurological condition (stroke, dementia, raised intracranial pressure, CNS tumor)",
    "uncontrolled_hypertension": "uncontrolled hypertension",
    "aneurysmal_vascular_disease": "aneurysmal vascular disease or arteriovenous malformation",
    "intracerebral_hemorrhage_history": "history of intracerebral hemorrhage",
    "ketamine_hypersensitivity": "hypersensitivity to esketamine or ketamine",
    "pregnant": "pregnancy",
}
# the label of a contraindication criterion ("No <short label>"), where the long one is too long
SHORT_FLAG_LABELS: dict[str, str] = {
    "implanted_metal_near_head": "metal or implant near the coil",
    "neurological_condition": "neurological condition",
    "aneurysmal_vascular_disease": "aneurysmal vascular disease or AVM",
    "ketamine_hypersensitivity": "esketamine/ketamine hypersensitivity",
    "substance_use_disorder": "active substance use disorder",
    "suicidal_ideation": "active suicidal ideation with intent",
}
SPECIALTY_LABELS: dict[str, str] = {
    "psychiatry": "psychiatrist",
    "psychiatric_nurse_practitioner": "psychiatric nurse practitioner",
    "primary_care": "primary care",
    "other": "other",
}
# the scales a "validated depression scale" means when a rule set names none
VALIDATED_SCALES: tuple[str, ...] = ("PHQ-9", "HAM-D17", "MADRS", "BDI-II", "QIDS-SR16", "GDS")

# Severity bands of the depression scales, as reviewers read them (letters.md): the
# lowest score of each band, highest first. A score below the lowest band has no band.
SEVERITY_BANDS: dict[str, tuple[tuple[float, str], ...]] = {
    "PHQ-9": ((20, "severe"), (15, "moderately severe"), (10, "moderate"), (5, "mild")),
    "HAM-D17": ((23, "very severe"), (19, "severe"), (14, "moderate"), (8, "mild")),
    "MADRS": ((35, "severe"), (20, "moderate"), (7, "mild")),
}


def severity_band(instrument: str, score: float) -> str | None:
    """'severe depression' for PHQ-9 23; None for a scale without bands here or a score
    below the mild range."""
    for low, band in SEVERITY_BANDS.get(instrument, ()):
        if score >= low:
            return f"{band} depression"
    return None


# ---- treatments and care already given ------------------------------------------------------------

TREATMENTS: dict[str, Name] = {
    "tms": Name("TMS", "Transcranial magnetic stimulation (TMS)"),
    "spravato": Name("Spravato", "Spravato (esketamine) nasal spray"),
}
MODALITIES: dict[str, Name] = {
    "CBT": Name("CBT", "Cognitive behavioral therapy (CBT)"),
    "IPT": Name("IPT", "Interpersonal therapy (IPT)"),
    "behavioral_activation": Name("behavioral activation", "Behavioral activation"),
    "DBT": Name("DBT", "Dialectical behavior therapy (DBT)"),
    "psychodynamic": Name("psychodynamic therapy", "Psychodynamic psychotherapy"),
    "problem_solving": Name("problem-solving therapy", "Problem-solving therapy"),
    "other": Name("other psychotherapy", "Other psychotherapy"),
}
# an ECT status, after "ECT" in a rule ("ECT not tried or contraindicated") and after
# "Electroconvulsive therapy:" in a letter
ECT_WORDS: dict[str, str] = {
    "not_tried": "not tried",
    "declined": "offered and declined by the patient",
    "contraindicated": "contraindicated",
    "failed": "tried without adequate response",
    "responded": "tried with response",
    "current": "currently being given",
}
# a failed trial's dose rule; "maximum" is the top of the catalog's usual range, which is
# what the engine compares with (not the label's maximum dose)
DOSE_PHRASES: dict[str, str] = {
    "minimum": "at a therapeutic dose",
    "maximum": "at the top of the usual dose range",
    "none": "at any dose",
}
OUTCOME_WORDS: dict[str, str] = {
    "inadequate_response": "inadequate response",
    "partial_response": "partial response",
    "intolerance": "intolerance",
    "contraindicated": "contraindication",
    "ongoing": "ongoing therapy",
}

# ---- documents ----------------------------------------------------------------------------------

DOCUMENT_LABELS: dict[str, str] = {
    "psychiatric_evaluation": "Psychiatric evaluation",
    "medication_history": "Medication history",
    "rating_scale": "Validated depression rating scale",
    "psychotherapy_notes": "Psychotherapy notes",
    "treatment_plan": "Treatment plan",
    "safety_screening": "TMS safety screening (seizure risk, implants)",
    "rems_enrollment": "Spravato REMS enrollment",
    "pdmp_report": "Prescription drug monitoring program (PDMP) report",
    "ect_evaluation": "ECT evaluation",
    "prior_course_records": "Records of the prior treatment course",
    "informed_consent": "Informed consent",
    "prescriber_attestation": "Prescriber attestation",
    "progress_notes": "Progress notes",
    "lab_results": "Laboratory results",
}


def document_noun(kind: str) -> str:
    """The document's name inside a sentence: lower case except proper nouns ("Spravato REMS")."""
    label = DOCUMENT_LABELS[kind]
    first = label.split()[0]
    return label if first.isupper() or first == "Spravato" else label[:1].lower() + label[1:]


def in_force_text(effective: str | None, ends: str | None, checked: str | None) -> str:
    """When a rule set is in force, as reports and ``rules show`` say it: "effective
    2026-03-15 to 2026-09-30", or "effective date not published; criteria checked
    2026-11-01" (never a date the payer did not publish)."""
    if effective is None:
        text = "effective date not published" + (f"; in force until {ends}" if ends else "")
        return text + (f"; criteria checked {checked}" if checked else "")
    return f"effective {effective}" + (f" to {ends}" if ends else "")


def unverified_mark(reason: str) -> str:
    """The mark on a criterion whose number or wording the source does not show."""
    return f"unverified (not confirmed by the source: {reason})"
