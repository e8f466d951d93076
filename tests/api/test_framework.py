"""The results framework in the API: read in a request's detail and under ``results/`` and
``indicators/`` by whoever sees the case, written through the framework's services by whoever
may edit the proposal (the State while it is theirs to edit, UNODA until the end), scoped and
refused as the pages are."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.cases import services
from apps.cases.models import Category, Indicator, IndicatorTemplate, Result, Visibility
from apps.followup.models import IndicatorActual, ProgressReport
from apps.security.models import AuditEvent

from .test_requests import assert_error

pytestmark = pytest.mark.django_db


def _url(case, tail=""):
    return f"/api/v1/requests/{case.reference}/{tail}"


def framework(case, actor):
    outcome = services.result_create(
        actor=actor, case=case, level="outcome", statement="Stockpiles kept safe."
    )
    output = services.result_create(
        actor=actor, case=case, level="output", statement="Doors fitted.", outcome=outcome
    )
    lonely = services.result_create(actor=actor, case=case, level="output", statement="Racks.")
    indicator = services.indicator_create(
        actor=actor,
        result=outcome,
        name="Sites meeting the standards",
        measure=2,
        baseline_value=Decimal("10"),
        baseline_date=datetime.date(2026, 1, 1),
        target_value=Decimal("80"),
        target_date=datetime.date(2027, 1, 1),
    )
    services.indicator_create(actor=actor, result=output, name="Doors", unit="doors")
    return outcome, output, lonely, indicator


def test_the_detail_reads_the_framework_nested(api, users, make_case):
    case = make_case("published", visibility=Visibility.ALL_DONORS)
    outcome, output, lonely, indicator = framework(case, users.unoda)
    body = api(users.donor).get(_url(case)).json()["results_framework"]
    (read,) = body["outcomes"]
    assert (read["id"], read["level"], read["statement"]) == (
        outcome.pk,
        "outcome",
        "Stockpiles kept safe.",
    )
    (first,) = read["indicators"]
    assert first == {
        "id": indicator.pk,
        "result": outcome.pk,
        "position": 1,
        "name": "Sites meeting the standards",
        "unit": "",
        "measure": 2,
        "ascending": True,
        "baseline_value": "10.00",
        "baseline_date": "2026-01-01",
        "target_value": "80.00",
        "target_date": "2027-01-01",
        "means_of_verification": "",
        "by_sex": False,
        "template": None,
        "is_measurable": True,
    }
    (served,) = read["outputs"]
    assert (served["id"], served["outcome"], served["indicators"][0]["name"]) == (
        output.pk,
        outcome.pk,
        "Doors",
    )
    assert [row["id"] for row in body["other_outputs"]] == [lonely.pk]


def test_the_detail_reads_the_framework_in_a_fixed_number_of_queries(api, users, make_case):
    case = make_case("draft")
    client = api(users.recipient)
    counts = []
    for _round in range(2):
        framework(case, users.recipient)
        client.get(_url(case))  # the first read keeps the reference rows
        with CaptureQueriesContext(connection) as captured:
            assert client.get(_url(case)).status_code == 200
        counts.append(len(captured.captured_queries))
    assert counts[0] == counts[1]


def test_lists_are_scoped_as_the_case(api, users, make_case):
    case = make_case("draft")
    outcome, output, lonely, indicator = framework(case, users.recipient)
    rows = api(users.recipient).get(_url(case, "results/")).json()["results"]
    assert [row["id"] for row in rows] == [outcome.pk, output.pk, lonely.pk]
    rows = api(users.recipient).get(_url(case, "results/"), {"level": "output"}).json()
    assert [row["id"] for row in rows["results"]] == [output.pk, lonely.pk]
    rows = api(users.recipient).get(_url(case, "indicators/"), {"result": output.pk}).json()
    assert [row["name"] for row in rows["results"]] == ["Doors"]
    # A draft is the State's and UNODA's: others do not find it, nor its records.
    for user in (users.donor, users.other_recipient):
        assert_error(api(user).get(_url(case, "results/")), 404)
        assert_error(api(user).get(_url(case, f"indicators/{indicator.pk}/")), 404)
    # A record of another case is not found under this one.
    other = make_case("draft", title="Another")
    assert_error(api(users.recipient).get(_url(other, f"results/{outcome.pk}/")), 404)


def test_the_state_writes_the_framework_while_it_edits_the_request(api, users, make_case):
    case = make_case("draft")
    client = api(users.recipient)
    response = client.post(
        _url(case, "results/"),
        {"level": "outcome", "statement": "Fewer weapons diverted."},
        format="json",
    )
    assert response.status_code == 201, response.content
    outcome = response.json()
    response = client.post(
        _url(case, "results/"),
        {"level": "output", "statement": "Armouries secured.", "outcome": outcome["id"]},
        format="json",
    )
    assert response.status_code == 201, response.content
    output = response.json()
    assert output["outcome"] == outcome["id"]
    response = client.post(
        _url(case, "indicators/"),
        {
            "result": outcome["id"],
            "name": "Weapons marked",
            "unit": "weapons",
            "baseline_value": "0",
            "baseline_date": "2026-01-01",
            "target_value": "5000.50",
            "target_date": "2027-01-01",
            "by_sex": False,
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    indicator = response.json()
    assert (indicator["target_value"], indicator["is_measurable"]) == ("5000.50", True)
    response = client.patch(
        _url(case, f"indicators/{indicator['id']}/"), {"unit": "firearms"}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["unit"] == "firearms"
    response = client.patch(
        _url(case, f"results/{output['id']}/"), {"outcome": None}, format="json"
    )
    assert response.json()["outcome"] is None
    assert client.delete(_url(case, f"indicators/{indicator['id']}/")).status_code == 204
    assert client.delete(_url(case, f"results/{output['id']}/")).status_code == 204
    assert list(Result.objects.values_list("pk", flat=True)) == [outcome["id"]]
    assert not Indicator.objects.exists()
    actions = set(
        AuditEvent.objects.filter(object_id=case.reference).values_list("detail__action", flat=True)
    )
    assert {"result_create", "indicator_create", "indicator_update", "result_update"} <= actions
    assert {"indicator_remove", "result_remove"} <= actions


def test_writes_are_refused_as_on_the_pages(api, users, make_case):
    case = make_case("published", visibility=Visibility.ALL_DONORS)
    outcome, _output, _lonely, indicator = framework(case, users.unoda)
    body = {"level": "outcome", "statement": "Not yours."}
    # The State no longer edits a published request; a donor never does.
    for user in (users.recipient, users.donor):
        assert_error(api(user).post(_url(case, "results/"), body, format="json"), 403)
        response = api(user).patch(
            _url(case, f"indicators/{indicator.pk}/"), {"name": "x"}, format="json"
        )
        assert_error(response, 403)
        assert_error(api(user).delete(_url(case, f"results/{outcome.pk}/")), 403)
    # Another State does not see the case at all.
    assert_error(api(users.other_recipient).post(_url(case, "results/"), body, format="json"), 404)
    assert Result.objects.count() == 3
    assert Indicator.objects.get(pk=indicator.pk).name == "Sites meeting the standards"
    # UNODA edits until the end.
    response = api(users.unoda).post(_url(case, "results/"), body, format="json")
    assert response.status_code == 201


def test_bad_input_is_refused_with_the_fields_and_nothing_is_written(api, users, make_case):
    case = make_case("draft")
    outcome, output, _lonely, indicator = framework(case, users.recipient)
    client = api(users.recipient)
    before = (Result.objects.count(), Indicator.objects.count())
    # What the schema refuses is a 400; what the framework's rules refuse, a 409 (the API's
    # statuses, docs/architecture.md); either way the field is named and nothing is written.
    cases = [
        ("results/", {"level": "goal", "statement": "x"}, "level", 400),
        ("results/", {"level": "outcome", "statement": ""}, "statement", 400),
        ("results/", {"level": "output", "statement": "x", "outcome": output.pk}, "outcome", 409),
        ("results/", {"level": "outcome", "statement": "x", "colour": "red"}, "colour", 400),
        ("indicators/", {"result": 2**62, "name": "x"}, "result", 409),
        (
            "indicators/",
            {"result": outcome.pk, "name": "x", "target_value": "-1"},
            "target_value",
            400,
        ),
        (
            "indicators/",
            {"result": outcome.pk, "name": "x", "measure": 2, "target_value": "101"},
            "target_value",
            409,
        ),
        (
            "indicators/",
            {
                "result": outcome.pk,
                "name": "x",
                "baseline_date": "2027-01-01",
                "target_date": "2026-01-01",
            },
            "target_date",
            409,
        ),
        ("indicators/", {"result": outcome.pk, "name": "x", "template": 2**40}, "template", 409),
    ]
    for tail, body, field, status in cases:
        error = assert_error(client.post(_url(case, tail), body, format="json"), status)
        assert field in error["fields"], (body, error)
    response = client.patch(
        _url(case, f"indicators/{indicator.pk}/"), {"target_date": "2025-01-01"}, format="json"
    )
    assert "target_date" in assert_error(response, 409)["fields"]
    assert (Result.objects.count(), Indicator.objects.count()) == before
    indicator.refresh_from_db()
    assert indicator.target_date == datetime.date(2027, 1, 1)


def test_an_indicator_from_a_common_one_of_the_requests_categories(api, users, make_case):
    stockpile = Category.objects.get(code="stockpile")
    case = make_case("draft", categories=[stockpile])
    outcome = services.result_create(
        actor=users.recipient, case=case, level="outcome", statement="Safe stockpiles."
    )
    template = IndicatorTemplate.objects.filter(category=stockpile).first()
    template.name_es = "Proporción de sitios"
    template.save()
    response = api(users.recipient).post(
        _url(case, "indicators/"),
        {"result": outcome.pk, "template": template.pk, "target_value": "75"},
        format="json",
        HTTP_ACCEPT_LANGUAGE="es",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["template"], body["name"], body["measure"], body["target_value"]) == (
        template.pk,
        "Proporción de sitios",
        template.measure,
        "75.00",
    )


def test_removing_what_progress_reports_measured_is_a_409(api, users, make_case):
    case = make_case("implementation")
    outcome, _output, _lonely, indicator = framework(case, users.unoda)
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
    IndicatorActual.objects.create(report=report, indicator=indicator, value=Decimal("20"))
    client = api(users.unoda)
    error = assert_error(client.delete(_url(case, f"indicators/{indicator.pk}/")), 409)
    assert error["code"] == "has_actuals"
    assert_error(client.delete(_url(case, f"results/{outcome.pk}/")), 409)
    assert Indicator.objects.filter(pk=indicator.pk).exists()
    assert_error(client.put(_url(case, f"results/{outcome.pk}/"), {}, format="json"), 405)
