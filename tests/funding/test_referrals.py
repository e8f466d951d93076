"""States see the assistance that is available (issue 21, Must have 7): the offers page shows a
State each donor's active offer with its explained match against each of the State's own open
requests, best first; the State asks UNODA to bring an offer to a request (one open ask per
offer and request, its own requests only, active offers only); UNODA brings it (on a meeting's
agenda or by telling the donor) or declines with a reason; everyone concerned is notified."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.cases.events import Event
from apps.cases.models import Visibility
from apps.cases.services import request_assign_officer
from apps.core.exceptions import ApplicationError
from apps.funding import services
from apps.funding.models import MeetingItem, OfferReferral, ReferralStatus
from apps.notifications.models import Notification
from apps.organizations.models import Region
from apps.security.models import AuditEvent
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

OFFERS = "/funding/offers/"
REFERRALS = "/funding/referrals/"


def today():
    return timezone.localdate()


@pytest.fixture
def needs(make_case, cat, kind, rates):
    """Sierra Leone's (Africa) two open requests, a draft of it and an open request of Mali."""
    return {
        "armoury": make_case(
            "published",
            title="Secure the central armoury",
            budget_amount=Decimal("100000"),
            budget_currency="USD",
            categories=[cat["stockpile"], cat["marking"]],
            kinds=[kind["training"]],
        ),
        "border": make_case(
            "published",
            title="Border posts",
            budget_amount=Decimal("50000"),
            budget_currency="USD",
            categories=[cat["border"]],
        ),
        "draft": make_case("draft", title="Draft idea", categories=[cat["stockpile"]]),
    }


@pytest.fixture
def other_state_need(orgs, users, cat):
    from apps.cases import services as case_services
    from tests.conftest import PROPOSAL, fire_step

    case = case_services.request_create(
        actor=users.other_recipient,
        organization=orgs.other_recipient,
        title="Mali's armoury",
        visibility=Visibility.ALL_DONORS,
        categories=[cat["stockpile"]],
        **PROPOSAL,
    )
    for name in ("submit", "start_review", "publish"):
        fire_step(orgs=orgs, users=users, case=case, transition=name, comment="ok")
    case.refresh_from_db()
    return case


def _offer(users, orgs, who, title, cats, kinds, regions, currency, low, high, **extra):
    user, donor = (users.donor, orgs.donor) if who == "japan" else (
        users.other_donor, orgs.other_donor)  # fmt: skip
    return services.offer_create(
        actor=user,
        donor=donor,
        title=title,
        categories=cats,
        kinds=kinds,
        regions=regions,
        currency=currency,
        amount_min=Decimal(low),
        amount_max=Decimal(high),
        valid_from=extra.pop("valid_from", today() - datetime.timedelta(days=10)),
        valid_until=extra.pop("valid_until", today() + datetime.timedelta(days=100)),
        cooperation_type=extra.pop("cooperation_type", "north_south"),
        **extra,
    )


@pytest.fixture
def offers(orgs, users, cat, kind):
    return {
        # Japan, Africa, equipment, stockpile: for the armoury only (1 of its 2 categories).
        "fences": _offer(users, orgs, "japan", "Fences and locks", [cat["stockpile"]],
                         [kind["equipment"]], [Region.AFRICA], "USD", "10000", "200000"),
        # Norway, global, training, stockpile and border, in EUR: for both requests.
        "training": _offer(users, orgs, "norway", "Training of guards",
                           [cat["stockpile"], cat["border"]], [kind["training"]],
                           [Region.GLOBAL], "EUR", "1000", "80000"),
        "expired": _offer(users, orgs, "japan", "Expired help", [cat["stockpile"]], [],
                          [Region.AFRICA], "USD", "1", "10",
                          valid_from=today() - datetime.timedelta(days=400),
                          valid_until=today() - datetime.timedelta(days=1)),
        "withdrawn": _offer(users, orgs, "japan", "Withdrawn help", [cat["stockpile"]], [],
                            [Region.AFRICA], "USD", "1", "10", is_active=False),
    }  # fmt: skip


