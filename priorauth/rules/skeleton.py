"""Starting points for a new rule set: a commented rule file and one example case.

``priorauth rules new PAYER TREATMENT`` writes what :func:`plan_skeleton` returns. Its
placeholders are marked TODO: ``rules validate`` names each one with its line until the
author replaces it with what the source says (no report or letter may cite a TODO).
Its example case fits the skeleton's criteria. Planning is pure; :func:`write_skeleton` refuses to overwrite without ``force``.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from priorauth.errors import OutputError, UsageError

__all__ = ["plan_skeleton", "write_skeleton", "skeleton_rule_file", "skeleton_example", "PAYER_ID"]

PAYER_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")
TREATMENTS = ("tms", "spravato")


def _line(text: str, comment: str) -> str:
    # comments start in one column so the file reads as a table of fields
    return f"{text:<37} # {comment}\n"


def _payer_name(payer: str) -> str:
    return " ".join(part.capitalize() for part in payer.split("-"))


_HEADER = """\
# {payer_name}: {treatment_name} rule set (written by `priorauth rules new`; edit every TODO).
#
# One file per payer and treatment. Check it with:
#   priorauth rules validate {rel_path}
#   priorauth rules show {rule_id} --rules-dir {rules_dir}
#   priorauth rules test {rule_id} --rules-dir {rules_dir}
# docs/rules.md explains every field and criterion kind.

# ---- what the rule set is -------------------------------------------------------------
{identity}policy: "TODO-policy-number"          # the payer's policy number or name (e.g. "EN0383", "LCD L34998")
title: "TODO: the policy's title"     # as the payer titles the document
url: null                             # https://... address of the policy, or null when there is none
{effective}
# ends: 2027-12-31                    # last day in force, inclusive: set it on the old file when a new version arrives
evidence: secondary                   # primary: read in the payer's own document; secondary: known
                                      # from a third-party summary; partial: some of each
evidence_note: "TODO"                 # optional: which parts come from where, shown with the evidence level
source: "TODO"                        # the document the criteria were read from, with its revision date
notes:                                # what the policy leaves unsaid and which program defaults fill it in
  - "TODO: e.g. 'Adequate trial: the policy gives no length; program default >= 6 weeks at or above the minimum adequate dose.'"
report_notes: []                      # printed in every report, e.g. "No prior authorization needed since ..."
codes:                                # billing codes, carried into letters
  procedure: [{codes}]   # CPT / HCPCS codes
  notes: []                           # e.g. NDC numbers, modifiers
limits:                               # what the policy allows, shown in letters (a sessions or devices criterion checks it)
{limit_line}  # approval: "6 months"              # free text shown in letters
  notes: []
# submission:                         # optional: only what the cited source states, never a number from memory
#   fax: "..."                        # the payer's prior-authorization fax; checklists print it
#   portal: "..."                     # portal name or https:// address
#   phone: "..."
#   appeal_days: 180                  # days from a denial to file an internal appeal

