"""Every CSV download starts with the UTF-8 byte-order mark, so that Excel reads Arabic and
Chinese text right (issue 24): the queue's, the dashboard's two and a meeting dossier's."""

import csv
import io

import pytest
from django.utils import translation

from apps.funding.models import MatchmakingMeeting

BOM = "\ufeff".encode()


@pytest.fixture
def meeting(users):
    return MatchmakingMeeting.objects.create(
        title="Réunion", date="2026-06-01", created_by=users.unoda
    )


def test_every_csv_download_starts_with_the_byte_order_mark(client, users, make_case, meeting):
    make_case("published", title="وسم الأسلحة الصغيرة")
    client.force_login(users.unoda)
    for url in (
        "/cases/export.csv",
        "/reports/export/cases.csv",
        "/reports/export/funding.csv",
        f"/funding/meetings/{meeting.pk}/dossier.csv",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        content = response.getvalue()
        assert content.startswith(BOM), url
        assert not content[len(BOM) :].startswith(BOM), url  # once, not per batch
        header = next(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
        assert not header[0].startswith("\ufeff")


def test_arabic_headings_and_titles_survive_the_download(client, users, make_case):
    case = make_case("published", title="وسم الأسلحة الصغيرة")
    client.force_login(users.unoda)
    client.cookies["django_language"] = "ar"
    rows = list(
        csv.reader(
            io.StringIO(client.get("/cases/export.csv?view=all").getvalue().decode("utf-8-sig"))
        )
    )
    with translation.override("ar"):
        assert rows[0][0] == translation.gettext("Reference")
    assert (rows[1][0], rows[1][2]) == (case.reference, "وسم الأسلحة الصغيرة")


@pytest.mark.parametrize(("language", "right_to_left"), [("ar", True), ("fr", False)])
def test_the_workbooks_read_right_to_left_in_arabic(
    client, users, make_case, language, right_to_left
):
    from openpyxl import load_workbook

    make_case("published")
    client.force_login(users.unoda)
    client.cookies["django_language"] = language
    for table in ("cases", "funding"):
        response = client.get(f"/reports/export/{table}.xlsx")
        sheet = load_workbook(io.BytesIO(response.getvalue())).active
        assert bool(sheet.sheet_view.rightToLeft) is right_to_left  # left out when left to right
