"""The one list of criterion kinds, and everything derived from it.

The discriminated union ``Criterion`` (and so the rule-file model and its JSON Schema),
``KINDS``, evaluation (:func:`judge`), the default applicability (:func:`applies`), the
plain-English sentence (:func:`describe_criterion`) and the case fields a criterion reads
(:func:`fields_read`) all come from :data:`REGISTRY`. A new kind is one module that ends
with ``KIND = Kind(...)``, added to ``_ALL`` below.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, TypeAlias, Union

from pydantic import Field

from priorauth.case import Case
from priorauth.kinds import (
    age,
    augmentation,
    combinators,
    concurrent_treatments,
    contraindication,
    devices,
    diagnosis,
    document,
    ect,
    episode_window,
    failed_trials,
    not_covered,
    oral_antidepressant,
    pdmp,
    prescriber,
    prior_response,
    psychotherapy,
    rems,
    sessions,
    severity,
    suicidal_ideation,
)
from priorauth.kinds.base import BOTH_REQUESTS, RELAPSE_FIELDS, Context, Kind, _Criterion, request_kinds
from priorauth.report import CriterionResult

# The order is the order of the union, of the JSON Schema and of docs/rules.md.
_ALL: tuple[Kind[Any], ...] = (
    age.KIND,
    diagnosis.KIND,
    failed_trials.KIND,
    augmentation.KIND,
    psychotherapy.KIND,
    severity.KIND,
    episode_window.KIND,
    contraindication.KIND,
    suicidal_ideation.KIND,
    prescriber.KIND,
    pdmp.KIND,
    rems.KIND,
    oral_antidepressant.KIND,
    concurrent_treatments.KIND,
    ect.KIND,
    prior_response.KIND,
    sessions.KIND,
    devices.KIND,
    document.KIND,
    not_covered.KIND,
    combinators.ALL_OF,
    combinators.ANY_OF,
    combinators.N_OF,
)
REGISTRY: dict[str, Kind[Any]] = {k.name: k for k in _ALL}
KINDS: tuple[str, ...] = tuple(REGISTRY)
COMBINATORS: tuple[str, ...] = ("all_of", "any_of", "n_of")

if TYPE_CHECKING:
    # A type checker cannot follow a union built at run time: every criterion is a _Criterion.
    Criterion: TypeAlias = _Criterion
else:
    Criterion = Annotated[Union[tuple(k.model for k in _ALL)], Field(discriminator="kind")]  # noqa: UP007  # X | Y cannot take a tuple

for _model in (combinators.AllOf, combinators.AnyOf, combinators.NOf):
    _model.model_rebuild(_types_namespace={"Criterion": Criterion})


def kind_of(c: Any) -> Kind[Any]:
    return REGISTRY[c.kind]


def indication_of(case: Case, treatment: str) -> str | None:
    """Spravato requests are judged as TRD unless the case says MDSI."""
    if treatment != "spravato":
        return None
    return case.request.indication or "trd"


def default_applies_to(item: Any) -> tuple[str, ...]:
    """The request kinds a criterion (or a required document) applies to when it does not say."""
    kind = REGISTRY.get(getattr(item, "kind", ""))
    if kind is not None and isinstance(item, kind.model):
        return kind.applies_to
    return BOTH_REQUESTS


def applies(item: Any, case: Case, treatment: str) -> bool:
    kinds = item.applies_to if item.applies_to is not None else default_applies_to(item)
    if not request_kinds(case, treatment) & set(kinds):
        return False
    if item.indication is not None and indication_of(case, treatment) not in item.indication:
        return False
    return True


def default_topic(c: Any) -> str:
    return c.topic or kind_of(c).topic


def judge(c: Any, case: Case, ctx: Context) -> CriterionResult:
    """One criterion's result: the kind's finding, with the criterion's own id, label, topic and source."""
    kind = kind_of(c)
    found = kind.evaluate(c, case, ctx)
    met = found.status == "met"
    return CriterionResult(
        id=c.id,
        kind=c.kind,
        topic=c.topic or found.topic or kind.topic,
        label=c.label or found.label or kind.label_for(c) or c.id.replace("-", " "),
        status=found.status,
        message=found.message,
        evidence=list(found.evidence),
        next_step=None if met else (c.next_step or found.next_step),
        explanations=list(found.explanations),
        details=list(found.details),
        source=c.source,
        gaps=[] if met else list(found.gaps),
        unverified=c.unverified,
        requires=list(found.requires),
    )


def sentence(text: str) -> str:
    text = text.strip()
    if not text:
        return text
    text = text[0].upper() + text[1:]
    return text if text.endswith((".", ":", "?")) else text + "."


def describe_criterion(c: Any, rule_set: Any = None) -> str:
    """One criterion as plain-English sentences; combinators inline ("One of: (1) ...; (2) ...")."""
    return sentence(kind_of(c).describe(c, rule_set))


def fields_read(c: Any) -> list[str]:
    """The case fields one criterion reads, its anchor field first (none for a combinator)."""
    out = kind_of(c).fields_read(c)
    if set(c.applies_to or ()) & {"retreatment", "course_continuation"}:
        # which reading of a continuation applies rests on the prior course's relapse date
        out = out + [f for f in RELAPSE_FIELDS if f not in out]
    return out
