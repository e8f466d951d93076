"""Visibility: who sees and edits which case, through selectors, permission checks and pages."""

import pytest
from django.contrib.auth.models import AnonymousUser, Permission
from django.core.exceptions import PermissionDenied

from apps.cases import selectors, services
from apps.cases.models import AssistanceRequest, Status, Visibility
from apps.cases.permissions import access_of, can_edit_request, can_view_request

from ..conftest import COMMENT

EVERYONE = ["recipient", "other_recipient", "donor", "other_donor", "unoda", "outsider"]


def visible_to(users, case):
    seen = {
        name
        for name in EVERYONE
        if selectors.request_list(user=getattr(users, name)).filter(pk=case.pk).exists()
    }
    # The permission check and the list scoping must always agree.
    assert seen == {
        name for name in EVERYONE if can_view_request(access_of(getattr(users, name), case))
    }
    return seen


PRE_PUBLICATION = ["draft", "submitted", "under_review", "needs_revision"]
AFTER_PUBLICATION = [
    "published",
    "donor_interest",
    "agreement",
    "implementation",
    "feedback",
    "closed",
]


@pytest.mark.parametrize("status", PRE_PUBLICATION)
def test_before_publication_only_own_state_and_unoda(make_case, users, status):
    case = make_case(status)
    assert visible_to(users, case) == {"recipient", "unoda"}


@pytest.mark.parametrize("status", AFTER_PUBLICATION)
@pytest.mark.parametrize("visibility", [Visibility.ALL_DONORS, Visibility.PUBLIC_SUMMARY])
def test_all_donors_see_published_cases(make_case, users, status, visibility):
    case = make_case(status, visibility=visibility)
    assert visible_to(users, case) == {"recipient", "unoda", "donor", "other_donor"}


@pytest.mark.parametrize("status", AFTER_PUBLICATION)
def test_selected_donors_only(make_case, users, status):
    case = make_case(status, visibility=Visibility.SELECTED_DONORS)
    assert visible_to(users, case) == {"recipient", "unoda", "donor"}


@pytest.mark.parametrize("transition", ["withdraw", "decline"])
def test_donors_lose_sight_when_the_case_leaves(make_case, users, transition):
    case = make_case("published")
    assert "donor" in visible_to(users, case)
    services.request_transition(
        actor=users.unoda, case=case, transition=transition, comment=COMMENT
    )
    assert visible_to(users, case) == {"recipient", "unoda"}


def test_changing_selected_donors_moves_access(make_case, users, orgs):
    case = make_case("published", visibility=Visibility.SELECTED_DONORS)
    services.request_update(actor=users.unoda, case=case, selected_donors=[orgs.other_donor])
    assert visible_to(users, case) == {"recipient", "unoda", "other_donor"}


def test_anonymous_sees_nothing(make_case):
    case = make_case("published", visibility=Visibility.PUBLIC_SUMMARY)
    assert not selectors.request_list(user=AnonymousUser()).exists()
    assert not can_view_request(access_of(AnonymousUser(), case))


def test_inactive_member_sees_nothing(make_case, users):
    case = make_case("draft")
    users.recipient.is_active = False
    users.recipient.save()
    assert not selectors.request_list(user=users.recipient).filter(pk=case.pk).exists()


def test_global_permission_given_by_mistake_opens_nothing(make_case, users, orgs):
    draft = make_case("draft")
    view = Permission.objects.get(codename="view_assistancerequest")
    change = Permission.objects.get(codename="change_assistancerequest")
    orgs.donor.group.permissions.add(view, change)
    donor = type(users.donor).objects.get(pk=users.donor.pk)  # fresh permission cache
    assert not selectors.request_list(user=donor).filter(pk=draft.pk).exists()
    assert not can_view_request(access_of(donor, draft))
    assert not can_edit_request(access_of(donor, draft))


def test_removing_a_membership_takes_access_away(make_case, users, orgs):
    from apps.organizations.services import membership_remove

    case = make_case("draft")
    membership_remove(user=users.recipient, organization=orgs.recipient)
    recipient = type(users.recipient).objects.get(pk=users.recipient.pk)
    assert not can_view_request(access_of(recipient, case))


class TestEditing:
    @pytest.mark.parametrize("status", ["draft", "needs_revision"])
    def test_recipient_edits_while_theirs(self, make_case, users, status):
        case = make_case(status)
        assert can_edit_request(access_of(users.recipient, case))
        services.request_update(actor=users.recipient, case=case, objectives="New objectives")
        case.refresh_from_db()
        assert case.objectives == "New objectives"

    @pytest.mark.parametrize("status", [s for s in Status if s not in ("draft", "needs_revision")])
    def test_recipient_cannot_edit_otherwise(self, make_case, users, status):
        case = make_case(status, objectives="Original")
        assert not can_edit_request(access_of(users.recipient, case))
        with pytest.raises(PermissionDenied):
            services.request_update(actor=users.recipient, case=case, objectives="Changed")
        case.refresh_from_db()
        assert case.objectives == "Original"

    @pytest.mark.parametrize("actor", ["other_recipient", "donor", "outsider"])
    def test_others_cannot_edit(self, make_case, users, actor):
        case = make_case("draft", objectives="Original")
        with pytest.raises(PermissionDenied):
            services.request_update(actor=getattr(users, actor), case=case, objectives="Changed")
        case.refresh_from_db()
        assert case.objectives == "Original"

    def test_unoda_edits_until_the_case_is_over(self, make_case, users):
        open_case = make_case("implementation")
        services.request_update(actor=users.unoda, case=open_case, risks="Floods")
        closed = make_case("closed")
        with pytest.raises(PermissionDenied):
            services.request_update(actor=users.unoda, case=closed, risks="Floods")

    def test_recipient_cannot_create_for_another_state(self, users, orgs):
        with pytest.raises(PermissionDenied):
            services.request_create(
                actor=users.recipient, organization=orgs.other_recipient, title="Not mine"
            )
        assert not AssistanceRequest.objects.exists()

    def test_donor_only_organization_cannot_request(self, users, orgs):
        with pytest.raises(PermissionDenied):
            services.request_create(actor=users.donor, organization=orgs.donor, title="No")
        assert not AssistanceRequest.objects.exists()


