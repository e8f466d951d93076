"""Matching ranks on a small hand-made data set with known best matches; duplicates; dossier."""

import datetime
import io
import re
from decimal import Decimal

import pytest

from apps.cases.models import AssistanceRequest, Visibility
from apps.funding import services
from apps.funding.matching import (
    CaseFacts,
    OfferFacts,
    best_offers,
    best_requests,
    match_pairs,
    offers_for_request,
    requests_for_offer,
    score_match,
)
from apps.funding.models import Offer
from apps.funding.selectors import rates_on
from apps.organizations.models import Region

from .conftest import TODAY


@pytest.fixture
def offers(orgs, users, cat, kind, rates):
    def offer(actor, donor, title, cats, kinds, regions, low, high, currency="USD", **extra):
        return services.offer_create(
            actor=actor, donor=donor, title=title, categories=[cat[c] for c in cats],
            kinds=[kind[k] for k in kinds], regions=regions, amount_min=Decimal(low),
            amount_max=Decimal(high), currency=currency,
            cooperation_type=extra.pop("cooperation_type", "north_south"),
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
    assert best.reasons == [
        "2 of 2 categories in common: Stockpile management and security, Marking and marking "
        "machines",
        "covers the requesting State's region",
        "kind of help matches",
        "budget within the offer's range",
        "offer valid now",
    ]
    later, partial = matches[1], matches[2]
    assert later.score == 40 + 0 + 15 + 15 + 5
    assert "outside the offer's regions" in later.reasons
    assert "offer starts later" in later.reasons
    assert partial.score == 20 + 15 + 0 + 7 + 10
    assert "offer covers part of the budget (co-funding)" in partial.reasons
    assert "global offer" in partial.reasons
    assert "no kind of help in common" in partial.reasons


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


def test_a_case_without_kinds_or_budget(make_case, cat, offers):
    case = make_case("published", categories=[cat["marking"]])
    (best, *_rest) = offers_for_request(case=case, on=TODAY)
    assert best.offer == offers["best"]
    assert best.score == 40 + 20 + 0 + 0 + 10
    assert best.reasons[2:4] == ["no kind of help in common", "budget not given"]
    assert requests_for_offer(offer=offers["best"], on=TODAY) == [best]


def test_the_region_counts_before_global(need, orgs, users, cat, offers):
    both = services.offer_create(
        actor=users.donor, donor=orgs.donor, title="Both", categories=[cat["marking"]], kinds=[],
        regions=[Region.GLOBAL, Region.AFRICA], amount_min=None, amount_max=None,
        currency="USD", valid_from=TODAY, cooperation_type="regional",
    )  # fmt: skip
    (match,) = requests_for_offer(offer=both, on=TODAY)
    assert match.score == 20 + 20 + 0 + 15 + 10
    assert "covers the requesting State's region" in match.reasons
    assert match in offers_for_request(case=need, on=TODAY)


@pytest.mark.parametrize("title", ["Unrelated", "Expired"])
def test_an_offer_not_suggested_finds_no_requests(need, offers, title):
    offer = next(o for o in offers.values() if o.title == title)
    assert requests_for_offer(offer=offer, on=TODAY) == []


@pytest.mark.parametrize(
    ("budget", "currency", "fit", "reason"),
    [
        (None, "USD", 0, "budget not given"),
        ("100", "USD", 0, "budget outside the offer's range"),
        ("100000", "CHF", 0, "amount not compared: no exchange rate"),
        ("100000", "EUR", 15, "budget within the offer's range"),  # 125,000 USD
        ("900000", "USD", 7, "offer covers part of the budget (co-funding)"),
    ],
)
def test_the_budget_fit_and_its_reason(cat, rates, budget, currency, fit, reason):
    stockpile = cat["stockpile"]
    case = CaseFacts(
        categories=(stockpile,), kinds=frozenset(), region=Region.AFRICA, organization_id=1,
        budget=None if budget is None else Decimal(budget), currency=currency,
    )  # fmt: skip
    offer = OfferFacts(
        categories=frozenset({stockpile.pk}), kinds=frozenset(), regions=frozenset(),
        donor_id=2, amount_min=Decimal("1000"), amount_max=Decimal("200000"), currency="USD",
        valid_from=TODAY, valid_until=None, is_active=True,
    )  # fmt: skip
    points, reasons = score_match(case, offer, rates=rates_on(TODAY, ["EUR", "CHF"]), on=TODAY)
    assert points == 40 + 0 + 0 + fit + 10
    assert reasons[3] == reason


def _loaded(cases, offers):
    cases = list(
        AssistanceRequest.objects.filter(pk__in=[c.pk for c in cases])
        .select_related("requesting_organization")
        .prefetch_related("categories", "kinds")
    )
    offers = Offer.objects.filter(pk__in=[o.pk for o in offers])
    return cases, list(offers.prefetch_related("categories", "kinds", "regions"))


@pytest.mark.parametrize("title", ["Best", "Partial", "Later", "Unrelated", "Expired"])
def test_every_path_gives_the_same_match_for_a_pair(make_case, cat, kind, need, offers, title):
    other = make_case(
        "published",
        budget_amount=Decimal("900000"),
        categories=[cat["stockpile"], cat["legislation"]],
        kinds=[kind["financial"]],
    )
    offer = next(o for o in offers.values() if o.title == title)
    cases, own = _loaded([need, other], [offer])
    in_a_page = best_offers(cases=cases, offers=own, on=TODAY)
    for_the_offer = {m.request.pk: m for m in requests_for_offer(offer=offer, on=TODAY)}
    for case in cases:
        for_the_case = [m for m in offers_for_request(case=case, on=TODAY) if m.offer == offer]
        if not for_the_case:
            assert case.pk not in in_a_page, (title, case.reference)
            assert case.pk not in for_the_offer, (title, case.reference)
            continue
        (match,) = for_the_case
        assert match.reasons, (title, case.reference)
        assert in_a_page[case.pk] == match, (title, case.reference)
        assert for_the_offer[case.pk] == match, (title, case.reference)
    # Each offer is suggested for some of the cases but "Expired", for none.
    assert bool(in_a_page) == (title != "Expired")


def test_the_best_of_a_donors_offers_is_shown_per_row(
    make_case, cat, need, offers, django_assert_num_queries
):
    cases, own = _loaded([need], offers.values())
    with django_assert_num_queries(1):  # the exchange rates: the rest came with the rows
        best = best_offers(cases=cases, offers=own, on=TODAY)
    assert best[need.pk].offer.title == "Best"
    assert best[need.pk].score == 100
    assert best[need.pk] == offers_for_request(case=need, on=TODAY)[0]
    more = [make_case("published", categories=[cat["marking"]]) for _ in range(3)]
    # Rows as they come, without their links: the same queries for any number of them.
    for rows in ([need], [need, *more]):
        cases = list(AssistanceRequest.objects.filter(pk__in=[c.pk for c in rows]))
        own = list(Offer.objects.filter(pk__in=[o.pk for o in offers.values()]))
        # The rates; the cases' categories, kinds and organizations; the offers' categories,
        # kinds and regions.
        with django_assert_num_queries(7):
            assert best_offers(cases=cases, offers=own, on=TODAY)[need.pk] == best[need.pk]


def test_matching_query_count_is_bounded(need, offers, django_assert_max_num_queries):
    # The rates, the ranked rows, their categories, kinds and regions (or organizations), and
    # the facts of the case or offer itself when it came without them.
    with django_assert_max_num_queries(8):
        offers_for_request(case=need, on=TODAY)
    with django_assert_max_num_queries(8):
        requests_for_offer(offer=offers["best"], on=TODAY)


def test_requests_for_an_offer_among_the_visible_ones(make_case, cat, kind, orgs, users, offers):
    from apps.cases.selectors import request_list

    def case(title, **fields):
        return make_case(
            "published", title=title, budget_amount=Decimal("100000"), kinds=[kind["training"]],
            **fields,
        )  # fmt: skip

    # Shown to another donor only, and matching the offer best.
    hidden = [
        case(f"Hidden {n}", categories=[cat["stockpile"], cat["marking"]],
             visibility=Visibility.SELECTED_DONORS, selected_donors=[orgs.other_donor])
        for n in range(3)
    ]  # fmt: skip
    shown = [
        case(f"Shown {n}", categories=[cat["stockpile"], cat["legislation"]]) for n in range(3)
    ]
    offer = offers["best"]
    everywhere = requests_for_offer(offer=offer, limit=2, on=TODAY)
    assert [m.request.pk for m in everywhere] == [c.pk for c in hidden[:2]]
    visible = request_list(user=users.donor)
    matches = requests_for_offer(offer=offer, limit=2, on=TODAY, among=visible)
    assert [m.request.pk for m in matches] == [c.pk for c in shown[:2]]
    assert all(m.score == 20 + 20 + 15 + 15 + 10 for m in matches)


def test_the_best_requests_for_several_offers_are_ranked_by_their_best_offer(
    make_case, cat, kind, need, offers, django_assert_max_num_queries
):
    """One ranking for a donor's offers: each request with the offer that suits it best, in
    the order the scorer gives over every pair (a request only one offer covers included)."""
    legislation = make_case(
        "published", budget_amount=Decimal("20000"), categories=[cat["legislation"]],
        kinds=[kind["training"]],
    )  # fmt: skip
    partly = make_case(
        "published", budget_amount=Decimal("900000"),
        categories=[cat["stockpile"], cat["legislation"]], kinds=[kind["financial"]],
    )  # fmt: skip
    make_case("draft", categories=[cat["stockpile"]])  # not open: never suggested
    own = [offers["best"], offers["unrelated"], offers["expired"]]
    with django_assert_max_num_queries(8):
        found = best_requests(offers=own, on=TODAY)
    cases = [need, legislation, partly]
    pairs = [(case, offer) for case in cases for offer in own]
    by_hand = {}
    for match in filter(None, match_pairs(pairs=pairs, on=TODAY)):
        kept = by_hand.get(match.request.pk)
        if kept is None or match.points > kept.points:
            by_hand[match.request.pk] = match
    expected = sorted(by_hand.values(), key=lambda m: (-m.points, m.request.status_changed_at))
    assert [(m.request.pk, m.offer.pk, m.score) for m in found] == [
        (m.request.pk, m.offer.pk, m.score) for m in expected
    ]
    assert [m.offer.title for m in found] == ["Best", "Unrelated", "Best"]
    assert found[0].request == need
    assert found[0].score == 100
    assert best_requests(offers=own, limit=1, on=TODAY) == found[:1]
    assert best_requests(offers=[offers["expired"]], on=TODAY) == []


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
        rows = list(csv.reader(io.StringIO(response.getvalue().decode("utf-8-sig"))))
        assert rows[0][0] == "Position"
        assert rows[1][2] == need.reference
        assert rows[1][11] == "'=Japan keen"  # formula injection neutralised
        assert rows[2][1] == "offer"

    @pytest.mark.parametrize("actor", ["donor", "recipient", "outsider"])
    def test_dossier_is_404_for_others(self, client, meeting, users, actor):
        client.force_login(getattr(users, actor))
        assert client.get(f"/funding/meetings/{meeting.pk}/dossier/").status_code == 404
        assert client.get(f"/funding/meetings/{meeting.pk}/dossier.csv").status_code == 404


def _page(client, user, url, **headers):
    client.force_login(user)
    response = client.get(url, headers=headers)
    assert response.status_code == 200
    return response.content.decode()


def test_unoda_and_the_state_see_the_best_offers_with_reasons(need, offers, users, client):
    from django.urls import reverse

    case_url = reverse("cases:request-detail", args=[need.reference])
    url = reverse("cases:case-best-offers", args=[need.reference])
    for user in (users.unoda, users.recipient):
        # The case page loads the section after itself, and links it for a browser without
        # JavaScript.
        assert f'hx-get="{url}"' in _page(client, user, case_url)
        section = _page(client, user, url, HX_Request="true")
        assert section.startswith('<section aria-labelledby="h-best-offers"')
        titles = re.findall(r"</strong>: (?:<a [^>]*>)?(\w+)", section)
        assert titles == ["Best", "Later", "Partial"]
        assert "covers the requesting State&#x27;s region" in section
        assert "/100</span>" in section
        page = _page(client, user, url)
        assert "<html" in page
        assert re.findall(r"</strong>: (?:<a [^>]*>)?(\w+)", page) == titles
    # A donor sees the need, not the other donors' offers ranked for it.
    assert 'id="best-offers"' not in _page(client, users.donor, case_url)
    client.force_login(users.donor)
    assert client.get(url).status_code == 403


def test_a_draft_has_no_best_offers_yet(make_case, cat, offers, users, client):
    from django.urls import reverse

    draft = make_case("draft", categories=[cat["stockpile"]])
    page = _page(client, users.recipient, reverse("cases:request-detail", args=[draft.reference]))
    assert 'id="best-offers"' not in page
