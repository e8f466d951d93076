"""Object permissions: global (model-wide) permissions never open a case; direct-object
guessing of another organization's records reveals nothing."""

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile

from apps.cases import services
from apps.cases.models import Visibility
from apps.funding.services import commitment_create
from apps.organizations.services import all_donors_group

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n%%EOF\n"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def _grant_model_wide(group_or_user, *codenames):
    perms = Permission.objects.filter(codename__in=codenames)
    if hasattr(group_or_user, "user_permissions"):
        group_or_user.user_permissions.add(*perms)
    else:
        group_or_user.permissions.add(*perms)


def test_a_model_wide_permission_given_by_mistake_opens_nothing(client, make_case, users, orgs):
    draft = make_case("draft")
    hidden = make_case("published", visibility=Visibility.SELECTED_DONORS)  # orgs.donor only
    _grant_model_wide(all_donors_group(), "view_assistancerequest", "change_assistancerequest")
    _grant_model_wide(orgs.other_donor.group, "view_assistancerequest")
    _grant_model_wide(users.other_donor, "view_assistancerequest", "view_commitment")
    for user, cases in (
        (users.donor, [draft]),
        (users.other_donor, [draft, hidden]),
        (users.other_recipient, [draft, hidden]),
    ):
        client.force_login(user)
        for case in cases:
            assert client.get(f"/cases/{case.reference}/").status_code == 404
            assert client.get(f"/api/v1/requests/{case.reference}/").status_code == 404
        listing = client.get("/api/v1/requests/").json()
        refs = {row["reference"] for row in listing["results"]}
        assert not refs & {case.reference for case in cases}


def test_api_reads_require_the_view_permission(client, make_case, users, orgs):
    """A donor's organization sees a published case through its group's object permission;
    remove that row and the API read is refused, whatever else the user holds."""
    from guardian.shortcuts import remove_perm

    case = make_case("published")
    client.force_login(users.donor)
    assert client.get(f"/api/v1/requests/{case.reference}/").status_code == 200
    remove_perm("cases.view_assistancerequest", all_donors_group(), case)
    assert client.get(f"/api/v1/requests/{case.reference}/").status_code == 404
    assert client.get(f"/api/v1/requests/{case.reference}/history/").status_code == 404


def test_guessing_another_organizations_records_reveals_nothing(client, make_case, users, orgs):
    case = make_case("donor_interest", visibility=Visibility.SELECTED_DONORS)
    attachment = services.attachment_add(
        actor=users.unoda,
        case=case,
        kind="proposal",
        title="Stockpile assessment",
        file=SimpleUploadedFile("assessment.pdf", PDF),
    )
    commitment = commitment_create(
        actor=users.unoda, case=case, donor=orgs.donor, amount="1000", currency="USD"
    )
    interest = case.interests.get()
    missing_case = "REQ-2099-9999"
    client.force_login(users.other_donor)
    pairs = [
        (f"/cases/{case.reference}/", f"/cases/{missing_case}/"),
        (
            f"/cases/{case.reference}/attachments/{attachment.pk}/",
            f"/cases/{missing_case}/attachments/{attachment.pk}/",
        ),
        (f"/api/v1/requests/{case.reference}/", f"/api/v1/requests/{missing_case}/"),
        (
            f"/api/v1/requests/{case.reference}/feedback/",
            f"/api/v1/requests/{missing_case}/feedback/",
        ),
        (f"/api/v1/commitments/{commitment.pk}/", "/api/v1/commitments/999999/"),
        (f"/api/v1/interests/{interest.pk}/", "/api/v1/interests/999999/"),
        (f"/followup/{case.reference}/feedback/", f"/followup/{missing_case}/feedback/"),
    ]
    for existing, missing in pairs:
        hidden, absent = client.get(existing), client.get(missing)
        assert hidden.status_code == absent.status_code == 404, existing
        body = hidden.content.decode()
        assert case.title not in body
        assert "Stockpile" not in body
        if existing.startswith("/api/"):
            assert hidden.json() == absent.json(), existing
    # Another State guessing an attachment id under its own case reference gets nothing either.
    own = make_case("draft")
    client.force_login(users.recipient)
    wrong_case = f"/cases/{own.reference}/attachments/{attachment.pk}/"
    assert client.get(wrong_case).status_code in (200, 404)
    client.force_login(users.other_recipient)
    assert client.get(wrong_case).status_code == 404


def test_writes_on_hidden_records_are_refused_and_change_nothing(client, make_case, users, orgs):
    case = make_case("donor_interest", visibility=Visibility.SELECTED_DONORS)
    commitment = commitment_create(
        actor=users.unoda, case=case, donor=orgs.donor, amount="1000", currency="USD"
    )
    client.force_login(users.other_donor)
    response = client.post(
        f"/api/v1/commitments/{commitment.pk}/cancel/",
        {"reason": "x"},
        content_type="application/json",
    )
    assert response.status_code == 404
    response = client.post(
        f"/api/v1/requests/{case.reference}/transitions/",
        {"transition": "withdraw", "comment": "x"},
        content_type="application/json",
    )
    assert response.status_code == 404
    commitment.refresh_from_db()
    case.refresh_from_db()
    assert commitment.status == "pledged"
    assert case.status == "donor_interest"