class TestPages:
    def test_detail_is_404_for_a_case_the_user_may_not_see(self, client, make_case, users):
        case = make_case("draft")
        client.force_login(users.other_recipient)
        response = client.get(f"/cases/{case.reference}/")
        assert response.status_code == 404
        assert case.title not in response.content.decode()

    def test_detail_shows_case_and_allowed_actions(self, client, make_case, users):
        case = make_case("draft")
        client.force_login(users.recipient)
        response = client.get(f"/cases/{case.reference}/")
        assert response.status_code == 200
        body = response.content.decode()
        assert case.title in body
        assert 'value="submit"' in body
        assert 'value="publish"' not in body

    def test_anonymous_is_sent_to_sign_in(self, client, make_case):
        case = make_case("published")
        response = client.get(f"/cases/{case.reference}/")
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")

    def test_list_shows_only_visible_cases(self, client, make_case, users):
        mine = make_case("draft", title="Mine")
        client.force_login(users.other_recipient)
        response = client.get("/cases/")
        assert mine.reference not in response.content.decode()
        client.force_login(users.recipient)
        assert mine.reference in client.get("/cases/").content.decode()

    def test_firing_a_transition_from_the_page(self, client, make_case, users):
        case = make_case("draft")
        client.force_login(users.recipient)
        response = client.post(
            f"/cases/{case.reference}/transition/",
            {"transition": "submit", "expected_status": "draft"},
            follow=True,
        )
        case.refresh_from_db()
        assert case.status == Status.SUBMITTED
        assert "now “Submitted”" in response.content.decode()

    def test_double_click_gets_a_clear_message_and_one_history_row(self, client, make_case, users):
        case = make_case("draft")
        client.force_login(users.recipient)
        data = {"transition": "submit", "expected_status": "draft"}
        client.post(f"/cases/{case.reference}/transition/", data)
        response = client.post(f"/cases/{case.reference}/transition/", data, follow=True)
        assert "changed by someone else" in response.content.decode()
        assert case.status_changes.count() == 1


@pytest.mark.parametrize("status", ["draft", "submitted", "published", "donor_interest"])
@pytest.mark.parametrize("who", ["unoda", "recipient", "donor", "other_donor"])
def test_fireable_follows_the_table_and_the_roles(make_case, users, status, who):
    from apps.cases.permissions import fireable
    from apps.cases.workflow import TRANSITIONS

    case = make_case(status)
    access = access_of(getattr(users, who), case)
    expected = [t for t in TRANSITIONS.values() if status in t.source and access.roles & t.roles]
    assert fireable(access, TRANSITIONS.values()) == expected


def test_a_permission_given_to_the_user_itself_opens_that_case_only(
    make_case, users, django_assert_num_queries
):
    """The portal grants to groups; a permission an administrator gives one user on one case
    (guardian's user object permission) opens that case too, and no other."""
    from guardian.shortcuts import assign_perm

    first, second = make_case("draft"), make_case("draft")
    assert "outsider" not in visible_to(users, first)
    assign_perm("cases.view_assistancerequest", users.outsider, first)
    outsider = type(users.outsider).objects.get(pk=users.outsider.pk)  # fresh permission cache
    assert selectors.request_list(user=outsider).filter(pk=first.pk).exists()
    assert not selectors.request_list(user=outsider).filter(pk=second.pk).exists()
    assert can_view_request(access_of(outsider, first))
    with django_assert_num_queries(1):  # the scope is one query, its EXISTS inside
        list(selectors.visible_cases(users.donor))


def test_a_case_page_reads_the_users_permissions_once(client, make_case, users):
    """The case page asks many questions of one case (see, edit, fire, comment): a donor's and
    a State's object permissions are read once for them all."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    case = make_case("published")
    for user in (users.donor, users.recipient):
        client.force_login(user)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(f"/cases/{case.reference}/").status_code == 200
        guardian = 'SELECT "auth_permission"."codename"'
        reads = [q["sql"] for q in captured if q["sql"].startswith(guardian)]
        assert 1 <= len(reads) <= 2  # guardian: the user's own rows, its groups' rows


def test_an_access_value_reads_the_permissions_once_and_a_new_one_reads_again(make_case, users):
    """One access value answers a page's questions from one read of the permissions; the
    next one (the next request, or a service's locked row) sees a withdrawn permission."""
    from guardian.shortcuts import assign_perm, remove_perm

    case = make_case("draft")
    outsider = users.outsider
    assign_perm("cases.view_assistancerequest", outsider, case)
    access = access_of(outsider, case)
    assert can_view_request(access)
    remove_perm("cases.view_assistancerequest", outsider, case)
    assert can_view_request(access)  # read once, for the page
    fresh = type(outsider).objects.get(pk=outsider.pk)
    assert not can_view_request(access_of(fresh, case))
