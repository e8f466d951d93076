"""Matchmaking meetings in the portal: UNODA (not staff) creates a meeting, puts cases and offers
on its agenda, records each item's decision and outcome, and the case page shows the outcome to
UNODA, the requesting State and the donors involved, not to an uninvolved donor."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from apps.core.exceptions import ApplicationError
from apps.funding import services
from apps.funding.models import MatchmakingMeeting, MeetingDecision, MeetingItem
from apps.security.models import AuditEvent

TODAY = timezone.localdate


def _audits(action):
    return [e for e in AuditEvent.objects.order_by("pk") if e.detail.get("action") == action]


def _items():
    return list(
        MeetingItem.objects.order_by("pk").values_list(
            "pk", "request_id", "offer_id", "decision", "outcome", "follow_up", "interest_shown"
        )
    )


@pytest.fixture
def case(make_case):
    return make_case("published")


@pytest.fixture
def offer(orgs, users):
    return services.offer_create(
        actor=users.donor,
        donor=orgs.donor,
        title="Armoury training",
        currency="USD",
        cooperation_type="north_south",
    )


@pytest.fixture
def meeting(users, orgs):
    """A meeting held today (outcomes may be recorded), to which Japan is invited."""
    return services.meeting_create(
        actor=users.unoda, title="PoA matchmaking", date=TODAY(), place="New York",
        invited=[orgs.donor],
    )  # fmt: skip


@pytest.fixture
def item(meeting, case, offer, users):
    return services.meeting_add_item(actor=users.unoda, meeting=meeting, request=case, offer=offer)


def _page(meeting):
    return f"/funding/meetings/{meeting.pk}/"


# --- Services ----------------------------------------------------------------------------------


def test_unoda_officer_composes_an_agenda_and_each_change_is_audited(users, meeting, case, offer):
    assert not users.unoda.is_staff
    alone = services.meeting_add_item(actor=users.unoda, meeting=meeting, request=case)
    paired = services.meeting_add_item(
        actor=users.unoda, meeting=meeting, request=case, offer=offer
    )
    assert (alone.position, paired.position) == (1, 2)
    assert alone.decision == paired.decision == MeetingDecision.PENDING
    assert [e.detail["item"] for e in _audits("meeting_item_add")] == [alone.pk, paired.pk]
    assert _audits("meeting_item_add")[1].detail["request"] == case.reference
    assert _audits("meeting_item_add")[1].detail["offer"] == offer.pk
    assert _audits("meeting_create")[0].object_id == str(meeting.pk)


@pytest.mark.parametrize(
    ("pair", "field"),
    [(("case",), "request"), (("case", "offer"), "offer"), (("offer",), "offer")],
)
def test_the_same_case_offer_or_pair_is_refused_twice_on_one_agenda(
    users, meeting, case, offer, pair, field
):
    values = {
        "request": case if "case" in pair else None,
        "offer": offer if "offer" in pair else None,
    }
    services.meeting_add_item(actor=users.unoda, meeting=meeting, **values)
    before, audits = _items(), AuditEvent.objects.count()
    with pytest.raises(ValidationError) as error:
        services.meeting_add_item(actor=users.unoda, meeting=meeting, **values)
    assert field in error.value.message_dict
    assert "already on the agenda" in error.value.message_dict[field][0]
    assert (_items(), AuditEvent.objects.count()) == (before, audits)


def test_the_same_case_may_come_back_with_another_offer(users, meeting, case, offer, orgs):
    other = services.offer_create(
        actor=users.other_donor,
        donor=orgs.other_donor,
        title="Marking kits",
        currency="USD",
        cooperation_type="south_south",
    )
    services.meeting_add_item(actor=users.unoda, meeting=meeting, request=case, offer=offer)
    services.meeting_add_item(actor=users.unoda, meeting=meeting, request=case, offer=other)
    assert meeting.items.filter(request=case).count() == 2


@pytest.mark.parametrize("status", ["draft", "under_review", "closed", "withdrawn"])
def test_only_an_open_need_goes_on_an_agenda(users, meeting, make_case, status):
    with pytest.raises(ValidationError) as error:
        services.meeting_add_item(actor=users.unoda, meeting=meeting, request=make_case(status))
    assert "request" in error.value.message_dict
    assert not meeting.items.exists()


def test_an_inactive_or_expired_offer_is_refused(users, meeting, case, offer):
    services.offer_update(actor=users.donor, offer=offer, is_active=False)
    with pytest.raises(ValidationError) as error:
        services.meeting_add_item(actor=users.unoda, meeting=meeting, request=case, offer=offer)
    assert "offer" in error.value.message_dict
    services.offer_update(
        actor=users.donor, offer=offer, is_active=True,
        valid_from=TODAY() - datetime.timedelta(days=30),
        valid_until=TODAY() - datetime.timedelta(days=1),
    )  # fmt: skip
    with pytest.raises(ValidationError):
        services.meeting_add_item(actor=users.unoda, meeting=meeting, offer=offer)
    assert not meeting.items.exists()


@pytest.mark.parametrize("actor", ["donor", "recipient", "outsider"])
def test_only_unoda_prepares_meetings_and_records_outcomes(users, meeting, item, case, actor):
    user = getattr(users, actor)
    before, audits = _items(), AuditEvent.objects.count()
    meetings = list(MatchmakingMeeting.objects.values_list("pk", "title", "date"))
    attempts = [
        lambda: services.meeting_create(actor=user, title="Mine", date=TODAY()),
        lambda: services.meeting_update(actor=user, meeting=meeting, title="Renamed"),
        lambda: services.meeting_add_item(actor=user, meeting=meeting, request=case),
        lambda: services.meeting_record_outcome(
            actor=user, item=item, decision=MeetingDecision.DECLINED, outcome="No"
        ),
        lambda: services.meeting_remove_item(actor=user, item=item),
    ]
    for attempt in attempts:
        with pytest.raises(PermissionDenied):
            attempt()
    assert list(MatchmakingMeeting.objects.values_list("pk", "title", "date")) == meetings
    assert (_items(), AuditEvent.objects.count()) == (before, audits)


def test_a_decision_is_recorded_and_audited_once(users, item):
    recorded = services.meeting_record_outcome(
        actor=users.unoda, item=item, decision=MeetingDecision.FOLLOW_UP_AGREED,
        outcome="  Japan asked for the budget lines.  ", interest_shown=True,
        follow_up="UNODA sends the budget by 1 March.",
    )  # fmt: skip
    item.refresh_from_db()
    assert item.decision == MeetingDecision.FOLLOW_UP_AGREED == recorded.decision
    assert item.outcome == "Japan asked for the budget lines."
    assert item.follow_up == "UNODA sends the budget by 1 March."
    assert item.interest_shown
    [event] = _audits("meeting_outcome")
    assert event.actor == users.unoda
    assert event.detail["decision"] == "follow_up_agreed"
    assert event.detail["request"] == item.request.reference
    assert event.organization == str(item.request.requesting_organization)
    # The same outcome again (a double click) changes and logs nothing.
    services.meeting_record_outcome(
        actor=users.unoda, item=item, decision=MeetingDecision.FOLLOW_UP_AGREED,
        outcome="Japan asked for the budget lines.", interest_shown=True,
        follow_up="UNODA sends the budget by 1 March.",
    )  # fmt: skip
    assert len(_audits("meeting_outcome")) == 1


def test_an_agreed_follow_up_must_say_what_it_is(users, item):
    with pytest.raises(ValidationError) as error:
        services.meeting_record_outcome(
            actor=users.unoda, item=item, decision=MeetingDecision.FOLLOW_UP_AGREED, outcome="Yes"
        )
    assert "follow_up" in error.value.message_dict
    item.refresh_from_db()
    assert (item.decision, item.outcome) == (MeetingDecision.PENDING, "")


def test_no_outcome_before_the_day_of_the_meeting(users, meeting, item):
    services.meeting_update(
        actor=users.unoda, meeting=meeting, date=TODAY() + datetime.timedelta(days=7)
    )
    with pytest.raises(ValidationError) as error:
        services.meeting_record_outcome(
            actor=users.unoda, item=item, decision=MeetingDecision.DEFERRED
        )
    assert "can be recorded from that day on" in error.value.messages[0]
    item.refresh_from_db()
    assert item.decision == MeetingDecision.PENDING
    assert not _audits("meeting_outcome")


def test_a_meeting_with_outcomes_cannot_move_to_a_day_to_come(users, meeting, item):
    services.meeting_record_outcome(actor=users.unoda, item=item, decision="declined")
    with pytest.raises(ValidationError) as error:
        services.meeting_update(
            actor=users.unoda, meeting=meeting, date=TODAY() + datetime.timedelta(days=1)
        )
    assert "date" in error.value.message_dict
    meeting.refresh_from_db()
    assert meeting.date == TODAY()


def test_an_item_without_outcome_is_removed_one_with_an_outcome_stays(users, meeting, item, case):
    other = services.meeting_add_item(actor=users.unoda, meeting=meeting, request=case)
    services.meeting_remove_item(actor=users.unoda, item=other)
    assert not MeetingItem.objects.filter(pk=other.pk).exists()
    assert _audits("meeting_item_remove")[0].detail["item"] == other.pk
    # Removing it again (a double click) is refused clearly.
    with pytest.raises(ApplicationError):
        services.meeting_remove_item(actor=users.unoda, item=other)
    services.meeting_record_outcome(
        actor=users.unoda, item=item, decision=MeetingDecision.DEFERRED, outcome="Next time"
    )
    with pytest.raises(ApplicationError):
        services.meeting_remove_item(actor=users.unoda, item=item)
    assert MeetingItem.objects.filter(pk=item.pk).exists()
    assert len(_audits("meeting_item_remove")) == 1


def test_the_next_item_goes_after_the_last_even_after_a_removal(users, meeting, case, offer):
    first = services.meeting_add_item(actor=users.unoda, meeting=meeting, request=case)
    second = services.meeting_add_item(actor=users.unoda, meeting=meeting, offer=offer)
    services.meeting_remove_item(actor=users.unoda, item=first)
    third = services.meeting_add_item(actor=users.unoda, meeting=meeting, request=case, offer=offer)
    assert third.position == second.position + 1


# --- Pages -------------------------------------------------------------------------------------


def test_unoda_creates_a_meeting_from_the_list_with_errors_kept(client, users, orgs):
    client.force_login(users.unoda)
    listing = client.get("/funding/meetings/").content.decode()
    assert 'href="/funding/meetings/new/"' in listing
    response = client.post(
        "/funding/meetings/new/",
        {"title": "", "date": "not a date", "place": "Geneva, Palais", "is_online": "on",
         "online_link": "not a link", "invited": [orgs.donor.pk], "notes": "Bring budgets"},
    )  # fmt: skip
    assert response.status_code == 400
    form = response.context["form"]
    assert set(form.errors) == {"title", "date", "online_link"}
    page = response.content.decode()
    assert "Geneva, Palais" in page
    assert "Bring budgets" in page
    assert not MatchmakingMeeting.objects.exists()
    response = client.post(
        "/funding/meetings/new/",
        {"title": "Geneva matchmaking", "date": TODAY().isoformat(), "place": "Geneva",
         "is_online": "on", "online_link": "meet.example.org/poa", "invited": [orgs.donor.pk]},
    )  # fmt: skip
    meeting = MatchmakingMeeting.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/funding/meetings/{meeting.pk}/"
    assert meeting.online_link == "https://meet.example.org/poa"
    assert list(meeting.invited.all()) == [orgs.donor]
    assert meeting.created_by == users.unoda


def test_the_meeting_page_round_trip(client, users, meeting, case, offer):
    client.force_login(users.unoda)
    page = client.get(_page(meeting)).content.decode()
    assert f'href="/funding/meetings/{meeting.pk}/dossier/"' in page
    assert case.reference in page  # among the cases to choose
    response = client.post(_page(meeting), {"form": "item", "request": case.pk, "offer": offer.pk})
    assert response.status_code == 302
    item = meeting.items.get()
    assert (item.request, item.offer) == (case, offer)
    # The same pair again: the form comes back with the error next to the offer, as typed.
    response = client.post(_page(meeting), {"form": "item", "request": case.pk, "offer": offer.pk})
    assert response.status_code == 400
    form = response.context["item_form"]
    assert "already on the agenda with this offer" in form.errors["offer"][0]
    assert form["request"].value() == str(case.pk)
    assert meeting.items.count() == 1
    # An agreed follow-up without saying which: the note typed stays.
    outcome = {"form": "outcome", "item": item.pk, "decision": "follow_up_agreed",
               "outcome": "Japan keen to fund", "follow_up": ""}  # fmt: skip
    response = client.post(_page(meeting), outcome)
    assert response.status_code == 400
    page = response.content.decode()
    assert "Say what follow-up was agreed." in page
    assert "Japan keen to fund" in page
    item.refresh_from_db()
    assert item.decision == MeetingDecision.PENDING
    response = client.post(_page(meeting), {**outcome, "follow_up": "Budget by March"})
    assert response.status_code == 302
    item.refresh_from_db()
    assert (item.decision, item.outcome, item.follow_up) == (
        "follow_up_agreed", "Japan keen to fund", "Budget by March",
    )  # fmt: skip
    page = client.get(_page(meeting)).content.decode()
    assert "Follow-up agreed" in page
    # An item with an outcome cannot be taken off the agenda.
    response = client.post(_page(meeting), {"form": "remove", "item": item.pk}, follow=True)
    assert "stays on the agenda" in response.content.decode()
    assert meeting.items.filter(pk=item.pk).exists()


def test_editing_the_meeting_keeps_what_was_typed_on_errors(client, users, meeting, item):
    client.force_login(users.unoda)
    services.meeting_record_outcome(actor=users.unoda, item=item, decision="declined")
    later = (TODAY() + datetime.timedelta(days=3)).isoformat()
    response = client.post(
        _page(meeting), {"form": "edit", "title": "Renamed meeting", "date": later}
    )
    assert response.status_code == 400
    assert "cannot be moved" in response.context["edit_form"].errors["date"][0]
    assert "Renamed meeting" in response.content.decode()
    meeting.refresh_from_db()
    assert meeting.title == "PoA matchmaking"
    response = client.post(
        _page(meeting),
        {"form": "edit", "title": "Renamed meeting", "date": TODAY().isoformat()},
    )
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert meeting.title == "Renamed meeting"
    assert list(meeting.invited.all()) == []
    assert _audits("meeting_update")[0].detail["fields"] == ["title", "place", "invited"]


def test_an_outcome_before_the_meeting_is_refused_on_the_page(client, users, case):
    future = services.meeting_create(
        actor=users.unoda, title="Next one", date=TODAY() + datetime.timedelta(days=10)
    )
    item = services.meeting_add_item(actor=users.unoda, meeting=future, request=case)
    client.force_login(users.unoda)
    page = client.get(_page(future)).content.decode()
    assert "Outcomes can be recorded from the day of the meeting on" in page
    response = client.post(
        _page(future),
        {"form": "outcome", "item": item.pk, "decision": "declined", "outcome": "Too early"},
    )
    assert response.status_code == 400
    assert "Too early" in response.content.decode()
    assert "can be recorded from that day on" in response.content.decode()
    item.refresh_from_db()
    assert item.decision == MeetingDecision.PENDING
    # Items without outcome are taken off the agenda from the page.
    response = client.post(_page(future), {"form": "remove", "item": item.pk})
    assert response.status_code == 302
    assert not future.items.exists()


@pytest.mark.parametrize("actor", ["donor", "recipient"])
def test_others_are_refused_the_meeting_pages_and_change_nothing(client, users, item, actor):
    client.force_login(getattr(users, actor))
    meeting = item.meeting
    assert client.get(_page(meeting)).status_code == 403
    assert client.get("/funding/meetings/new/").status_code == 403
    response = client.post(_page(meeting), {"form": "outcome", "item": item.pk,
                                            "decision": "declined", "outcome": "No"})  # fmt: skip
    assert response.status_code == 403
    response = client.post("/funding/meetings/new/", {"title": "x", "date": "2026-01-01"})
    assert response.status_code == 403
    item.refresh_from_db()
    assert item.decision == MeetingDecision.PENDING
    assert MatchmakingMeeting.objects.count() == 1


def test_the_list_counts_items_and_decided_items(client, users, meeting, item, case):
    services.meeting_add_item(actor=users.unoda, meeting=meeting, request=case)
    services.meeting_record_outcome(actor=users.unoda, item=item, decision="deferred")
    client.force_login(users.unoda)
    response = client.get("/funding/meetings/")
    [listed] = response.context["meetings"]
    assert (listed.item_count, listed.decided_count) == (2, 1)
    assert f'href="/funding/meetings/{meeting.pk}/"' in response.content.decode()


# --- The case page -----------------------------------------------------------------------------


@pytest.fixture
def decided(users, item):
    services.meeting_record_outcome(
        actor=users.unoda, item=item, decision=MeetingDecision.DECLINED,
        outcome="Japan funds no armoury work this year.",
    )  # fmt: skip
    return item


def _case_page(client, user, case):
    client.force_login(user)
    response = client.get(f"/cases/{case.reference}/")
    assert response.status_code == 200
    return response.content.decode()


def test_the_state_and_unoda_see_the_outcome_on_the_case(client, users, decided, case):
    for user in (users.unoda, users.recipient):
        page = _case_page(client, user, case)
        assert "Matchmaking meetings" in page
        assert "PoA matchmaking" in page
        assert "Declined" in page
        assert "Japan funds no armoury work this year." in page
    # Only UNODA is linked to the meeting page.
    meeting_link = f'href="/funding/meetings/{decided.meeting_id}/#item-{decided.pk}"'
    assert meeting_link in _case_page(client, users.unoda, case)
    assert meeting_link not in _case_page(client, users.recipient, case)


def test_an_uninvolved_donor_does_not_see_the_outcome(client, users, decided, case):
    page = _case_page(client, users.other_donor, case)  # sees the case, not the meeting
    assert "Japan funds no armoury work this year." not in page
    assert "Matchmaking meetings" not in page


def test_a_donor_sees_items_of_its_offers_and_of_meetings_it_was_invited_to(
    client, users, orgs, decided, case, meeting
):
    # Japan: invited, and its offer is on the item.
    assert "Japan funds no armoury work this year." in _case_page(client, users.donor, case)
    # Norway is invited to a second meeting where the case is presented alone.
    second = services.meeting_create(
        actor=users.unoda, title="Oslo round table", date=TODAY(), invited=[orgs.other_donor]
    )
    item = services.meeting_add_item(actor=users.unoda, meeting=second, request=case)
    services.meeting_record_outcome(
        actor=users.unoda, item=item, decision="deferred", outcome="Back in spring."
    )
    page = _case_page(client, users.other_donor, case)
    assert "Back in spring." in page
    assert "Japan funds no armoury work this year." not in page


# --- The admin keeps working -------------------------------------------------------------------


def test_the_admin_adds_an_item_with_a_decision_through_the_services(admin_client, case):
    response = admin_client.post(
        "/admin/funding/matchmakingmeeting/add/",
        {
            "title": "Admin meeting", "date": TODAY().isoformat(), "place": "", "notes": "",
            "online_link": "",
            "items-TOTAL_FORMS": "1", "items-INITIAL_FORMS": "0",
            "items-0-position": "1", "items-0-request": case.pk, "items-0-offer": "",
            "items-0-decision": "deferred", "items-0-outcome": "Next round",
            "items-0-follow_up": "",
        },
    )  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:2000]
    item = MeetingItem.objects.get()
    assert (item.request, item.decision, item.outcome) == (case, "deferred", "Next round")
    assert _audits("meeting_outcome")
    # Changing the decision in the admin goes through the service as well.
    meeting = item.meeting
    page = admin_client.get(f"/admin/funding/matchmakingmeeting/{meeting.pk}/change/")
    assert page.status_code == 200
    response = admin_client.post(
        f"/admin/funding/matchmakingmeeting/{meeting.pk}/change/",
        {
            "title": "Admin meeting", "date": TODAY().isoformat(), "place": "", "notes": "",
            "online_link": "",
            "items-TOTAL_FORMS": "1", "items-INITIAL_FORMS": "1",
            "items-0-id": item.pk, "items-0-meeting": meeting.pk,
            "items-0-position": "1", "items-0-request": case.pk, "items-0-offer": "",
            "items-0-decision": "declined", "items-0-outcome": "Not this year",
            "items-0-follow_up": "",
        },
    )  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:2000]
    item.refresh_from_db()
    assert (item.decision, item.outcome) == ("declined", "Not this year")
    assert len(_audits("meeting_outcome")) == 2


def test_the_meetings_section_reads_its_items_in_one_query(client, users, decided, case, orgs):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries():
        client.get(f"/cases/{case.reference}/")  # warm the per-process caches
        with CaptureQueriesContext(connection) as captured:
            assert client.get(f"/cases/{case.reference}/").status_code == 200
        return len(captured)

    client.force_login(users.unoda)
    one = queries()
    for number in range(3):
        meeting = services.meeting_create(
            actor=users.unoda, title=f"Round {number}", date=TODAY(), invited=[orgs.donor]
        )
        item = services.meeting_add_item(actor=users.unoda, meeting=meeting, request=case)
        services.meeting_record_outcome(actor=users.unoda, item=item, decision="deferred")
    assert queries() == one
