from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from apps.cases.models import AssistanceRequest, CaseLink, Status
from apps.core.selectors import user_is_coordinator
from apps.followup.models import Agreement
from apps.funding.models import OfferReferral, ReferralStatus
from apps.organizations.models import Organization, Region


@pytest.mark.django_db
def test_seed_demo_makes_every_state_and_every_role():
    out = StringIO()
    call_command("seed_demo", stdout=out)
    statuses = set(AssistanceRequest.objects.values_list("status", flat=True))
    assert statuses == set(Status.values)
    assert Organization.objects.count() >= 24
    assert set(Organization.objects.values_list("region", flat=True)) >= {
        Region.AFRICA,
        Region.AMERICAS,
        Region.ASIA,
        Region.EUROPE,
        Region.OCEANIA,
    }
    printed = out.getvalue()
    for login in ("recipient", "donor", "partner", "officer", "admin"):
        assert f" {login} " in printed
    # UNODA's officers are not staff: they never need the admin. One of them is a UNODA
    # coordinator (sets the exchange rates and the portal settings), the other is not.
    officer, officer2 = (get_user_model().objects.get(username=u) for u in ("officer", "officer2"))
    assert not officer.is_staff
    assert not officer2.is_staff
    assert user_is_coordinator(officer)
    assert not user_is_coordinator(officer2)
    assert "coordinator" in next(line for line in printed.splitlines() if " officer " in line)
    # The partner's organization implements agreements, so its login has reports to file.
    assert Agreement.objects.filter(
        implementing_partner__memberships__user__username="partner"
    ).exists()
    # The multiplier effect and a request translated by UNODA are there to be seen.
    assert CaseLink.objects.filter(kind="builds_on").exists()
    assert AssistanceRequest.objects.filter(title_fr__startswith="Modernisation").exists()
    # A donor funds one case in two tranches, one of them partly disbursed; no interest of
    # an ended case still stands.
    from apps.funding.models import Commitment, ExpressionOfInterest, InterestStatus

    second = Commitment.objects.get(tranche=2)
    tranches = Commitment.objects.filter(request=second.request, donor=second.donor)
    assert {c.tranche: c.status for c in tranches} == {1: "partially_disbursed", 2: "committed"}
    assert not ExpressionOfInterest.objects.filter(
        request__status__in=[Status.CLOSED, Status.WITHDRAWN, Status.DECLINED],
        status__in=[InterestStatus.ACTIVE, InterestStatus.CONVERTED],
    ).exists()
    # The demo State has asked UNODA to bring an offer to one of its requests.
    assert OfferReferral.objects.filter(
        status=ReferralStatus.OPEN, organization__name="Sierra Leone"
    ).exists()
    # Donors see who else is in: a published need co-funded by Japan (the "donor" login),
    # named, and Germany ("donor2"), undisclosed, on different activity lines, one still open.
    need = AssistanceRequest.objects.get(
        status=Status.DONOR_INTEREST,
        commitments__disclosed=False,
        commitments__donor__name="Germany",
    )
    japan = need.commitments.get(donor__name="Japan")
    germany = need.commitments.get(donor__name="Germany")
    assert japan.disclosed
    japan_lines = set(japan.covers.values_list("pk", flat=True))
    germany_lines = set(germany.covers.values_list("pk", flat=True))
    assert japan_lines
    assert germany_lines
    assert not japan_lines & germany_lines
    assert need.activity_lines.exclude(pk__in=japan_lines | germany_lines).exists()
    assert need.activity_lines.filter(estimated_cost__isnull=False).exists()
    # Idempotent: a second run adds nothing.
    count = AssistanceRequest.objects.count()
    call_command("seed_demo", stdout=StringIO())
    assert AssistanceRequest.objects.count() == count


@pytest.mark.django_db
def test_demo_logins_work(client):
    """The demo logins sign in with the printed password; officer and admin then pass
    two-factor authentication with the code that ``manage.py totp_code`` prints."""
    call_command("seed_demo", stdout=StringIO())
    for username in ("recipient", "donor", "partner", "officer", "admin"):
        response = client.post(
            "/accounts/login/", {"username": username, "password": "demo-portal-2026"}
        )
        assert response.status_code == 302
        if username in ("officer", "admin"):
            assert client.get("/").url.startswith("/security/otp/verify/")
            code = StringIO()
            call_command("totp_code", username, stdout=code)
            verified = client.post("/security/otp/verify/", {"token": code.getvalue().strip()})
            assert verified.status_code == 302
        assert client.get("/").status_code == 200
        client.post("/accounts/logout/")
