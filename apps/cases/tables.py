"""The columns every list of cases shares (the queue, the donors' published needs)."""

from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from apps.core.tables import Column
from apps.core.templatetags.portal import translated_text


def _link(case):
    url = reverse("cases:request-detail", args=[case.reference])
    return format_html('<a class="reference" href="{}">{}</a>', url, case.reference)


def _category_names(case) -> list[str]:
    # The categories are prefetched with the rows.
    return [str(category) for category in case.categories.all()]


REFERENCE = Column("reference", _("Reference"), lambda c: c.reference, html=_link,
                   sort=("reference",))  # fmt: skip
STATE = Column("state", pgettext_lazy("a UN member State, a country", "State"),
               lambda c: str(c.requesting_organization),
               html=lambda c: format_html("<bdi>{}</bdi>", c.requesting_organization),
               sort=("requesting_organization__name", "reference"))  # fmt: skip
TITLE = Column("title", _("Title"), lambda c: c.title, html=lambda c: translated_text(c, "title"))
CATEGORIES = Column("categories", _("Categories"), lambda c: "; ".join(_category_names(c)),
                    html=lambda c: ", ".join(_category_names(c)))  # fmt: skip


def _status_html(case):
    # A status is one label: it never wraps in a narrow column ("Needs revision").
    return format_html('<span class="status">{}</span>', case.get_status_display())


STATUS = Column("status", _("Status"), lambda c: c.get_status_display(), html=_status_html,
                sort=("status", "reference"))  # fmt: skip


def _priority_html(case):
    label = case.get_priority_display()
    return format_html('<span class="tag">{}</span>', label) if case.priority == 1 else label


def _national_document(case) -> str:
    """The national document a request comes from, in one cell: "PoA national report: title
    (2024), cycle 2024"."""
    if not case.national_document:
        return ""
    parts = [str(case.get_national_document_display())]
    if case.national_document_title:
        parts[0] += f": {case.national_document_title}"
    if case.national_document_year:
        parts[0] += f" ({case.national_document_year})"
    if case.poa_cycle:
        parts.append(_("PoA reporting cycle %(cycle)s") % {"cycle": case.poa_cycle})
    return ", ".join(str(part) for part in parts)


# Priority 1 is high: ascending puts the State's high priorities first.
PRIORITY = Column("priority", _("Priority"), lambda c: c.get_priority_display(),
                  html=_priority_html, sort=("priority", "reference"))  # fmt: skip
NATIONAL_DOCUMENT = Column("national_document", _("Comes from"), _national_document, page=False)
BUDGET = Column("budget", _("Budget"), lambda c: c.budget_amount, page=False)
CURRENCY = Column("currency", _("Currency"), lambda c: c.budget_currency, page=False)
