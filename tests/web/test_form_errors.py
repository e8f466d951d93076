"""Forms announce their errors (issue 25, Must have 4): a form sent back with errors starts with
a summary read out at once (role=alert, focusable) that links to each field in error; each such
field is marked aria-invalid and described by its error, whose id exists on the page."""

import re
from html.parser import HTMLParser

import pytest

pytestmark = pytest.mark.django_db


class Elements(HTMLParser):
    """Every element's attributes, and the text of the error summaries."""

    def __init__(self, html: str):
        super().__init__()
        self.elements: list[tuple[str, dict]] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, {name: value or "" for name, value in attrs}))

    def ids(self) -> set[str]:
        return {attrs["id"] for _tag, attrs in self.elements if "id" in attrs}

    def with_class(self, name: str) -> list[dict]:
        return [a for _t, a in self.elements if name in a.get("class", "").split()]

    def invalid(self) -> list[dict]:
        return [attrs for _tag, attrs in self.elements if attrs.get("aria-invalid") == "true"]


def summary_links(html: str) -> list[str]:
    summary = re.search(r'<div class="error-summary".*?</div>', html, re.S)
    assert summary, "no error summary"
    return re.findall(r'href="#([^"]+)"', summary.group(0))


def assert_announced(html: str, *, fields: int) -> None:
    page = Elements(html)
    (summary,) = page.with_class("error-summary")
    assert summary["role"] == "alert"
    assert summary["tabindex"] == "-1"
    invalid = page.invalid()
    assert len(invalid) == fields, invalid
    ids = page.ids()
    for attrs in invalid:
        described = attrs.get("aria-describedby", "").split()
        assert described, attrs
        assert all(name in ids for name in described), (described, attrs)
    links = summary_links(html)
    assert len(links) >= fields
    assert all(target in ids for target in links), links
    assert {attrs["id"] for attrs in invalid} <= set(links)


def test_sign_in_with_a_wrong_password_has_a_summary(client, users):
    response = client.post(
        "/accounts/login/", {"username": users.recipient.username, "password": "wrong"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    page = Elements(html)
    (summary,) = page.with_class("error-summary")
    assert summary["role"] == "alert"
    assert "Please enter a correct username and password" in html


def test_sign_in_with_empty_fields_marks_both(client, db):
    response = client.post("/accounts/login/", {"username": "", "password": ""})
    assert_announced(response.content.decode(), fields=2)


def test_a_form_rendered_by_django_as_p_has_the_summary(client, users):
    """The two-factor form is rendered with ``form.as_p`` (Django's p.html, overridden)."""
    from apps.security.demo_devices import demo_totp_device

    demo_totp_device(users.unoda)
    client.post("/accounts/login/", {"username": "unoda", "password": "x"})  # no session
    client.force_login(users.unoda)
    session = client.session
    session.pop("otp_device_id", None)
    session.save()
    response = client.post("/security/otp/verify/", {"token": "abc"})
    assert response.status_code == 200, response.status_code
    html = response.content.decode()
    assert 'class="error-summary"' in html
    assert Elements(html).invalid()


def test_an_edit_step_with_an_error_marks_the_field(client, users, make_case):
    case = make_case("draft")
    client.force_login(users.recipient)
    response = client.post(
        f"/cases/{case.reference}/edit/basics/",
        {"title": case.title, "priority": "", "duration_months": "many"},
    )
    assert response.status_code == 400  # the form again, as sent
    assert_announced(response.content.decode(), fields=2)  # the priority and the duration


def test_a_refused_transition_on_the_case_page_is_summarised(client, users, make_case):
    case = make_case("under_review")
    client.force_login(users.unoda)
    response = client.post(
        f"/cases/{case.reference}/transition/",
        {"transition": "return_for_revision", "comment": "", "expected_status": case.status},
    )
    assert response.status_code == 400
    html = response.content.decode()
    page = Elements(html)
    (summary,) = page.with_class("error-summary")
    assert summary["role"] == "alert"
    assert summary["id"] == "errors-return_for_revision"
    (field,) = page.invalid()
    assert field["id"] == "comment-return_for_revision"
    assert field["aria-describedby"] == "errors-return_for_revision"
    assert summary_links(html) == ["comment-return_for_revision"]


def test_an_empty_comment_on_the_case_page_is_summarised(client, users, make_case):
    case = make_case("under_review")
    client.force_login(users.unoda)
    response = client.post(f"/cases/{case.reference}/comment/", {"body": ""})
    assert response.status_code == 400
    assert_announced(response.content.decode(), fields=1)


def test_a_valid_page_has_no_summary(client, users, make_case):
    case = make_case("under_review")
    client.force_login(users.unoda)
    html = client.get(f"/cases/{case.reference}/").content.decode()
    assert "error-summary" not in html
    assert 'aria-invalid="true"' not in html