# ---- criteria: every one must be met ---------------------------------------------------
# Every criterion has an id (unique, lower-case-with-dashes) and a kind (docs/rules.md lists
# every kind and its parameters). Optional on every kind: label, topic, source (the policy's
# words: cite them), note (your reading), applies_to ([initial] or [continuation]),
# indication ([trd] or [mdsi], spravato only) and next_step.
criteria:
  - id: age
    kind: age
    min: 18                           # min and/or max, whole years on request.date, inclusive
    source: "TODO: quote or section of the policy"

  - id: diagnosis
    kind: diagnosis
    label: Major depressive disorder
    accepted: [F32.2, F33.2]          # exact ICD-10-CM codes; or accepted_prefixes: [F33] for F33.x
    # excluded: [F32.3, F33.3]        # codes that fail on ANY listed diagnosis; also excluded_prefixes
    # primary_only: true              # judge only the primary diagnosis (default)
    source: "TODO"

  - id: failed-antidepressants
    kind: failed_trials
    count: 2                          # failed adequate trials needed
    distinct_classes: 2               # ... from this many drug classes (omit when the policy names none)
    min_weeks: 6                      # each trial this long (or min_days: 29 for "more than 4 weeks")
    dose: minimum                     # minimum: >= the minimum adequate dose; maximum: top of the usual range; none
    outcomes: [inadequate_response, partial_response, intolerance]   # add contraindicated if the policy says so
    current_episode: true             # the trial ended on or after episode.current_start
    # within_years: 5                 # the trial's last day within N years of request.date
    # max_improvement_pct: 25         # "non-response (<= 25% improvement)" policies
    # min_adherence_pct: 80           # adherence required (unknown when not documented)
    # classes: [ssri, snri, tca, bupropion, mirtazapine]   # count only these classes
    # outcome_rules: {{partial_response: {{min_weeks: 8, dose: maximum}}}}
    # min_in_current_episode: 1       # instead of current_episode: at least N of them in the episode
    # role: any                       # monotherapy | augmentation | any
    # augmenting_agents_count: none   # fda_adjunct | all: augmenting agents count toward the classes
    source: "TODO"

  - id: baseline-severity
    kind: severity
    alternatives:                     # any one of these; leave the list empty for "any validated scale"
      - {{instrument: PHQ-9, min: 20}}  # PHQ-9 | HAM-D17 | MADRS | BDI-II | QIDS-SR16 | GDS | CGI-S
      - {{instrument: HAM-D17, min: 24}}
    max_age_days: 30                  # the score must be this recent
    severe_codes: [F32.2, F33.2]      # a diagnosis that states "severe" also meets it
    # current_episode: true
    source: "TODO"

{treatment_criteria}
  # More kinds: psychotherapy, augmentation, episode_window, pdmp, rems, oral_antidepressant,
  # concurrent_treatments, ect, prior_response, sessions, devices, document, and the
  # combinators all_of / any_of / n_of (a `criteria:` list inside). See docs/rules.md.

# ---- documents the request must carry ---------------------------------------------------
# kind: psychiatric_evaluation | medication_history | rating_scale | psychotherapy_notes |
# treatment_plan | safety_screening | rems_enrollment | pdmp_report | ect_evaluation |
# prior_course_records | informed_consent | prescriber_attestation | progress_notes | lab_results
# max_age_days: the document's date must be within this many days of request.date (omit: any date)
documents:
  - kind: psychiatric_evaluation
    max_age_days: 90
  - kind: medication_history
    max_age_days: 365
  - kind: rating_scale
    max_age_days: 30
    label: Validated depression scale within 30 days
{treatment_documents}  - kind: prior_course_records
    applies_to: [continuation]
"""

_TMS_CRITERIA = """\
  - id: psychiatrist
    kind: prescriber
    specialties: [psychiatry]         # psychiatry | psychiatric_nurse_practitioner | primary_care | other
    # consult_counts: true            # a psychiatrist consultation also satisfies it
    source: "TODO"

  - id: no-metal-near-coil
    kind: contraindication
    flag: implanted_metal_near_head   # device labeling: every TMS rule set carries it
    # fail_values, codes (ICD prefixes that also show it), unless_document: prescriber_attestation

  - id: no-seizure-history
    kind: contraindication
    flag: seizure_history             # the clinical.* screening fact that must be documented false
    source: "TODO"

  - id: sessions
    kind: sessions
    max: 36                           # sessions requested (request.sessions)
    # by_protocol: {theta_burst: 30, deep: 44}
    # continuation_max: 16
