"""The donors' published needs, declared once (page and columns), and the funding gap column
that the queue shares."""

from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from apps.cases import tables as case_columns
from apps.core.tables import Column, Table
from apps.core.templatetags.portal import money

from .matching import best_offers
from .selectors import activity_coverage_counts, funding_gaps


def _gap_html(case):
    funding = case.funding
    if funding.gap.amount is not None:
        return format_html(
            '<span class="amount">{}</span>', money(funding.gap.amount, funding.currency)
        )
    return _("not convertible") if funding.gap.missing else None


# Reads ``case.funding``: a ``FundingGap`` that ``attach_funding_gaps`` gave.
GAP = Column("gap", gettext_lazy("Funding gap"), lambda c: c.funding.gap.amount, html=_gap_html)


def attach_funding_gaps(cases: list) -> None:
    gaps = funding_gaps(cases)
    for case in cases:
        case.funding = gaps[case.pk]


def _open_activities(case):
    """ "2 of 4": how many of the need's activity lines no donor covers yet (None: it lists
    none)."""
    covered, total = case.activity_counts or (None, None)
    if total is None:
        return None
    # The same English for both; a language that counts "of 4" differently has its forms.
    return ngettext("%(open)s of %(total)s", "%(open)s of %(total)s", total) % {
        "open": total - covered,
        "total": total,
    }


def _match(case):
    return f"{case.match.score}/100 ({case.match.offer.title})" if case.match else None


class NeedsTable(Table):
    columns = (
        case_columns.REFERENCE,
        case_columns.STATE,
        case_columns.TITLE,
        case_columns.CATEGORIES,
        case_columns.STATUS,
        case_columns.PRIORITY,
        GAP,
        Column("open_activities", gettext_lazy("Activities still open"), _open_activities),
        Column("match", gettext_lazy("Match with your offers"), _match),
        case_columns.NATIONAL_DOCUMENT,
    )
    caption = gettext_lazy("Published needs")

    def __init__(self, *, offers, **kwargs):
        super().__init__(**kwargs)
        self.offers = offers  # the donor's own active offers

    def prepare(self, rows: list) -> None:
        attach_funding_gaps(rows)
        matches = best_offers(cases=rows, offers=self.offers)
        activity_counts = activity_coverage_counts(rows)
        for case in rows:
            case.match = matches.get(case.pk)
            case.activity_counts = activity_counts.get(case.pk)
