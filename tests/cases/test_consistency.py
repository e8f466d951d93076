"""A status changed behind the services' back (``QuerySet.update``) is found by the daily check:
the permissions follow the status again, and the case is in the audit log and in the report to
the UNODA coordinators."""

import io

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command

from apps.cases.models import AssistanceRequest
from apps.cases.selectors import request_get
from apps.cases.services import requests_check_consistency
from apps.core.selectors import COORDINATORS_GROUP
from apps.security.models import AuditEvent, AuditKind
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_a_status_set_by_update_is_found_and_the_permissions_repaired(
    make_case, users, mailoutbox, django_capture_on_commit_callbacks
):
    coordinator = UserFactory(username="coord", email="coord@un.example", is_unoda_officer=True)
    Group.objects.get(name=COORDINATORS_GROUP).user_set.add(coordinator)
    case = make_case("published")
    untouched = make_case("published")
    assert request_get(user=users.donor, reference=case.reference)
    AssistanceRequest.objects.filter(pk=case.pk).update(status="withdrawn")
    # Behind the services' back: the donor still sees the withdrawn case.
    assert request_get(user=users.donor, reference=case.reference)

    with django_capture_on_commit_callbacks(execute=True):
        call_command("check_consistency", stdout=io.StringIO())

    with pytest.raises(AssistanceRequest.DoesNotExist):
        request_get(user=users.donor, reference=case.reference)
    assert request_get(user=users.donor, reference=untouched.reference)
    (event,) = AuditEvent.objects.filter(kind=AuditKind.CONSISTENCY)
    assert event.object_id == case.reference
    problems = {p["problem"]: p for p in event.detail["problems"]}
    assert problems["status_without_history"]["status"] == "withdrawn"
    assert problems["status_without_history"]["history"] == "published"
    assert problems["permissions_repaired"]["count"] >= 1
    (mail,) = mailoutbox
    assert mail.to == ["coord@un.example"]
    assert case.reference in mail.body
    assert untouched.reference not in mail.body


def test_a_consistent_portal_gives_no_finding(make_case, mailoutbox):
    make_case("published")
    make_case("draft")
    assert requests_check_consistency() == []
    assert not AuditEvent.objects.filter(kind=AuditKind.CONSISTENCY).exists()
