"""The publishing threshold lives in the admin; the funding admin pages render."""

import pytest

from apps.cases import services as case_services
from apps.cases.models import Status
from apps.core.exceptions import ApplicationError
from apps.core.models import PortalSettings
from apps.core.selectors import portal_settings
from tests.factories import UserFactory


def test_threshold_from_the_admin_row_overrides_the_setting(make_case, users, settings):
    settings.PORTAL_PUBLISH_MIN_COMPLETENESS = 0
    assert portal_settings().publish_min_completeness == 0
    PortalSettings.objects.create(publish_min_completeness=50, pledge_ageing_days=90)
    case = make_case("under_review", objectives="Reduce diversion.")
    # Objectives too short to count; beneficiaries, ownership and a duration: 3 of 10.
    with pytest.raises(ApplicationError, match="30% complete"):
        case_services.request_transition(actor=users.unoda, case=case, transition="publish")
    case.refresh_from_db()
    assert case.status == Status.UNDER_REVIEW


@pytest.fixture
def admin_client(client, db):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def test_settings_admin_allows_one_row_and_no_delete(admin_client):
    assert admin_client.get("/admin/core/portalsettings/add/").status_code == 200
    response = admin_client.post(
        "/admin/core/portalsettings/add/",
        {
            "submit_min_completeness": "30",
            "publish_min_completeness": "60",
            "pledge_ageing_days": "45",
        },
    )
    assert response.status_code == 302
    assert portal_settings().publish_min_completeness == 60
    assert admin_client.get("/admin/core/portalsettings/add/").status_code == 403
    assert admin_client.get("/admin/core/portalsettings/1/delete/").status_code == 403


def test_request_admin_names_the_missing_items(admin_client, make_case):
    case = make_case("under_review", objectives="Reduce diversion.")
    page = admin_client.get(f"/admin/cases/assistancerequest/{case.pk}/change/").content.decode()
    assert "Beneficiaries" in page
    assert "National ownership" in page


@pytest.mark.parametrize(
    "url",
    [
        "/admin/funding/offer/",
        "/admin/funding/offer/add/",
        "/admin/funding/commitment/",
        "/admin/funding/commitment/add/",
        "/admin/funding/expressionofinterest/",
        "/admin/funding/disbursement/",
        "/admin/funding/commitmentchange/",
        "/admin/funding/exchangerate/",
        "/admin/funding/matchmakingmeeting/",
        "/admin/funding/matchmakingmeeting/add/",
    ],
)
def test_funding_admin_pages_render(admin_client, make_case, url):
    make_case("published")
    assert admin_client.get(url).status_code == 200


def test_commitment_admin_add_goes_through_the_service(admin_client, make_case, orgs, rates):
    case = make_case("agreement")
    response = admin_client.post(
        "/admin/funding/commitment/add/",
        {
            "request": case.pk,
            "donor": orgs.donor.pk,
            "amount": "1000",
            "currency": "EUR",
            "pledged_on": "2026-11-01",
            "disbursements-TOTAL_FORMS": "0",
            "disbursements-INITIAL_FORMS": "0",
            "changes-TOTAL_FORMS": "0",
            "changes-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    commitment = case.commitments.get()
    assert commitment.changes.get().action == "created"
    page = admin_client.get(f"/admin/funding/commitment/{commitment.pk}/change/")
    assert page.status_code == 200
