"""The queue's saved views: a user names the queue as shown, finds it again, shares it with
colleagues; only the owner changes it; bad input changes nothing."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from apps.portal.models import SavedView
from apps.portal.selectors import saved_view_list
from apps.portal.services import saved_view_create, saved_view_delete, saved_view_update
from apps.security.models import AuditEvent
from tests.factories import UserFactory, make_member

pytestmark = pytest.mark.django_db


def _names(user) -> list[str]:
    return [saved.name for saved in saved_view_list(user=user)]


def test_create_keeps_the_queue_parameters_only_in_one_order(users):
    saved = saved_view_create(
        actor=users.unoda,
        name="  Africa   submitted ",
        query="page=3&status=submitted&view=all&region=africa&junk=1&q=",
    )
    assert saved.name == "Africa submitted"
    assert saved.query == "view=all&status=submitted&region=africa"
    assert AuditEvent.objects.filter(object_type="portal.savedview").count() == 1


def test_a_form_sent_twice_saves_the_view_once(users):
    first = saved_view_create(actor=users.unoda, name="Mine", query="view=mine")
    again = saved_view_create(actor=users.unoda, name="mine", query="view=mine")
    assert again.pk == first.pk
    assert SavedView.objects.count() == 1


def test_a_name_is_unique_per_owner_with_a_clear_error(users):
    saved_view_create(actor=users.unoda, name="Mine", query="view=mine")
    with pytest.raises(ValidationError, match="already have a saved view with this name"):
        saved_view_create(actor=users.unoda, name="MINE", query="view=overdue")
    assert SavedView.objects.count() == 1
    # Another owner may use the name.
    saved_view_create(actor=users.donor, name="Mine", query="view=all")
    assert SavedView.objects.count() == 2


@pytest.mark.parametrize(
    "query",
    ["status=nonsense", "view=unassigned", "priority=nine", "officer=999999", "region=mars"],
)
def test_bad_filters_are_refused_and_nothing_is_saved(users, query):
    with pytest.raises(ValidationError):
        saved_view_create(actor=users.donor, name="Bad", query=query)
    assert not SavedView.objects.exists()
    assert not AuditEvent.objects.filter(object_type="portal.savedview").exists()


def test_shared_views_reach_colleagues_only(users, orgs):
    colleague = make_member(orgs.donor, username="donor_colleague")
    saved_view_create(actor=users.donor, name="Private", query="view=all")
    saved_view_create(
        actor=users.donor, name="Team", query="view=all&status=published", shared=True
    )
    assert _names(users.donor) == ["Private", "Team"]
    assert _names(colleague) == ["Team"]
    assert _names(users.other_donor) == []  # another organization
    assert _names(users.recipient) == []
    assert _names(users.unoda) == []  # not UNODA's colleague


def test_unoda_officers_share_with_each_other(users):
    other_officer = UserFactory(username="officer_b", is_unoda_officer=True)
    saved_view_create(actor=users.unoda, name="Triage", query="status=submitted", shared=True)
    assert _names(other_officer) == ["Triage"]
    assert _names(users.donor) == []


def test_only_the_owner_renames_shares_or_deletes(users):
    saved = saved_view_create(actor=users.unoda, name="Mine", query="view=mine")
    other_officer = UserFactory(username="officer_b", is_unoda_officer=True)
    for change in (
        lambda: saved_view_update(actor=other_officer, saved_view=saved, name="Stolen"),
        lambda: saved_view_update(actor=other_officer, saved_view=saved, shared=True),
        lambda: saved_view_delete(actor=other_officer, saved_view=saved),
    ):
        with pytest.raises(PermissionDenied):
            change()
    saved.refresh_from_db()
    assert (saved.name, saved.shared) == ("Mine", False)

    saved_view_update(actor=users.unoda, saved_view=saved, name="My work", shared=True)
    saved.refresh_from_db()
    assert (saved.name, saved.shared) == ("My work", True)
    assert _names(other_officer) == ["My work"]
    saved_view_delete(actor=users.unoda, saved_view=saved)
    assert _names(other_officer) == []


def test_renaming_onto_another_own_name_is_refused(users):
    saved_view_create(actor=users.unoda, name="One", query="view=mine")
    two = saved_view_create(actor=users.unoda, name="Two", query="view=overdue")
    with pytest.raises(ValidationError):
        saved_view_update(actor=users.unoda, saved_view=two, name="one")
    two.refresh_from_db()
    assert two.name == "Two"


def test_the_queue_page_saves_lists_and_opens_a_view(client, users, make_case):
    submitted, published = make_case("submitted"), make_case("published")
    client.force_login(users.unoda)
    response = client.post(
        "/cases/saved-views/",
        {"name": "Published", "query": "view=all&status=published&page=2", "shared": "on"},
    )
    saved = SavedView.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/cases/?view=all&status=published&saved={saved.pk}"
    body = client.get(response["Location"]).content.decode()
    assert published.reference in body
    assert submitted.reference not in body
    assert f'saved={saved.pk}" aria-current="page">Published</a>' in body
    assert "Save this view" in body


def test_the_page_refuses_a_taken_name_and_keeps_the_first(client, users):
    client.force_login(users.unoda)
    client.post("/cases/saved-views/", {"name": "Mine", "query": "view=mine"})
    response = client.post(
        "/cases/saved-views/", {"name": "Mine", "query": "view=overdue"}, follow=True
    )
    assert "already have a saved view with this name" in response.content.decode()
    assert SavedView.objects.get().query == "view=mine"


def test_the_page_lets_only_the_owner_change_a_view(client, users):
    saved = saved_view_create(actor=users.unoda, name="Mine", query="view=mine", shared=True)
    other_officer = UserFactory(username="officer_b", is_unoda_officer=True)
    client.force_login(other_officer)
    assert client.post(f"/cases/saved-views/{saved.pk}/", {"name": "Stolen"}).status_code == 404
    client.post(f"/cases/saved-views/{saved.pk}/delete/")
    saved.refresh_from_db()
    assert saved.name == "Mine"
    client.force_login(users.unoda)
    client.post(f"/cases/saved-views/{saved.pk}/", {"name": "Renamed"})
    saved.refresh_from_db()
    assert (saved.name, saved.shared) == ("Renamed", False)  # the box left unticked
    client.post(f"/cases/saved-views/{saved.pk}/delete/")
    client.post(f"/cases/saved-views/{saved.pk}/delete/")  # sent twice: nothing more
    assert not SavedView.objects.exists()


def test_saved_views_add_a_bounded_number_of_queries(client, users, django_assert_max_num_queries):
    client.force_login(users.unoda)
    saved_view_create(actor=users.unoda, name="One", query="view=mine")
    with django_assert_max_num_queries(22) as few:
        client.get("/cases/")
    other_officer = UserFactory(username="officer_b", is_unoda_officer=True)
    for number in range(4):
        saved_view_create(actor=users.unoda, name=f"Mine {number}", query="view=mine")
        saved_view_create(
            actor=other_officer, name=f"Theirs {number}", query="view=all", shared=True
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get("/cases/")
