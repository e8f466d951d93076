"""Reads shared by the apps (apps/core/selectors.py)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.cases.models import AssistanceKind, AssistanceRequest, Category
from apps.core.selectors import keys_by_owner
from apps.funding.models import Offer, OfferRegion

pytestmark = pytest.mark.django_db


def test_keys_by_owner_reads_several_link_tables_in_one_query(
    make_case, orgs, django_assert_num_queries
):
    stockpile = Category.objects.get(code="stockpile")
    marking = Category.objects.exclude(pk=stockpile.pk).first()
    kind = AssistanceKind.objects.first()
    case = make_case("published", categories=[stockpile, marking], kinds=[kind])
    other = make_case("published", categories=[marking], kinds=[])
    offer = Offer.objects.create(
        donor=orgs.donor, title="Armouries", currency="USD", valid_from="2020-01-01"
    )
    OfferRegion.objects.create(offer=offer, region="africa")
    ids = [case.pk, other.pk]
    with django_assert_num_queries(1):
        found = keys_by_owner(
            {
                "categories": (
                    AssistanceRequest.categories.through.objects.filter(
                        assistancerequest_id__in=ids
                    ),
                    "assistancerequest_id",
                    "category_id",
                ),
                "kinds": (
                    AssistanceRequest.kinds.through.objects.filter(assistancerequest_id__in=ids),
                    "assistancerequest_id",
                    "assistancekind_id",
                ),
                "regions": (OfferRegion.objects.filter(offer=offer), "offer_id", "region"),
            }
        )
    assert sorted(found["categories"][case.pk]) == sorted([str(stockpile.pk), str(marking.pk)])
    assert found["categories"][other.pk] == [str(marking.pk)]
    assert found["kinds"][case.pk] == [str(kind.pk)]
    assert other.pk not in found["kinds"]
    assert found["regions"] == {offer.pk: ["africa"]}


def test_keys_by_owner_orders_no_part(make_case):
    """A part whose model has a default ordering is read without it: SQLite refuses an ORDER
    BY inside a compound statement (PostgreSQL accepts it, so this test looks at the SQL)."""
    from apps.cases.models import StatusChange

    case = make_case("submitted")
    assert StatusChange._meta.ordering  # a model with a default ordering
    with CaptureQueriesContext(connection) as captured:
        found = keys_by_owner(
            {
                "changes": (StatusChange.objects.filter(request=case), "request_id", "to_status"),
                "kinds": (
                    AssistanceRequest.kinds.through.objects.filter(assistancerequest=case),
                    "assistancerequest_id",
                    "assistancekind_id",
                ),
            }
        )
    assert found["changes"][case.pk] == ["submitted"]
    assert "ORDER BY" not in captured[0]["sql"]
