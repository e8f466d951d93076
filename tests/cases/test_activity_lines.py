"""A request's activity lines: edited with the proposal (by the State while it writes, by UNODA
until the end), refused clearly when a cost is not a number or negative, made from the
narrative text by migration cases 0012, shown on the case page and in the API's detail."""

import importlib
from decimal import Decimal

import pytest
from django.apps import apps as global_apps
from django.core.exceptions import ValidationError

from apps.cases import services
from apps.cases.models import Activity, AssistanceRequest
from apps.security.models import AuditEvent

migration = importlib.import_module("apps.cases.migrations.0013_activity_lines")


def rows(case):
    return list(
        Activity.objects.filter(request=case)
        .order_by("position")
        .values_list("pk", "position", "description", "estimated_cost")
    )


def formset(lines, extra=2, initial=0):
    """The posted rows of the lines' formset: ``lines`` as (id, description, cost, remove)."""
    data = {
        "lines-TOTAL_FORMS": str(len(lines) + extra),
        "lines-INITIAL_FORMS": str(initial),
        "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "1000",
    }
    for n, (pk, description, cost, remove) in enumerate(lines):
        data[f"lines-{n}-id"] = "" if pk is None else str(pk)
        data[f"lines-{n}-description"] = description
        data[f"lines-{n}-estimated_cost"] = cost
        if remove:
            data[f"lines-{n}-remove"] = "on"
    for n in range(len(lines), len(lines) + extra):
        data[f"lines-{n}-id"] = ""
        data[f"lines-{n}-description"] = ""
        data[f"lines-{n}-estimated_cost"] = ""
    return data


# --- The service -------------------------------------------------------------------------------


def test_lines_are_written_in_order_kept_by_id_and_removed(make_case, users):
    case = make_case("draft", budget_currency="EUR")
    services.request_update(
        actor=users.recipient,
        case=case,
        activity_lines=[
            {"description": " Assessment ", "estimated_cost": "1 234,50"},
            {"description": "Training", "estimated_cost": Decimal("5000")},
            {"description": "", "estimated_cost": None},  # an empty row: left out
            {"description": "Evaluation"},
        ],
    )
    first = rows(case)
    assert [(p, d, c) for _pk, p, d, c in first] == [
        (1, "Assessment", Decimal("1234.50")),
        (2, "Training", Decimal("5000.00")),
        (3, "Evaluation", None),
    ]
    (a, *_), (t, *_), (e, *_) = first
    services.request_update(
        actor=users.recipient,
        case=case,
        activity_lines=[
            {"id": t, "description": "Training of 40 officers", "estimated_cost": "6000"},
            {"id": a, "description": "Assessment", "estimated_cost": "1234.50"},
        ],
    )
    assert rows(case) == [
        (t, 1, "Training of 40 officers", Decimal("6000.00")),
        (a, 2, "Assessment", Decimal("1234.50")),
    ]
    assert not Activity.objects.filter(pk=e).exists()
    audit = AuditEvent.objects.filter(object_id=case.reference).order_by("pk").last()
    assert audit.detail["activity_lines"] == {"changed": 2, "removed": 1}


@pytest.mark.parametrize(
    ("cost", "message"),
    [
        ("abc", "is not a number"),
        ("-5", "cannot be negative"),
        (Decimal("-0.01"), "cannot be negative"),
        ("12.345", "too many digits"),
        ("1e20", "is not a number"),
    ],
)
def test_a_bad_cost_is_refused_and_nothing_is_saved(make_case, users, cost, message):
    case = make_case("draft")
    services.request_update(
        actor=users.recipient, case=case, activity_lines=[{"description": "Assessment"}]
    )
    before = (rows(case), AssistanceRequest.objects.get(pk=case.pk).objectives)
    with pytest.raises(ValidationError) as refused:
        services.request_update(
            actor=users.recipient,
            case=case,
            objectives="Changed objectives",
            activity_lines=[
                {"description": "Assessment"},
                {"description": "Training", "estimated_cost": cost},
            ],
        )
    assert "Activity line 2" in str(refused.value)
    assert message in str(refused.value)
    assert (rows(case), AssistanceRequest.objects.get(pk=case.pk).objectives) == before


def test_a_line_of_another_case_or_a_cost_without_activity_is_refused(make_case, users):
    case, other = make_case("draft"), make_case("draft", title="Another request")
    services.request_update(
        actor=users.recipient, case=other, activity_lines=[{"description": "X"}]
    )
    foreign = Activity.objects.get(request=other)
    with pytest.raises(ValidationError, match="is not an activity of this request"):
        services.request_update(
            actor=users.recipient,
            case=case,
            activity_lines=[{"id": foreign.pk, "description": "Taken over"}],
        )
    with pytest.raises(ValidationError, match="describe the activity"):
        services.request_update(
            actor=users.recipient, case=case, activity_lines=[{"estimated_cost": "100"}]
        )
    assert rows(case) == []
    assert Activity.objects.get(pk=foreign.pk).description == "X"


def test_the_state_may_no_longer_edit_lines_once_submitted_but_unoda_may(make_case, users):
    case = make_case("published")
    with pytest.raises(Exception, match="cannot be edited"):
        services.request_update(
            actor=users.recipient, case=case, activity_lines=[{"description": "Late"}]
        )
    assert rows(case) == []
    services.request_update(actor=users.unoda, case=case, activity_lines=[{"description": "Ok"}])
    assert [d for _pk, _p, d, _c in rows(case)] == ["Ok"]


# --- The edit page -----------------------------------------------------------------------------


