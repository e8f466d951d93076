"""Creating and updating requests: references, validation, permissions granted."""

import re
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from apps.cases import services
from apps.cases.models import AssistanceRequest, Category


def test_reference_is_readable_and_sequential(make_case):
    first = make_case()
    second = make_case()
    year = timezone.now().year
    assert re.fullmatch(rf"REQ-{year}-\d{{4}}", first.reference)
    assert int(second.reference[-4:]) == int(first.reference[-4:]) + 1


@pytest.mark.django_db
def test_categories_are_seeded_from_the_design():
    names = set(Category.objects.values_list("name_en", flat=True))
    assert "Stockpile management and security" in names
    assert "Brokering controls" in names
    assert len(names) == 14


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"budget_amount": Decimal("-1")}, "budget_amount", "greater than or equal to 0"),
        ({"budget_currency": "XYZ"}, "budget_currency", "not a valid choice"),
        ({"budget_amount": "1,000"}, "budget_amount", "must be a decimal number"),
        ({"duration_months": 0}, "duration_months", "greater than or equal to 1"),
        ({"national_report_url": "not a link"}, "national_report_url", "valid URL"),
    ],
)
def test_bad_input_on_create_is_refused_and_nothing_is_saved(users, orgs, fields, field, message):
    with pytest.raises(ValidationError) as error:
        services.request_create(
            actor=users.recipient, organization=orgs.recipient, title="Armoury", **fields
        )
    assert message in " ".join(error.value.message_dict[field])
    assert not AssistanceRequest.objects.exists()


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"budget_amount": Decimal("-5")}, "budget_amount"),
        ({"budget_currency": "EURO"}, "budget_currency"),
    ],
)
def test_bad_input_on_update_changes_nothing(make_case, users, fields, field):
    case = make_case(budget_amount=Decimal("1000.00"), budget_currency="USD")
    with pytest.raises(ValidationError) as error:
        services.request_update(actor=users.recipient, case=case, **fields)
    assert field in error.value.message_dict
    case.refresh_from_db()
    assert (case.budget_amount, case.budget_currency) == (Decimal("1000.00"), "USD")


def test_fields_outside_the_proposal_cannot_be_set(make_case, users):
    case = make_case()
    with pytest.raises(ValidationError, match="status"):
        services.request_update(actor=users.recipient, case=case, status="closed")
    case.refresh_from_db()
    assert case.status == "draft"


def test_budget_keeps_exact_decimals(make_case):
    case = make_case(budget_amount=Decimal("1234567.89"), budget_currency="EUR")
    case.refresh_from_db()
    assert case.budget_amount == Decimal("1234567.89")


def test_case_officer_must_be_unoda(make_case, users):
    case = make_case()
    with pytest.raises(ValidationError):
        services.request_assign_officer(actor=users.unoda, case=case, officer=users.recipient)
    services.request_assign_officer(actor=users.unoda, case=case, officer=users.unoda)
    case.refresh_from_db()
    assert case.case_officer == users.unoda