"""

_SPRAVATO_CRITERIA = """\
  - id: psychiatrist
    kind: prescriber
    specialties: [psychiatry]         # psychiatry | psychiatric_nurse_practitioner | primary_care | other
    consult_counts: true              # "prescribes or consults"
    source: "TODO"

  - id: oral-antidepressant-mdsi
    kind: oral_antidepressant
    indication: [mdsi]                # FDA label: MDSI always with an oral antidepressant
    # min_weeks_stable: 2
    # not_a_failed_drug: true

  - id: rems-setting
    kind: rems
    setting_certified: true           # FDA REMS: every Spravato rule set carries it
    # patient_enrolled: true

  - id: no-aneurysmal-vascular-disease
    kind: contraindication
    flag: aneurysmal_vascular_disease # label contraindications: keep all three
  - id: no-intracerebral-hemorrhage
    kind: contraindication
    flag: intracerebral_hemorrhage_history
  - id: no-ketamine-hypersensitivity
    kind: contraindication
    flag: ketamine_hypersensitivity
"""

_TMS_DOCUMENTS = """\
  - kind: safety_screening
    max_age_days: 90
"""

_SPRAVATO_DOCUMENTS = """\
  - kind: rems_enrollment
    max_age_days: 365
"""


def skeleton_rule_file(payer: str, treatment: str, today: dt.date, rules_dir: str = "payer_rules") -> str:
    """The commented rule file for ``<payer>/<treatment>``; it validates as written."""
    _check(payer, treatment)
    tms = treatment == "tms"
    return _HEADER.format(
        payer=payer,
        payer_name=_payer_name(payer),
        treatment=treatment,
        treatment_name="TMS" if tms else "Spravato",
        rule_id=f"{payer}/{treatment}",
        rel_path=f"{rules_dir}/{payer}/{treatment}.yaml",
        rules_dir=rules_dir,
        today=today.isoformat(),
        codes='"90867", "90868", "90869"' if tms else '"J0013"',
        limit_line=_line("  sessions: 36", "the cap shown in letters") if tms else _line("  devices: 23", "28 mg devices, shown in letters"),
        identity="".join(
            _line(k, v)
            for k, v in (
                (f"id: {payer}/{treatment}", "<payer>/<treatment>; the same id for every dated version"),
                (f"payer: {payer}", "the first half of id; also the folder name"),
                (f"payer_name: {_payer_name(payer)}", "shown in reports and letters"),
                (f"treatment: {treatment}", "tms | spravato"),
            )
        ),
        effective=(
            _line("effective: null", "first day in force (YYYY-MM-DD) as the policy states it; null when it states none")
            + _line(f"checked: {today.isoformat()}", "the day you checked the criteria against the source")
        ).rstrip("\n"),
        treatment_criteria=_TMS_CRITERIA if tms else _SPRAVATO_CRITERIA,
        treatment_documents=_TMS_DOCUMENTS if tms else _SPRAVATO_DOCUMENTS,
    )


_EXAMPLE = """\
# An example case for {rule_id}: a request that meets every criterion of the skeleton.
# Copy it for each case you want to pin down (one not_eligible, one incomplete, the
# boundaries of the policy), name it <treatment>-<status>-<what-it-shows>.yaml, and
# run: priorauth rules test {rule_id} --rules-dir {rules_dir}
rule_set: {rule_id}
description: "TODO: what this case shows (here: every criterion of the skeleton met)."
# as_of: {today}         # optional: judge by the version in force on this date
expect:
  status: ready                # ready | incomplete | not_eligible
  not_met: []                  # topics expected not_met (exact set), e.g. [medication_trials]
  unknown: []                  # topics expected unknown (exact set)
  missing_documents: []        # document kinds expected missing or stale (exact set)
