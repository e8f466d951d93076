"""Dates that make sense (issue 21): an agreement is signed neither in the future nor before its
request existed, ends on or after its start, and its milestones fall within its period; an
amendment that would leave milestones outside the new period is refused, naming them. Each
refusal is a clear message on the right field, and nothing is saved."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.formats import date_format

from apps.cases.models import AssistanceRequest, StatusChange
from apps.followup import services
from apps.followup.models import Agreement, AgreementChange, Milestone

from .conftest import agreement_data

START, END = datetime.date(2026, 2, 1), datetime.date(2027, 1, 31)  # agreement_data's period


def case_state(case):
    case = AssistanceRequest.objects.get(pk=case.pk)
    return (
        case.status,
        StatusChange.objects.filter(request=case).count(),
        Agreement.objects.count(),
    )


def agreement_state(agreement):
    row = Agreement.objects.filter(pk=agreement.pk).values().get()
    row.pop("updated_at")
    return (
        row,
        AgreementChange.objects.filter(agreement=agreement).count(),
        list(Milestone.objects.filter(agreement=agreement).values_list("title", "due_date")),
    )


def _record(case, orgs, users, **overrides):
    return services.agreement_record(
        actor=users.unoda, case=case, donors=[orgs.donor], **agreement_data(**overrides)
    )


# --- Signature, start and end ------------------------------------------------------------------


def test_an_agreement_signed_in_the_future_is_refused_on_its_field(interest_case, orgs, users):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    before = case_state(interest_case)
    with pytest.raises(ValidationError) as error:
        _record(interest_case, orgs, users, signed_on=tomorrow)
    assert list(error.value.message_dict) == ["signed_on"]
    assert "cannot be signed in the future" in error.value.message_dict["signed_on"][0]
    assert case_state(interest_case) == before


def test_an_agreement_signed_before_the_request_existed_is_refused(interest_case, orgs, users):
    made = datetime.datetime(2026, 3, 10, 12, tzinfo=datetime.UTC)
    AssistanceRequest.objects.filter(pk=interest_case.pk).update(created_at=made)
    before = case_state(interest_case)
    with pytest.raises(ValidationError) as error:
        _record(interest_case, orgs, users, signed_on=datetime.date(2026, 3, 9))
    message = error.value.message_dict["signed_on"][0]
    assert "before the request existed" in message
    assert date_format(datetime.date(2026, 3, 10)) in message  # the day the request was made
    assert case_state(interest_case) == before
    # Signed the day the request was made is fine.
    agreement = _record(interest_case, orgs, users, signed_on=datetime.date(2026, 3, 10))
    assert agreement.signed_on == datetime.date(2026, 3, 10)


def test_an_agreement_ending_before_it_starts_is_refused_on_the_end_date(
    interest_case, orgs, users
):
    before = case_state(interest_case)
    with pytest.raises(ValidationError) as error:
        _record(interest_case, orgs, users, end_date=START - datetime.timedelta(days=1))
    assert list(error.value.message_dict) == ["end_date"]
    assert "cannot end" in error.value.message_dict["end_date"][0]
    assert case_state(interest_case) == before
    # One day long (end = start) is an agreement.
    assert _record(interest_case, orgs, users, end_date=START).end_date == START


def test_the_database_refuses_an_end_before_the_start(cofunded_case):
    with pytest.raises(IntegrityError), transaction.atomic():
        Agreement.objects.filter(pk=cofunded_case.agreement.pk).update(
            end_date=START - datetime.timedelta(days=1)
        )


def test_the_record_form_shows_a_future_signature_next_to_its_field(
    client, interest_case, orgs, users
):
    client.force_login(users.unoda)
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    response = client.post(
        f"/followup/{interest_case.reference}/agreement/",
        {
            "signed_on": tomorrow.isoformat(),
            "donors": [orgs.donor.pk],
            "amount": "5000",
            "currency": "USD",
            "start_date": "2026-02-01",
            "end_date": "2027-01-31",
            "cooperation_type": "north_south",
            "reporting_interval_months": "3",
            "notes": "Typed by the officer",
        },
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert "cannot be signed in the future" in form.errors["signed_on"][0]
    assert "Typed by the officer" in response.content.decode()  # what was typed is kept
    assert not Agreement.objects.filter(request=interest_case).exists()


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"signed_on": timezone.localdate() + datetime.timedelta(days=3)}, "signed_on", "future"),
        ({"signed_on": datetime.date(2000, 1, 1)}, "signed_on", "before the request existed"),
        ({"end_date": START - datetime.timedelta(days=1)}, "end_date", "cannot end"),
    ],
)
def test_a_correction_with_bad_dates_is_refused_and_changes_nothing(
    cofunded_case, users, changes, field, message
):
    agreement = cofunded_case.agreement
    before = agreement_state(agreement)
    with pytest.raises(ValidationError) as error:
        services.agreement_update(
            actor=users.unoda, agreement=agreement, kind="correction", reason="Typo", **changes
        )
    assert message in error.value.message_dict[field][0]
    assert agreement_state(agreement) == before


# --- Milestones within the period --------------------------------------------------------------


@pytest.mark.parametrize(
    "due",
    [
        datetime.date(2001, 1, 1),
        START - datetime.timedelta(days=1),
        END + datetime.timedelta(days=1),
    ],
)
def test_a_milestone_outside_the_period_is_refused_on_its_due_date(cofunded_case, users, due):
    agreement = cofunded_case.agreement
    with pytest.raises(ValidationError) as error:
        services.milestone_create(
            actor=users.unoda, agreement=agreement, title="Fence built", due_date=due
        )
    message = error.value.message_dict["due_date"][0]
    assert "within the agreement's period" in message
    assert f"{date_format(START)} to {date_format(END)}" in message
    assert not Milestone.objects.filter(agreement=agreement).exists()


@pytest.mark.parametrize("due", [START, END])
def test_a_milestone_on_the_first_or_last_day_of_the_period_is_kept(cofunded_case, users, due):
    milestone = services.milestone_create(
        actor=users.unoda, agreement=cofunded_case.agreement, title="Fence built", due_date=due
    )
    assert milestone.due_date == due


def test_moving_a_milestone_out_of_the_period_is_refused_and_keeps_its_date(cofunded_case, users):
    milestone = services.milestone_create(
        actor=users.unoda,
        agreement=cofunded_case.agreement,
        title="Fence built",
        due_date=datetime.date(2026, 6, 30),
    )
    with pytest.raises(ValidationError) as error:
        services.milestone_update(
            actor=users.unoda,
            milestone=milestone,
            title="Fence and lights",
            due_date=datetime.date(2027, 6, 30),
        )
    assert "due_date" in error.value.message_dict
    milestone.refresh_from_db()
    assert (milestone.title, milestone.due_date) == ("Fence built", datetime.date(2026, 6, 30))


def test_the_plan_page_shows_a_milestone_outside_the_period_next_to_its_field(
    client, cofunded_case, users
):
    client.force_login(users.unoda)
    response = client.post(
        f"/followup/{cofunded_case.reference}/plan/",
        {"form": "milestone", "title": "Fence built", "due_date": "2001-01-01"},
    )
    assert response.status_code == 400
    form = response.context["milestone_form"]
    assert "within the agreement's period" in form.errors["due_date"][0]
    assert "Fence built" in response.content.decode()
    assert not Milestone.objects.exists()


# --- An amendment that moves the period --------------------------------------------------------


@pytest.fixture
def planned(cofunded_case, users):
    """The co-funded case with a milestone early and one late in its period."""
    agreement = cofunded_case.agreement
    for title, due in (
        ("Baseline", datetime.date(2026, 3, 15)),
        ("Final", datetime.date(2027, 1, 15)),
    ):
        services.milestone_create(actor=users.unoda, agreement=agreement, title=title, due_date=due)
    return agreement


@pytest.mark.parametrize(
    ("changes", "field", "named", "not_named"),
    [
        ({"end_date": datetime.date(2026, 12, 31)}, "end_date", ("Final", 2027, 1, 15), "Baseline"),
        (
            {"start_date": datetime.date(2026, 4, 1)},
            "start_date",
            ("Baseline", 2026, 3, 15),
            "Final",
        ),
    ],
)
def test_an_amendment_moving_the_period_past_milestones_is_refused_naming_them(
    planned, users, changes, field, named, not_named
):
    before = agreement_state(planned)
    with pytest.raises(ValidationError) as error:
        services.agreement_update(
            actor=users.unoda,
            agreement=planned,
            kind="amendment",
            reason="Shortened by the parties.",
            **changes,
        )
    message = error.value.message_dict[field][0]
    title, *day = named
    assert f"“{title}” ({date_format(datetime.date(*day))})" in message
    assert not_named not in message
    assert "Move them into the new period" in message
    assert agreement_state(planned) == before


def test_moving_the_milestone_first_lets_the_amendment_through(planned, users):
    final = planned.milestones.get(title="Final")
    services.milestone_update(
        actor=users.unoda, milestone=final, due_date=datetime.date(2026, 12, 15)
    )
    services.agreement_update(
        actor=users.unoda,
        agreement=planned,
        kind="amendment",
        reason="Shortened by the parties.",
        end_date=datetime.date(2026, 12, 31),
    )
    planned.refresh_from_db()
    assert planned.end_date == datetime.date(2026, 12, 31)


def test_the_edit_page_names_the_milestones_to_move_and_keeps_what_was_typed(
    client, planned, users
):
    client.force_login(users.unoda)
    agreement = planned
    before = agreement_state(agreement)
    response = client.post(
        f"/followup/{agreement.request.reference}/agreement/edit/",
        {
            "signed_on": agreement.signed_on.isoformat(),
            "donors": [d.pk for d in agreement.donors.all()],
            "implementing_partner": agreement.implementing_partner_id,
            "amount": str(agreement.amount),
            "currency": agreement.currency,
            "start_date": agreement.start_date.isoformat(),
            "end_date": "2026-12-31",
            "cooperation_type": agreement.cooperation_type,
            "reporting_interval_months": agreement.reporting_interval_months,
            "kind": "amendment",
            "reason": "Shortened by the parties, typed here.",
        },
    )
    assert response.status_code == 400
    form = response.context["form"]
    assert "“Final”" in form.errors["end_date"][0]
    assert "Shortened by the parties, typed here." in response.content.decode()
    assert agreement_state(agreement) == before


def test_every_error_of_an_agreement_is_given_at_once(interest_case, orgs, users):
    before = case_state(interest_case)
    with pytest.raises(ValidationError) as error:
        _record(
            interest_case,
            orgs,
            users,
            signed_on=timezone.localdate() + datetime.timedelta(days=1),
            end_date=START - datetime.timedelta(days=1),
            cooperation_type="",
        )
    assert set(error.value.message_dict) == {"signed_on", "end_date", "cooperation_type"}
    assert case_state(interest_case) == before
