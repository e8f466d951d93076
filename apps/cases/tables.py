"""The rows of the case lists (the queue, the donors' published needs) and the case page's
timeline, rendered in Python.

These are the pages users open most, and rendering their rows cell by cell with the template
engine cost more than reading them from the database (about 10 ms for 25 rows at 100,000
cases, and 10 ms for a timeline of 63 entries; see docs/performance.md). The rows are therefore
built here, as Django's admin builds its change list; the table around them (headings,
caption, forms) stays in the templates. The labels are the same translatable strings as the
headings.

Every value goes through ``_html``, which escapes it unless it is already safe HTML (what
``conditional_escape`` does, without the cost of its lazy-string wrapper on each call).
"""

import html
from collections.abc import Callable, Iterable
from urllib.parse import quote

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import get_format
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from modeltranslation.utils import build_localized_fieldname

from apps.core.choices import display_of
from apps.core.dates import formatter
from apps.core.templatetags.portal import money, translated_text
from apps.core.widgets import PlainSelect, escaped

from .models import CommentVisibility, Status
from .selectors import TimelineEntry, case_categories


def _row_fields() -> list[str]:
    """The columns every list row reads. The title in every language: a case shows its title
    in the reader's language, or in the language it was written in."""
    return [
        "reference",
        *(build_localized_fieldname("title", code) for code, _name in settings.LANGUAGES),
        "original_language",
        "status",
        "status_changed_at",
        "budget_amount",
        "budget_currency",
        "requesting_organization__name",
        "requesting_organization__kind",
        "requesting_organization__country",
    ]


def queue_fields() -> list[str]:
    """The columns ``queue_rows`` reads (for ``QuerySet.only``; the rest of a case is not read
    for the queue)."""
    return [
        *_row_fields(),
        "case_officer__first_name",
        "case_officer__last_name",
        "case_officer__username",
    ]


def needs_fields() -> list[str]:
    """The columns ``needs_rows`` and the match score read (the requesting State's region)."""
    return [*_row_fields(), "requesting_organization__region"]


_html = escaped  # every cell's value, escaped unless already safe HTML


def _detail_link() -> Callable[[object], str]:
    # One reverse for the page: every case's address differs only in its reference.
    placeholder = "REFERENCE-PLACEHOLDER"
    detail = reverse("cases:request-detail", args=[placeholder])

    def link(case) -> str:
        href = _html(detail.replace(placeholder, quote(case.reference, safe="")))
        return f'<a href="{href}">{_html(case.reference)}</a>'

    return link


def _gap(case) -> str:
    """The funding gap: ``case.funding`` is a ``FundingGap`` or ``FundingFigures``."""
    figures = getattr(case, "funding", None)
    if figures is None:
        return "—"
    gap = figures.gap
    if gap.amount is not None:
        return f'<span class="amount">{_html(money(gap.amount, figures.currency))}</span>'
    if gap.missing:
        return _html(_("not convertible"))
    return "—"


def _common_columns() -> list[tuple[str, Callable[[object], str]]]:
    return [
        (_("Reference"), _detail_link()),
        (_("State"), lambda case: _html(case.requesting_organization)),
        (_("Title"), lambda case: translated_text(case, "title")),
        (_("Categories"), lambda case: _html(", ".join(str(c) for c in case_categories(case)))),
        (_("Status"), lambda case: _html(case.get_status_display())),
    ]


def _rows(
    cases: Iterable,
    columns: list[tuple[str, Callable[[object], str]]],
    first: Callable[[object], str] | None = None,
) -> SafeString:
    """A ``<tr>`` per case: each cell with its ``data-label`` (the narrow-screen layout shows
    the label beside the value); ``first`` gives a leading cell without a label."""
    labelled = [(_html(label), cell) for label, cell in columns]
    rows = []
    for case in cases:
        cells = [first(case)] if first else []
        cells.extend(f'<td data-label="{label}">{cell(case)}</td>' for label, cell in labelled)
        rows.append(f"<tr>{''.join(cells)}</tr>")
    return mark_safe("\n".join(rows))  # noqa: S308 (every value is escaped by _html)


