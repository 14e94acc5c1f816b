"""The case guide's words: what each case-file field means, an example, and what a reviewer does with it.

One entry per field of the case model, keyed by its path (``medications[].drug`` for a
field of every list item). This is the only place these texts are written: ``priorauth
schema case`` puts them in the JSON Schema (an editor shows them), docs/cases.md is
generated from them (``python -m priorauth.case_guide``), and ``priorauth new`` uses them
as its questions. Allowed values, types and which rule sets read a field are not written
here: they come from the case model and the rule files.

Each entry: (meaning, example, what a reviewer uses it for). The example is the value as
it would be written in a case file; together the examples form one valid case (the
case-format example), which the tests check.
"""

from __future__ import annotations

from typing import Any, NamedTuple


class Entry(NamedTuple):
    meaning: str
    example: Any
    reviewer: str


E = Entry

GUIDE: dict[str, Entry] = {
    "format": E(
        "The version of the case-file format. Leave it out, or write 1.",
        1,
        "Nothing; it lets priorauth read older files correctly when the format changes.",
    ),
    # ---- patient ------------------------------------------------------------------------------
    "patient": E("Who the request is for.", None, "Matching the request to the member on the payer's file."),
    "patient.id": E(
        "Your clinic's identifier for the patient (medical record number). Output file names start with it.",
        "MRN-004217",
        "Not sent to the payer as such; it names the letter and checklist files so you can find them.",
    ),
    "patient.given_name": E("The patient's first name, as on the insurance card.", "Maria", "Matching the member; it is printed on every page of the letter."),
    "patient.family_name": E("The patient's last name, as on the insurance card.", "Lopez", "Matching the member; it is printed on every page of the letter."),
    "patient.birth_date": E(
        "Date of birth.",
        "1979-06-14",
        "Matching the member, and the age limits of the policy (age is counted in whole years on the request date).",
    ),
    "patient.sex": E("The patient's sex.", "female", "Shown in the letter's patient summary; some screening questions (pregnancy) depend on it."),
    # ---- coverage -----------------------------------------------------------------------------
    "coverage": E("The patient's insurance.", None, "Which policy applies."),
    "coverage.payer": E(
        "Which payer's rules to check, by its short id (`priorauth rules list` shows them, e.g. cigna, uhc, medicare).",
        "cigna",
        "Decides which policy the case is checked against and whom the letter is addressed to.",
    ),
    "coverage.plan": E("The plan's name, as on the card. Optional.", "Open Access Plus", "Routing the request to the right plan within the payer."),
    "coverage.member_id": E(
        "The member id on the insurance card, exactly as printed (leading zeros kept).",
        "U1234567801",
        "Finding the member; it is printed on every page of the letter. A wrong id is the commonest reason a fax is returned.",
    ),
    "coverage.group_number": E("The group number on the card. Optional.", "3340021", "Finding the employer plan the member belongs to."),
    "coverage.network": E(
        "Whether the treating provider is in the plan's network: in_network or out_of_network. Optional.",
        "in_network",
        "The letter states the network status; some payers need no prior authorization in network (Cigna TMS since 2026-03-06).",
    ),
    # ---- request ------------------------------------------------------------------------------
    "request": E("What is being requested, and when.", None, "The service under review."),
    "request.treatment": E("The treatment requested: TMS or Spravato.", "tms", "Which of the payer's policies applies."),
    "request.kind": E(
        "A first request (initial) or a repeat course / reauthorization (continuation). Leave it out for a first request.",
        "initial",
        "A continuation is judged on the response to the earlier course instead of the medication history.",
    ),
    "request.date": E(
        "The date of the request. Every look-back window (scales within 30 days, trials within 2 years) counts back from it.",
        "2026-11-18",
        "Dating the request; documents and scores are judged fresh or stale against it.",
    ),
    "request.indication": E(
        "Spravato only: treatment-resistant depression (trd) or depression with acute suicidal thoughts or behavior (mdsi). Leave it out for trd.",
        "trd",
        "Spravato has two approved uses with different criteria.",
    ),
    "request.procedure_codes": E(
        "The CPT / HCPCS codes billed. Optional; the rule set's usual codes are used when absent.",
        ["90867", "90868", "90869"],
        "Matching the request to the billed service and its units.",
    ),
    "request.sessions": E("TMS: the number of treatment sessions requested.", 36, "Checking the request against the policy's session limit."),
    "request.devices": E(
        "Spravato: the number of 28 mg nasal spray devices requested for the period.",
        24,
        "Checking the request against the policy's quantity limit.",
    ),
    "request.dose_mg": E(
        "Spravato: the planned dose per session in mg (56 or 84).",
        56,
        "The administration code (G2082 up to 56 mg, G2083 above) and the quantity requested.",
    ),
    "request.protocol": E(
        "TMS: the stimulation protocol. Optional.",
        "standard",
        "Some policies allow different session counts per protocol, or exclude some protocols.",
    ),
    "request.start_date": E("The planned first treatment day. Optional.", "2026-12-01", "The dates of the authorization period."),
    # ---- prescriber ---------------------------------------------------------------------------
    "prescriber": E("The clinician who orders the treatment and signs the letter.", None, "Who is accountable for the request."),
    "prescriber.name": E("Name and credentials, as they sign.", "Anika Patel, MD", "The signature block of the letter."),
    "prescriber.npi": E(
        "The prescriber's 10-digit National Provider Identifier.",
        "1234567893",
        "Identifying the requesting provider; a request without a valid NPI is returned.",
    ),
    "prescriber.specialty": E(
        "The prescriber's specialty.",
        "psychiatry",
        "Many policies require TMS or Spravato to be ordered by a psychiatrist.",
    ),
    "prescriber.board_certified": E("Whether the prescriber is board certified (true or false).", True, "Policies that require a board-certified psychiatrist."),
    "prescriber.psychiatrist_consulted": E(
        "When the prescriber is not a psychiatrist: whether a psychiatrist was consulted (true or false). Optional.",
        False,
        "Some policies accept a non-psychiatrist prescriber who consulted a psychiatrist.",
    ),
    "prescriber.phone": E("The prescriber's phone number. Optional.", "555-010-2000", "Calling back with questions or for a peer-to-peer review."),
    "prescriber.fax": E("The prescriber's fax number. Optional.", "555-010-2001", "Where the payer faxes its decision."),
    # ---- facility -----------------------------------------------------------------------------
    "facility": E("Where the treatment is given, when it is not the prescriber's own office. Optional.", None, "The servicing provider of the request."),
    "facility.name": E("The clinic or treatment center's name.", "Lakeside Behavioral Health", "The servicing provider; for Spravato the REMS-certified site."),
    "facility.npi": E("The facility's 10-digit NPI.", "1588667638", "Identifying the servicing provider."),
    "facility.address": E("The facility's address.", "12 Harbor Road, Springfield, IL 62701", "The place of service."),
    "facility.tax_id": E("The facility's tax identification number (TIN), as on its claims. Optional.", "36-0000000", "Identifying the servicing provider for billing."),
    # ---- diagnoses ----------------------------------------------------------------------------
    "diagnoses": E("The patient's diagnoses; at least one. Mark the main one primary: true.", None, "The diagnosis the treatment is for."),
    "diagnoses[].code": E(
        "The ICD-10-CM code, with its dot (F33.2, not F332). Use a full billable code, not a heading such as F33.",
        "F33.2",
        "Most policies cover only major depressive disorder, some only a severe episode, and exclude psychotic features or bipolar disorder.",
    ),
    "diagnoses[].primary": E("true for the main diagnosis of this request (mark exactly one).", True, "Which diagnosis the request is judged on."),
    "diagnoses[].diagnosed_on": E("The date of the diagnosis. Optional.", "2019-03-01", "How long the illness has lasted."),
    # ---- episode ------------------------------------------------------------------------------
    "episode": E("The current depressive episode.", None, "Policies that count only trials of the current episode."),
    "episode.current_start": E(
        "When the current depressive episode began (an estimate from the chart is fine).",
        "2025-08-01",
        "Which trials and scores belong to the current episode, and how long it has lasted.",
    ),
    # ---- medications --------------------------------------------------------------------------
    "medications": E(
        "Every antidepressant and add-on medication trial, one entry each, including ones still being taken.",
        None,
        "The heart of most requests: how many medications failed, of how many classes, for how long, at what dose.",
    ),
    "medications[].drug": E(
        "The medication's generic or brand name (any case: Zoloft and sertraline both work).",
        "sertraline",
        "Each drug's class: many policies ask for failures in two or more different classes.",
    ),
    "medications[].max_daily_dose_mg": E(
        "The highest daily dose reached in this trial, in mg.",
        200,
        "Whether the trial was at an adequate dose (each drug has a minimum in the catalog).",
    ),
    "medications[].start": E("The day the trial started.", "2025-08-20", "The trial's length: most policies want at least 6 weeks."),
    "medications[].end": E(
        "The day it stopped. Leave it out while the patient still takes it.",
        "2025-11-01",
        "The trial's length, and whether it belongs to the current episode.",
    ),
    "medications[].outcome": E(
        "How the trial ended.",
        "inadequate_response",
        "Only a failed trial counts (no or partial response, side effects; some policies accept a contraindication).",
    ),
    "medications[].role": E(
        "monotherapy for an antidepressant on its own; augmentation for a drug added to one. Leave it out for monotherapy.",
        "monotherapy",
        "Some policies also require a failed augmentation trial.",
    ),
    "medications[].adherence_pct": E("How much of the prescribed medication the patient took, in percent. Optional.", 90, "Policies that require adequate adherence (for example 80%)."),
    "medications[].improvement_pct": E(
        "Symptom improvement on a rating scale during this trial, in percent. Optional.",
        10,
        "Policies that count a partial response only with little improvement (for example 25% or less).",
    ),
    "medications[].reason": E(
        "Why it stopped, in the chart's words; for intolerance, the side effects. Optional.",
        "",
        "Reviewers expect the side effect named for every intolerance.",
    ),
    # ---- psychotherapy ------------------------------------------------------------------------
    "psychotherapy": E("Each course of talk therapy, one entry each.", None, "Many policies require a trial of evidence-based psychotherapy."),
    "psychotherapy[].modality": E("The kind of therapy.", "CBT", "Some policies accept only evidence-based therapies (such as CBT or IPT)."),
    "psychotherapy[].start": E("The day therapy started.", "2025-09-01", "The length of the trial (usually 6 weeks or 6 sessions)."),
    "psychotherapy[].end": E("The day it ended. Leave it out while it continues.", "2026-01-15", "The length of the trial, and whether it is in the current episode."),
    "psychotherapy[].sessions": E("The number of sessions attended.", 16, "The length of the trial (usually 6 sessions or more)."),
    "psychotherapy[].outcome": E("How the therapy went.", "inadequate_response", "Only an unsuccessful (or ongoing) course counts towards the requirement."),
    # ---- ect ----------------------------------------------------------------------------------
    "ect": E("Electroconvulsive therapy (ECT), if the chart says anything about it. Optional.", None, "A few policies ask whether ECT was offered, tried or is unsuitable."),
    "ect.status": E("Where things stand with ECT.", "declined", "Policies that require ECT to have been considered, or that exclude patients receiving it now."),
    # ---- assessments --------------------------------------------------------------------------
    "assessments": E("Depression rating-scale scores, one entry per score.", None, "Severity: most policies want a recent score at a set level."),
    "assessments[].instrument": E("The rating scale used.", "PHQ-9", "Each policy names the scales it accepts and the score each must reach."),
    "assessments[].score": E("The total score.", 22, "Whether the depression is severe enough (for example PHQ-9 of 20 or more)."),
    "assessments[].date": E("The day the scale was scored.", "2026-11-10", "Scores count only when recent (usually within 30 days of the request)."),
    # ---- prior courses ------------------------------------------------------------------------
    "prior_courses": E(
        "Earlier TMS courses or Spravato series, for a continuation or retreatment request.",
        None,
        "A repeat course is approved only after a documented response to the earlier one.",
    ),
    "prior_courses[].treatment": E("Which treatment the earlier course was.", "tms", "Matching it to the treatment requested now."),
    "prior_courses[].start": E("The first day of the earlier course.", "2024-01-08", "Dating the earlier course."),
    "prior_courses[].end": E("The last day of the earlier course.", "2024-02-23", "How long ago it ended (some policies require a gap)."),
    "prior_courses[].sessions": E("The number of sessions given.", 36, "The size of the earlier course."),
    "prior_courses[].baseline_score": E("The rating-scale score before the course.", 24, "The improvement: baseline against final score."),
    "prior_courses[].final_score": E("The score at the end of the course, on the same scale.", 8, "The improvement (many policies want 50% or more)."),
    "prior_courses[].instrument": E("The scale both scores were taken on.", "PHQ-9", "Scores are comparable only on one scale."),
    "prior_courses[].relapse_date": E("When symptoms came back after the course. Optional.", "2026-06-01", "Policies that approve a repeat course only after a relapse."),
    # ---- clinical -----------------------------------------------------------------------------
    "clinical": E(
        "Screening answers. Write true or false for what the chart documents; leave out what it does not say (the report then asks for it).",
        None,
        "Contraindications and exclusions: a missing answer is a question back from the reviewer.",
    ),
    "clinical.seizure_history": E("Has the patient ever had a seizure or epilepsy?", False, "TMS safety: a seizure history excludes or needs justification."),
    "clinical.implanted_metal_near_head": E(
        "Is there magnetic-sensitive metal or a device within 30 cm of the TMS coil (aneurysm clips, cochlear implant, stimulators)?",
        False,
        "TMS safety: such implants exclude TMS.",
    ),
    "clinical.implanted_devices": E("Any implanted devices, in words. Optional.", [], "TMS safety screening."),
    "clinical.psychotic_features": E("Does the depression have psychotic features, now or in the past?", False, "Most policies exclude depression with psychotic features."),
    "clinical.bipolar_disorder": E("Does the patient have bipolar disorder?", False, "The policies cover unipolar depression only."),
    "clinical.schizophrenia_spectrum": E("Schizophrenia or a related disorder?", False, "An exclusion in most policies."),
    "clinical.substance_use_disorder": E("Substance use disorder: none, in remission, or active.", "none", "Active substance use excludes in some policies."),
    "clinical.suicidal_ideation": E(
        "Suicidal thoughts: none, passive, or active with intent.",
        "passive",
        "Suicide risk assessment; active intent may exclude TMS, while Spravato has its own indication for it.",
    ),
    "clinical.neurological_condition": E(
        "A neurological condition such as stroke, dementia, raised intracranial pressure or a brain tumor?",
        False,
        "TMS safety exclusions.",
    ),
    "clinical.uncontrolled_hypertension": E("High blood pressure that is not controlled?", False, "Spravato raises blood pressure: an exclusion or a warning."),
    "clinical.aneurysmal_vascular_disease": E(
        "Aneurysmal vascular disease, including arteriovenous malformation?",
        False,
        "Spravato contraindication.",
    ),
    "clinical.intracerebral_hemorrhage_history": E("Any bleeding in the brain in the past?", False, "Spravato contraindication."),
    "clinical.ketamine_hypersensitivity": E("Allergy or hypersensitivity to ketamine or esketamine?", False, "Spravato contraindication."),
    "clinical.pregnant": E("Is the patient pregnant?", False, "Spravato is not recommended in pregnancy; some policies exclude it."),
    "clinical.concurrent_treatments": E(
        "Other depression treatments given at the same time as this one (for example ketamine, ECT, VNS).",
        [],
        "Policies that do not allow TMS or Spravato together with certain other treatments.",
    ),
    "clinical.pdmp_checked": E(
        "Has the state prescription drug monitoring program (PDMP) been checked?",
        True,
        "Spravato policies ask for a PDMP review before treatment.",
    ),
    "clinical.oral_antidepressant_continuing": E(
        "Spravato: will an oral antidepressant continue alongside it?",
        True,
        "Spravato is approved only together with an oral antidepressant.",
    ),
    "clinical.symptoms": E(
        "The current depressive symptoms, one short phrase each, as the evaluation records them. Optional.",
        ["depressed mood most of the day", "anhedonia", "insomnia"],
        "The letter's clinical summary: what the patient suffers from now.",
    ),
    "clinical.functional_impact": E(
        "How the depression affects daily life (work, school, self-care, relationships), in one or two sentences. Optional.",
        "On medical leave from work since March; needs help with shopping and meals.",
        "Medical necessity: the effect of the illness on functioning.",
    ),
    # ---- rems ---------------------------------------------------------------------------------
    "rems": E("Spravato only: the REMS safety program.", None, "Spravato can be given only under the REMS program."),
    "rems.patient_enrolled": E("Is the patient enrolled in the Spravato REMS?", True, "Spravato requests need the patient enrolled."),
    "rems.setting_certified": E("Is the treating setting certified under the Spravato REMS?", True, "Spravato must be given in a certified setting."),
    # ---- documents ----------------------------------------------------------------------------
    "documents": E(
        "The records on file that can go with the request, one entry each.",
        None,
        "The payer's list of required records; a missing or outdated one delays the decision.",
    ),
    "documents[].kind": E("What kind of record it is.", "psychiatric_evaluation", "Matching it to the payer's list of required records."),
    "documents[].date": E(
        "The date of the record.",
        "2026-11-05",
        "Freshness: many records count only when recent (for example an evaluation within 90 days).",
    ),
    "documents[].title": E("The record's title. Optional.", "Initial psychiatric evaluation", "The list of enclosures in the letter."),
    "documents[].path": E(
        "Where the file is, relative to the case file. Optional.",
        "records/eval-2026-11-05.pdf",
        "Nothing directly; it helps you attach the right file.",
    ),
}
