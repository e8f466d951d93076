"""Recording agreements, the parties' access, milestones and progress reports."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from apps.cases import selectors as case_selectors
from apps.cases import services as case_services
from apps.cases.models import AssistanceRequest, Status, StatusChange, Visibility
from apps.cases.permissions import access_of
from apps.core.exceptions import ApplicationError
from apps.followup import selectors, services
from apps.followup.models import Agreement, Milestone, ProgressReport, ProgressStatus
from apps.funding.services import interest_express

from .conftest import TODAY, agreement_data


def state(case):
    case = AssistanceRequest.objects.get(pk=case.pk)
    return (
        case.status,
        StatusChange.objects.filter(request=case).count(),
        Agreement.objects.count(),
        Milestone.objects.count(),
        ProgressReport.objects.count(),
    )


@pytest.mark.parametrize("actor", ["recipient", "donor", "outsider"])
def test_only_unoda_records_agreements(interest_case, orgs, users, actor):
    before = state(interest_case)
    with pytest.raises(PermissionDenied):
        services.agreement_record(
            actor=getattr(users, actor), case=interest_case, donors=[orgs.donor], **agreement_data()
        )
    assert state(interest_case) == before


@pytest.mark.parametrize(
    ("donors", "overrides", "field"),
    [
        ([], {}, "donors"),
        (["recipient"], {}, "donors"),
        (["other_recipient"], {}, "donors"),
        (["donor"], {"end_date": datetime.date(2025, 1, 1)}, "end_date"),
        (["donor"], {"amount": -5}, "amount"),
        (["donor"], {"currency": "XXX1"}, "currency"),
        (["donor"], {"reporting_interval_months": 0}, "reporting_interval_months"),
    ],
)
def test_bad_agreement_is_refused(interest_case, orgs, users, donors, overrides, field):
    before = state(interest_case)
    with pytest.raises(ValidationError) as error:
        services.agreement_record(
            actor=users.unoda,
            case=interest_case,
            donors=[getattr(orgs, name) for name in donors],
            **agreement_data(**overrides),
        )
    assert field in error.value.message_dict
    assert state(interest_case) == before


def test_agreement_only_from_donor_interest(make_case, orgs, users):
    case = make_case("published")
    before = state(case)
    with pytest.raises(ApplicationError) as error:
        services.agreement_record(
            actor=users.unoda, case=case, donors=[orgs.donor], **agreement_data()
        )
    assert error.value.code == "invalid_state"
    assert state(case) == before


def test_firing_record_agreement_without_an_agreement_is_refused(interest_case, users):
    before = state(interest_case)
    with pytest.raises(ApplicationError) as error:
        case_services.request_transition(
            actor=users.unoda, case=interest_case, transition="record_agreement"
        )
    assert "Record the agreement" in str(error.value)
    assert state(interest_case) == before


def test_agreement_donors_and_partner_see_the_case_whatever_the_visibility(
    make_case, orgs, users, partner, partner_user
):
    case = make_case("published", visibility=Visibility.SELECTED_DONORS)
    interest_express(actor=users.donor, case=case, donor=orgs.donor, message="Interested")
    assert not case_selectors.request_list(user=users.other_donor).filter(pk=case.pk).exists()
    services.agreement_record(
        actor=users.unoda,
        case=case,
        donors=[orgs.donor, orgs.other_donor],
        implementing_partner=partner,
        **agreement_data(),
    )
    for user in (users.donor, users.other_donor, partner_user, users.recipient):
        assert case_selectors.request_list(user=user).filter(pk=case.pk).exists()
    assert not case_selectors.request_list(user=users.other_recipient).filter(pk=case.pk).exists()
    # Taking the partner off the agreement takes its access away.
    services.agreement_update(
        actor=users.unoda,
        agreement=case.agreement,
        kind="amendment",
        reason="The partner withdrew.",
        implementing_partner=None,
    )
    assert not case_selectors.request_list(user=partner_user).filter(pk=case.pk).exists()


@pytest.fixture
def implementing_case(cofunded_case, users):
    case_services.request_transition(
        actor=users.unoda, case=cofunded_case, transition="start_implementation"
    )
    cofunded_case.refresh_from_db()
    return cofunded_case


def report_data(**overrides):
    return {
        "period_start": datetime.date(2026, 2, 1),
        "period_end": datetime.date(2026, 4, 30),
        "status": ProgressStatus.AT_RISK,
        "percent_done": 20,
        "narrative": "Delays at customs.",
        **overrides,
    }


@pytest.mark.parametrize("actor", ["donor", "other_recipient", "outsider"])
def test_progress_reports_only_by_recipient_or_partner(implementing_case, users, actor):
    before = state(implementing_case)
    with pytest.raises(PermissionDenied):
        services.progress_report_submit(
            actor=getattr(users, actor), agreement=implementing_case.agreement, **report_data()
        )
    assert state(implementing_case) == before


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"percent_done": 101}, "percent_done"),
        ({"status": "great"}, "status"),
        ({"period_end": datetime.date(2026, 1, 1)}, "__all__"),
        ({"narrative": ""}, "narrative"),
    ],
)
def test_bad_progress_report_is_refused(implementing_case, partner_user, overrides, field):
    before = state(implementing_case)
    with pytest.raises(ValidationError) as error:
        services.progress_report_submit(
            actor=partner_user, agreement=implementing_case.agreement, **report_data(**overrides)
        )
    assert field in error.value.message_dict
    assert state(implementing_case) == before


def test_unoda_reports_on_behalf_of_a_named_party(implementing_case, users, partner):
    agreement = implementing_case.agreement
    with pytest.raises(ValidationError):
        services.progress_report_submit(actor=users.unoda, agreement=agreement, **report_data())
    report = services.progress_report_submit(
        actor=users.unoda, agreement=agreement, organization=partner, **report_data()
    )
    assert report.organization == partner


def test_no_progress_report_before_implementation(cofunded_case, users):
    before = state(cofunded_case)
    with pytest.raises(PermissionDenied):
        services.progress_report_submit(
            actor=users.recipient, agreement=cofunded_case.agreement, **report_data()
        )
    assert state(cofunded_case) == before


@pytest.mark.parametrize("actor", ["donor", "outsider", "other_recipient"])
def test_milestones_by_unoda_or_recipient_only(implementing_case, users, actor):
    before = state(implementing_case)
    with pytest.raises(PermissionDenied):
        services.milestone_create(
            actor=getattr(users, actor),
            agreement=implementing_case.agreement,
            title="X",
            due_date=TODAY,
        )
    assert state(implementing_case) == before


def test_overdue_milestones_and_report_periods(implementing_case, users):
    agreement = implementing_case.agreement
    services.milestone_create(
        actor=users.unoda, agreement=agreement, title="Late", due_date=datetime.date(2026, 5, 1)
    )
    done = services.milestone_create(
        actor=users.unoda, agreement=agreement, title="Done", due_date=datetime.date(2026, 4, 1)
    )
    services.milestone_complete(actor=users.unoda, milestone=done, completed_on=TODAY)
    services.milestone_create(
        actor=users.unoda, agreement=agreement, title="Later", due_date=datetime.date(2026, 12, 1)
    )
    services.progress_report_submit(actor=users.recipient, agreement=agreement, **report_data())
    overview = selectors.implementation_overview(
        access=access_of(users.unoda, implementing_case), today=datetime.date(2026, 11, 15)
    )
    assert [m.title for m in overview.overdue_milestones] == ["Late"]
    assert [(p.start, p.end) for p in overview.overdue_periods] == [
        (datetime.date(2026, 5, 1), datetime.date(2026, 7, 31)),
        (datetime.date(2026, 8, 1), datetime.date(2026, 10, 31)),
    ]
    assert overview.periods[-1].start == datetime.date(2026, 11, 1)
    assert not overview.periods[-1].overdue
    assert list(selectors.overdue_cases(user=users.unoda, today=TODAY)) == [implementing_case]
    assert list(selectors.overdue_cases(user=users.recipient, today=TODAY)) == []


def test_reporting_periods_stop_at_the_end_date(implementing_case):
    agreement = implementing_case.agreement
    periods = selectors.reporting_periods(agreement, today=datetime.date(2030, 1, 1))
    assert len(periods) == 4
    assert periods[-1].end == agreement.end_date
    assert all(p.overdue for p in periods)


def test_agreement_cannot_change_after_implementation(feedback_case, users):
    with pytest.raises(ApplicationError):
        services.agreement_update(
            actor=users.unoda,
            agreement=feedback_case.agreement,
            kind="correction",
            reason="Typo.",
            notes="x",
        )
    assert Agreement.objects.get(request=feedback_case).notes == ""
    assert AssistanceRequest.objects.get(pk=feedback_case.pk).status == Status.FEEDBACK
