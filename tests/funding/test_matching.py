"""Matching ranks on a small hand-made data set with known best matches; duplicates; dossier."""

import datetime
import io
from decimal import Decimal

import pytest

from apps.funding import services
from apps.funding.matching import (
    best_offers,
    duplicate_needs,
    offers_for_request,
    requests_for_offer,
    with_duplicate_flag,
    with_offer_keys,
)
from apps.funding.models import Offer
from apps.organizations.models import Region

from .conftest import TODAY


@pytest.fixture
def offers(orgs, users, cat, kind, rates):
    def offer(actor, donor, title, cats, kinds, regions, low, high, currency="USD", **extra):
        return services.offer_create(
            actor=actor, donor=donor, title=title, categories=[cat[c] for c in cats],
            kinds=[kind[k] for k in kinds], regions=regions, amount_min=Decimal(low),
            amount_max=Decimal(high), currency=currency,
            valid_from=extra.pop("valid_from", TODAY - datetime.timedelta(days=10)), **extra,
        )  # fmt: skip

    return {
        # Everything fits: both categories, Africa, training, budget in range (in EUR).
        "best": offer(users.donor, orgs.donor, "Best", ["stockpile", "marking"], ["training"],
                      [Region.AFRICA], "40000", "200000", currency="EUR"),
        # One category of two, global, no kind, budget above the offer's max: co-funding.
        "partial": offer(users.other_donor, orgs.other_donor, "Partial", ["stockpile"],
                         ["equipment"], [Region.GLOBAL], "1000", "50000"),
        # Both categories but wrong region and it starts later.
        "later": offer(users.other_donor, orgs.other_donor, "Later", ["stockpile", "marking"],
                       ["training"], [Region.ASIA], "1000", "500000",
                       valid_from=TODAY + datetime.timedelta(days=30)),
        # No category in common: never suggested.
        "unrelated": offer(users.donor, orgs.donor, "Unrelated", ["legislation"], ["training"],
                           [Region.AFRICA], "1000", "500000"),
        # Expired: never suggested.
        "expired": offer(users.donor, orgs.donor, "Expired", ["stockpile", "marking"],
                         ["training"], [Region.AFRICA], "1000", "500000",
                         valid_from=TODAY - datetime.timedelta(days=400),
                         valid_until=TODAY - datetime.timedelta(days=1)),
    }  # fmt: skip


@pytest.fixture
def need(make_case, cat, kind):
    return make_case(
        "published",
        budget_amount=Decimal("100000"),
        budget_currency="USD",
        categories=[cat["stockpile"], cat["marking"]],
        kinds=[kind["training"]],
    )


def test_offers_for_a_request_are_ranked_with_reasons(need, offers):
    matches = offers_for_request(case=need, on=TODAY)
    assert [m.offer.title for m in matches] == ["Best", "Later", "Partial"]
    best = matches[0]
    assert best.score == 100
    assert "2 of 2 categories in common" in best.reasons[0]
    assert "covers the requesting State's region" in best.reasons
    assert "budget within the offer's range" in best.reasons
    later, partial = matches[1], matches[2]
    assert later.score == 40 + 0 + 15 + 15 + 5
    assert "offer starts later" in later.reasons
    assert partial.score == 20 + 15 + 0 + 7 + 10
    assert "offer covers part of the budget (co-funding)" in partial.reasons
    assert "global offer" in partial.reasons


def test_amount_not_compared_without_a_rate(need, offers, users):
    services.offer_update(actor=users.donor, offer=offers["best"], currency="CHF")
    match = next(m for m in offers_for_request(case=need, on=TODAY) if m.offer.title == "Best")
    assert match.score == 85
    assert "amount not compared: no exchange rate" in match.reasons


def test_requests_for_an_offer_are_ranked(make_case, cat, kind, need, offers, orgs):
    weaker = make_case(
        "published",
        budget_amount=Decimal("900000"),
        categories=[cat["stockpile"], cat["legislation"]],
        kinds=[kind["financial"]],
    )
    make_case("draft", categories=[cat["stockpile"]])  # not published: never suggested
    matches = requests_for_offer(offer=offers["best"], on=TODAY)
    assert [m.request.pk for m in matches] == [need.pk, weaker.pk]
    assert matches[0].score == 100
    assert matches[1].score == 20 + 20 + 0 + 7 + 10
    assert "1 of 2 categories in common" in matches[1].reasons[0]


def _loaded(cases, offers, *, keys_in_query=False):
    from apps.cases.models import AssistanceRequest

    cases = list(
        AssistanceRequest.objects.filter(pk__in=[c.pk for c in cases])
        .select_related("requesting_organization")
        .prefetch_related("categories", "kinds")
    )
    # best_offers reads the keys of the offers' categories, kinds and regions itself, unless
    # the offers' own query brought them.
    offers = Offer.objects.filter(pk__in=[o.pk for o in offers])
    return cases, with_offer_keys(offers) if keys_in_query else offers


@pytest.mark.parametrize("keys_in_query", [False, True])
@pytest.mark.parametrize("title", ["Best", "Partial", "Later", "Unrelated", "Expired"])
def test_the_python_score_of_a_page_of_rows_agrees_with_the_database(
    make_case, cat, kind, need, offers, title, keys_in_query
):
    other = make_case(
        "published",
        budget_amount=Decimal("900000"),
        categories=[cat["stockpile"], cat["legislation"]],
        kinds=[kind["financial"]],
    )
    offer = next(o for o in offers.values() if o.title == title)
    cases, own = _loaded([need, other], [offer], keys_in_query=keys_in_query)
    in_python = best_offers(cases=cases, offers=own, on=TODAY)
    for case in cases:
        in_sql = [m for m in offers_for_request(case=case, on=TODAY) if m.offer.pk == offer.pk]
        if in_sql:
            assert in_python[case.pk].score == in_sql[0].score, (title, case.reference)
            assert in_python[case.pk].offer == offer
        else:
            assert case.pk not in in_python, (title, case.reference)


