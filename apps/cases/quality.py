"""Request quality: a completeness checklist shown to the State and to UNODA.

Each item judges what a reviewer would, not whether a field holds something: a text of some
substance (several distinct words, not "x" repeated), activity lines each with a cost that
together match the budget, a duration, a category. A State cannot submit below the portal's
submission threshold, UNODA cannot publish below the publishing one (``workflow``)."""

import re
from dataclasses import dataclass
from decimal import Decimal

from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _

# The activities' costs may differ from the budget by this share of it (rounding, overheads).
COST_TOLERANCE = Decimal("0.10")
# A text of substance has at least this many distinct words (in Chinese, characters).
MIN_WORDS = 5
MIN_WORDS_SHORT = 2  # for a text that names (the beneficiaries)
_WORD = re.compile(r"[^\W\d_]{2,}")  # a word of two letters or more, in any script
_CJK = re.compile(r"[\u3400-\u9fff]")


@dataclass(frozen=True)
class Check:
    label: str
    met: bool
    advice: str = ""  # what is missing, in plain words (empty when met)


@dataclass(frozen=True)
class Completeness:
    score: int  # 0-100
    items: list[Check]

    @property
    def missing(self) -> list[Check]:
        return [item for item in self.items if not item.met]


def distinct_words(text: str) -> int:
    """How many different words ``text`` holds (Chinese characters count one each)."""
    words = {word.lower() for word in _WORD.findall(text or "") if not _CJK.search(word)}
    return len(words) + len(set(_CJK.findall(text or "")))


def substantial(text: str, minimum: int = MIN_WORDS) -> bool:
    return distinct_words(text) >= minimum


def _costs(case, lines) -> Check:
    label = _("Activities costed within the budget")
    if not lines:
        return Check(label, False, _("List the activities, each with its estimated cost."))
    if any(line.estimated_cost is None for line in lines):
        return Check(label, False, _("Give every activity its estimated cost."))
    if case.budget_amount is None:
        return Check(label, False, _("Give the total budget of the request."))
    total = sum((line.estimated_cost for line in lines), Decimal(0))
    if abs(total - case.budget_amount) > case.budget_amount * COST_TOLERANCE:
        return Check(
            label,
            False,
            _(
                "The activities' costs add up to %(total)s, the budget is %(budget)s: they "
                "should match within %(tolerance)s%%."
            )
            % {
                "total": number_format(total, 2, force_grouping=True),
                "budget": number_format(case.budget_amount, 2, force_grouping=True),
                "tolerance": int(COST_TOLERANCE * 100),
            },
        )
    return Check(label, True)


def outcomes_of(case) -> list:
    """The outcomes of ``case`` with their indicators: from a prefetch of ``results`` (with
    ``results__indicators``) when the caller made one, else read here (two queries)."""
    from .models import ResultLevel

    if case.pk is None:
        return []
    if "results" in getattr(case, "_prefetched_objects_cache", {}):
        return [result for result in case.results.all() if result.level == ResultLevel.OUTCOME]
    return list(case.results.filter(level=ResultLevel.OUTCOME).prefetch_related("indicators"))


def _framework(outcomes) -> Check:
    """At least one outcome, and a measurable indicator (a unit or a percentage, a baseline
    and a dated target: ``Indicator.is_measurable``) for each."""
    label = _("A measurable indicator per outcome")
    if not outcomes:
        return Check(
            label,
            False,
            _("State at least one outcome in the results framework, with its indicators."),
        )
    unmeasured = [
        outcome
        for outcome in outcomes
        if not any(indicator.is_measurable for indicator in outcome.indicators.all())
    ]
    if unmeasured:
        return Check(
            label,
            False,
            _("Give each outcome an indicator with a unit, a baseline and a target with its date."),
        )
    return Check(label, True)


def completeness(case) -> Completeness:
    """The checklist of ``case`` (its activity lines, categories and outcomes with their
    indicators read once each, or taken from a prefetch)."""
    saved = case.pk is not None
    lines = list(case.activity_lines.all()) if saved else []
    has_category = saved and bool(case.categories.all())

    def check(label, met, advice):
        return Check(label, met, "" if met else advice)

    items = [
        check(
            _("Objectives stated"),
            substantial(case.objectives),
            _("Say in a few sentences what the assistance should achieve."),
        ),
        check(
            _("Activities described"),
            substantial(case.activities) or len(lines) >= 2,
            _("Describe the activities that will reach the objectives."),
        ),
        _costs(case, lines),
        check(
            _("Beneficiaries"),
            substantial(case.beneficiaries, MIN_WORDS_SHORT),
            _("Name who will benefit (institutions, communities, people)."),
        ),
        check(
            _("National ownership"),
            substantial(case.national_ownership),
            _("Say which national body leads the work and what it contributes."),
        ),
        check(
            _("Duration"),
            bool(case.duration_months),
            _("Give the expected duration in months."),
        ),
        check(
            _("Category of assistance"),
            has_category,
            _("Choose at least one category of assistance."),
        ),
        check(
            _("National report or action plan"),
            bool(case.national_document and case.national_document_year)
            or bool(case.national_report_url),
            _(
                "Name the national report or action plan the request comes from, with its "
                "year, or link it."
            ),
        ),
        check(
            _("Sustainability"),
            substantial(case.sustainability),
            _("Say how the results will be kept up after the assistance ends."),
        ),
        _framework(outcomes_of(case)),
    ]
    met = sum(1 for item in items if item.met)
    return Completeness(score=round(100 * met / len(items)), items=items)