@pytest.fixture
def referral(users, needs, offers):
    return services.offer_referral_ask(
        actor=users.recipient,
        offer=offers["training"],
        case=needs["armoury"],
        note="Our guards need this before the rainy season.",
    )


@pytest.fixture
def upcoming(users, orgs):
    return services.meeting_create(
        actor=users.unoda,
        title="Matchmaking to come",
        date=today() + datetime.timedelta(days=14),
        invited=[orgs.donor, orgs.other_donor],
    )


def snapshot():
    """Everything the referral services write: referrals, meeting items, notifications, audit."""
    return (
        list(
            OfferReferral.objects.order_by("pk").values_list(
                "pk", "offer_id", "request_id", "status", "unoda_note", "meeting_id", "handled_at"
            )
        ),
        list(MeetingItem.objects.order_by("pk").values_list("pk", "request_id", "offer_id")),
        Notification.objects.count(),
        AuditEvent.objects.filter(detail__action__startswith="offer_referral").count(),
    )


def notified(user, event):
    return list(Notification.objects.filter(user=user, kind=event))


# --- The States' page --------------------------------------------------------------------------


def test_beside_each_offer_the_best_few_requests_are_explained_and_the_rest_counted(
    client, users, make_case, cat, needs, offers
):
    from apps.funding.views import MATCHES_EXPLAINED

    more = [
        make_case("published", title=f"Depot {n}", categories=[cat["stockpile"]])
        for n in range(MATCHES_EXPLAINED)
    ]
    client.force_login(users.recipient)
    response = client.get(OFFERS)
    fences = next(o for o in response.context["offers"] if o.title == "Fences and locks")
    # The armoury and the three depots could use it: the best three explained, one counted.
    assert len(fences.matches) == MATCHES_EXPLAINED + 1
    assert fences.matches_shown == fences.matches[:MATCHES_EXPLAINED]
    html = response.content.decode()
    assert "And 1 more of your requests could use this offer." in html
    # Every one of them may still be chosen in the ask form.
    choices = [value for value, _label in fences.ask_form.fields["request"].choices]
    assert set(choices) >= {case.reference for case in [needs["armoury"], *more]}


def test_a_state_sees_each_offer_with_its_explained_match_per_own_request(
    client, users, needs, offers, other_state_need
):
    client.force_login(users.recipient)
    response = client.get(OFFERS)
    assert response.status_code == 200
    assert response.context["state_view"]
    shown = {o.title: o for o in response.context["offers"]}
    # Active and valid today only: the expired and the withdrawn offers are not shown.
    assert set(shown) == {"Fences and locks", "Training of guards"}
    fences = [
        (m.request.reference, m.score, m.reasons) for m, _r in shown["Fences and locks"].matches
    ]
    # The draft and Mali's request are never matched; the border request shares no category.
    assert fences == [
        (
            needs["armoury"].reference,
            20 + 20 + 0 + 15 + 10,
            [
                "1 of 2 categories in common: Stockpile management and security",
                "covers the requesting State's region",
                "no kind of help in common",
                "budget within the offer's range",
                "offer valid now",
            ],
        )
    ]
    training = shown["Training of guards"].matches
    # Best first: the border request (80) before the armoury (75); 100,000 USD is 80,000 EUR.
    assert [(m.request.reference, m.score) for m, _r in training] == [
        (needs["border"].reference, 40 + 15 + 0 + 15 + 10),
        (needs["armoury"].reference, 20 + 15 + 15 + 15 + 10),
    ]
    assert training[1][0].reasons[1:] == [
        "global offer",
        "kind of help matches",
        "budget within the offer's range",
        "offer valid now",
    ]
    html = response.content.decode()
    for text in ("Norway", "Japan", "Africa", "Global", "Equipment", "Training",
                 "1 of 2 categories in common: Stockpile management and security",
                 "match 80/100", "Ask UNODA to bring this offer to my request"):  # fmt: skip
        assert text in html, text
    assert needs["draft"].reference not in html
    assert other_state_need.reference not in html
    # The amount range with its currency, and the validity dates.
    assert "80,000.00" in html
    assert str(offers["fences"].valid_until.year) in html