def test_the_best_of_a_donors_offers_is_shown_per_row(need, offers, django_assert_num_queries):
    cases, own = _loaded([need], offers.values())
    own = list(own)
    with django_assert_num_queries(2):  # the exchange rates, the keys of the offers' links
        best = best_offers(cases=cases, offers=own, on=TODAY)
    assert best[need.pk].offer.title == "Best"
    assert best[need.pk].score == 100
    cases, own = _loaded([need], offers.values(), keys_in_query=True)
    own = list(own)
    with django_assert_num_queries(1):  # the exchange rates: the links came with the offers
        assert best_offers(cases=cases, offers=own, on=TODAY) == best


def test_matching_query_count_is_bounded(need, offers, django_assert_max_num_queries):
    with django_assert_max_num_queries(6):
        offers_for_request(case=need, on=TODAY)


def test_duplicate_needs(make_case, cat, need):
    twin = make_case("draft", categories=[cat["marking"]])
    make_case("withdrawn", categories=[cat["stockpile"]])
    make_case("published", categories=[cat["legislation"]])
    assert list(duplicate_needs(case=need)) == [twin]
    flagged = dict(
        with_duplicate_flag(type(need).objects.filter(pk__in=[need.pk, twin.pk])).values_list(
            "pk", "has_duplicate"
        )
    )
    assert flagged == {need.pk: True, twin.pk: True}


def test_donor_sees_only_its_own_offers(offers, users):
    from apps.funding.selectors import offer_get, offer_list

    assert {o.title for o in offer_list(user=users.other_donor)} == {"Partial", "Later"}
    assert offer_list(user=users.recipient).count() == 0
    with pytest.raises(Offer.DoesNotExist):
        offer_get(user=users.other_donor, pk=offers["best"].pk)


def test_offers_are_changed_by_their_donor_only(offers, users):
    from django.core.exceptions import PermissionDenied

    for actor in (users.other_donor, users.unoda, users.recipient):
        with pytest.raises(PermissionDenied):
            services.offer_update(actor=actor, offer=offers["best"], title="Hijacked")
    offers["best"].refresh_from_db()
    assert offers["best"].title == "Best"


@pytest.mark.parametrize(
    ("fields", "key"),
    [
        ({"amount_min": Decimal("-1")}, "amount_min"),
        ({"amount_max": Decimal("0")}, "amount_max"),
        ({"currency": "XYZ"}, "currency"),
    ],
)
def test_bad_offer_input_changes_nothing(offers, users, fields, key):
    from django.core.exceptions import ValidationError

    before = Offer.objects.filter(pk=offers["best"].pk).values().get()
    with pytest.raises(ValidationError) as error:
        services.offer_update(actor=users.donor, offer=offers["best"], **fields)
    assert key in error.value.message_dict
    assert Offer.objects.filter(pk=offers["best"].pk).values().get() == before


class TestMeetingDossier:
    @pytest.fixture
    def meeting(self, need, offers, orgs, users):
        meeting = services.meeting_create(
            actor=users.unoda, title="PoA matchmaking", date=TODAY, place="New York",
            invited=[orgs.donor, orgs.other_donor],
        )  # fmt: skip
        item = services.meeting_add_item(actor=users.unoda, meeting=meeting, request=need)
        services.meeting_record_outcome(
            actor=users.unoda, item=item, outcome="=Japan keen", interest_shown=True,
            follow_up="Send budget",
        )  # fmt: skip
        services.meeting_add_item(actor=users.unoda, meeting=meeting, offer=offers["partial"])
        return meeting

    def test_only_unoda_composes_meetings(self, users):
        from django.core.exceptions import PermissionDenied

        with pytest.raises(PermissionDenied):
            services.meeting_create(actor=users.donor, title="x", date=TODAY)

    def test_printable_dossier(self, client, meeting, users, need):
        client.force_login(users.unoda)
        response = client.get(f"/funding/meetings/{meeting.pk}/dossier/")
        assert response.status_code == 200
        page = response.content.decode()
        assert need.reference in page
        assert "Japan: Best (100)" in page
        assert "Send budget" in page

    def test_csv_dossier(self, client, meeting, users, need):
        import csv

        client.force_login(users.unoda)
        response = client.get(f"/funding/meetings/{meeting.pk}/dossier.csv")
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/csv")
        rows = list(csv.reader(io.StringIO(response.content.decode())))
        assert rows[0][0] == "Position"
        assert rows[1][2] == need.reference
        assert rows[1][11] == "'=Japan keen"  # formula injection neutralised
        assert rows[2][1] == "offer"

    @pytest.mark.parametrize("actor", ["donor", "recipient", "outsider"])
    def test_dossier_is_404_for_others(self, client, meeting, users, actor):
        client.force_login(getattr(users, actor))
        assert client.get(f"/funding/meetings/{meeting.pk}/dossier/").status_code == 404
        assert client.get(f"/funding/meetings/{meeting.pk}/dossier.csv").status_code == 404
