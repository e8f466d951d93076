"""Two-factor in a real browser: an officer without an authenticator enrols from the QR page
(the key read off the page as a person would type it), stores the backup codes shown once, then
signs in again in Arabic with a backup code instead of the app. axe-core audits every page
(tests/browser/conftest.py), the QR code's text alternative included."""

import base64
import re

import pytest
from django_otp.oath import TOTP
from playwright.sync_api import expect

from apps.security.selectors import otp_backup_codes_remaining
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def password_step(page, live_server, username):
    page.goto(f"{live_server.url}/accounts/login/")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()


def test_enrol_with_the_qr_page_then_sign_in_with_a_backup_code_in_arabic(
    browser, live_server, shot
):
    officer = UserFactory(username="newofficer", is_unoda_officer=True)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    password_step(page, live_server, "newofficer")
    page.goto(f"{live_server.url}/")
    page.wait_for_url(re.compile(r"/security/otp/enrol/"))
    qr = page.get_by_role("img", name=re.compile("QR code"))
    expect(qr).to_be_visible()
    assert qr.get_attribute("src").startswith("data:image/svg+xml")
    assert qr.evaluate("img => img.naturalWidth") > 0  # the CSP let the data: SVG draw
    shot(page, "two-factor-enrol")
    key = page.locator("code.secret").inner_text()
    expect(page.locator(".otp-details")).to_contain_text("UN PoA assistance portal")
    code = TOTP(base64.b32decode(key.replace(" ", ""))).token()
    page.get_by_label("Code from your authenticator app").fill(f"{code:06d}")
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your backup codes")
    codes = page.locator(".backup-codes code").all_inner_texts()
    assert len(codes) == 10
    shot(page, "two-factor-backup-codes")
    page.get_by_role("link", name=re.compile("continue")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Welcome")
    context.close()

    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_role("button", name="العربية").click()
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    password_step(page, live_server, "newofficer")
    page.wait_for_url(re.compile(r"/security/otp/verify/"))
    page.locator("details.backup-code summary").click()
    page.locator("input[name=backup_code]").fill(codes[3])
    shot(page, "two-factor-backup-code-ar")
    page.locator("details.backup-code button[type=submit]").click()
    page.wait_for_url(f"{live_server.url}/")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.locator(".messages")).to_contain_text("9")
    assert otp_backup_codes_remaining(user=officer) == 9
    context.close()
