"""The results framework's services (apps/cases/framework.py): who may write it and when, how
its input is checked (each refusal under its field, nothing written), what removing keeps, and
the history and audit rows each change leaves."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from apps.cases import services
from apps.cases.models import (
    Activity,
    Category,
    Indicator,
    IndicatorMeasure,
    IndicatorTemplate,
    Result,
    Status,
)
from apps.cases.workflow import RECIPIENT_EDITABLE, TERMINAL
from apps.core.exceptions import ApplicationError
from apps.followup.models import IndicatorActual, ProgressReport
from apps.security.models import AuditEvent

pytestmark = pytest.mark.django_db

MEASURABLE = {
    "unit": "weapons",
    "baseline_value": Decimal("0"),
    "baseline_date": datetime.date(2026, 1, 1),
    "target_value": Decimal("5000"),
    "target_date": datetime.date(2027, 1, 1),
}


def outcome_of(case, actor, statement="Fewer weapons diverted."):
    return services.result_create(actor=actor, case=case, level="outcome", statement=statement)


def audit_actions(case):
    return list(
        AuditEvent.objects.filter(object_id=case.reference)
        .order_by("pk")
        .values_list("detail__action", flat=True)
    )


# --- Who may write the framework ---------------------------------------------------------------


@pytest.mark.parametrize("status", [s.value for s in Status])
def test_the_state_writes_while_it_edits_the_request_and_unoda_until_the_end(
    make_case, users, status
):
    case = make_case(status)
    for actor, allowed in (
        (users.recipient, status in RECIPIENT_EDITABLE),
        (users.unoda, status not in TERMINAL),
        (users.donor, False),
        (users.other_recipient, False),
        (users.outsider, False),
    ):
        if allowed:
            result = outcome_of(case, actor)
            services.indicator_create(actor=actor, result=result, name="Weapons marked")
        else:
            with pytest.raises(PermissionDenied):
                outcome_of(case, actor)
    expected = int(status in RECIPIENT_EDITABLE) + int(status not in TERMINAL)
    assert Result.objects.filter(request=case).count() == expected
    assert Indicator.objects.filter(result__request=case).count() == expected


def test_changes_and_removals_are_refused_to_those_who_may_not_edit(make_case, users):
    case = make_case("draft")
    outcome = outcome_of(case, users.recipient)
    indicator = services.indicator_create(actor=users.recipient, result=outcome, name="Sites")
    for actor in (users.donor, users.other_recipient):
        with pytest.raises(PermissionDenied):
            services.result_update(actor=actor, result=outcome, statement="Changed.")
        with pytest.raises(PermissionDenied):
            services.result_remove(actor=actor, result=outcome)
        with pytest.raises(PermissionDenied):
            services.indicator_create(actor=actor, result=outcome, name="More")
        with pytest.raises(PermissionDenied):
            services.indicator_update(actor=actor, indicator=indicator, name="Changed")
        with pytest.raises(PermissionDenied):
            services.indicator_remove(actor=actor, indicator=indicator)
    outcome.refresh_from_db()
    indicator.refresh_from_db()
    assert (outcome.statement, indicator.name) == ("Fewer weapons diverted.", "Sites")


def test_the_state_loses_the_pen_at_submission_unoda_keeps_it(make_case, users):
    case = make_case("submitted")
    with pytest.raises(PermissionDenied):
        outcome_of(case, users.recipient)
    outcome = outcome_of(case, users.unoda)
    assert outcome.request_id == case.pk


# --- Writing -----------------------------------------------------------------------------------


def test_outcomes_outputs_and_indicators_are_written_in_order(make_case, users):
    case = make_case("draft")
    first = outcome_of(case, users.recipient, " Stockpiles kept safe. ")
    second = outcome_of(case, users.recipient, "Fewer illicit weapons.")
    output = services.result_create(
        actor=users.recipient, case=case, level="output", statement="Doors fitted.", outcome=first
    )
    other = services.result_create(
        actor=users.recipient, case=case, level="output", statement="Racks.", outcome=str(second.pk)
    )
    assert (first.statement, first.position, second.position) == ("Stockpiles kept safe.", 1, 2)
    assert (output.outcome, output.position, other.outcome, other.position) == (
        first,
        1,
        second,
        2,
    )
    indicator = services.indicator_create(
        actor=users.recipient,
        result=output,
        name="Armouries with doors",
        unit="armouries",
        baseline_value="1,000.5",
        baseline_date="2026-01-01",
        target_value=Decimal("2000"),
        target_date=datetime.date(2027, 1, 1),
        means_of_verification="Inspection reports",
        by_sex=False,
        ascending=True,
    )
    indicator.refresh_from_db()
    assert indicator.baseline_value == Decimal("1000.50")
    assert indicator.baseline_date == datetime.date(2026, 1, 1)
    assert indicator.is_measurable
    later = services.indicator_create(actor=users.recipient, result=output, name="Second")
    assert (indicator.position, later.position) == (1, 2)


def test_an_output_serves_an_outcome_of_its_own_request(make_case, users):
    case, elsewhere = make_case("draft"), make_case("draft", title="Another request")
    foreign = outcome_of(elsewhere, users.recipient)
    output = services.result_create(
        actor=users.recipient, case=case, level="output", statement="Doors."
    )
    with pytest.raises(ValidationError) as refused:
        services.result_update(actor=users.recipient, result=output, outcome=foreign.pk)
    assert refused.value.message_dict == {
        "outcome": ["Choose one of the outcomes of this request."]
    }
    outcome = outcome_of(case, users.recipient)
    with pytest.raises(ValidationError) as refused:
        services.result_update(actor=users.recipient, result=outcome, outcome=outcome.pk)
    assert refused.value.message_dict == {"outcome": ["Only an output serves an outcome."]}
    services.result_update(actor=users.recipient, result=output, outcome=outcome)
    output.refresh_from_db()
    assert output.outcome == outcome
    services.result_update(actor=users.recipient, result=output, outcome=None)
    output.refresh_from_db()
    assert output.outcome is None


@pytest.mark.parametrize(
    ("fields", "errors"),
    [
        ({"name": "  "}, {"name": ["Name the indicator."]}),
        ({"name": "A", "baseline_value": "-1"}, {"baseline_value": None}),
        ({"name": "A", "target_value": "lots"}, {"target_value": None}),
        (
            {"name": "A", "measure": IndicatorMeasure.PERCENTAGE, "target_value": "120"},
            {"target_value": ["A percentage is between 0 and 100."]},
        ),
        (
            {"name": "A", "measure": IndicatorMeasure.PERCENTAGE, "baseline_value": "101"},
            {"baseline_value": ["A percentage is between 0 and 100."]},
        ),
        (
            {
                "name": "A",
                "baseline_date": datetime.date(2027, 1, 1),
                "target_date": datetime.date(2026, 1, 1),
            },
            {"target_date": ["The target date must come after the baseline date."]},
        ),
        ({"name": "A", "target_date": "31/12/2026"}, {"target_date": None}),
        ({"name": "A", "measure": 9}, {"measure": None}),
        ({"name": "A", "colour": "red"}, {"__all__": None}),
    ],
)
def test_bad_input_is_refused_under_its_field_and_nothing_is_written(
    make_case, users, fields, errors
):
    case = make_case("draft")
    outcome = outcome_of(case, users.recipient)
    with pytest.raises(ValidationError) as refused:
        services.indicator_create(actor=users.recipient, result=outcome, **fields)
    found = refused.value.message_dict
    assert set(found) == set(errors)
    for field, messages in errors.items():
        if messages is not None:
            assert found[field] == messages
    assert not Indicator.objects.exists()


def test_a_result_needs_a_statement_and_a_level(make_case, users):
    case = make_case("draft")
    with pytest.raises(ValidationError) as refused:
        services.result_create(actor=users.recipient, case=case, level="outcome", statement=" ")
    assert refused.value.message_dict == {"statement": ["State the result."]}
    with pytest.raises(ValidationError) as refused:
        services.result_create(actor=users.recipient, case=case, level="goal", statement="Peace")
    assert set(refused.value.message_dict) == {"level"}
    with pytest.raises(ValidationError):
        services.result_update(
            actor=users.recipient, result=outcome_of(case, users.recipient), level="output"
        )
    assert Result.objects.count() == 1


def test_an_indicator_is_updated_and_checked_as_a_whole(make_case, users):
    case = make_case("draft")
    indicator = services.indicator_create(
        actor=users.recipient, result=outcome_of(case, users.recipient), name="Marked", **MEASURABLE
    )
    services.indicator_update(actor=users.recipient, indicator=indicator, target_value="6 000")
    indicator.refresh_from_db()
    assert indicator.target_value == Decimal("6000")
    with pytest.raises(ValidationError) as refused:
        services.indicator_update(
            actor=users.recipient, indicator=indicator, baseline_date=datetime.date(2028, 1, 1)
        )
    assert list(refused.value.message_dict) == ["target_date"]
    indicator.refresh_from_db()
    assert indicator.baseline_date == datetime.date(2026, 1, 1)


# --- Templates ---------------------------------------------------------------------------------


def test_an_indicator_from_a_template_of_the_requests_categories(make_case, users):
    stockpile = Category.objects.get(code="stockpile")
    case = make_case("draft", categories=[stockpile])
    template = IndicatorTemplate.objects.filter(category=stockpile).first()
    template.name_fr, template.means_of_verification_fr = "Part des sites", "Rapports"
    template.save()
    outcome = outcome_of(case, users.recipient)
    with translation.override("fr"):
        indicator = services.indicator_create(
            actor=users.recipient, result=outcome, template=template, target_value="80"
        )
    indicator.refresh_from_db()
    assert indicator.template == template
    assert (indicator.name, indicator.means_of_verification) == ("Part des sites", "Rapports")
    assert (indicator.measure, indicator.by_sex, indicator.ascending) == (
        template.measure,
        template.by_sex,
        template.ascending,
    )
    assert indicator.target_value == Decimal("80")
    # In a language the template is not translated into: its English.
    with translation.override("ar"):
        english = services.indicator_create(
            actor=users.recipient, result=outcome, template=template.pk
        )
    assert english.name == template.name_en
    # A template of a category the request does not have is not offered.
    other = IndicatorTemplate.objects.exclude(category=stockpile).first()
    with pytest.raises(ValidationError) as refused:
        services.indicator_create(actor=users.recipient, result=outcome, template=other)
    assert list(refused.value.message_dict) == ["template"]
    assert Indicator.objects.count() == 2


# --- Removing ----------------------------------------------------------------------------------


def test_removing_an_outcome_keeps_its_outputs_and_an_output_keeps_its_activities(make_case, users):
    case = make_case("draft")
    outcome = outcome_of(case, users.recipient)
    services.indicator_create(actor=users.recipient, result=outcome, name="Gone with it")
    output = services.result_create(
        actor=users.recipient, case=case, level="output", statement="Doors.", outcome=outcome
    )
    kept = services.indicator_create(actor=users.recipient, result=output, name="Doors fitted")
    services.request_update(
        actor=users.recipient,
        case=case,
        activity_lines=[{"description": "Fit doors", "output": output.pk}],
    )
    services.result_remove(actor=users.recipient, result=outcome)
    output.refresh_from_db()
    assert output.outcome is None
    assert list(Indicator.objects.all()) == [kept]
    assert Activity.objects.get().output == output
    services.result_remove(actor=users.recipient, result=output)
    assert not Result.objects.exists()
    assert not Indicator.objects.exists()
    assert Activity.objects.get().output is None
    with pytest.raises(ApplicationError) as gone:
        services.result_remove(actor=users.recipient, result=output)
    assert gone.value.code == "gone"


def test_an_indicator_with_reported_values_is_not_removed(make_case, users):
    case = make_case("implementation")
    outcome = outcome_of(case, users.unoda)
    indicator = services.indicator_create(
        actor=users.unoda, result=outcome, name="Weapons marked", **MEASURABLE
    )
    agreement = case.agreement
    report = ProgressReport.objects.create(
        agreement=agreement,
        organization=case.requesting_organization,
        period_start=agreement.start_date,
        period_end=agreement.start_date,
        status="on_track",
        percent_done=10,
        narrative="Started.",
        submitted_by=users.recipient,
    )
    IndicatorActual.objects.create(report=report, indicator=indicator, value=Decimal("100"))
    with pytest.raises(ApplicationError) as refused:
        services.indicator_remove(actor=users.unoda, indicator=indicator)
    assert "Progress reports gave values for the indicator" in str(refused.value)
    with pytest.raises(ApplicationError):
        services.result_remove(actor=users.unoda, result=outcome)
    with pytest.raises(ValidationError) as refused:
        services.indicator_update(
            actor=users.unoda, indicator=indicator, measure=IndicatorMeasure.PERCENTAGE
        )
    assert list(refused.value.message_dict) == ["measure"]
    # It may be reworded.
    services.indicator_update(actor=users.unoda, indicator=indicator, name="Weapons marked (PoA)")
    assert Indicator.objects.get().name == "Weapons marked (PoA)"
    assert Result.objects.filter(pk=outcome.pk).exists()


# --- History and audit -------------------------------------------------------------------------


def test_each_change_is_kept_in_the_history_and_the_audit_log(make_case, users):
    case = make_case("draft")
    before = len(audit_actions(case))
    outcome = outcome_of(case, users.recipient)
    services.result_update(actor=users.recipient, result=outcome, statement="Reworded.")
    indicator = services.indicator_create(actor=users.recipient, result=outcome, name="Sites")
    services.indicator_update(actor=users.unoda, indicator=indicator, unit="sites")
    services.indicator_remove(actor=users.unoda, indicator=indicator)
    services.result_remove(actor=users.unoda, result=outcome)
    assert audit_actions(case)[before:] == [
        "result_create",
        "result_update",
        "indicator_create",
        "indicator_update",
        "indicator_remove",
        "result_remove",
    ]
    rows = list(
        Result.history.filter(id=outcome.pk)
        .order_by("history_id")
        .values_list("history_type", "statement", "history_user__username")
    )
    assert rows == [
        ("+", "Fewer weapons diverted.", "recipient"),
        ("~", "Reworded.", "recipient"),
        ("-", "Reworded.", "unoda"),
    ]
    assert list(
        Indicator.history.filter(id=indicator.pk)
        .order_by("history_id")
        .values_list("history_type", "unit", "history_user__username")
    ) == [("+", "", "recipient"), ("~", "sites", "unoda"), ("-", "sites", "unoda")]
