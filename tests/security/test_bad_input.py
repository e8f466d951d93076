"""Bad input fails cleanly: a clear 4xx, never a 500, nothing stored half-way."""

import pytest
from django.apps import apps
from django.test import Client

from apps.cases import services
from apps.cases.models import AssistanceRequest, Comment
from tests.security.test_access_matrix import fill_route, url_patterns

pytestmark = pytest.mark.django_db

INJECTIONS = [
    "'; DROP TABLE cases_assistancerequest; --",
    '" OR 1=1 --',
    "{{ settings.SECRET_KEY }}",
    "{% debug %}",
    "${7*7} #{7*7} <%= 7*7 %>",
    '<script>alert("x")</script>',
    '<img src=x onerror="alert(1)">',
]
TEXT_FIELDS = (
    "title",
    "summary",
    "background",
    "objectives",
    "activities",
    "expected_results",
    "beneficiaries",
    "national_ownership",
    "sustainability",
    "risks",
)


def snapshot():
    """Row counts of every model of the portal's own apps."""
    return {
        model._meta.label: model._default_manager.count()
        for model in apps.get_models()
        if model._meta.app_label
        in {"cases", "funding", "followup", "organizations", "accounts", "notifications"}
    }


def test_oversize_body_is_refused_before_reading(client, users, settings):
    settings.PORTAL_REQUEST_MAX_BYTES = 10_000
    client.force_login(users.recipient)
    before = snapshot()
    response = client.post(
        "/cases/new/", data=b"x" * 20_000, content_type="application/octet-stream"
    )
    assert response.status_code == 413
    assert snapshot() == before


