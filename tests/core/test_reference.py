"""Rows kept between requests (apps/core/reference.py): read once, read again after a change
commits, never cached inside a transaction, and read from the database when the cache is
unreachable. Most tests here commit (transaction=True): outside a transaction is where the
cache is used."""

import datetime
import re
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.test import override_settings
from django.utils import translation

from apps.cases.models import Category
from apps.cases.selectors import all_categories
from apps.core import reference
from apps.funding.selectors import rates_on
from apps.funding.services import exchange_rate_set
from tests.factories import UserFactory

REDIS = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": settings.TEST_SPARE_REDIS_URL,
    }
}
UNREACHABLE = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens there
    }
}


@pytest.fixture
def shared_cache():
    """The cache of production: Redis, shared by every process."""
    with override_settings(CACHES=REDIS):
        cache.clear()
        yield cache
        cache.clear()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_rows_are_read_once_then_kept(shared_cache, django_assert_num_queries):
    with django_assert_num_queries(1):
        first = all_categories()
    with django_assert_num_queries(0):
        again = all_categories()
    assert again == first
    assert [c.code for c in again] == list(Category.objects.values_list("code", flat=True))


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_saved_or_deleted_row_is_read_again(shared_cache):
    all_categories()
    new = Category.objects.create(code="zz-new", name="New", position=999)
    assert new in all_categories()
    new.name = "Renamed"
    new.save()
    assert next(c for c in all_categories() if c.pk == new.pk).name == "Renamed"
    new.delete()
    assert "zz-new" not in {c.code for c in all_categories()}


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_change_is_forgotten_only_when_it_commits(shared_cache, django_assert_num_queries):
    all_categories()
    with transaction.atomic():
        Category.objects.create(code="zz-pending", name="Pending", position=999)
        # Inside the transaction the database is read, and nothing is cached from it.
        assert "zz-pending" in {c.code for c in all_categories()}
        transaction.set_rollback(True)
    with django_assert_num_queries(0):
        assert "zz-pending" not in {c.code for c in all_categories()}


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_value_read_before_a_change_is_not_served_after_it(shared_cache):
    """A reader that read the rows before a change and stores them after it stores them under
    the old generation, which no reader asks for any more."""
    before = reference._data_key("categories", "")
    stale = all_categories()[:1]
    Category.objects.create(code="zz-after", name="After", position=999)
    shared_cache.set(before, stale)  # the slow reader finishes now
    assert "zz-after" in {c.code for c in all_categories()}


@pytest.mark.django_db
def test_inside_a_transaction_the_database_is_read_every_time(
    shared_cache, django_assert_num_queries
):
    with django_assert_num_queries(2):
        all_categories()
        all_categories()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_an_unreachable_cache_reads_the_database(django_assert_num_queries, caplog):
    with override_settings(CACHES=UNREACHABLE):
        with django_assert_num_queries(2):
            first = all_categories()
            again = all_categories()
        Category.objects.create(code="zz-down", name="Down", position=999)  # no error either
    assert again == first
    assert "The cache could not be read" in caplog.text


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_exchange_rates_are_kept_per_day_and_read_again_when_one_is_recorded(
    shared_cache, django_assert_num_queries
):
    day = datetime.date(2026, 3, 1)
    admin = UserFactory(username="rates-admin", is_staff=True, is_superuser=True)
    exchange_rate_set(actor=admin, currency="EUR", rate_per_usd=Decimal("0.9"), valid_on=day)
    assert rates_on(day, ["EUR"])["EUR"].per_usd == Decimal("0.9")
    with django_assert_num_queries(0):
        assert rates_on(day, ["EUR", "USD"])["EUR"].per_usd == Decimal("0.9")
    exchange_rate_set(actor=admin, currency="EUR", rate_per_usd=Decimal("0.95"), valid_on=day)
    assert rates_on(day, ["EUR"])["EUR"].per_usd == Decimal("0.95")
    assert "EUR" not in rates_on(day - datetime.timedelta(days=1), ["EUR"])


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_pages_read_from_the_cache_show_what_they_showed_from_the_database(
    shared_cache, client, users, make_case
):
    """The queue and the case page a second time, from the kept rows (categories shown in
    another language): the same page, with fewer queries."""
    from django.conf import settings
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from apps.cases.models import AssistanceKind

    case = make_case(
        "submitted",
        categories=list(Category.objects.order_by("-position")[:2]),
        kinds=list(AssistanceKind.objects.all()[:2]),
    )
    client.force_login(users.unoda)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    for url in ("/cases/", f"/cases/{case.reference}/"):
        with CaptureQueriesContext(connection) as first_reads:
            first = client.get(url).content.decode()
        with CaptureQueriesContext(connection) as second_reads:
            second = client.get(url).content.decode()
        # What differs on every answer: the one-time tokens and the CSP nonce.
        strip = re.compile(r'name="(?:csrfmiddlewaretoken|form_token)" value="[^"]*"|nonce="[^"]*"')
        assert strip.sub("", second) == strip.sub("", first)
        assert len(second_reads) < len(first_reads)
    with translation.override("en"):
        names = [str(c) for c in case.categories.order_by("position", "code")]
    with translation.override("fr"):
        names_fr = [str(c) for c in case.categories.order_by("position", "code")]
    assert names_fr != names  # the French names are shown, not the English
    assert f"<dd>{', '.join(names_fr)}</dd>" in second
