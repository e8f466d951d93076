"""The browser walk against the production-like server (gunicorn, Celery worker and beat from
``scripts/serve.sh --demo``, with DEBUG off and hashed static files), not Django's live server:
each demo role signs in and opens every page of its menu. Runs only when PORTAL_SERVED_URL
names the server (CI's last step does, .ci/run); skipped in the ordinary test run."""

import os
import urllib.request

import pytest
from django_otp.oath import TOTP
from playwright.sync_api import expect

from apps.portal.management.commands.seed_demo import DEMO_PASSWORD
from apps.security.demo_devices import DEMO_TOTP_KEY_HEX

SERVED_URL = os.environ.get("PORTAL_SERVED_URL", "").rstrip("/")
pytestmark = pytest.mark.skipif(not SERVED_URL, reason="PORTAL_SERVED_URL is not set")


def demo_code() -> str:
    """The demo authenticator's current code (seed_demo's devices: RFC 6238 defaults)."""
    return f"{TOTP(bytes.fromhex(DEMO_TOTP_KEY_HEX)).token():06d}"


def test_the_served_health_report_is_ok():
    with urllib.request.urlopen(f"{SERVED_URL}/health/", timeout=10) as response:  # noqa: S310
        assert response.status == 200
        assert response.read() == b"ok\n"


@pytest.mark.parametrize("username", ["recipient", "donor", "partner", "officer"])
def test_each_role_opens_every_page_of_its_menu(browser, shot, username):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(f"{SERVED_URL}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    if "/security/otp/verify/" in page.url:
        page.get_by_label("Code from your authenticator app").fill(demo_code())
        page.get_by_role("button", name="Verify").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Welcome")

    links = page.locator("nav.main-menu a").evaluate_all("links => links.map(a => a.href)")
    assert links, "the menu has links"
    for link in dict.fromkeys(links):
        response = page.goto(link)
        assert response is not None
        assert response.status < 400, f"{link}: {response.status}"
        # Static files come from collectstatic's hashed names, served by whitenoise.
        assert page.locator("link[rel=stylesheet]").count() > 0
    shot(page, f"served-{username}")
    context.close()