def test_too_many_form_bytes_is_a_413(client, users, make_case, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    case = make_case("draft")
    client.force_login(users.recipient)
    before = snapshot()
    response = client.post(f"/cases/{case.reference}/comment/", {"body": "x" * 5000})
    assert response.status_code == 413
    assert "Nothing was saved." in response.content.decode()
    response = client.post(
        f"/api/v1/requests/{case.reference}/",
        data='{"title": "' + "x" * 5000 + '"}',
        content_type="application/json",
    )
    assert 400 <= response.status_code < 500
    assert snapshot() == before


def test_malformed_multipart_is_a_400(client, users, make_case):
    case = make_case("draft")
    client.force_login(users.recipient)
    before = snapshot()
    response = client.generic(
        "POST",
        f"/cases/{case.reference}/attachments/",
        data=b'--nope\r\nContent-Disposition: form-data; name="file"\r\n\r\ntruncated',
        content_type="multipart/form-data; boundary=",
    )
    assert response.status_code == 400
    assert snapshot() == before


def test_invalid_utf8_in_query_and_body(client, users, make_case):
    case = make_case("draft")
    client.force_login(users.recipient)
    assert client.get("/cases/?status=%ff%fe%fd&q=%c3%28").status_code in (200, 400)
    assert client.get("/api/v1/requests/?status=%ff%fe").status_code in (200, 400)
    response = client.post(
        f"/cases/{case.reference}/comment/",
        data=b"body=%ff%fe%fd&visibility=shared",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code < 500
    response = client.generic(
        "PATCH",
        f"/api/v1/requests/{case.reference}/",
        data=b'{"title": "\xff\xfe"}',
        content_type="application/json",
    )
    assert response.status_code == 400
    case.refresh_from_db()
    assert case.title == "Secure the central armoury"
    assert Comment.objects.filter(request=case).count() <= 1  # the bytes, replaced, or nothing


def test_malformed_json_and_forms_are_4xx(client, users, make_case):
    case = make_case("draft")
    client.force_login(users.recipient)
    for body in ("{not json", "[]", '{"title": {"nested": 1}}', '{"budget_amount": "abc"}'):
        response = client.patch(
            f"/api/v1/requests/{case.reference}/", data=body, content_type="application/json"
        )
        assert response.status_code == 400, body
    response = client.post(f"/cases/{case.reference}/edit/budget/", {"budget_amount": "lots"})
    assert response.status_code in (200, 400)
    case.refresh_from_db()
    assert case.budget_amount is None or str(case.budget_amount) != "lots"


@pytest.mark.parametrize("payload", INJECTIONS)
def test_injection_strings_are_stored_as_text_and_shown_escaped(client, users, orgs, payload):
    case = services.request_create(
        actor=users.recipient,
        organization=orgs.recipient,
        **{field: f"{payload} [{field}]" for field in TEXT_FIELDS},
    )
    stored = AssistanceRequest.objects.get(pk=case.pk)
    for field in TEXT_FIELDS:
        assert getattr(stored, field) == f"{payload} [{field}]"
    services.comment_add(actor=users.recipient, case=case, body=payload)
    client.force_login(users.recipient)
    pages = [
        f"/cases/{case.reference}/",
        "/cases/",
        "/",
        *[f"/cases/{case.reference}/edit/{step}/" for step in ("basics", "proposal")],
    ]
    for path in pages:
        response = client.get(path)
        assert response.status_code in (200, 404), path
        html = response.content.decode()
        assert "<script>alert" not in html, path
        assert "<img src=x" not in html, path
        assert "test-only-not-secret" not in html, path
    detail = client.get(f"/cases/{case.reference}/").content.decode()
    assert "&lt;script&gt;" in detail or "script" not in payload
    api = client.get(f"/api/v1/requests/{case.reference}/").json()
    assert api["title"] == f"{payload} [title]"
    assert AssistanceRequest.objects.count() >= 1  # the table is still there


def test_path_traversal_in_an_uploaded_name_is_neutralised(
    client, users, make_case, settings, tmp_path
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = tmp_path / "media"
    case = make_case("draft")
    client.force_login(users.recipient)
    client.post(
        f"/cases/{case.reference}/attachments/",
        {
            "kind": "proposal",
            "title": "",
            "file": SimpleUploadedFile("../../../outside.pdf", b"%PDF-1.4\n%%EOF\n"),
            "back": "detail",
        },
    )
    attachment = case.attachments.get()
    assert ".." not in attachment.file.name
    assert attachment.file.path.startswith(str(settings.MEDIA_ROOT))
    assert not (tmp_path / "outside.pdf").exists()


CSRF_EXEMPT = {
    "api:token",  # no session: a user name and password are the credentials
    "api:not-found",  # answers 404 to anything
}


def test_posts_without_a_csrf_token_are_refused_and_store_nothing(users, make_case):
    """Every URL of the portal refuses a POST without the CSRF token from a signed-in browser
    session (403), and nothing is written."""
    case = make_case("draft")
    values = {
        "reference": case.reference,
        "pk": 1,
        "format": "json",
        "table": "cases",
        "fmt": "csv",
        "step": "basics",
        "action": "confirm",
        "uidb64": "MQ",
        "token": "set-password",
        "attachment_id": 1,
        "document_id": 1,
        "item_id": 1,
    }
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(users.unoda)
    before = snapshot()
    wrong = []
    for name, route in url_patterns():
        if name in CSRF_EXEMPT:
            continue
        path = fill_route(route, values)
        data = {"title": "x", "body": "x", "transition": "submit"}
        response = browser.post(path, data)
        if name.startswith("api:") and response.status_code == 415:
            # The API reads JSON (multipart where files are uploaded; anything else is a 415
            # before all): the CSRF check must refuse what it would read.
            response = browser.post(path, data, content_type="application/json")
        if response.status_code != 403:
            wrong.append(f"{name} {path}: {response.status_code}")
    assert not wrong, "\n".join(wrong)
    assert snapshot() == before


FRAMEWORK_ACTIONS = (
    "outcome-add",
    "output-add",
    "result-edit",
    "result-remove",
    "indicator-add",
    "indicator-template",
    "indicator-edit",
    "indicator-remove",
    "nonsense",
)
FRAMEWORK_FIELDS = (
    "result",
    "indicator",
    "template",
    "outcome-statement",
    "output-statement",
    "output-outcome",
    "edit-statement",
    "edit-outcome",
    *(
        f"indicator-{name}"
        for name in (
            "name",
            "unit",
            "measure",
            "baseline_value",
            "baseline_date",
            "target_value",
            "target_date",
            "means_of_verification",
        )
    ),
)


@pytest.mark.parametrize("value", ["-1", "99999999999999999999999", "\x00", "1e400", "abc", "٣"])
def test_hostile_values_to_the_results_framework_step_fail_cleanly(client, users, make_case, value):
    """Every action of the wizard's results framework step, every field given ``value``: a
    message or the form again (never a 500), and a refusal writes nothing."""
    case = make_case("draft")
    outcome = services.result_create(
        actor=users.recipient, case=case, level="outcome", statement="Safe stockpiles."
    )
    services.indicator_create(actor=users.recipient, result=outcome, name="Sites")
    client.force_login(users.recipient)
    for action in FRAMEWORK_ACTIONS:
        before = snapshot()
        data = {"action": action, **dict.fromkeys(FRAMEWORK_FIELDS, value)}
        response = client.post(f"/cases/{case.reference}/edit/framework/", data)
        assert response.status_code in (302, 400), (action, response.status_code)
        if response.status_code == 400:
            assert snapshot() == before, action


@pytest.mark.parametrize("payload", INJECTIONS[:3] + INJECTIONS[5:])
def test_injection_strings_in_the_framework_are_shown_escaped(client, users, make_case, payload):
    case = make_case("draft")
    outcome = services.result_create(
        actor=users.recipient, case=case, level="outcome", statement=payload
    )
    services.indicator_create(
        actor=users.recipient, result=outcome, name=payload, means_of_verification=payload
    )
    client.force_login(users.recipient)
    html = client.get(f"/cases/{case.reference}/edit/framework/").content.decode()
    assert "<script>alert" not in html
    assert "<img src=x" not in html
    api = client.get(f"/api/v1/requests/{case.reference}/").json()
    assert api["results_framework"]["outcomes"][0]["statement"] == payload
