"""The "Results framework" step of the request wizard: the State (while it edits) and UNODA
(until the end) write outcomes, outputs and indicators there; refused input is shown again
with its errors and nothing is saved; the page reads a fixed number of queries; activity lines
say which output they serve."""

import datetime
from decimal import Decimal

import pytest
from django.utils import translation

from apps.cases import services
from apps.cases.models import Activity, Category, Indicator, IndicatorTemplate, Result
from apps.followup.models import IndicatorActual, ProgressReport

pytestmark = pytest.mark.django_db


def url(case, query=""):
    return f"/cases/{case.reference}/edit/framework/{query}"


def indicator_post(result=None, indicator=None, **fields):
    data = {
        "action": "indicator-edit" if indicator else "indicator-add",
        "indicator-name": "Weapons marked",
        "indicator-unit": "weapons",
        "indicator-measure": "1",
        "indicator-ascending": "on",
        "indicator-baseline_value": "0",
        "indicator-baseline_date": "2026-01-01",
        "indicator-target_value": "5,000.00",
        "indicator-target_date": "2027-01-01",
        "indicator-means_of_verification": "Marking register",
    }
    data.update({f"indicator-{name}": value for name, value in fields.items()})
    if indicator is not None:
        data["indicator"] = indicator.pk
    else:
        data["result"] = result.pk
    return data


def test_the_state_writes_a_framework_with_two_indicators(client, users, make_case):
    case = make_case("draft")
    client.force_login(users.recipient)
    page = client.get(url(case))
    assert page.status_code == 200
    body = page.content.decode()
    assert "No outcome yet." in body
    assert "A measurable indicator per outcome" in body

    response = client.post(
        url(case), {"action": "outcome-add", "outcome-statement": "Stockpiles kept safe."}
    )
    outcome = Result.objects.get(level="outcome")
    assert response["Location"] == url(case, f"#result-{outcome.pk}")
    response = client.post(
        url(case),
        {
            "action": "output-add",
            "output-statement": "Armouries secured.",
            "output-outcome": outcome.pk,
        },
    )
    output = Result.objects.get(level="output")
    assert output.outcome == outcome
    assert client.post(url(case), indicator_post(outcome)).status_code == 302
    assert client.post(url(case), indicator_post(output, name="Armouries")).status_code == 302
    marked = Indicator.objects.get(result=outcome)
    assert (marked.target_value, marked.target_date) == (Decimal("5000"), datetime.date(2027, 1, 1))
    assert marked.is_measurable

    body = client.get(url(case)).content.decode()
    assert "Outcome 1" in body
    assert "Stockpiles kept safe." in body
    assert "Outputs serving outcome 1" in body
    assert "Armouries secured." in body
    assert "Weapons marked" in body
    assert "Marking register" in body
    assert "5,000" in body
    assert "Outcome 1" in body
    # The checklist now counts the outcome's measurable indicator.
    assert '<li class="met">A measurable indicator per outcome' in body


def test_edit_forms_open_in_place_and_save(client, users, make_case):
    case = make_case("draft")
    outcome = services.result_create(
        actor=users.recipient, case=case, level="outcome", statement="Old words."
    )
    indicator = services.indicator_create(actor=users.recipient, result=outcome, name="Sites")
    client.force_login(users.recipient)
    body = client.get(url(case, f"?edit=result-{outcome.pk}")).content.decode()
    assert "Edit the result" in body
    assert 'value="result-edit"' in body
    client.post(
        url(case), {"action": "result-edit", "result": outcome.pk, "edit-statement": "New words."}
    )
    outcome.refresh_from_db()
    assert outcome.statement == "New words."
    body = client.get(url(case, f"?edit=indicator-{indicator.pk}")).content.decode()
    assert "Edit the indicator" in body
    assert 'value="Sites"' in body
    client.post(url(case), indicator_post(indicator=indicator, name="Sites inspected"))
    indicator.refresh_from_db()
    assert (indicator.name, indicator.unit) == ("Sites inspected", "weapons")
    body = client.get(url(case, f"?add={outcome.pk}")).content.decode()
    assert "Add an indicator" in body
    assert 'value="indicator-add"' in body


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"target_value": "lots"}, "Enter a number"),
        ({"target_value": "-5"}, "greater than or equal to 0"),
        ({"measure": "2", "target_value": "150"}, "A percentage is between 0 and 100."),
        ({"target_date": "2025-01-01"}, "The target date must come after the baseline date."),
        ({"name": ""}, "This field is required."),
    ],
)
def test_a_refused_indicator_is_shown_again_with_its_error(
    client, users, make_case, fields, message
):
    case = make_case("draft")
    outcome = services.result_create(
        actor=users.recipient, case=case, level="outcome", statement="Safe stockpiles."
    )
    client.force_login(users.recipient)
    response = client.post(url(case), indicator_post(outcome, **fields))
    assert response.status_code == 400
    body = response.content.decode()
    assert message in body
    assert "Marking register</textarea>" in body  # what was typed is kept
    assert not Indicator.objects.exists()


