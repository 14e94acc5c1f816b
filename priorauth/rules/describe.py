"""Rule sets in plain English, the way a prescriber or a reviewer reads them.

``describe_criterion`` turns one criterion of any kind into a sentence ("At least 2
failed antidepressant trials from 2 different classes, each at least 4 weeks at a
therapeutic dose, in the current episode"); ``describe_rule_set`` renders a whole rule
set (metadata, criteria as nested lists, documents, limits, codes, notes) as text lines.
``rule_set_summary`` is the one-row form that ``priorauth rules list`` shows.

The sentences must say what the engine checks, so the engine's own defaults (flag
codes, fail values, evidence-based modalities) are read from the engine, not copied.
Nothing here prints; commands and letters decide where the text goes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from priorauth import catalog
from priorauth.engine.criteria import DEFAULT_FAIL_VALUES, DEFAULT_FLAG_CODES
from priorauth.engine.trials import EVIDENCE_BASED
from priorauth.rules import Registry, RuleSource, _load_cached, _rule_files
from priorauth.rules import model as m
from priorauth.vocabulary import (
    DOCUMENT_LABELS,
    DOSE_PHRASES,
    ECT_WORDS,
    FLAG_LABELS,
    MODALITIES,
    OUTCOME_WORDS,
    SHORT_FLAG_LABELS,
    SPECIALTY_LABELS,
    TREATMENTS,
    VALIDATED_SCALES,
    document_noun,
    fmt_num,
)

__all__ = [
    "Described",
    "describe",
    "describe_criterion",
    "describe_document",
    "describe_rule_set",
    "applies_text",
    "rule_set_summary",
    "validity_text",
    "hidden_files",
    "version_conflicts",
]

# The engine's order of the evidence-based set is a frozenset; show it in a stable order.
_MODALITY_ORDER = list(MODALITIES)
PROGRAM_DEFAULT_TRIAL_DAYS = 42


# ---- small phrase helpers ---------------------------------------------------------------------


def _join(items: Sequence[str], word: str = "or") -> str:
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    if len(items) == 2:
        return f"{items[0]} {word} {items[1]}"
    return ", ".join(items[:-1]) + f" {word} {items[-1]}"


def _duration(weeks: float | None, days: int | None) -> str | None:
    """'4 weeks', '29 days' or None when the criterion sets no minimum."""
    if days is not None:
        return f"{days} {'day' if days == 1 else 'days'}"
    if weeks is not None:
        return f"{fmt_num(weeks)} {'week' if weeks == 1 else 'weeks'}"
    return None


def _class_names(classes: Iterable[str]) -> list[str]:
    return [catalog.CLASS_LABELS.get(k, k) for k in classes]


def _code_text(code: str, prefix: bool = False) -> str:
    title = catalog.icd10_title(code)
    text = f"any code under {code}" if prefix else code
    return f"{text} ({title})" if title else text


def _sentence(text: str) -> str:
    text = text.strip()
    if not text:
        return text
    text = text[0].upper() + text[1:]
    return text if text.endswith((".", ":", "?")) else text + "."


def _rule_set_trial_days(rule_set: m.RuleSet | None) -> int | None:
    # Mirrors engine Context.default_trial_days: augmentation without its own minimum
    # borrows the first failed_trials criterion's minimum.
    if rule_set is None:
        return None
    for c in m.walk(rule_set.criteria):
        if isinstance(c, m.FailedTrialsCriterion):
            if c.min_days is not None:
                return c.min_days
            if c.min_weeks is not None:
                return round(c.min_weeks * 7)
            return PROGRAM_DEFAULT_TRIAL_DAYS
    return PROGRAM_DEFAULT_TRIAL_DAYS


# ---- one sentence per kind ----------------------------------------------------------------------


def _age(c: m.AgeCriterion, rs: m.RuleSet | None) -> str:
    if c.min is not None and c.max is not None:
        return f"Age {c.min} to {c.max} (inclusive) on the date of the request"
    if c.min is not None:
        return f"Age {c.min} or older on the date of the request"
    return f"Age {c.max} or younger on the date of the request"


def _diagnosis(c: m.DiagnosisCriterion, rs: m.RuleSet | None) -> str:
    # Titles help with a short list; a long one reads better as bare codes.
    titled = len(c.accepted) + len(c.accepted_prefixes) <= 4
    codes = [_code_text(x) if titled else x for x in c.accepted]
    codes += [_code_text(p, prefix=True) if titled else f"any code under {p}" for p in c.accepted_prefixes]
    who = "The primary diagnosis" if c.primary_only else "A diagnosis on the request"
    text = f"{who} is {_join(codes)}" if len(codes) == 1 else f"{who} is one of {_join(codes)}"
    excluded = list(c.excluded) + [f"any code under {p}" for p in c.excluded_prefixes]
    if excluded:
        text += f"; no diagnosis on the request is {_join(excluded)}"
    return text


def _outcomes_text(outcomes: Sequence[str]) -> str:
    words = [OUTCOME_WORDS.get(o, o.replace("_", " ")) for o in outcomes]
    text = "Counts as failed: " + ", ".join(words)
    exempt = [OUTCOME_WORDS[o] for o in outcomes if o in ("intolerance", "contraindicated")]
    if exempt:
        text += f" (duration and dose do not apply to {_join(exempt)})"
    return text


def _failed_trials(c: m.FailedTrialsCriterion, rs: m.RuleSet | None) -> str:
    role = {"monotherapy": " as monotherapy", "augmentation": " as augmentation", "any": ""}[c.role]
    text = f"At least {c.count} failed antidepressant {'trial' if c.count == 1 else 'trials'}{role}"
    if c.distinct_classes and c.distinct_classes > 1:
        text += f" from {c.distinct_classes} different classes"
    if c.classes:
        text += f" (counting only {_join(_class_names(c.classes))})"
    each = "each " if c.count > 1 else "lasting "
    length = _duration(c.min_weeks, c.min_days)
    parts: list[str] = []
    if length:
        parts.append(f"{each}at least {length} {DOSE_PHRASES[c.dose]}")
    elif c.dose != "none":
        parts.append(("each " if c.count > 1 else "") + DOSE_PHRASES[c.dose])
    if c.max_improvement_pct is not None:
        parts.append(f"with no more than {fmt_num(c.max_improvement_pct)}% improvement")
    if c.min_adherence_pct is not None:
        parts.append(f"with at least {fmt_num(c.min_adherence_pct)}% adherence")
    if c.current_episode:
        parts.append("in the current episode")
    if c.within_years is not None:
        parts.append(f"within the past {c.within_years} years")
    if parts:
        text += ", " + ", ".join(parts)
    sentences = [text]
    if c.min_in_current_episode:
        sentences.append(f"At least {c.min_in_current_episode} of them in the current episode")
    sentences.append(_outcomes_text(c.outcomes))
    for outcome, rule in c.outcome_rules.items():
        bits = []
        length = _duration(rule.min_weeks, rule.min_days)
        if length:
            bits.append(f"at least {length}")
        if rule.dose:
            bits.append(DOSE_PHRASES[rule.dose])
        if bits:
            word = OUTCOME_WORDS.get(outcome, outcome)
            sentences.append(f"{'An' if word[0] in 'aeiou' else 'A'} {word} counts only after {' '.join(bits)}")
    if c.max_improvement_pct is not None and "partial_response" in c.outcomes:
        sentences.append(f"A partial response counts only with a documented improvement of at most {fmt_num(c.max_improvement_pct)}%")
    if c.augmenting_agents_count == "fda_adjunct":
        sentences.append("FDA-approved adjunctive agents count toward the trials and classes")
    elif c.augmenting_agents_count == "all":
        sentences.append("Augmenting agents (antipsychotics, lithium, liothyronine, buspirone) count toward the trials and classes")
    if not c.distinct_drugs:
        sentences.append("Repeated trials of the same drug count separately")
    return ". ".join(sentences)


def _augmentation(c: m.AugmentationCriterion, rs: m.RuleSet | None) -> str:
    text = f"At least {c.count} failed augmentation {'trial' if c.count == 1 else 'trials'}"
    if c.distinct_strategies and c.count > 1:
        text += " of different strategies (different agent classes)"
    agents = _join(_class_names(c.agents)) if c.agents else "an antipsychotic, lithium, liothyronine, buspirone or an antidepressant of another class"
    text += f" ({agents} added to an antidepressant)"
    length = _duration(c.min_weeks, c.min_days)
    each = "each " if c.count > 1 else ""
    if length:
        text += f", {each}at least {length} {DOSE_PHRASES[c.dose]}"
    else:
        days = _rule_set_trial_days(rs)
        same = "program default 6 weeks" if days is None else (_duration(days / 7, None) if days % 7 == 0 else _duration(None, days))
        text += f", {each}at least as long as the policy's antidepressant trials ({same}) {DOSE_PHRASES[c.dose]}"
    if c.current_episode:
        text += ", in the current episode"
    if c.within_years is not None:
        text += f", within the past {c.within_years} years"
    return text + ". " + _outcomes_text(c.outcomes)


def _psychotherapy(c: m.PsychotherapyCriterion, rs: m.RuleSet | None) -> str:
    if c.any_entry:
        text = "Psychotherapy has been tried (any documented psychotherapy counts)"
    else:
        if c.modalities:
            kind = "psychotherapy (" + _join([MODALITIES[x].short for x in c.modalities]) + ")"
        elif c.evidence_based:
            names = [MODALITIES[x].short for x in _MODALITY_ORDER if x in EVIDENCE_BASED]
            kind = "evidence-based psychotherapy (" + _join(names) + ")"
        else:
            kind = "psychotherapy"
        text = f"An adequate trial of {kind}: at least {c.min_sessions} sessions or {fmt_num(c.min_weeks)} weeks, without sufficient improvement"
        if c.current_episode:
            text += ", in the current episode"
        failing = [o for o in c.outcomes if o != "ongoing"]
        text += ". Counts: " + _join([OUTCOME_WORDS[o] for o in failing])
        if "ongoing" in c.outcomes:
            text += f", or ongoing therapy after {c.min_sessions} sessions"
    if c.if_absent == "unknown":
        text += ". When no psychotherapy is documented the criterion is reported as not documented, not as failed"
    return text


def _severity(c: m.SeverityCriterion, rs: m.RuleSet | None) -> str:
    if c.alternatives:
        scores = [f"{t.instrument} score of at least {fmt_num(t.min)}" if t.min is not None else f"a documented {t.instrument} score" for t in c.alternatives]
        text = _join(scores)
    else:
        text = f"A score on a validated depression scale ({_join(list(VALIDATED_SCALES))})"
    text += f", dated within {c.max_age_days} days of the request"
    if c.current_episode:
        text += " and in the current episode"
    if c.severe_codes:
        text += f"; or a diagnosis code that states a severe episode ({_join(list(c.severe_codes))})"
    return text


def _episode_window(c: m.EpisodeWindowCriterion, rs: m.RuleSet | None) -> str:
    return f"The current depressive episode began within the past {c.within_years} {'year' if c.within_years == 1 else 'years'}"


def _contraindication(c: m.ContraindicationCriterion, rs: m.RuleSet | None) -> str:
    what = FLAG_LABELS[c.flag]
    fail_values = c.fail_values or DEFAULT_FAIL_VALUES.get(c.flag)
    if fail_values and fail_values == DEFAULT_FAIL_VALUES.get(c.flag) and c.flag in SHORT_FLAG_LABELS:
        text = f"No {SHORT_FLAG_LABELS[c.flag]} (clinical.{c.flag} must be documented; any other value passes)"
    elif fail_values:
        shown = _join([str(v).replace("_", " ") for v in fail_values])
        text = f"No {what} documented as {shown} (clinical.{c.flag} must be documented)"
    else:
        text = f"Screening documents no {what} (clinical.{c.flag}: false)"
    codes = list(c.codes or DEFAULT_FLAG_CODES.get(c.flag, []))
    if codes:
        text += f"; a diagnosis coded {_join(codes)} also shows it"
    if c.unless_document:
        text += f"; allowed when a {document_noun(c.unless_document)} dated within {c.unless_document_days} days is on file"
    return text


def _prescriber(c: m.PrescriberCriterion, rs: m.RuleSet | None) -> str:
    who = _join([SPECIALTY_LABELS[s] for s in c.specialties])
    article = "an" if who[:1] in "aeiou" else "a"
    text = f"Prescribed by {article} {'board-certified ' if c.board_certified else ''}{who}"
    if c.consult_counts:
        text += ", or in consultation with a psychiatrist"
    return text


def _pdmp(c: m.PdmpCriterion, rs: m.RuleSet | None) -> str:
    return "The state prescription drug monitoring program (PDMP) has been reviewed (clinical.pdmp_checked: true)"


def _rems(c: m.RemsCriterion, rs: m.RuleSet | None) -> str:
    parts = []
    if c.setting_certified:
        parts.append("the treating healthcare setting is certified under the Spravato REMS")
    if c.patient_enrolled:
        parts.append("the patient is enrolled in the Spravato REMS")
    return _join(parts, "and") if parts else "Spravato REMS (nothing is checked: both parts are switched off)"


def _oral_antidepressant(c: m.OralAntidepressantCriterion, rs: m.RuleSet | None) -> str:
    text = "An oral antidepressant continues alongside Spravato"
    if c.min_weeks_stable is not None:
        text += f", taken for at least {_duration(c.min_weeks_stable, None)}"
    if c.not_a_failed_drug:
        text += ", and it is not one of the failed drugs"
    return text


def _concurrent(c: m.ConcurrentCriterion, rs: m.RuleSet | None) -> str:
    text = f"Not receiving {_join(list(c.forbidden))} at the same time"
    if c.unless_document:
        text += f", unless a {document_noun(c.unless_document)} dated within {c.unless_document_days} days justifies it"
        if c.without_document == "unknown":
            text += " (without it, a gap to close rather than an exclusion)"
    return text


def _ect(c: m.EctCriterion, rs: m.RuleSet | None) -> str:
    return "ECT " + _join([ECT_WORDS[s] for s in c.statuses])


def _prior_response(c: m.PriorResponseCriterion, rs: m.RuleSet | None) -> str:
    treatment = c.treatment or (rs.treatment if rs is not None else None)
    name = TREATMENTS[treatment].short + " course" if treatment else "course of this treatment"
    text = f"A prior {name}"
    needs = []
    if c.min_improvement_pct == 0 and c.strictly_greater:
        needs.append("some improvement (final score below baseline" + (f" on {c.instrument})" if c.instrument else " on the same scale)"))
    elif c.min_improvement_pct is not None:
        more = "more than" if c.strictly_greater else "at least"
        needs.append(f"{more} {fmt_num(c.min_improvement_pct)}% improvement (baseline to final score" + (f" on {c.instrument})" if c.instrument else " on the same scale)"))
    if c.relapse_required:
        needs.append("a relapse after it")
    if c.min_days_since_end is not None:
        needs.append(f"at least {c.min_days_since_end} days since it ended")
    if c.min_weeks_held is not None:
        needs.append(f"the improvement held for at least {_duration(c.min_weeks_held, None)}")
    text += (" with " + _join(needs, "and")) if needs else " is documented"
    if c.none_ok:
        text += "; or no prior course at all"
    return text


def _sessions(c: m.SessionsCriterion, rs: m.RuleSet | None) -> str:
    text = f"At most {c.max} sessions requested"
    if c.by_protocol:
        text += " (" + "; ".join(f"{p.replace('_', ' ')}: at most {n}" for p, n in c.by_protocol.items()) + ")"
    if c.continuation_max is not None:
        text += f"; at most {c.continuation_max} for a continuation"
    return text


def _devices(c: m.DevicesCriterion, rs: m.RuleSet | None) -> str:
    return f"At most {c.max} Spravato 28 mg devices requested"


def _document(c: m.DocumentCriterion, rs: m.RuleSet | None) -> str:
    window = f" dated within {c.max_age_days} days of the request" if c.max_age_days is not None else ""
    return f"{DOCUMENT_LABELS[c.document]}{window} is on file"


def _combinator_head(c: m.AllOf | m.AnyOf | m.NOf) -> str:
    if isinstance(c, m.AllOf):
        return "All of:"
    if isinstance(c, m.AnyOf):
        return "One of:"
    return f"At least {c.n} of:"


_PHRASES: dict[str, Any] = {
    "age": _age,
    "diagnosis": _diagnosis,
    "failed_trials": _failed_trials,
    "augmentation": _augmentation,
    "psychotherapy": _psychotherapy,
    "severity": _severity,
    "episode_window": _episode_window,
    "contraindication": _contraindication,
    "prescriber": _prescriber,
    "pdmp": _pdmp,
    "rems": _rems,
    "oral_antidepressant": _oral_antidepressant,
    "concurrent_treatments": _concurrent,
    "ect": _ect,
    "prior_response": _prior_response,
    "sessions": _sessions,
    "devices": _devices,
    "document": _document,
}
COMBINATORS = ("all_of", "any_of", "n_of")


def describe_criterion(c: Any, rule_set: m.RuleSet | None = None) -> str:
    """One criterion as plain-English sentences (no trailing applicability or source).

    Combinators come out inline ("One of: (1) ...; (2) ..."); use :func:`describe` for
    the nested form. ``rule_set`` fills in defaults that depend on the rest of the rule
    set (an augmentation trial's length, a prior course's treatment).
    """
    if c.kind in COMBINATORS:
        subs = [describe_criterion(s, rule_set).rstrip(".") for s in c.criteria]
        return _combinator_head(c) + " " + "; ".join(f"({i}) {s}" for i, s in enumerate(subs, 1)) + "."
    return _sentence(_PHRASES[c.kind](c, rule_set))


def applies_text(item: Any) -> str | None:
    """'initial requests only', 'TRD only' or None when the item applies to every request."""
    kinds = item.applies_to
    if kinds is None:
        kinds = m.DEFAULT_APPLIES_TO.get(getattr(item, "kind", ""), ("initial", "continuation"))
    parts = []
    if set(kinds) != {"initial", "continuation"}:
        parts.append(_join([f"{k}" for k in kinds]) + " requests")
    if item.indication is not None:
        parts.append(_join([k.upper() for k in item.indication]))
    return " and ".join(parts) + " only" if parts else None


@dataclass
class Described:
    """A criterion as text, with its metadata and (for combinators) its parts."""

    id: str
    kind: str
    topic: str
    text: str  # the sentence; for combinators the heading ("One of:")
    label: str | None = None
    applies: str | None = None
    source: str | None = None
    note: str | None = None
    children: list[Described] = field(default_factory=list)

    def lines(self, indent: str = "", marker: str = "- ") -> list[str]:
        """Nested-list text: the sentence, then source, note and applicability."""
        pad = indent + " " * len(marker)
        out = [f"{indent}{marker}{self.text}"]
        if self.applies:
            out.append(f"{pad}Applies to: {self.applies}.")
        if self.source:
            out.append(f'{pad}Policy text: "{self.source}"')
        if self.note:
            out.append(f"{pad}Note: {self.note}")
        meta = f"id {self.id}, topic {self.topic}" + (f', label "{self.label}"' if self.label else "")
        out.append(f"{pad}({meta})")
        for child in self.children:
            out += child.lines(pad, "- ")
        return out


def describe(c: Any, rule_set: m.RuleSet | None = None) -> Described:
    """A criterion as a :class:`Described` tree (combinators keep their parts)."""
    topic = c.topic or m.DEFAULT_TOPICS.get(c.kind)
    if c.kind in COMBINATORS:
        children = [describe(s, rule_set) for s in c.criteria]
        text = _combinator_head(c)
        topic = topic or (children[0].topic if children else "other")
    else:
        children = []
        text = describe_criterion(c, rule_set)
    return Described(c.id, c.kind, topic or "other", text, c.label, applies_text(c), c.source, c.note, children)


def describe_document(d: m.RequiredDocument) -> str:
    """'Psychiatric evaluation, dated within 90 days of the request'."""
    text = DOCUMENT_LABELS[d.kind] + (f", dated within {d.max_age_days} days of the request" if d.max_age_days is not None else ", any date")
    applies = applies_text(d)
    return text + (f" ({applies})" if applies else "")


def validity_text(rs: m.RuleSet) -> str:
    return f"effective {rs.effective}" + (f" to {rs.ends}" if rs.ends else "")


def describe_rule_set(rs: m.RuleSet, source: RuleSource | None = None, other_versions: Sequence[m.RuleSet] = ()) -> list[str]:
    """A whole rule set as text lines, for ``priorauth rules show`` and for letters."""
    treatment = TREATMENTS[rs.treatment].short
    out = [
        f"{rs.id}: {rs.payer_name}, {treatment}",
        f"Policy {rs.policy}: {rs.title}",
        f"URL: {rs.url}" if rs.url else "URL: none given",
        f"In force: {validity_text(rs)}" + ("" if rs.ends else " (no end date known)"),
        f"Evidence: {rs.evidence}" + (f" ({rs.evidence_note})" if rs.evidence_note else ""),
        f"Source: {rs.source}",
    ]
    if source is not None:
        out.append(f"Rule file: {source.path} ({source.origin})")
    for other in other_versions:
        out.append(f"Other version: {validity_text(other)} (see --as-of {other.effective})")
    if rs.report_notes:
        out += ["", "Shown in every report:"] + [f"  - {n}" for n in rs.report_notes]
    out += ["", "Criteria (every one must be met):"]
    for c in rs.criteria:
        out += describe(c, rs).lines("  ")
    if rs.documents:
        out += ["", "Required documents:"] + [f"  - {describe_document(d)}" for d in rs.documents]
    limits = rs.limits
    limit_lines = []
    if limits.sessions is not None:
        limit_lines.append(f"Sessions: up to {limits.sessions}")
    if limits.devices is not None:
        limit_lines.append(f"Devices: up to {limits.devices} (28 mg each)")
    if limits.approval:
        limit_lines.append(f"Approval: {limits.approval}")
    limit_lines += list(limits.notes)
    if limit_lines:
        out += ["", "Limits:"] + [f"  - {x}" for x in limit_lines]
    code_lines = ([f"Procedure codes: {', '.join(rs.codes.procedure)}"] if rs.codes.procedure else []) + list(rs.codes.notes)
    if code_lines:
        out += ["", "Codes:"] + [f"  - {x}" for x in code_lines]
    if rs.notes:
        out += ["", "Notes (how the policy was read, defaults used):"] + [f"  - {n}" for n in rs.notes]
    return out


def rule_set_summary(source: RuleSource) -> dict[str, Any]:
    """The fields of one rule-set version that ``rules list`` shows (JSON-ready)."""
    rs = source.rule_set
    return {
        "id": rs.id,
        "payer": rs.payer,
        "payer_name": rs.payer_name,
        "treatment": rs.treatment,
        "policy": rs.policy,
        "title": rs.title,
        "url": rs.url,
        "effective": rs.effective.isoformat(),
        "ends": rs.ends.isoformat() if rs.ends else None,
        "evidence": rs.evidence,
        "origin": source.origin,
        "path": str(source.path),
    }



def hidden_files(registry: Registry) -> dict[Path, list[tuple[Path, str]]]:
    """Rule files that the registry ignores, keyed by the file that hides them.

    A file is hidden by an earlier one (user folders before shipped, then path order)
    with the same id and effective date. ``rules list`` shows this so that a clinic sees
    its own file win, and an author sees an accidental duplicate.
    """
    first: dict[tuple[str, dt.date], Path] = {}
    out: dict[Path, list[tuple[Path, str]]] = {}
    for folder, origin in registry.dirs:
        for path in _rule_files(folder):
            rs = _load_cached(path, path.stat().st_mtime_ns)
            key = (rs.id, rs.effective)
            if key in first:
                out.setdefault(first[key], []).append((path, origin))
            else:
                first[key] = path
    return out


def version_conflicts(rule_sets: Sequence[tuple[str, m.RuleSet]]) -> list[tuple[str, str]]:
    """Versions of one rule set whose dates overlap: (name, message) for the later file.

    Two versions in force on the same day make the choice depend on file order, so
    ``rules validate`` reports it when the files are checked together.
    """
    out: list[tuple[str, str]] = []
    for i, (name, rs) in enumerate(rule_sets):
        for other_name, other in rule_sets[:i]:
            if other.id != rs.id:
                continue
            start = max(rs.effective, other.effective)
            ends = [d for d in (rs.ends, other.ends) if d is not None]
            if not ends or start <= min(ends):
                if rs.effective == other.effective:
                    message = f"same id ({rs.id}) and effective date as {other_name}; only one of them is used"
                else:
                    message = f"{rs.id} {validity_text(rs)} overlaps {other_name} ({validity_text(other)}): both in force on {start}"
                out.append((name, message))
    return out