def test_the_filters_are_kept(client, users, needs, offers):
    client.force_login(users.recipient)
    response = client.get(OFFERS, {"donor": offers["fences"].donor_id})
    assert [o.title for o in response.context["offers"]] == ["Fences and locks"]
    response = client.get(OFFERS, {"category": "border"})
    assert [o.title for o in response.context["offers"]] == ["Training of guards"]


@pytest.mark.parametrize("who", ["donor", "unoda"])
def test_donors_and_unoda_see_no_match_column(client, users, needs, offers, who):
    client.force_login(getattr(users, who))
    response = client.get(OFFERS)
    assert response.status_code == 200
    assert "state_view" not in response.context
    assert b"Ask UNODA to bring this offer" not in response.content


def test_the_page_reads_the_same_number_of_queries_for_more_offers_and_requests(
    client, users, orgs, needs, offers, make_case, cat, kind, django_assert_num_queries
):
    services.offer_referral_ask(
        actor=users.recipient, offer=offers["fences"], case=needs["armoury"]
    )
    client.force_login(users.recipient)
    client.get(OFFERS)  # warm the per-process reference caches

    with CaptureQueriesContext(connection) as first:
        assert client.get(OFFERS).status_code == 200
    for n in range(3):
        _offer(users, orgs, "norway", f"More help {n}", [cat["stockpile"], cat["marking"]],
               [kind["training"]], [Region.GLOBAL], "USD", "1000", "500000")  # fmt: skip
        make_case("published", title=f"More need {n}", categories=[cat["stockpile"]],
                  kinds=[kind["equipment"]])  # fmt: skip
    services.offer_referral_ask(
        actor=users.recipient, offer=offers["training"], case=needs["border"]
    )
    with django_assert_num_queries(len(first.captured_queries)):
        response = client.get(OFFERS)
    assert len(response.context["offers"]) == 5
    assert len(response.context["open_needs"]) == 5
    assert len(response.context["referrals"]) == 2


# --- Asking ------------------------------------------------------------------------------------


def test_a_state_asks_and_the_unassigned_case_goes_to_every_unoda_officer(users, needs, offers):
    second = UserFactory(username="unoda2", is_unoda_officer=True)
    referral = services.offer_referral_ask(
        actor=users.recipient, offer=offers["training"], case=needs["armoury"], note=" Soon. "
    )
    assert (referral.status, referral.note, referral.asked_by) == ("open", "Soon.", users.recipient)
    assert referral.organization_id == needs["armoury"].requesting_organization_id
    for officer in (users.unoda, second):
        (notification,) = notified(officer, Event.REFERRAL_ASKED)
        assert "the State asks for an offer" in notification.subject
        assert "Sierra Leone asks UNODA to bring the offer “Training of guards”" in (
            notification.body
        )
        assert "Soon." in notification.body
        assert notification.url == f"/cases/{needs['armoury'].reference}/#h-funding"
    assert not notified(users.recipient, Event.REFERRAL_ASKED)
    (audit,) = AuditEvent.objects.filter(detail__action="offer_referral_ask")
    assert audit.detail["referral"] == referral.pk
    assert audit.detail["offer"] == offers["training"].pk


def test_the_case_officer_alone_hears_of_an_ask_once_assigned(users, needs, offers):
    second = UserFactory(username="unoda2", is_unoda_officer=True)
    request_assign_officer(actor=users.unoda, case=needs["armoury"], officer=second)
    services.offer_referral_ask(
        actor=users.recipient, offer=offers["training"], case=needs["armoury"]
    )
    assert len(notified(second, Event.REFERRAL_ASKED)) == 1
    assert not notified(users.unoda, Event.REFERRAL_ASKED)


