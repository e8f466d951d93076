"""A request for a record that exists but that the user may not see answers the same 404 as a
missing one, and is written to the audit log; many of them in a short time raise an alert."""

import pytest
from django.contrib.auth.models import Group
from django.test import override_settings

from apps.core.selectors import COORDINATORS_GROUP
from apps.security.models import AuditEvent, AuditKind
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def refusals(user):
    return AuditEvent.objects.filter(kind=AuditKind.ACCESS_REFUSED, actor=user)


def test_a_hidden_case_is_a_404_with_an_audit_row(client, users, make_case):
    case = make_case("draft")  # a draft: only its State and UNODA see it
    client.force_login(users.other_recipient)
    assert client.get(f"/cases/{case.reference}/").status_code == 404
    assert client.get("/cases/REQ-2000-999999/").status_code == 404  # does not exist
    (row,) = refusals(users.other_recipient)
    assert (row.object_type, row.object_id) == ("cases.assistancerequest", case.reference)
    assert row.detail == {"asked": case.reference}
    assert row.ip_address == "127.0.0.1"
    # Its own State sees the case: nothing refused, nothing logged.
    client.force_login(users.recipient)
    assert client.get(f"/cases/{case.reference}/").status_code == 200
    assert not refusals(users.recipient).exists()


def test_the_api_logs_refused_records_too(client, users, make_case):
    case = make_case("draft")
    client.force_login(users.donor)
    assert client.get(f"/api/v1/requests/{case.reference}/").status_code == 404
    assert client.get(f"/cases/{case.reference}/attachments/1/").status_code == 404
    assert refusals(users.donor).count() == 2


@override_settings(PORTAL_REFUSED_ALERT_COUNT=3, PORTAL_REFUSED_ALERT_MINUTES=10)
def test_many_refusals_raise_one_alert_to_the_coordinators(
    client, users, make_case, mailoutbox, django_capture_on_commit_callbacks
):
    coordinator = UserFactory(
        username="coordinator", email="coordinator@un.example", is_unoda_officer=True
    )
    Group.objects.get(name=COORDINATORS_GROUP).user_set.add(coordinator)
    cases = [make_case("draft") for _ in range(4)]
    client.force_login(users.other_recipient)
    with django_capture_on_commit_callbacks(execute=True):
        for case in cases:
            assert client.get(f"/cases/{case.reference}/").status_code == 404
    assert refusals(users.other_recipient).count() == 4
    (alert,) = AuditEvent.objects.filter(kind=AuditKind.ACCESS_ALERT)
    assert alert.actor == users.other_recipient
    (mail,) = mailoutbox
    assert mail.to == ["coordinator@un.example"]
    assert "other_recipient" in mail.subject
