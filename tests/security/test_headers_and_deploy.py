"""Production settings pass ``check --deploy``; every page has django-csp's nonce-based policy
(no 'unsafe-inline'), which its scripts and styles carry; pages for signed-in users are never
cached."""

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.utils import timezone

from apps.funding import services as funding_services
from tests.factories import UserFactory
from tests.support.csp import policy

ROOT = Path(__file__).resolve().parents[2]


def _production_env(**extra) -> dict:
    """The environment of a production process: no test-only switches inherited from pytest
    (tests/conftest.py sets DJANGO_ALLOW_ASYNC_UNSAFE for the browser tests)."""
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    return {
        **env,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(60),
        "DJANGO_ALLOWED_HOSTS": "portal.example.org",
        "REDIS_URL": "redis://127.0.0.1:6379/0",
        "PORTAL_IATI_REPORTING_ORG_REF": "XI-IATI-EXAMPLE",
        **extra,
    }


def test_production_settings_pass_check_deploy_without_warnings(tmp_path):
    env = _production_env(DATABASE_URL=f"sqlite:///{tmp_path / 'deploy.db'}")
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_security_settings():
    env = _production_env(DATABASE_URL="sqlite:////tmp/unused.db")
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS >= 31536000, s.SESSION_COOKIE_SECURE,"
        " s.CSRF_COOKIE_SECURE, s.SESSION_COOKIE_HTTPONLY, s.CSRF_COOKIE_HTTPONLY,"
        " s.X_FRAME_OPTIONS, s.SECURE_REFERRER_POLICY, s.CSRF_TRUSTED_ORIGINS)"
    )
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    assert result.stdout.split() == [
        "True",
        "True",
        "True",
        "True",
        "True",
        "True",
        "DENY",
        "same-origin",
        "['https://portal.example.org']",
    ]


PAGES = [
    "/",
    "/cases/",
    "/notifications/",
    "/accounts/preferences/",
    "/reports/dashboard/",
    "/followup/effectiveness/",
    "/security/audit/",
    "/security/otp/enrol/",
    "/funding/needs/",
    "/cases/new/",
    "/api/docs/",
    "/api/docs/redoc/",
]
INLINE_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.IGNORECASE)
STYLE_ATTRIBUTE = re.compile(r"<[^>]+\sstyle\s*=", re.IGNORECASE)
SCRIPT_OR_STYLE = re.compile(r"<(script|style)\b([^>]*)>", re.IGNORECASE)
NONCE_ATTRIBUTE = re.compile(r'\snonce="([^"]*)"')


def nonce_of(csp: dict[str, list[str]]) -> str:
    """The one nonce of script-src, which style-src carries too."""
    nonces = [source for source in csp["script-src"] if source.startswith("'nonce-")]
    assert len(nonces) == 1, csp["script-src"]
    assert nonces[0] in csp["style-src"]
    return nonces[0].removeprefix("'nonce-").removesuffix("'")


def assert_strict(csp: dict[str, list[str]], path: str) -> None:
    assert csp["default-src"] == ["'self'"], path
    assert csp["object-src"] == ["'none'"], path
    assert csp["base-uri"] == ["'self'"], path
    assert csp["form-action"] == ["'self'"], path
    assert csp["frame-ancestors"] == ["'none'"], path
    sources = [source for sources in csp.values() for source in sources]
    assert "'unsafe-inline'" not in sources, path
    assert "'unsafe-eval'" not in sources, path
    assert "*" not in sources, path


