"""The lessons-learned page read by a State official and by a donor in French and in Arabic,
in a real browser (issue 23); screenshots go to artifacts/screenshots/lessons-<who>-<lang>.png."""

import pytest

pytest.importorskip("playwright", reason="the browser tests need the test group (playwright)")

from django.conf import settings
from django.test import Client
from django.utils import translation
from playwright.sync_api import expect

from apps.cases import services as case_services
from apps.followup import services
from tests.conftest import RATINGS, build_case

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

LESSON = "Former les magasiniers avant l'arrivée des nouveaux râteliers."


def _published(orgs, users):
    case = build_case(orgs=orgs, users=users, status="feedback")
    services.feedback_submit(
        actor=users.recipient, case=case, lessons_learned=LESSON, share_lessons=True, **RATINGS
    )
    services.feedback_submit(actor=users.donor, case=case, **RATINGS)
    case_services.request_transition(actor=users.unoda, case=case, transition="close")
    return services.lesson_publish(
        actor=users.unoda, case=case, title="Former d'abord / التدريب أولا", body=LESSON
    )


@pytest.mark.parametrize(("language", "direction"), [("fr", "ltr"), ("ar", "rtl")])
@pytest.mark.parametrize("who", ["recipient", "donor"])
def test_a_state_and_a_donor_read_the_lessons_in_french_and_arabic(
    browser, live_server, orgs, users, shot, language, direction, who
):
    lesson = _published(orgs, users)
    with translation.override(language):
        heading = translation.gettext("Lessons learned")
        search = translation.gettext("Search")
    assert heading != "Lessons learned"  # the catalogue has it
    client = Client()
    client.force_login(getattr(users, who))
    host = live_server.url.split("//", 1)[1].split(":")[0]
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.add_cookies(
        [
            {"name": settings.SESSION_COOKIE_NAME, "value": client.cookies[
                settings.SESSION_COOKIE_NAME].value, "domain": host, "path": "/"},
            {"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "domain": host,
             "path": "/"},
        ]
    )  # fmt: skip
    page = context.new_page()
    page.goto(f"{live_server.url}/")
    # Reached from the menu, in the reader's language.
    page.get_by_role("link", name=heading, exact=True).first.click()
    html = page.locator("html")
    expect(html).to_have_attribute("lang", language)
    expect(html).to_have_attribute("dir", direction)
    expect(page.get_by_role("heading", level=1, name=heading)).to_be_visible()
    expect(page.get_by_role("heading", level=2, name=lesson.title)).to_be_visible()
    expect(page.get_by_text(LESSON)).to_be_visible()
    shot(page, f"lessons-{who}-{language}")
    # Searching in the page's own form finds it, and a word it does not hold finds nothing.
    page.get_by_label(search).fill("magasiniers")
    page.get_by_role("button", name=search).click()
    expect(page.get_by_role("heading", level=2, name=lesson.title)).to_be_visible()
    page.get_by_label(search).fill("introuvable")
    page.get_by_role("button", name=search).click()
    expect(page.get_by_role("heading", level=2, name=lesson.title)).to_have_count(0)
    context.close()