def test_the_objectives_step_edits_the_lines(client, make_case, users):
    case = make_case("draft", budget_currency="EUR")
    client.force_login(users.recipient)
    url = f"/cases/{case.reference}/edit/objectives/"
    page = client.get(url).content.decode()
    assert "Activity lines" in page
    assert 'name="lines-0-estimated_cost"' in page
    data = {"objectives": "Safer depots.", "activities": "Narrative."}
    data |= formset([(None, "Assessment", "1 234,50", False), (None, "Training", "", False)])
    response = client.post(url, data)
    assert response.status_code == 302
    saved = rows(case)
    assert [(d, c) for _pk, _p, d, c in saved] == [
        ("Assessment", Decimal("1234.50")),
        ("Training", None),
    ]
    # The page shows them again as rows to edit; removing one takes it out.
    page = client.get(url).content.decode()
    assert 'value="Assessment"' in page
    data = {"objectives": "Safer depots.", "activities": "Narrative."}
    data |= formset(
        [(saved[0][0], "Assessment", "1234.50", False), (saved[1][0], "Training", "", True)],
        initial=2,
    )
    assert client.post(url, data).status_code == 302
    assert [d for _pk, _p, d, _c in rows(case)] == ["Assessment"]
    # And the case page lists them.
    page = client.get(f"/cases/{case.reference}/").content.decode()
    assert "Assessment" in page
    assert "€1,234.50" in page


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("abc", "Enter a number"),
        ("-250", "An estimated cost cannot be negative."),
    ],
)
def test_a_bad_cost_on_the_page_keeps_what_was_typed_and_saves_nothing(
    client, make_case, users, typed, message
):
    case = make_case("draft")
    services.request_update(
        actor=users.recipient,
        case=case,
        objectives="Before.",
        activity_lines=[{"description": "A"}],
    )
    before = rows(case)
    client.force_login(users.recipient)
    data = {"objectives": "After.", "activities": ""}
    data |= formset(
        [(before[0][0], "A renamed", "10", False), (None, "New activity", typed, False)], initial=1
    )
    response = client.post(f"/cases/{case.reference}/edit/objectives/", data)
    assert response.status_code == 400
    page = response.content.decode()
    assert message in page
    assert f'value="{typed}"' in page
    assert 'value="New activity"' in page
    assert 'value="A renamed"' in page
    assert "After." in page
    assert rows(case) == before
    assert AssistanceRequest.objects.get(pk=case.pk).objectives == "Before."


def test_unoda_edits_the_lines_of_a_published_request(client, make_case, users):
    case = make_case("published")
    client.force_login(users.unoda)
    data = {"objectives": "Objectives.", "activities": "Narrative."}
    data |= formset([(None, "Added by UNODA", "900", False)])
    response = client.post(f"/cases/{case.reference}/edit/objectives/", data)
    assert response.status_code == 302
    assert [(d, c) for _pk, _p, d, c in rows(case)] == [("Added by UNODA", Decimal("900.00"))]


def test_a_post_without_the_rows_leaves_the_lines_alone(client, make_case, users):
    case = make_case("draft")
    services.request_update(actor=users.recipient, case=case, activity_lines=[{"description": "A"}])
    client.force_login(users.recipient)
    response = client.post(
        f"/cases/{case.reference}/edit/objectives/", {"objectives": "O.", "activities": "N."}
    )
    assert response.status_code == 302
    assert [d for _pk, _p, d, _c in rows(case)] == ["A"]


# --- The data migration ------------------------------------------------------------------------


def test_the_narrative_is_split_into_lines():
    text = (
        "Assessment of the depots\n"
        "\n"
        "  - Procurement of locks  \r\n"
        "• Training of 40 officers\n"
        "2) Evaluation\n"
        "10. Reporting to the donors\n"
        "-\n"
        "2026 budget review"
    )
    assert migration.split_lines(text) == [
        "Assessment of the depots",
        "Procurement of locks",
        "Training of 40 officers",
        "Evaluation",
        "Reporting to the donors",
        "2026 budget review",
    ]
    assert migration.split_lines("") == []
    assert migration.split_lines("One line only; with a semicolon") == [
        "One line only; with a semicolon"
    ]


def test_the_migration_makes_lines_from_the_narrative_of_existing_requests(make_case):
    written = make_case("published", activities="1. Assessment\n2. Training\n\n3. Evaluation")
    empty = make_case("draft", title="No activities", activities="")
    migration.lines_from_narrative(global_apps, None)
    assert [(p, d, c) for _pk, p, d, c in rows(written)] == [
        (1, "Assessment", None),
        (2, "Training", None),
        (3, "Evaluation", None),
    ]
    assert rows(empty) == []
    assert AssistanceRequest.objects.get(pk=written.pk).activities.startswith("1. Assessment")


# --- The API -----------------------------------------------------------------------------------


def test_the_api_detail_shows_the_lines_read_only(client, make_case, users):
    case = make_case("draft")
    services.request_update(
        actor=users.recipient,
        case=case,
        activity_lines=[
            {"description": "Assessment", "estimated_cost": "100"},
            {"description": "B"},
        ],
    )
    client.force_login(users.recipient)
    body = client.get(f"/api/v1/requests/{case.reference}/").json()
    assert [
        (a["position"], a["description"], a["estimated_cost"]) for a in body["activity_lines"]
    ] == [
        (1, "Assessment", "100.00"),
        (2, "B", None),
    ]
    listed = client.get("/api/v1/requests/").json()["results"][0]
    assert "activity_lines" not in listed
    response = client.patch(
        f"/api/v1/requests/{case.reference}/",
        data={"activity_lines": []},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert len(rows(case)) == 2
