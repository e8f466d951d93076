"""Related cases: UNODA links a case to another ("builds on", "complements", "repeats") from
the case page; both cases show the link, the other one in the inverse wording; nobody sees a
link to a case they may not see; nobody but UNODA links or unlinks."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.cases import services
from apps.cases.models import CaseLink, LinkKind
from apps.core.exceptions import ApplicationError
from apps.security.models import AuditEvent
from tests.factories import UserFactory


@pytest.fixture
def cases(make_case):
    """Two published cases of the same State, visible to all donors."""
    first = make_case("published", title="Border control training")
    second = make_case("published", title="Counter-trafficking checkpoints")
    return first, second


@pytest.fixture
def hidden_case(orgs, users):
    """A draft of another State: neither the first State nor the donors may see it."""
    return services.request_create(
        actor=users.other_recipient,
        organization=orgs.other_recipient,
        title="Secret depot inventory",
    )


def _page(client, case):
    response = client.get(reverse("cases:request-detail", args=[case.reference]))
    assert response.status_code == 200
    return response.content.decode()


def _link_audits(case):
    return list(
        AuditEvent.objects.filter(
            object_id=case.reference, detail__action__in=["link_add", "link_remove"]
        )
        .order_by("pk")
        .values_list("detail__action", flat=True)
    )


# --- The services ----------------------------------------------------------------------------


def test_unoda_links_a_case_and_each_case_records_it(cases, users):
    first, second = cases
    link = services.case_link_add(
        actor=users.unoda,
        case=first,
        other_reference=second.reference.lower(),  # typed in any case
        kind=LinkKind.BUILDS_ON,
        note=" Same border posts ",
    )
    assert (link.from_case, link.to_case, link.kind) == (first, second, LinkKind.BUILDS_ON)
    assert (link.note, link.created_by) == ("Same border posts", users.unoda)
    assert _link_audits(first) == ["link_add"]
    assert _link_audits(second) == ["link_add"]


@pytest.mark.parametrize(
    ("reverse_direction", "kind"),
    [(False, LinkKind.BUILDS_ON), (True, LinkKind.COMPLEMENTS), (True, LinkKind.BUILDS_ON)],
)
def test_a_second_link_between_the_same_cases_is_refused_in_either_direction(
    cases, users, reverse_direction, kind
):
    first, second = cases
    services.case_link_add(
        actor=users.unoda, case=first, other_reference=second.reference, kind=LinkKind.BUILDS_ON
    )
    source, target = (second, first) if reverse_direction else (first, second)
    with pytest.raises(ValidationError) as refused:
        services.case_link_add(
            actor=users.unoda, case=source, other_reference=target.reference, kind=kind
        )
    message = refused.value.message_dict["reference"][0]
    assert message == (
        f"These cases are already linked: {first.reference} builds on {second.reference}."
    )
    assert CaseLink.objects.count() == 1
    assert _link_audits(first) == ["link_add"]


def test_a_case_cannot_be_linked_to_itself(cases, users):
    first, _second = cases
    with pytest.raises(ValidationError) as refused:
        services.case_link_add(
            actor=users.unoda, case=first, other_reference=first.reference, kind="repeats"
        )
    assert refused.value.message_dict == {"reference": ["A case cannot be linked to itself."]}
    assert not CaseLink.objects.exists()


def test_an_unknown_reference_or_relation_is_refused(cases, users):
    first, second = cases
    with pytest.raises(ValidationError) as refused:
        services.case_link_add(
            actor=users.unoda, case=first, other_reference="REQ-1999-9999", kind="repeats"
        )
    assert refused.value.message_dict == {
        "reference": ["No case has the reference “REQ-1999-9999”."]
    }
    with pytest.raises(ValidationError) as refused:
        services.case_link_add(
            actor=users.unoda, case=first, other_reference=second.reference, kind="inspires"
        )
    assert list(refused.value.message_dict) == ["kind"]
    assert not CaseLink.objects.exists()


@pytest.mark.parametrize("actor", ["recipient", "donor", "outsider"])
def test_only_unoda_links_and_unlinks(cases, users, actor):
    first, second = cases
    with pytest.raises(PermissionDenied):
        services.case_link_add(
            actor=getattr(users, actor),
            case=first,
            other_reference=second.reference,
            kind="complements",
        )
    assert not CaseLink.objects.exists()
    link = services.case_link_add(
        actor=users.unoda, case=first, other_reference=second.reference, kind="complements"
    )
    with pytest.raises(PermissionDenied):
        services.case_link_remove(actor=getattr(users, actor), case=first, link_id=link.pk)
    assert CaseLink.objects.filter(pk=link.pk).exists()
    assert _link_audits(first) == ["link_add"]


def test_unoda_removes_a_link_from_either_case_once(cases, users):
    first, second = cases
    link = services.case_link_add(
        actor=users.unoda, case=first, other_reference=second.reference, kind="repeats"
    )
    services.case_link_remove(actor=users.unoda, case=second, link_id=link.pk)
    assert not CaseLink.objects.exists()
    assert _link_audits(first) == ["link_add", "link_remove"]
    assert _link_audits(second) == ["link_add", "link_remove"]
    # A double click: refused, nothing more recorded.
    with pytest.raises(ApplicationError, match="already been removed"):
        services.case_link_remove(actor=users.unoda, case=second, link_id=link.pk)
    assert _link_audits(second) == ["link_add", "link_remove"]


def test_the_database_refuses_a_reversed_duplicate_and_a_self_link(cases, users):
    first, second = cases
    CaseLink.objects.create(from_case=first, to_case=second, kind="complements")
    with pytest.raises(IntegrityError), transaction.atomic():
        CaseLink.objects.create(from_case=second, to_case=first, kind="repeats")
    with pytest.raises(IntegrityError), transaction.atomic():
        CaseLink.objects.create(from_case=first, to_case=first, kind="repeats")


# --- The case page ---------------------------------------------------------------------------


def test_unoda_links_from_the_case_page_and_both_pages_show_the_link(client, cases, users):
    first, second = cases
    assert not users.unoda.is_staff
    client.force_login(users.unoda)
    page = _page(client, first)
    assert "Related cases" in page
    assert reverse("cases:case-link-add", args=[first.reference]) in page
    response = client.post(
        reverse("cases:case-link-add", args=[first.reference]),
        {"reference": second.reference, "kind": "builds_on", "note": "Same border posts"},
    )
    assert response.status_code == 302
    assert response["Location"].endswith(f"/cases/{first.reference}/#related")

    page = _page(client, first)
    assert f'This case builds on <a href="/cases/{second.reference}/">' in page
    assert "Counter-trafficking checkpoints" in page
    assert "Same border posts" in page
    page = _page(client, second)
    assert f'This case is built on by <a href="/cases/{first.reference}/">' in page
    assert "Border control training" in page

    # The requesting State and a donor see the link on both cases, without UNODA's note.
    for reader in (users.recipient, users.donor):
        client.force_login(reader)
        page = _page(client, second)
        assert f'is built on by <a href="/cases/{first.reference}/">' in page
        assert "Same border posts" not in page
        assert "Remove the link" not in page
        assert reverse("cases:case-link-add", args=[second.reference]) not in page


def test_a_refused_link_shows_the_reason_next_to_the_field_and_keeps_what_was_typed(
    client, cases, users
):
    first, _second = cases
    client.force_login(users.unoda)
    response = client.post(
        reverse("cases:case-link-add", args=[first.reference]),
        {"reference": first.reference, "kind": "repeats", "note": "Typed with care"},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "A case cannot be linked to itself." in page
    assert "Typed with care" in page
    assert f'value="{first.reference}"' in page
    assert not CaseLink.objects.exists()


def test_unoda_removes_a_link_from_the_case_page(client, cases, users):
    first, second = cases
    link = services.case_link_add(
        actor=users.unoda, case=first, other_reference=second.reference, kind="repeats"
    )
    client.force_login(users.unoda)
    url = reverse("cases:case-link-remove", args=[second.reference, link.pk])
    assert url in _page(client, second)
    response = client.post(url, follow=True)
    assert "The link has been removed." in response.content.decode()
    assert not CaseLink.objects.exists()
    response = client.post(url, follow=True)  # a double click
    assert "This link has already been removed." in response.content.decode()


@pytest.mark.parametrize("actor", ["recipient", "donor"])
def test_others_cannot_link_or_unlink_through_the_page(client, cases, users, actor):
    first, second = cases
    link = services.case_link_add(
        actor=users.unoda, case=first, other_reference=second.reference, kind="repeats"
    )
    client.force_login(getattr(users, actor))
    response = client.post(
        reverse("cases:case-link-add", args=[second.reference]),
        {"reference": first.reference, "kind": "builds_on"},
    )
    assert response.status_code == 403
    response = client.post(reverse("cases:case-link-remove", args=[first.reference, link.pk]))
    assert response.status_code == 403
    assert list(CaseLink.objects.values_list("pk", flat=True)) == [link.pk]


def test_a_link_to_a_case_the_reader_may_not_see_is_not_shown(client, cases, hidden_case, users):
    first, _second = cases
    services.case_link_add(
        actor=users.unoda, case=first, other_reference=hidden_case.reference, kind="complements"
    )
    client.force_login(users.unoda)
    assert hidden_case.reference in _page(client, first)
    for reader in (users.recipient, users.donor):
        client.force_login(reader)
        page = _page(client, first)
        assert hidden_case.reference not in page
        assert "Secret depot inventory" not in page
    # And the other way: the other State does not learn of the first State's case.
    client.force_login(users.other_recipient)
    page = _page(client, hidden_case)
    assert first.reference not in page
    assert "Border control training" not in page


def test_the_related_cases_are_read_in_one_query_whatever_their_number(
    client, make_case, cases, users
):
    first, second = cases
    client.force_login(users.donor)
    services.case_link_add(
        actor=users.unoda, case=first, other_reference=second.reference, kind="repeats"
    )
    _page(client, first)  # warm the per-process caches
    with CaptureQueriesContext(connection) as one:
        _page(client, first)
    for number in range(4):
        other = make_case("published", title=f"Related {number}")
        services.case_link_add(
            actor=users.unoda,
            case=other if number % 2 else first,
            other_reference=first.reference if number % 2 else other.reference,
            kind="builds_on",
        )
    with CaptureQueriesContext(connection) as five:
        page = _page(client, first)
    assert page.count("This case repeats") == 1
    assert page.count("This case builds on") == 2
    assert page.count("This case is built on by") == 2
    assert len(five) == len(one)


def test_the_admin_shows_the_links_read_only(client, cases, users):
    first, second = cases
    services.case_link_add(
        actor=users.unoda, case=first, other_reference=second.reference, kind="builds_on"
    )
    admin_user = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(admin_user)
    page = client.get(f"/admin/cases/assistancerequest/{second.pk}/change/").content.decode()
    assert f"is built on by {first.reference}" in page
    response = client.get("/admin/cases/caselink/")
    assert response.status_code == 200
    assert second.reference in response.content.decode()
    assert client.get("/admin/cases/caselink/add/").status_code == 403