def test_a_double_click_makes_one_referral(client, users, needs, offers):
    client.force_login(users.recipient)
    data = {f"offer{offers['training'].pk}-request": needs["armoury"].reference,
            f"offer{offers['training'].pk}-note": "Please."}  # fmt: skip
    url = f"/funding/offers/{offers['training'].pk}/ask/"
    first = client.post(url, data)
    assert first.status_code == 302
    before = snapshot()
    second = client.post(url, data)
    assert second.status_code == 400
    assert "UNODA was already asked on" in second.content.decode()
    assert snapshot() == before
    assert OfferReferral.objects.count() == 1
    with pytest.raises(ValidationError, match="already asked"):
        services.offer_referral_ask(
            actor=users.recipient, offer=offers["training"], case=needs["armoury"]
        )
    assert snapshot() == before


def test_the_database_keeps_one_open_referral_per_offer_and_request(users, referral):
    with pytest.raises(IntegrityError), transaction.atomic():
        OfferReferral.objects.create(
            offer=referral.offer, request=referral.request, organization=referral.organization
        )


def test_asking_again_after_a_decline_is_allowed(users, referral, needs, offers):
    services.offer_referral_decline(actor=users.unoda, referral=referral, reason="Not now.")
    again = services.offer_referral_ask(
        actor=users.recipient, offer=offers["training"], case=needs["armoury"]
    )
    assert again.status == ReferralStatus.OPEN
    assert OfferReferral.objects.count() == 2


@pytest.mark.parametrize("who", ["other_recipient", "donor", "unoda"])
def test_only_the_requesting_state_may_ask(users, needs, offers, who):
    before = snapshot()
    with pytest.raises(PermissionDenied):
        services.offer_referral_ask(
            actor=getattr(users, who), offer=offers["training"], case=needs["armoury"]
        )
    assert snapshot() == before


def test_another_states_request_is_refused_by_the_page(
    client, users, needs, offers, other_state_need
):
    client.force_login(users.recipient)
    before = snapshot()
    response = client.post(
        f"/funding/offers/{offers['training'].pk}/ask/",
        {f"offer{offers['training'].pk}-request": other_state_need.reference,
         f"offer{offers['training'].pk}-note": "Mine now?"},
    )  # fmt: skip
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    assert "Mine now?" in response.content.decode()  # what was typed is kept
    assert snapshot() == before


@pytest.mark.parametrize("which", ["expired", "withdrawn"])
def test_an_inactive_or_expired_offer_is_refused(client, users, needs, offers, which):
    before = snapshot()
    with pytest.raises(ApplicationError, match="no longer available"):
        services.offer_referral_ask(
            actor=users.recipient, offer=offers[which], case=needs["armoury"]
        )
    assert snapshot() == before
    client.force_login(users.recipient)
    response = client.post(
        f"/funding/offers/{offers[which].pk}/ask/",
        {f"offer{offers[which].pk}-request": needs["armoury"].reference},
    )
    assert response.status_code == 302
    assert "no longer available" in client.get(response.url).content.decode()
    assert snapshot() == before


def test_a_request_that_cannot_receive_help_is_refused(users, needs, offers):
    before = snapshot()
    with pytest.raises(ApplicationError, match="cannot receive help"):
        services.offer_referral_ask(
            actor=users.recipient, offer=offers["fences"], case=needs["draft"]
        )
    assert snapshot() == before


def test_a_states_own_offer_is_refused(users, orgs, needs, cat):
    orgs.recipient.is_donor = True
    orgs.recipient.save(update_fields=["is_donor"])
    own = services.offer_create(
        actor=users.recipient, donor=orgs.recipient, title="South-South help",
        categories=[cat["stockpile"]], currency="USD", cooperation_type="south_south",
    )  # fmt: skip
    before = snapshot()
    with pytest.raises(ValidationError, match="your own organization's offer"):
        services.offer_referral_ask(actor=users.recipient, offer=own, case=needs["armoury"])
    assert snapshot() == before


# --- UNODA brings or declines ------------------------------------------------------------------


