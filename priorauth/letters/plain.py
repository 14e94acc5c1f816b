"""Words for people: a report's next steps as tasks, and its rule syntax as plain English.

The engine's next steps are written for whoever edits the case file ("Document
clinical.seizure_history (true or false) from the screening"). A checklist or a letter
is read by billing staff and prescribers: :func:`task` words a step as a clinical task
("Record the seizure-history screening answer") and :func:`plain` takes field paths and
rule syntax out of any sentence (a pointer like "medications[1]" may stay).
"""

from __future__ import annotations

import re

from priorauth.report import CriterionResult
from priorauth.vocabulary import FLAG_LABELS

# the screening question each clinical flag answers, as a noun before "screening answer"
SCREENING_QUESTIONS = {
    "seizure_history": "seizure-history",
    "implanted_metal_near_head": "metal-or-implant-near-the-coil",
    "psychotic_features": "psychotic-features",
    "bipolar_disorder": "bipolar-disorder",
    "schizophrenia_spectrum": "schizophrenia-spectrum",
    "substance_use_disorder": "substance-use",
    "suicidal_ideation": "suicidal-ideation",
    "neurological_condition": "neurological-condition",
    "uncontrolled_hypertension": "blood-pressure (uncontrolled hypertension)",
    "aneurysmal_vascular_disease": "aneurysmal-vascular-disease",
    "intracerebral_hemorrhage_history": "intracerebral-hemorrhage",
    "ketamine_hypersensitivity": "ketamine-hypersensitivity",
    "pregnant": "pregnancy",
}
FIELD_WORDS = {
    "request.sessions": "the number of sessions requested",
    "request.devices": "the number of devices requested",
    "clinical.concurrent_treatments": "the concurrent treatments",
    "clinical.pdmp_checked": "the prescription drug monitoring program review",
    "clinical.oral_antidepressant_continuing": "whether an oral antidepressant continues",
    "ect.status": "the electroconvulsive therapy history",
    "prescriber.specialty": "the prescriber's specialty",
    "episode.current_start": "the start of the current episode",
    "rems.setting_certified": "the REMS certification of the treatment setting",
    "rems.patient_enrolled": "the patient's REMS enrollment",
}
_REWRITES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"\s*\((?:true or false|documented: (?:no|yes))\)"), ""),
    (re.compile(r"\s*\(an empty list when there are none\)"), " (write none when there are none)"),
    (re.compile(r"\s*\(none, remission or active\)"), " (none, in remission or active)"),
    (re.compile(r"\s*\(none, passive or active_with_intent\)"), " (none, passive, or active with intent)"),
    (re.compile(r"\s*\(documents, kind: [a-z_]+\)"), ""),
    (re.compile(r"\s*\(the policy looks for: ([^)]*)\)"), r" (the policy looks for: \1)"),
    (re.compile(r", with role: augmentation"), ", recorded as augmentation"),
    (re.compile(r"\(outcome: intolerance, with the side effects in reason\)"), "(with the side effects)"),
    (re.compile(r" with its outcome in psychotherapy"), " with its outcome"),
    (re.compile(r" to prior_courses with"), " to the records, with"),
    (re.compile(r" from the screening$"), ""),
    (re.compile(r">=\s*"), "at least "),
    (re.compile(r"<=\s*"), "at most "),
    (re.compile(r"(?<![-\w])>\s*(?=\d)"), "more than "),
    (re.compile(r"(?<![-\w])<\s*(?=\d)"), "less than "),
]
_FLAG = re.compile(r"clinical\.([a-z_]+)")


def plain(text: str) -> str:
    """``text`` without field paths or rule syntax (pointers such as medications[1] stay)."""
    for path, words in FIELD_WORDS.items():
        text = text.replace(path, words)
    text = _FLAG.sub(lambda m: "the " + FLAG_LABELS.get(m.group(1), m.group(1).replace("_", " ")) + " screening answer", text)
    for pattern, repl in _REWRITES:
        text = pattern.sub(repl, text)
    return text.replace("_", " ")


def task(result: CriterionResult, flag: str | None = None) -> str:
    """What to do so that ``result`` can be met, as a task for the person assembling the request.

    ``flag`` is the clinical flag a contraindication criterion reads, when the caller knows it.
    """
    step = result.next_step or ""
    if result.status == "unknown" and flag in SCREENING_QUESTIONS:
        return f"Record the {SCREENING_QUESTIONS[flag]} screening answer"
    match = _FLAG.search(step)
    if result.status == "unknown" and match and match.group(1) in SCREENING_QUESTIONS and step.startswith("Document"):
        return f"Record the {SCREENING_QUESTIONS[match.group(1)]} screening answer"
    if step.startswith("Document request."):
        step = "Record " + step.removeprefix("Document ")
    return plain(step) if step else f"Document: {result.label}"
