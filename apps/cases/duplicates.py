"""Likely duplicates and related needs: the one place that says which other requests look like
a request, and why.

A **likely duplicate** is another open request of the same State (submitted or later, not
withdrawn, declined or closed) that shares a category with the request, says much the same in
its title or its objectives, and whose period overlaps. A **related need** is one of another
State of the same region that shares a category and says much the same. Texts are compared by
their trigrams (sets of three letters, as PostgreSQL's pg_trgm does), which works alike in the
six languages, Chinese included; a pair of cases that UNODA has linked in any way (not a
duplicate, duplicate of, related, builds on...) is decided and no longer suggested.

The candidates are read in SQL (the latest ``CANDIDATES`` of the same State, and as many of the
region's other States), each with one query whatever their number, and scored here.
"""

import datetime
import re
from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

from apps.organizations.selectors import organization_ids

from .models import AssistanceRequest, CaseLink
from .workflow import DUPLICATE_CANDIDATES, DUPLICATE_CHECKED, Confirmation

# The latest needs looked at: of the same State, and of the other States of the region.
CANDIDATES = 200
# Trigram similarity (0 to 1) from which two texts "say much the same".
SIMILAR = 0.5
# For another State's need: a lower bar, as it is only shown as related.
RELATED = 0.35
DAYS_A_MONTH = 30.44
# Texts shorter than this say too little to be compared.
MIN_TEXT = 12
# The part of a long text compared (the beginning says what the need is).
COMPARED = 2000

_WORD = re.compile(r"\w+")


def trigrams(text: str) -> frozenset[str]:
    """The trigrams of ``text``: each word lower-cased and padded as pg_trgm does."""
    grams = set()
    for word in _WORD.findall(text[:COMPARED].casefold()):
        padded = f"  {word} "
        grams.update(padded[i : i + 3] for i in range(len(padded) - 2))
    return frozenset(grams)


def similarity(one: frozenset[str], other: frozenset[str]) -> float:
    if not one or not other:
        return 0.0
    return len(one & other) / len(one | other)


@dataclass(frozen=True)
class Likeness:
    """Another request that looks like the request: a likely duplicate (same State) or a
    related need (another State), with the reasons in the reader's language."""

    other: AssistanceRequest
    duplicate: bool
    reasons: tuple[str, ...]
    score: int  # 0 to 100, to order by


@dataclass(frozen=True)
class _Facts:
    categories: dict[int, str]
    title: frozenset[str]
    objectives: frozenset[str]
    period: tuple[datetime.date, datetime.date] | None

    @classmethod
    def of(cls, case: AssistanceRequest) -> "_Facts":
        objectives = case.objectives.strip()
        return cls(
            categories={c.pk: str(c) for c in case.categories.all()},
            title=trigrams(case.title) if len(case.title.strip()) >= MIN_TEXT else frozenset(),
            objectives=trigrams(objectives) if len(objectives) >= MIN_TEXT else frozenset(),
            period=_period(case),
        )


def _period(case: AssistanceRequest) -> tuple[datetime.date, datetime.date] | None:
    """From the request's creation over its duration; None when it has no duration."""
    if not case.duration_months:
        return None
    start = timezone.localdate(case.created_at) if case.created_at else timezone.localdate()
    return start, start + datetime.timedelta(days=round(case.duration_months * DAYS_A_MONTH))


def _overlap(one, other) -> bool | None:
    """Whether two periods overlap; None when either is not known."""
    if one is None or other is None:
        return None
    return one[0] <= other[1] and other[0] <= one[1]


def _likeness(facts: _Facts, other: AssistanceRequest, *, same_state: bool) -> Likeness | None:
    theirs = _Facts.of(other)
    shared = [name for pk, name in facts.categories.items() if pk in theirs.categories]
    if not shared:
        return None
    title = similarity(facts.title, theirs.title)
    objectives = similarity(facts.objectives, theirs.objectives)
    bar = SIMILAR if same_state else RELATED
    if max(title, objectives) < bar:
        return None
    overlap = _overlap(facts.period, theirs.period)
    if same_state and overlap is False:
        return None  # the same need once more after the first one's period: not a duplicate
    reasons = [
        pgettext("duplicate check: requests of the same member State", "Same State")
        if same_state
        else _("Same region: %(state)s") % {"state": other.requesting_organization},
        ngettext("Shared category: %(names)s", "Shared categories: %(names)s", len(shared))
        % {"names": ", ".join(shared)},
    ]
    if title >= bar:
        reasons.append(_("Similar title (%(share)s%% alike)") % {"share": round(title * 100)})
    if objectives >= bar:
        reasons.append(
            _("Similar objectives (%(share)s%% alike)") % {"share": round(objectives * 100)}
        )
    if overlap:
        reasons.append(_("Overlapping period"))
    union = len(set(facts.categories) | set(theirs.categories))
    score = 40 * title + 30 * objectives + 20 * len(shared) / union + (10 if overlap else 0)
    return Likeness(other=other, duplicate=same_state, reasons=tuple(reasons), score=round(score))


def _decided(case: AssistanceRequest) -> set[int]:
    """The cases UNODA has already linked to ``case``, in either direction."""
    return {
        one if one != case.pk else other
        for one, other in CaseLink.objects.filter(Q(from_case=case) | Q(to_case=case)).values_list(
            "from_case_id", "to_case_id"
        )
    }


def likenesses(case: AssistanceRequest, *, related: bool = True) -> list[Likeness]:
    """The likely duplicates of ``case`` (first) and, with ``related``, the related needs of
    the region, most alike first; none for a request with no category. Pairs that UNODA has
    decided (linked) are left out."""
    facts = _Facts.of(case)
    if not facts.categories:
        return []
    decided = _decided(case)
    candidates = (
        AssistanceRequest.objects.filter(
            status__in=DUPLICATE_CANDIDATES, categories__in=list(facts.categories)
        )
        .exclude(pk__in=[case.pk, *decided])
        .select_related("requesting_organization")
        .prefetch_related("categories")
        .distinct()
    )
    own = candidates.filter(requesting_organization_id=case.requesting_organization_id)
    found = [
        match
        for other in own.order_by("-pk")[:CANDIDATES]
        if (match := _likeness(facts, other, same_state=True))
    ]
    if related:
        region = case.requesting_organization.region
        neighbours = candidates.filter(
            requesting_organization_id__in=organization_ids(region=region)
        ).exclude(requesting_organization_id=case.requesting_organization_id)
        found += [
            match
            for other in neighbours.order_by("-pk")[:CANDIDATES]
            if (match := _likeness(facts, other, same_state=False))
        ]
    return sorted(found, key=lambda m: (not m.duplicate, -m.score, -m.other.pk))


def checked(case: AssistanceRequest) -> bool:
    """Whether the portal looks for likenesses of ``case`` in its status."""
    return case.status in DUPLICATE_CHECKED


def confirm_not_duplicate(case: AssistanceRequest) -> Confirmation | None:
    """A confirmation of submitting: the State's own requests that ``case`` looks like."""
    own = [m for m in likenesses(case, related=False) if m.duplicate]
    if not own:
        return None
    message = ngettext(
        "This request looks like your request %(cases)s. If it is a different need, say how "
        "it differs.",
        "This request looks like your requests %(cases)s. If it is a different need, say how "
        "it differs.",
        len(own),
    ) % {
        "cases": "; ".join(
            f"{m.other.reference} “{m.other.title}” ({', '.join(m.reasons[1:])})" for m in own
        )
    }
    return Confirmation(message, {"references": [m.other.reference for m in own]})