def test_a_refused_result_is_shown_again(client, users, make_case):
    case = make_case("draft")
    client.force_login(users.recipient)
    response = client.post(url(case), {"action": "outcome-add", "outcome-statement": " "})
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    other = make_case("draft", title="Another")
    foreign = services.result_create(
        actor=users.recipient, case=other, level="outcome", statement="Not here."
    )
    response = client.post(
        url(case),
        {"action": "output-add", "output-statement": "Doors.", "output-outcome": foreign.pk},
    )
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    assert not Result.objects.filter(request=case).exists()


def test_remove_and_stale_clicks_are_messages(client, users, make_case):
    case = make_case("draft")
    outcome = services.result_create(
        actor=users.recipient, case=case, level="outcome", statement="Safe stockpiles."
    )
    indicator = services.indicator_create(actor=users.recipient, result=outcome, name="Sites")
    client.force_login(users.recipient)
    response = client.post(
        url(case), {"action": "indicator-remove", "indicator": indicator.pk}, follow=True
    )
    assert "Removed." in response.content.decode()
    assert not Indicator.objects.exists()
    response = client.post(
        url(case), {"action": "indicator-remove", "indicator": indicator.pk}, follow=True
    )
    assert "This indicator has already been removed." in response.content.decode()
    client.post(url(case), {"action": "result-remove", "result": outcome.pk})
    response = client.post(
        url(case), {"action": "result-remove", "result": outcome.pk}, follow=True
    )
    assert "This result has already been removed." in response.content.decode()
    response = client.post(url(case), {"action": "nonsense"}, follow=True)
    assert "Unknown action." in response.content.decode()


def test_an_indicator_with_actuals_cannot_be_removed_from_the_page(client, users, make_case):
    case = make_case("implementation")
    outcome = services.result_create(
        actor=users.unoda, case=case, level="outcome", statement="Safe stockpiles."
    )
    indicator = services.indicator_create(actor=users.unoda, result=outcome, name="Sites")
    report = ProgressReport.objects.create(
        agreement=case.agreement,
        organization=case.requesting_organization,
        period_start=case.agreement.start_date,
        period_end=case.agreement.start_date,
        status="on_track",
        percent_done=10,
        narrative="Started.",
        submitted_by=users.recipient,
    )
    IndicatorActual.objects.create(report=report, indicator=indicator, value=Decimal("3"))
    client.force_login(users.unoda)
    response = client.post(
        url(case), {"action": "indicator-remove", "indicator": indicator.pk}, follow=True
    )
    assert response.status_code == 200
    assert "Progress reports gave values for the indicator" in response.content.decode()
    assert Indicator.objects.filter(pk=indicator.pk).exists()


def test_a_common_indicator_is_added_in_one_click_in_the_editors_language(client, users, make_case):
    stockpile = Category.objects.get(code="stockpile")
    case = make_case("draft", categories=[stockpile])
    template = IndicatorTemplate.objects.filter(category=stockpile).first()
    client.force_login(users.recipient)
    body = client.get(url(case)).content.decode()
    assert template.name_en in body
    assert "Add an outcome or an output first" in body
    outcome = services.result_create(
        actor=users.recipient, case=case, level="outcome", statement="Safe stockpiles."
    )
    template.name_fr = "Part des sites conformes"
    template.save()
    with translation.override("fr"):
        response = client.post(
            url(case),
            {"action": "indicator-template", "template": template.pk, "result": outcome.pk},
            HTTP_ACCEPT_LANGUAGE="fr",
        )
    assert response.status_code == 302
    indicator = Indicator.objects.get()
    assert indicator.template == template
    assert indicator.name in ("Part des sites conformes", template.name_en)
    # A template of another category is refused with a message.
    other = IndicatorTemplate.objects.exclude(category=stockpile).first()
    response = client.post(
        url(case),
        {"action": "indicator-template", "template": other.pk, "result": outcome.pk},
        follow=True,
    )
    assert "Choose one of the common indicators" in response.content.decode()
    assert Indicator.objects.count() == 1