def queue_rows(cases: Iterable, *, selectable: bool) -> SafeString:
    """The queue's rows. Each case carries ``days_in_state``, ``funding`` and ``is_overdue``
    (see the view); ``selectable`` adds the bulk-assign checkbox."""
    # (No gettext call inside an f-string: makemessages would not find the message.)
    unassigned_text, overdue_text = _html(_("unassigned")), _html(_("overdue"))
    unassigned = f'<span class="muted">{unassigned_text}</span>'
    overdue = f'<span class="flag-overdue">{overdue_text}</span>'

    def officer(case) -> str:
        user = case.case_officer
        return _html(user.get_full_name() or user.username) if user else unassigned

    def checkbox(case) -> str:
        reference = _html(case.reference)
        select = _html(_("Select %(ref)s") % {"ref": case.reference})
        return (
            f'<td><input type="checkbox" name="cases" value="{reference}" id="sel-{case.pk}">'
            f'<label for="sel-{case.pk}" class="visually-hidden">{select}</label></td>'
        )

    columns = [
        *_common_columns(),
        (_("Case officer"), officer),
        (_("Days in state"), lambda case: _html(case.days_in_state)),
        (_("Overdue"), lambda case: overdue if case.is_overdue else "—"),
        (_("Funding gap"), _gap),
    ]
    return _rows(cases, columns, first=checkbox if selectable else None)


def needs_rows(cases: Iterable) -> SafeString:
    """The donors' published needs. Each case carries ``funding`` and ``match`` (a pair of
    score and offer, or None; see the view)."""

    def match(case) -> str:
        if not case.match:
            return "—"
        score, offer = case.match
        return _html(f"{score}/100 ({offer.title})")

    columns = [
        *_common_columns(),
        (_("Funding gap"), _gap),
        (_("Match with your offers"), match),
    ]
    return _rows(cases, columns)


def officer_select(officers, *, name: str, element_id: str, selected=None, required=False):
    """A select of UNODA officers (``selectors.active_officers``) to assign a case to, with an
    empty first choice; rendered in Python (``PlainSelect``), not an option per template loop."""
    choices = [("", "—")] + [
        (str(user.pk), user.get_full_name() or user.username) for user in officers
    ]
    attrs = {"id": element_id, "required": True} if required else {"id": element_id}
    return PlainSelect(choices=choices).render(
        name, "" if selected is None else str(selected), attrs
    )


# --- The case page's timeline --------------------------------------------------------------------


def _person(row: dict, prefix: str) -> str:
    """``get_full_name`` or else the username of the person whose values ``row`` holds."""
    full = f"{row[prefix + 'first_name'] or ''} {row[prefix + 'last_name'] or ''}".strip()
    return full or row[prefix + "username"] or ""


def _lines(text: str) -> str:
    """``linebreaksbr`` of a plain text: escaped, each line break a ``<br>``."""
    return html.escape(text.replace("\r\n", "\n").replace("\r", "\n")).replace("\n", "<br>")


def timeline_items(entries: Iterable[TimelineEntry]) -> SafeString:
    """A ``<li>`` per entry of ``selectors.request_timeline``: when (machine-readable and in
    the reader's short format), then the status change and who made it, or the comment."""
    written = formatter(get_format("SHORT_DATETIME_FORMAT"))
    labels: dict[str, str] = {}

    def status(value: str) -> str:
        if value not in labels:
            labels[value] = _html(display_of(Status, value))
        return labels[value]

    arrow = '<span class="arrow" aria-hidden="true">→</span>'
    internal_text = _html(_("internal"))  # (not inside the f-string: makemessages skips it)
    internal_tag = f'<span class="tag">{internal_text}</span>'
    items = []
    for entry in entries:
        row, at = entry.item, timezone.localtime(entry.at)
        shown = _html(written(at))
        when = f'<time datetime="{at.isoformat()}">{shown}</time>'
        if entry.kind == "status":
            comment = f"<br>{_lines(row['comment'])}" if row["comment"] else ""
            actor = _html(_person(row, "actor__"))
            items.append(
                f"<li>{when} — <strong>{status(row['from_status'])} {arrow} "
                f"{status(row['to_status'])}</strong> ({actor}){comment}</li>"
            )
        else:
            internal = row["visibility"] == CommentVisibility.INTERNAL
            items.append(
                f'<li class="{"internal" if internal else ""}">{when} — '
                f"{_html(_person(row, 'author__'))}{' ' + internal_tag if internal else ''}"
                f"<br>{_lines(row['body'])}</li>"
            )
    return mark_safe("\n".join(items))  # noqa: S308 (every value is escaped)
