"""Production settings pass ``check --deploy``; every page has the CSP and no inline script;
pages for signed-in users are never cached."""

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

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
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
INLINE_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.IGNORECASE)


@pytest.mark.django_db
def test_pages_have_csp_no_inline_script_and_no_store(client, users, make_case):
    case = make_case("published")
    client.force_login(users.unoda)
    for path in [*PAGES, f"/cases/{case.reference}/", f"/followup/{case.reference}/feedback/"]:
        response = client.get(path)
        assert response.status_code == 200, path
        csp = response["Content-Security-Policy"]
        assert "default-src 'self'" in csp, path
        assert "script-src 'self';" in csp, path
        assert "unsafe-inline" not in csp.split("script-src")[1].split(";")[0], path
        assert "frame-ancestors 'none'" in csp, path
        html = response.content.decode()
        assert not INLINE_SCRIPT.search(html), f"inline <script> on {path}"
        assert not INLINE_HANDLER.search(html), f"inline event handler on {path}"
        assert "no-store" in response["Cache-Control"], path
        assert response["X-Frame-Options"] == "DENY", path
        assert response["X-Content-Type-Options"] == "nosniff", path
        assert response["Referrer-Policy"] == "same-origin", path


@pytest.mark.django_db
def test_pages_use_no_inline_styles(client, users, make_case):
    case = make_case("published")
    client.force_login(users.recipient)
    for path in ["/", "/cases/", f"/cases/{case.reference}/", "/reports/dashboard/"]:
        html = client.get(path).content.decode()
        assert not re.search(r"<style[\s>]", html, re.IGNORECASE), path


@pytest.mark.django_db
def test_api_responses_are_not_cached(client, users):
    client.force_login(users.recipient)
    response = client.get("/api/v1/requests/")
    assert "no-store" in response["Cache-Control"]


@pytest.mark.django_db
def test_anonymous_public_page_has_csp(client):
    response = client.get("/needs/")
    assert response.status_code == 200
    assert "default-src 'self'" in response["Content-Security-Policy"]