def test_who_may_open_the_step(client, users, make_case):
    draft, published = make_case("draft"), make_case("published", title="Published one")
    for user, case, status in (
        (users.recipient, draft, 200),
        (users.unoda, draft, 200),
        (users.recipient, published, 403),
        (users.unoda, published, 200),
        (users.donor, published, 403),
        (users.other_recipient, draft, 404),
    ):
        client.force_login(user)
        assert client.get(url(case)).status_code == status, (user, case.status)
        response = client.post(url(case), {"action": "outcome-add", "outcome-statement": "X."})
        assert response.status_code in (status, 302) if status == 200 else status
    assert sorted(Result.objects.values_list("request_id", flat=True)) == [
        draft.pk,
        draft.pk,
        published.pk,
    ]


def test_the_case_page_links_to_the_step_for_those_who_edit(client, users, make_case):
    case = make_case("published")
    client.force_login(users.unoda)
    assert url(case) in client.get(f"/cases/{case.reference}/").content.decode()
    client.force_login(users.donor)
    assert url(case) not in client.get(f"/cases/{case.reference}/").content.decode()


def test_the_page_reads_the_same_queries_however_large_the_framework(
    client, users, make_case, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    stockpile = Category.objects.get(code="stockpile")
    case = make_case("draft", categories=[stockpile])
    client.force_login(users.recipient)

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url(case)).status_code == 200
        return len(queries)

    outcome = services.result_create(
        actor=users.recipient, case=case, level="outcome", statement="One."
    )
    services.indicator_create(actor=users.recipient, result=outcome, name="First")
    count()  # the first page of the session reads a few more
    small = count()
    for n in range(4):
        more = services.result_create(
            actor=users.recipient, case=case, level="outcome", statement=f"More {n}."
        )
        output = services.result_create(
            actor=users.recipient, case=case, level="output", statement=f"Out {n}.", outcome=more
        )
        for result in (more, output):
            services.indicator_create(actor=users.recipient, result=result, name=f"I {n}")
    assert count() == small
    with django_assert_max_num_queries(small):
        client.get(url(case, f"?edit=result-{outcome.pk}"))


def test_activity_lines_say_which_output_they_serve(client, users, make_case):
    case = make_case("draft")
    output = services.result_create(
        actor=users.recipient, case=case, level="output", statement="Doors fitted."
    )
    client.force_login(users.recipient)
    body = client.get(f"/cases/{case.reference}/edit/objectives/").content.decode()
    assert "Serves the output" in body
    assert "1. Doors fitted." in body
    data = {
        "objectives": "Secure the armoury.",
        "activities": "Doors.",
        "lines-TOTAL_FORMS": "1",
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "1000",
        "lines-0-id": "",
        "lines-0-description": "Fit the doors",
        "lines-0-estimated_cost": "1000",
        "lines-0-output": str(output.pk),
    }
    response = client.post(f"/cases/{case.reference}/edit/objectives/", data)
    assert response.status_code == 302
    line = Activity.objects.get()
    assert line.output == output
    # A row posted without the select keeps its output.
    data.pop("lines-0-output")
    data.update({"lines-0-id": str(line.pk), "lines-INITIAL_FORMS": "1"})
    client.post(f"/cases/{case.reference}/edit/objectives/", data)
    line.refresh_from_db()
    assert line.output == output
    # An output of another request is refused, and nothing changes.
    other = make_case("draft", title="Another")
    foreign = services.result_create(
        actor=users.recipient, case=other, level="output", statement="Elsewhere."
    )
    data["lines-0-output"] = str(foreign.pk)
    response = client.post(f"/cases/{case.reference}/edit/objectives/", data)
    assert response.status_code == 400
    line.refresh_from_db()
    assert line.output == output
