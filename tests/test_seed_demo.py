from io import StringIO

import pytest
from django.core.management import call_command

from apps.cases.models import AssistanceRequest, Status
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
    for login in ("recipient", "donor", "officer", "admin"):
        assert f" {login} " in printed
    # Idempotent: a second run adds nothing.
    count = AssistanceRequest.objects.count()
    call_command("seed_demo", stdout=StringIO())
    assert AssistanceRequest.objects.count() == count


@pytest.mark.django_db
def test_demo_logins_work(client):
    call_command("seed_demo", stdout=StringIO())
    for username in ("recipient", "donor", "officer", "admin"):
        assert client.login(username=username, password="demo-portal-2026")
        assert client.get("/").status_code == 200
        client.logout()
