"""The queue's filter form is rendered once per language, view and filters and kept in the cache
at the edge (apps/core/fragments.py): a request with the same inputs reads it from the cache;
a change to what it shows (the filters typed, a new officer to choose, the language) renders
it afresh, and it is never stale. These tests commit (transaction=True): outside a transaction
is where the cache is used."""

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import override_settings

from tests.core.test_reference import REDIS, UNREACHABLE
from tests.factories import UserFactory, make_organization

PANEL = "portal/_queue_filters.html"

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def shared_cache():
    with override_settings(CACHES=REDIS):
        cache.clear()
        yield cache
        cache.clear()


def rendered(response) -> bool:
    """Whether the response rendered the filter form's template (not read it from the cache)."""
    return PANEL in [template.name for template in response.templates]


def test_the_filter_form_is_rendered_once_then_read_from_the_cache(client, users, shared_cache):
    client.force_login(users.unoda)
    first = client.get("/cases/?view=all")
    again = client.get("/cases/?view=all")
    assert rendered(first)
    assert not rendered(again)
    assert again.status_code == 200
    form = 'class="filters"'
    assert form in again.content.decode()
    start = first.content.decode().index(form)
    assert (
        again.content.decode()[start : start + 3000] == first.content.decode()[start : start + 3000]
    )


def test_what_the_form_shows_changing_renders_it_afresh(client, users, shared_cache):
    client.force_login(users.unoda)
    client.get("/cases/?view=all")
    # Other filters typed: their values are in the form.
    searched = client.get("/cases/?view=all&q=armoury&status=submitted")
    assert rendered(searched)
    assert 'value="armoury"' in searched.content.decode()
    # A new officer to filter on.
    UserFactory(
        username="newofficer", first_name="Amina", last_name="Diallo", is_unoda_officer=True
    )
    with_officer = client.get("/cases/?view=all")
    assert rendered(with_officer)
    assert "Amina Diallo" in with_officer.content.decode()
    # Another language.
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ar"  # the language switcher's choice
    arabic = client.get("/cases/?view=all")
    assert rendered(arabic)
    assert 'lang="ar"' in arabic.content.decode()
    assert "Apply filters" not in arabic.content.decode()


def test_the_form_is_rendered_when_the_cache_cannot_be_reached(client, users):
    client.force_login(users.unoda)
    with override_settings(CACHES=UNREACHABLE):
        response = client.get("/cases/?view=all")
    assert response.status_code == 200
    assert rendered(response)
    assert 'class="filters"' in response.content.decode()


DASHBOARD_PANEL = "reports/_dashboard_filters.html"


def test_the_dashboard_filters_are_kept_until_what_they_offer_changes(client, users, shared_cache):
    client.force_login(users.unoda)
    first = client.get("/reports/dashboard/")
    again = client.get("/reports/dashboard/")
    assert DASHBOARD_PANEL in [t.name for t in first.templates]
    assert DASHBOARD_PANEL not in [t.name for t in again.templates]
    assert 'aria-labelledby="filters-title"' in again.content.decode()
    # A new donor to filter on: the form offers it at once.
    make_organization("New Zealand", donor=True, country="NZ")
    with_donor = client.get("/reports/dashboard/")
    assert DASHBOARD_PANEL in [t.name for t in with_donor.templates]
    assert "New Zealand" not in first.content.decode()
    assert "New Zealand" in with_donor.content.decode()
