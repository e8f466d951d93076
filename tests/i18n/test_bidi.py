"""Mixed text in right-to-left pages (issue 24): on the Arabic case page, user-written text
(the title, the proposal, comments) is isolated with ``dir="auto"``, and references and amounts
sit in elements the style sheet isolates (``.reference``, ``.amount``) and never wrap."""

import re
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.urls import reverse

from apps.cases import services

CSS = Path(settings.BASE_DIR) / "static" / "portal.css"


def test_the_style_sheet_isolates_references_and_amounts():
    css = CSS.read_text()
    for selector in (".reference", ".amount"):
        rule = re.search(rf"^\{selector} \{{([^}}]*)\}}", css, re.MULTILINE)
        assert rule, selector
        assert "unicode-bidi: isolate" in rule.group(1)
        assert "white-space: nowrap" in rule.group(1)


def test_the_arabic_case_page_isolates_user_text_references_and_amounts(make_case, users, client):
    case = make_case(
        "published",
        title="Marking machines (phase 2)",
        objectives="Mark 12,000 weapons (police and army) by 2027.",
        budget_amount=Decimal("250000.00"),
    )
    services.comment_add(actor=users.unoda, case=case, body="See REQ-2026-0001 (phase 1).")
    client.force_login(users.unoda)
    client.cookies["django_language"] = "ar"
    page = client.get(reverse("cases:request-detail", args=[case.reference])).content.decode()
    assert '<html lang="ar" dir="rtl">' in page
    assert f'<span class="reference">{case.reference}</span>' in page
    assert re.search(r'<span lang="en" dir="auto">Marking machines \(phase 2\)</span>', page)
    assert '<dd dir="auto">Mark 12,000 weapons (police and army) by 2027.</dd>' in page
    assert '<span dir="auto">See REQ-2026-0001 (phase 1).</span>' in page
    assert re.search(r'<span class="amount">[^<]*250[^<]*</span>', page)
    assert f"<title>\u2066{case.reference}\u2069 · " in page  # no markup in a <title>
    amount = re.search(r'<span class="amount">([^<]*250[^<]*)</span>', page).group(1)
    assert amount.startswith("\u2066")
    assert amount.endswith("US$\u2069")  # not "$US"


def test_the_arabic_queue_isolates_references_and_state_names(make_case, users, client):
    case = make_case("submitted")
    client.force_login(users.unoda)
    client.cookies["django_language"] = "ar"
    page = client.get(reverse("cases:request-list")).content.decode()
    assert f'<a class="reference" href="/cases/{case.reference}/">{case.reference}</a>' in page
    assert "<bdi>سيراليون</bdi>" in page
