"""UNODA's queue, declared once: its page, its sort options and its CSV export."""

from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from apps.cases import tables as case_columns
from apps.cases.selectors import days_in_state
from apps.core.tables import Column, Table
from apps.funding.tables import GAP, attach_funding_gaps

from .selectors import URGENCY_ORDERING, Urgency


def _officer(case) -> str:
    user = case.case_officer
    return (user.get_full_name() or user.username) if user else ""


def _officer_html(case):
    return _officer(case) or format_html('<span class="muted">{}</span>', _("unassigned"))


def _overdue_html(case):
    return (
        format_html('<span class="flag-overdue">{}</span>', _("overdue"))
        if case.is_overdue
        else None
    )


class QueueTable(Table):
    columns = (
        case_columns.REFERENCE,
        case_columns.STATE,
        case_columns.TITLE,
        case_columns.CATEGORIES,
        case_columns.STATUS,
        case_columns.PRIORITY,
        Column("officer", gettext_lazy("Case officer"), _officer, html=_officer_html,
               sort=("case_officer__username", "reference")),
        # The oldest change first is the most days first.
        Column("days", gettext_lazy("Days in state"), lambda c: days_in_state(c),
               sort=("status_changed_at", "pk")),
        Column("overdue", gettext_lazy("Overdue"), lambda c: _("yes") if c.is_overdue else _("no"),
               html=_overdue_html),
        case_columns.BUDGET,
        case_columns.CURRENCY,
        GAP,
        case_columns.NATIONAL_DOCUMENT,
    )  # fmt: skip
    default_sort = "days"
    caption = pgettext_lazy("assistance requests handled as files", "Cases")

    def prepare(self, rows: list) -> None:
        attach_funding_gaps(rows)


def _urgency(case) -> str:
    return str(Urgency.LABELS.get(getattr(case, "urgency", None), ""))


def _urgency_html(case):
    label = _urgency(case)
    if getattr(case, "urgency", None) == Urgency.OVERDUE:
        return format_html('<span class="flag-overdue urgency">{}</span>', label)
    return format_html('<span class="urgency">{}</span>', label)


class NeedsQueueTable(QueueTable):
    """The needs-my-action view of the queue: why each case waits on the user first, most
    urgent first (``selectors.needs_action`` annotates the urgency)."""

    columns = (
        Column("urgency", pgettext_lazy("why a case needs action: column", "Needs"), _urgency,
               html=_urgency_html, sort=URGENCY_ORDERING),
        *QueueTable.columns,
    )  # fmt: skip
    default_sort = "urgency"


# What the home page lists of the queue, by the same ordering as the queue's default.
DEFAULT_ORDERING = QueueTable.sort_options()[QueueTable.default_sort]