case:
  patient:
    id: EXAMPLE-1
    given_name: Test
    family_name: Example
    birth_date: 1980-04-02
  coverage:
    payer: {payer}
    member_id: X0000000001
  request:
    treatment: {treatment}
    kind: initial
    date: {today}
{request_extra}  prescriber:
    name: Example Prescriber, MD
    npi: "1234567893"
    specialty: psychiatry
  diagnoses:
    - code: F33.2
      primary: true
  episode:
    current_start: {episode_start}
  medications:
    - drug: sertraline
      max_daily_dose_mg: 150
      start: {med1_start}
      end: {med1_end}
      outcome: inadequate_response
    - drug: venlafaxine
      max_daily_dose_mg: 225
      start: {med2_start}
{med2_end}      outcome: inadequate_response
  assessments:
    - instrument: PHQ-9
      score: 22
      date: {recent}
  clinical:
{clinical}  documents:
    - kind: psychiatric_evaluation
      date: {recent}
    - kind: medication_history
      date: {recent}
    - kind: rating_scale
      date: {recent}
{extra_documents}"""


def skeleton_example(payer: str, treatment: str, today: dt.date, rules_dir: str = "payer_rules") -> str:
    """An example case that the skeleton rule file judges ``ready``."""
    _check(payer, treatment)
    tms = treatment == "tms"

    def day(n: int) -> str:
        return (today - dt.timedelta(days=n)).isoformat()

    if tms:
        request_extra = "    sessions: 36\n"
        clinical = "    implanted_metal_near_head: false\n    seizure_history: false\n"
        extra_documents = f"    - kind: safety_screening\n      date: {day(5)}\n"
        med2_end = f"      end: {day(30)}\n"
    else:
        request_extra = "    indication: trd\n"
        clinical = "    aneurysmal_vascular_disease: false\n    intracerebral_hemorrhage_history: false\n    ketamine_hypersensitivity: false\n"
        clinical += "  rems:\n    setting_certified: true\n    patient_enrolled: true\n"
        extra_documents = f"    - kind: rems_enrollment\n      date: {day(5)}\n"
        med2_end = ""  # still taking it: an ongoing failed trial counts once it is long enough
    return _EXAMPLE.format(
        rule_id=f"{payer}/{treatment}",
        rules_dir=rules_dir,
        payer=payer,
        treatment=treatment,
        today=today.isoformat(),
        request_extra=request_extra,
        episode_start=day(300),
        med1_start=day(280),
        med1_end=day(200),
        med2_start=day(190),
        med2_end=med2_end,
        recent=day(5),
        clinical=clinical,
        extra_documents=extra_documents,
    )


def _check(payer: str, treatment: str) -> None:
    if not PAYER_ID.match(payer):
        raise UsageError(f"payer id '{payer}' must be lower-case letters, digits and dashes", "for example: aetna, florida-blue")
    if treatment not in TREATMENTS:
        raise UsageError(f"treatment must be tms or spravato, not '{treatment}'")


def plan_skeleton(payer: str, treatment: str, out_dir: Path, today: dt.date) -> dict[Path, str]:
    """The files ``rules new`` writes: ``<out_dir>/<payer>/<treatment>.yaml`` and one example."""
    _check(payer, treatment)
    shown = str(out_dir)
    return {
        out_dir / payer / f"{treatment}.yaml": skeleton_rule_file(payer, treatment, today, shown),
        out_dir / payer / "examples" / f"{treatment}-ready-example.yaml": skeleton_example(payer, treatment, today, shown),
    }


def write_skeleton(payer: str, treatment: str, out_dir: Path, today: dt.date, force: bool = False) -> list[Path]:
    """Write the skeleton; nothing is written when a file exists and ``force`` is false."""
    plan = plan_skeleton(payer, treatment, out_dir, today)
    existing = [p for p in plan if p.exists()]
    if existing and not force:
        names = ", ".join(str(p) for p in existing)
        raise OutputError(f"{names} already {'exists' if len(existing) == 1 else 'exist'}", "pass --force to overwrite, or pick another -o folder")
    for path, text in plan.items():
        if path.is_dir():
            raise OutputError(f"{path} is a folder", "remove it or pick another -o folder")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise OutputError(f"cannot write {path} ({exc.strerror})") from None
    return list(plan)