@pytest.mark.django_db
def test_pages_have_a_nonce_based_csp_that_their_scripts_and_styles_carry(client, users, make_case):
    case = make_case("published")
    client.force_login(users.unoda)
    for path in [*PAGES, f"/cases/{case.reference}/", f"/followup/{case.reference}/feedback/"]:
        response = client.get(path)
        assert response.status_code == 200, path
        csp = policy(response)
        assert_strict(csp, path)
        nonce = nonce_of(csp)
        assert csp["script-src"] == ["'self'", f"'nonce-{nonce}'"], path
        html = response.content.decode()
        elements = SCRIPT_OR_STYLE.findall(html)
        assert elements, path
        for tag, attributes in elements:
            assert NONCE_ATTRIBUTE.findall(attributes) == [nonce], f"<{tag}{attributes}> on {path}"
        assert not INLINE_HANDLER.search(html), f"inline event handler on {path}"
        assert not STYLE_ATTRIBUTE.search(html), f"style attribute on {path}"
        assert "no-store" in response["Cache-Control"], path
        assert response["X-Frame-Options"] == "DENY", path
        assert response["X-Content-Type-Options"] == "nosniff", path
        assert response["Referrer-Policy"] == "same-origin", path
        assert response["Cross-Origin-Opener-Policy"] == "same-origin", path


@pytest.mark.django_db
def test_each_response_has_its_own_nonce(client, users):
    client.force_login(users.recipient)
    nonces = {nonce_of(policy(client.get("/"))) for _ in range(3)}
    assert len(nonces) == 3


@pytest.mark.django_db
def test_pages_use_no_inline_styles_but_the_nonced_ones(client, users, make_case):
    case = make_case("published")
    meeting = funding_services.meeting_create(
        actor=users.unoda, title="PoA matchmaking", date=timezone.localdate(), place="New York"
    )
    for user, paths in [
        (users.recipient, ["/", "/cases/", f"/cases/{case.reference}/", "/reports/dashboard/"]),
        (users.unoda, [f"/funding/meetings/{meeting.pk}/dossier/", "/api/docs/"]),
    ]:
        client.force_login(user)
        for path in paths:
            response = client.get(path)
            assert response.status_code == 200, path
            html = response.content.decode()
            nonce = nonce_of(policy(response))
            for attributes in re.findall(r"<style\b([^>]*)>", html, re.IGNORECASE):
                assert NONCE_ATTRIBUTE.findall(attributes) == [nonce], path
            assert not STYLE_ATTRIBUTE.search(html), path


@pytest.mark.django_db
def test_redoc_allows_its_own_style_contents_by_hash_and_nothing_inline(client):
    """Redoc's bundle inserts its styles without a nonce: its page allows those contents by
    their hashes, never 'unsafe-inline'; its search runs in a blob: worker."""
    response = client.get("/api/docs/redoc/")
    assert response.status_code == 200
    csp = policy(response)
    assert_strict(csp, "/api/docs/redoc/")
    nonce = nonce_of(csp)
    hashes = [source for source in csp["style-src"] if source.startswith("'sha256-")]
    assert csp["style-src"] == ["'self'", f"'nonce-{nonce}'", *hashes]
    assert len(hashes) == 2
    assert csp["worker-src"] == ["'self'", "blob:"]
    script = rf'<script src="[^"]+/redoc.standalone.js" nonce="{re.escape(nonce)}">'
    assert re.search(script, response.content.decode())


@pytest.mark.django_db
def test_admin_pages_have_the_strict_policy_and_nothing_inline(client, make_case):
    case = make_case("published")
    pages = [("/admin/login/", None)]
    pages += [(path, UserFactory(is_staff=True, is_superuser=True)) for path in [
        "/admin/", "/admin/cases/assistancerequest/",
        f"/admin/cases/assistancerequest/{case.pk}/change/",
    ]]  # fmt: skip
    for path, user in pages:
        if user is not None:
            client.force_login(user)
        response = client.get(path)
        assert response.status_code == 200, path
        assert_strict(policy(response), path)
        html = response.content.decode()
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), f"inline script on {path}"
        assert not re.search(r"<style[\s>]", html), f"inline <style> on {path}"
        assert not INLINE_HANDLER.search(html), f"inline event handler on {path}"


@pytest.mark.django_db
def test_api_responses_are_not_cached(client, users):
    client.force_login(users.recipient)
    response = client.get("/api/v1/requests/")
    assert "no-store" in response["Cache-Control"]


@pytest.mark.django_db
def test_anonymous_public_page_has_csp(client):
    response = client.get("/needs/")
    assert response.status_code == 200
    csp = policy(response)
    assert_strict(csp, "/needs/")
    nonce_of(csp)
