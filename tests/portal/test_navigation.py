"""Every page a role may open is linked from that role's own pages (its menu included).

Each role's client walks the portal from the home page, following the links of every page it
reaches (GET only, no admin, no API); a page that the access matrix lets the role open (200) and
that no walk reached is a page nobody of that role can find.
"""

import re
from collections import Counter
from urllib.parse import urlsplit

import pytest
from django.urls import Resolver404, resolve

from tests.security.test_access_matrix import MATRIX, STATES, world  # noqa: F401 - fixture

HREF = re.compile(r'href="([^"#]*)')
SKIP = ("/admin/", "/static/", "/media/", "/api/", "/accounts/logout/")
# Pages reached otherwise than by a link of the role's pages, each with where it is reached.
NOT_LINKED = {
    "login": "the sign-in page itself (signed-in users do not need it)",
    "password_reset": "linked from the sign-in page",
    "password_reset_done": "shown after asking for a reset",
    "password_reset_confirm": "the link in the reset e-mail",
    "password_reset_complete": "shown after setting the new password",
    "security:otp-verify": "where the two-factor check sends a user who must verify",
    "reports:dashboard-data": "the dashboard's figures, read by its script (static/dashboard.js)",
    "health": "the health report, read by monitors and load balancers",
}
PER_NAME = 25  # pages walked per URL name (the many case pages need not all be read)


def walk(client, start: str) -> set[str]:
    seen_paths, names, per_name = set(), set(), Counter()
    queue = [start]
    while queue:
        path = queue.pop(0)
        if path in seen_paths or path.startswith(SKIP):
            continue
        seen_paths.add(path)
        try:
            match = resolve(urlsplit(path).path)
        except Resolver404:
            continue
        name = match.view_name
        if per_name[name] >= PER_NAME:
            continue
        per_name[name] += 1
        response = client.get(path)
        if response.status_code != 200:
            continue
        names.add(name)
        if "html" not in response.get("Content-Type", ""):
            continue
        for href in HREF.findall(response.content.decode()):
            href = href.replace("&amp;", "&")
            if href.startswith("?"):
                href = urlsplit(path).path + href
            if href.startswith("/") and not href.startswith("//"):
                queue.append(href)
    return names


def openable(actor: str) -> set[str]:
    """URL names the access matrix lets ``actor`` open with a GET (200) in some case state."""
    found = set()
    for name, (_uses_case, rule) in MATRIX.items():
        if name.startswith("api:") or name in NOT_LINKED:
            continue
        if any(rule(actor, state) == 200 for state in STATES):
            found.add(name)
    return found


@pytest.mark.django_db
@pytest.mark.parametrize("actor", ["recipient", "donor_allowed", "unoda"])
def test_every_page_of_a_role_is_linked_from_its_pages(actor, world):  # noqa: F811
    reached = walk(world.clients[actor], "/")
    missing = sorted(openable(actor) - reached)
    assert not missing, f"{actor} may open these pages, but none of its pages links to them"


@pytest.mark.django_db
def test_the_public_needs_page_is_linked_from_the_sign_in_page(world):  # noqa: F811
    assert "public-needs" in walk(world.clients["anonymous"], "/accounts/login/")


@pytest.mark.django_db
def test_a_state_official_is_shown_no_donor_pages(world):  # noqa: F811
    menu = world.clients["recipient"].get("/").content.decode()
    assert "/funding/needs/" not in menu
    assert "/funding/desk/" not in menu
    assert world.clients["recipient"].get("/funding/needs/").status_code == 403
    donor_menu = world.clients["donor_allowed"].get("/").content.decode()
    assert "/cases/new/" not in donor_menu