def test_unoda_brings_the_offer_to_a_meeting_to_come(users, referral, upcoming, needs, offers):
    brought = services.offer_referral_bring(
        actor=users.unoda, referral=referral, meeting=upcoming, note="Presented first."
    )
    assert (brought.status, brought.meeting, brought.handled_by) == (
        ReferralStatus.BROUGHT, upcoming, users.unoda)  # fmt: skip
    assert brought.handled_at is not None
    (item,) = MeetingItem.objects.filter(meeting=upcoming)
    assert (item.request, item.offer) == (needs["armoury"], offers["training"])
    (to_state,) = notified(users.recipient, Event.REFERRAL_BROUGHT)
    assert "Matchmaking to come" in to_state.body
    assert "Presented first." in to_state.body
    (to_donor,) = notified(users.other_donor, Event.REFERRAL_BROUGHT)
    assert needs["armoury"].reference in to_donor.body
    assert not notified(users.donor, Event.REFERRAL_BROUGHT)  # Japan's offer is not concerned
    actions = [e.detail.get("action") for e in AuditEvent.objects.order_by("pk")]
    assert "meeting_item_add" in actions
    assert actions[-1] == "offer_referral_bring"


def test_bringing_keeps_an_agenda_item_already_there(users, referral, upcoming, needs, offers):
    services.meeting_add_item(
        actor=users.unoda, meeting=upcoming, request=needs["armoury"], offer=offers["training"]
    )
    services.offer_referral_bring(actor=users.unoda, referral=referral, meeting=upcoming)
    assert MeetingItem.objects.filter(meeting=upcoming).count() == 1


def test_unoda_brings_the_offer_by_telling_the_donor(users, referral):
    services.offer_referral_bring(actor=users.unoda, referral=referral)
    assert OfferReferral.objects.get().status == ReferralStatus.BROUGHT
    assert len(notified(users.other_donor, Event.REFERRAL_BROUGHT)) == 1
    assert len(notified(users.recipient, Event.REFERRAL_BROUGHT)) == 1
    assert not MeetingItem.objects.exists()


def test_a_meeting_that_took_place_is_refused(users, orgs, referral):
    held = services.meeting_create(
        actor=users.unoda, title="Held", date=today() - datetime.timedelta(days=1)
    )
    before = snapshot()
    with pytest.raises(ValidationError, match="has taken place"):
        services.offer_referral_bring(actor=users.unoda, referral=referral, meeting=held)
    assert snapshot() == before


def test_a_donor_the_visibility_does_not_admit_is_refused(users, orgs, make_case, cat, offers):
    case = make_case(
        "published",
        visibility=Visibility.SELECTED_DONORS,
        selected_donors=[orgs.donor],
        categories=[cat["stockpile"]],
    )
    referral = services.offer_referral_ask(
        actor=users.recipient, offer=offers["training"], case=case
    )
    before = snapshot()
    with pytest.raises(ValidationError, match="Norway is not among them"):
        services.offer_referral_bring(actor=users.unoda, referral=referral)
    assert snapshot() == before


def test_unoda_declines_with_a_reason_and_the_state_is_told(client, users, referral, needs):
    before = snapshot()
    with pytest.raises(ValidationError, match="Say why"):
        services.offer_referral_decline(actor=users.unoda, referral=referral, reason="  ")
    assert snapshot() == before
    services.offer_referral_decline(
        actor=users.unoda, referral=referral, reason="Norway funds no armouries this year."
    )
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.DECLINED
    (notification,) = notified(users.recipient, Event.REFERRAL_DECLINED)
    assert "Norway funds no armouries this year." in notification.body
    assert not notified(users.other_donor, Event.REFERRAL_DECLINED)
    client.force_login(users.recipient)
    page = client.get(f"/cases/{needs['armoury'].reference}/").content.decode()
    assert "Declined by UNODA" in page
    assert "Norway funds no armouries this year." in page


@pytest.mark.parametrize("who", ["recipient", "donor", "other_donor"])
def test_only_unoda_brings_or_declines(users, referral, who):
    before = snapshot()
    with pytest.raises(PermissionDenied):
        services.offer_referral_bring(actor=getattr(users, who), referral=referral)
    with pytest.raises(PermissionDenied):
        services.offer_referral_decline(actor=getattr(users, who), referral=referral, reason="No.")
    assert snapshot() == before


