"""CSV and XLSX files of the case list and of the funding figures (scoped like the pages)."""

import tempfile

import xlsxwriter
from django.utils.translation import get_language_bidi, ngettext, pgettext
from django.utils.translation import gettext as _

from apps.cases.tables import NATIONAL_DOCUMENT
from apps.core.tables import spreadsheet_safe as safe

from . import selectors


def _amount(figure):
    """A stored total, or why there is none (the amounts that await an exchange rate)."""
    if figure.amount is not None:
        return figure.amount
    if figure.awaiting:
        # The same English for both; the other languages have their plural forms.
        return ngettext(
            "not convertible: %(count)s awaiting a rate (%(currencies)s)",
            "not convertible: %(count)s awaiting a rate (%(currencies)s)",
            figure.awaiting,
        ) % {
            "count": figure.awaiting,
            "currencies": ", ".join(figure.missing),
        }
    return _("not convertible")


def case_table(*, user):
    header = [
        _("Reference"),
        _("Title"),
        _("Status"),
        _("Requesting organization"),
        _("Region"),
        _("Categories"),
        _("Priority"),
        _("Comes from"),
        _("Budget"),
        _("Currency"),
        _("In this status since"),
    ]
    rows = (
        [
            case.reference,
            case.title,
            case.get_status_display(),
            case.requesting_organization.name,
            case.requesting_organization.get_region_display(),
            ", ".join(category.code for category in case.categories.all()),
            case.get_priority_display(),
            NATIONAL_DOCUMENT.value(case),
            case.budget_amount,
            case.budget_currency,
            case.status_changed_at.date().isoformat(),
        ]
        for case, _figures in selectors.case_rows(user=user)
    )
    return header, rows


def funding_table(*, user):
    header = [
        _("Reference"),
        _("Status"),
        _("Currency"),
        _("Requested"),
        pgettext("amount of money", "Pledged"),
        pgettext("amount of money", "Committed"),
        pgettext("amount of money", "Disbursed"),
        _("Funding gap"),
        _("Ageing pledges"),
        _("Committed (USD, at the rates of their dates)"),
        _("Disbursed (USD, at the rates of their dates)"),
    ]
    rows = (
        [
            case.reference,
            case.get_status_display(),
            figures.currency,
            figures.requested,
            _amount(figures.pledged),
            _amount(figures.committed),
            _amount(figures.disbursed),
            _amount(figures.gap),
            figures.ageing_pledges,
            _amount(figures.committed_usd),
            _amount(figures.disbursed_usd),
        ]
        for case, figures in selectors.case_rows(user=user)
    )
    return header, rows


TABLES = {"cases": case_table, "funding": funding_table}


def csv_lines(header, rows):
    """The header and the rows as the CSV's lines of cells, formulas neutralised."""
    yield [safe(cell) for cell in header]
    for row in rows:
        yield [safe("" if cell is None else str(cell)) for cell in row]


def to_xlsx(header, rows, *, title: str):
    """The rows as a workbook of one sheet, right to left in a right-to-left language, in a
    temporary file read from its start. XlsxWriter's constant-memory mode writes each row to
    disk as it comes, with its texts inline: the memory held is the same whatever the number
    of rows (the file is deleted when closed)."""
    out = tempfile.TemporaryFile()  # noqa: SIM115 (the response sends it, then closes it)
    workbook = xlsxwriter.Workbook(out, {"constant_memory": True})
    sheet = workbook.add_worksheet(title[:31])
    if get_language_bidi():
        sheet.right_to_left()
    sheet.write_row(0, 0, [safe(cell) for cell in header])
    for number, row in enumerate(rows, start=1):
        sheet.write_row(number, 0, [safe(cell) for cell in row])
    workbook.close()
    out.seek(0)
    return out
