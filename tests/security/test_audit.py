"""The audit trail: what is written, append-only in the ORM and in the database, read-only in
the admin, searchable by UNODA only."""

import pytest
from django.core.exceptions import PermissionDenied
from django.db import DatabaseError, connection, transaction

from apps.cases import services
from apps.cases.models import Visibility
from apps.security.models import AuditEvent, AuditKind
from apps.security.services import audit_record

pytestmark = pytest.mark.django_db


def test_events_cannot_be_changed_or_deleted_through_the_orm(users):
    event = audit_record(kind=AuditKind.CHANGE, actor=users.unoda, detail={"x": 1})
    event.kind = AuditKind.SIGN_IN
    with pytest.raises(PermissionDenied):
        event.save()
    with pytest.raises(PermissionDenied):
        event.delete()
    with pytest.raises(PermissionDenied):
        AuditEvent.objects.filter(pk=event.pk).update(kind=AuditKind.SIGN_IN)
    with pytest.raises(PermissionDenied):
        AuditEvent.objects.filter(pk=event.pk).delete()
    assert AuditEvent.objects.get(pk=event.pk).kind == AuditKind.CHANGE


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE security_auditevent SET kind = 'sign_in' WHERE id = %s",
        "DELETE FROM security_auditevent WHERE id = %s",
    ],
)
def test_the_database_refuses_update_and_delete(users, sql):
    event = audit_record(kind=AuditKind.CHANGE, actor=users.unoda)
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, [event.pk])
    assert AuditEvent.objects.get(pk=event.pk).kind == AuditKind.CHANGE


def test_admin_cannot_add_change_or_delete_audit_events(admin_client, users):
    event = audit_record(kind=AuditKind.CHANGE, actor=users.unoda)
    assert admin_client.get("/admin/security/auditevent/").status_code == 200
    assert admin_client.get("/admin/security/auditevent/add/").status_code == 403
    assert admin_client.get(f"/admin/security/auditevent/{event.pk}/delete/").status_code == 403
    response = admin_client.post(
        f"/admin/security/auditevent/{event.pk}/change/", {"kind": "sign_in"}
    )
    assert response.status_code == 403
    assert AuditEvent.objects.get(pk=event.pk).kind == AuditKind.CHANGE


def test_changes_and_permission_grants_and_revokes_are_logged(make_case, users, orgs):
    case = make_case("under_review", visibility=Visibility.SELECTED_DONORS)
    services.request_transition(actor=users.unoda, case=case, transition="publish")
    events = AuditEvent.objects.filter(object_id=case.reference)
    change = events.filter(kind=AuditKind.CHANGE, detail__action="publish").get()
    assert change.actor == users.unoda
    assert change.detail["from"] == "under_review"
    grant = events.filter(kind=AuditKind.PERMISSION_GRANT, detail__group=orgs.donor.group.name)
    assert grant.exists()
    services.request_transition(
        actor=users.unoda, case=case, transition="withdraw", comment="The State withdrew it."
    )
    assert events.filter(
        kind=AuditKind.PERMISSION_REVOKE, detail__group=orgs.donor.group.name
    ).exists()


def test_views_of_a_confidential_case_from_outside_its_organization_are_logged(
    client, make_case, users
):
    case = make_case("published", visibility=Visibility.SELECTED_DONORS)
    views = AuditEvent.objects.filter(kind=AuditKind.VIEW_CONFIDENTIAL, object_id=case.reference)
    client.force_login(users.recipient)  # its own State: not logged
    client.get(f"/cases/{case.reference}/")
    assert not views.exists()
    client.force_login(users.donor)
    client.get(f"/cases/{case.reference}/")
    client.get(f"/api/v1/requests/{case.reference}/")
    client.force_login(users.unoda)
    client.get(f"/cases/{case.reference}/")
    assert sorted(views.values_list("actor_username", "detail__channel")) == [
        ("donor", "api"),
        ("donor", "page"),
        ("unoda", "page"),
    ]
    assert views.first().ip_address == "127.0.0.1"


def test_sign_in_and_failed_sign_in_are_logged(client, users):
    client.post("/accounts/login/", {"username": "donor", "password": "nope"})
    client.post("/accounts/login/", {"username": "donor", "password": "a-long-test-password"})
    kinds = list(
        AuditEvent.objects.filter(actor_username="donor")
        .order_by("pk")
        .values_list("kind", flat=True)
    )
    assert kinds == [AuditKind.SIGN_IN_FAILED, AuditKind.SIGN_IN]


def test_unoda_searches_the_log_and_nobody_else_may(client, users, make_case):
    case = make_case("draft")
    client.force_login(users.unoda)
    response = client.get("/security/audit/", {"q": case.reference, "kind": "change"})
    assert response.status_code == 200
    assert case.reference in response.content.decode()
    for user in (users.recipient, users.donor):
        client.force_login(user)
        assert client.get("/security/audit/").status_code == 403


def test_search_is_escaped(client, users):
    audit_record(kind=AuditKind.SIGN_IN_FAILED, username="<script>alert(1)</script>")
    client.force_login(users.unoda)
    html = client.get("/security/audit/", {"q": "<script>"}).content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_funding_and_followup_changes_are_logged(make_case, users, orgs):
    from apps.funding.services import commitment_cancel, commitment_create

    case = make_case("implementation")  # interest expressed, agreement recorded on the way
    commitment = commitment_create(
        actor=users.donor, case=case, donor=orgs.donor, amount="500", currency="USD"
    )
    commitment_cancel(actor=users.donor, commitment=commitment, comment="Budget cut.")
    actions = set(
        AuditEvent.objects.filter(kind=AuditKind.CHANGE, object_id=case.reference).values_list(
            "detail__action", flat=True
        )
    )
    assert {"interest_express", "agreement_record"} <= actions
    assert len([a for a in actions if a.startswith("commitment_")]) >= 2
