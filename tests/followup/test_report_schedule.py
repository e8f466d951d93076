"""The agreement keeps the end of its first unreported period, which the reminders read."""

import datetime

import pytest

from apps.followup.models import Agreement, ProgressStatus
from apps.followup.services import agreement_update, progress_report_submit

pytestmark = pytest.mark.django_db


def stored(case) -> datetime.date | None:
    return Agreement.objects.get(request=case).first_unreported_period_end


def report(users, case, start, end):
    progress_report_submit(
        actor=users.recipient,
        agreement=Agreement.objects.get(request=case),
        period_start=start,
        period_end=end,
        status=ProgressStatus.ON_TRACK,
        percent_done=30,
        narrative="Work goes on.",
    )


def test_recording_the_agreement_stores_its_first_period_end(make_case):
    case = make_case("implementation")  # 2026-02-01 to 2027-01-31, a report every 3 months
    assert stored(case) == datetime.date(2026, 4, 30)


def test_a_report_moves_it_to_the_next_unreported_period(make_case, users):
    case = make_case("implementation")
    report(users, case, datetime.date(2026, 2, 1), datetime.date(2026, 4, 30))
    assert stored(case) == datetime.date(2026, 7, 31)


def test_every_period_reported_leaves_it_empty(make_case, users):
    case = make_case("implementation")
    report(users, case, datetime.date(2026, 2, 1), datetime.date(2027, 1, 31))
    assert stored(case) is None


def test_a_changed_interval_moves_it(make_case, users):
    case = make_case("implementation")
    agreement_update(
        actor=users.unoda,
        agreement=case.agreement,
        kind="amendment",
        reason="Monthly reports agreed.",
        reporting_interval_months=1,
    )
    assert stored(case) == datetime.date(2026, 2, 28)


def test_the_migration_works_it_out_as_the_services_do(make_case, users):
    import importlib

    migration = importlib.import_module(
        "apps.followup.migrations.0003_agreement_first_unreported_period"
    )
    case = make_case("implementation")
    report(users, case, datetime.date(2026, 2, 1), datetime.date(2026, 4, 30))
    agreement = Agreement.objects.get(request=case)
    reports = list(agreement.reports.values_list("period_start", "period_end"))
    expected = agreement.first_unreported_period_end
    assert migration._first_unreported_period_end(agreement, reports) == expected
    Agreement.objects.update(first_unreported_period_end=None)
    from django.apps import apps

    migration.fill_first_unreported_period_end(apps, None)
    assert stored(case) == expected == datetime.date(2026, 7, 31)