def test_an_answered_referral_is_not_answered_twice(users, referral):
    services.offer_referral_bring(actor=users.unoda, referral=referral)
    before = snapshot()
    with pytest.raises(ApplicationError, match="already answered"):
        services.offer_referral_decline(actor=users.unoda, referral=referral, reason="No.")
    with pytest.raises(ApplicationError, match="already answered"):
        services.offer_referral_bring(actor=users.unoda, referral=referral)
    assert snapshot() == before


# --- UNODA's page and the case page ------------------------------------------------------------


def test_unoda_sees_open_referrals_with_their_match_and_brings_one(
    client, users, referral, upcoming
):
    client.force_login(users.unoda)
    response = client.get(REFERRALS)
    assert response.status_code == 200
    (shown,) = response.context["referrals"]
    assert shown.pk == referral.pk
    assert shown.match.score == 75
    html = response.content.decode()
    assert "Our guards need this before the rainy season." in html
    assert "1 of 2 categories in common" in html
    assert "Matchmaking to come" in html  # a meeting to choose
    response = client.post(
        REFERRALS,
        {"form": "bring", "referral": referral.pk, f"bring{referral.pk}-meeting": upcoming.pk,
         f"bring{referral.pk}-note": "On the agenda."},
    )  # fmt: skip
    assert response.status_code == 302
    referral.refresh_from_db()
    assert (referral.status, referral.meeting_id) == (ReferralStatus.BROUGHT, upcoming.pk)
    assert client.get(REFERRALS).context["referrals"] == []  # no open one left
    assert len(client.get(REFERRALS, {"status": "brought"}).context["referrals"]) == 1


def test_a_decline_without_reason_comes_back_with_the_error(client, users, referral):
    client.force_login(users.unoda)
    before = snapshot()
    response = client.post(
        REFERRALS, {"form": "decline", "referral": referral.pk, f"decline{referral.pk}-reason": ""}
    )
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    assert snapshot() == before


def test_unodas_page_reads_the_same_number_of_queries_for_more_referrals(
    client, users, orgs, needs, offers, make_case, cat, upcoming, django_assert_num_queries
):
    services.offer_referral_ask(
        actor=users.recipient, offer=offers["fences"], case=needs["armoury"]
    )
    client.force_login(users.unoda)
    client.get(REFERRALS)
    with CaptureQueriesContext(connection) as first:
        client.get(REFERRALS)
    for n in range(3):
        case = make_case("published", title=f"More {n}", categories=[cat["stockpile"]])
        services.offer_referral_ask(actor=users.recipient, offer=offers["training"], case=case)
    with django_assert_num_queries(len(first.captured_queries)):
        response = client.get(REFERRALS)
    assert len(response.context["referrals"]) == 4


def test_the_case_page_shows_the_referrals_to_unoda_and_the_state_only(
    client, users, referral, needs
):
    page = f"/cases/{needs['armoury'].reference}/"
    for who in ("recipient", "unoda"):
        client.force_login(getattr(users, who))
        html = client.get(page).content.decode()
        assert "Offers asked for" in html
        assert "Waiting for UNODA" in html
        assert "Training of guards" in html
    client.force_login(users.other_donor)
    response = client.get(page)
    assert response.status_code == 200
    assert response.context["offer_referrals"] == []
    assert "Waiting for UNODA" not in response.content.decode()


def test_the_state_sees_its_referrals_on_the_offers_page(client, users, referral):
    client.force_login(users.recipient)
    response = client.get(OFFERS)
    assert [r.pk for r in response.context["referrals"]] == [referral.pk]
    html = response.content.decode()
    assert "Your requests to UNODA" in html
    assert "Asked of UNODA on" in html
    # No second ask is offered for the pair while it waits; the other request still can be.
    training = next(o for o in response.context["offers"] if o.pk == referral.offer_id)
    choices = [value for value, _label in training.ask_form.fields["request"].choices]
    assert referral.request.reference not in choices
