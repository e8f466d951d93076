"""The API reads the content types each operation is meant for, and says so in its schema: JSON,
multipart only where files are uploaded (and the token's form fields); any other body is a 415
in the API's error format, and nothing is written."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from rest_framework.authtoken.models import Token

from apps.cases.models import Attachment, Comment

from .test_requests import assert_error

pytestmark = pytest.mark.django_db

JSON = "application/json"
MULTIPART = "multipart/form-data"
# Operations that take files: multipart (with JSON where the files are optional).
FILE_OPERATIONS = {
    ("post", "/api/v1/requests/{reference}/attachments/"): {MULTIPART},
    ("post", "/api/v1/requests/{reference}/agreement/documents/"): {MULTIPART},
    ("post", "/api/v1/requests/{reference}/agreement/"): {JSON, MULTIPART},
    ("patch", "/api/v1/requests/{reference}/agreement/"): {JSON, MULTIPART},
    ("post", "/api/v1/requests/{reference}/milestones/{id}/complete/"): {JSON, MULTIPART},
    ("post", "/api/v1/requests/{reference}/progress-reports/"): {JSON, MULTIPART},
    # A user name and password: JSON, or the form fields of `curl -d`.
    ("post", "/api/v1/auth/token/"): {JSON, "application/x-www-form-urlencoded"},
}


def _auth(user):
    token, _ = Token.objects.get_or_create(user=user)
    return {"HTTP_AUTHORIZATION": f"Token {token.key}"}


def test_the_schema_lists_only_the_content_types_each_operation_takes(client):
    schema = client.get("/api/v1/schema/?format=json").json()
    seen = set()
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            body = operation.get("requestBody")
            if body is None:
                assert "415" not in operation["responses"], (method, path)  # nothing is read
                continue
            types = set(body["content"])
            assert types == FILE_OPERATIONS.get((method, path), {JSON}), (method, path)
            seen.add((method, path))
            error = operation["responses"]["415"]["content"][JSON]["schema"]["$ref"]
            assert error.endswith("/Error"), (method, path)
    assert set(FILE_OPERATIONS) <= seen


@pytest.mark.parametrize(
    "content_type",
    [
        "text/plain",
        "application/xml",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=BoUnDaRy",
        "*/*",
        "application/*",
    ],
)
def test_a_json_operation_refuses_any_other_body_with_a_415(users, make_case, content_type):
    case = make_case("published")
    response = Client().post(
        f"/api/v1/requests/{case.reference}/comments/",
        data=b"body=Hello",
        content_type=content_type,
        **_auth(users.recipient),
    )
    error = assert_error(response, 415)
    assert error["code"] == "unsupported_media_type"
    assert response["Content-Type"] == JSON
    assert not Comment.objects.filter(request=case).exists()
    # The same body as JSON is taken.
    response = Client().post(
        f"/api/v1/requests/{case.reference}/comments/",
        data={"body": "Hello"},
        content_type=JSON,
        **_auth(users.recipient),
    )
    assert response.status_code == 201, response.content


def test_a_file_upload_takes_multipart_only(users, make_case, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    case = make_case("draft")
    url = f"/api/v1/requests/{case.reference}/attachments/"
    response = Client().post(
        url, {"kind": "proposal", "title": "Plan"}, content_type=JSON, **_auth(users.recipient)
    )
    assert assert_error(response, 415)["code"] == "unsupported_media_type"
    assert not Attachment.objects.filter(request=case).exists()
    response = Client().post(
        url,
        {"kind": "proposal", "file": SimpleUploadedFile("plan.pdf", b"%PDF-1.4\n%%EOF\n")},
        **_auth(users.recipient),
    )
    assert response.status_code == 201, response.content


def test_a_patch_in_another_content_type_changes_nothing(users, make_case):
    case = make_case("draft")
    response = Client().patch(
        f"/api/v1/requests/{case.reference}/",
        data="title=Changed",
        content_type="application/x-www-form-urlencoded",
        **_auth(users.recipient),
    )
    assert_error(response, 415)
    case.refresh_from_db()
    assert case.title != "Changed"
