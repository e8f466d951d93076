"""The case page at a glance: the status track, the sections, the funding bar, one primary
action with the others behind a menu, each destructive one confirmed with its reason."""

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from apps.funding import selectors as funding_selectors
from apps.funding import services as funding_services
from apps.funding.models import Commitment

pytestmark = pytest.mark.django_db


def page(client, user, case) -> str:
    client.force_login(user)
    response = client.get(reverse("cases:request-detail", args=[case.reference]))
    assert response.status_code == 200
    return response.content.decode()


def actions_of(html: str) -> str:
    return html[html.index('id="actions"') : html.index('id="proposal"')]


def test_unoda_reviewing_sees_publish_first_and_the_rest_behind_a_menu(client, make_case, users):
    case = make_case("under_review")
    actions = actions_of(page(client, users.unoda, case))
    menu = actions.index('class="more-actions"')
    # The next step, outside the menu, as the page's one primary button.
    publish = actions.index(">Publish to donors</button>")
    assert publish < menu
    assert re.search(r'<button type="submit">Publish to donors</button>', actions)
    # The others behind the menu: returning asks why; withdrawing and declining ask to
    # confirm with their required reason.
    behind = actions[menu:]
    assert "<summary>Return for revision…</summary>" in behind
    for label in ("Withdraw the request", "Decline the request"):
        assert f'<details class="confirm destructive">\n        <summary>{label}…</summary>' in (
            behind
        )
        assert f'class="danger">Confirm: {label}</button>' in behind
    assert behind.count('name="comment" rows="2" required') == 3


def test_a_refused_action_opens_its_menu_with_what_was_typed(client, make_case, users):
    case = make_case("under_review")
    client.force_login(users.unoda)
    response = client.post(
        reverse("cases:request-transition", args=[case.reference]),
        {"transition": "withdraw", "expected_status": "under_review", "comment": " "},
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert '<details class="more-actions" open>' in html
    assert '<details class="confirm destructive" open>' in html


def test_the_status_track_marks_the_stage_and_whose_turn_it_is(client, make_case, users):
    case = make_case("submitted")
    unoda = page(client, users.unoda, case)
    assert re.search(r'<li class="stage current" aria-current="step">.*?Submitted', unoda)
    assert "UNODA starts reviewing the request." in unoda
    assert "Your turn" in unoda
    state = page(client, users.recipient, case)
    assert "UNODA starts reviewing the request." in state
    assert "Your turn" not in state


def test_each_section_can_be_reached_from_the_top(client, make_case, users):
    html = page(client, users.unoda, make_case("implementation"))
    nav = html[
        html.index('class="case-sections"') : html.index("</nav>", html.index("case-sections"))
    ]
    for anchor in ("proposal", "funding", "agreement", "timeline"):
        assert f'href="#{anchor}"' in nav
        assert f'id="{anchor}"' in html


def test_the_funding_bar_shows_each_donor_then_the_gap(client, make_case, orgs, users):
    case = make_case("implementation", budget_amount=Decimal("100000"), budget_currency="USD")
    japan = funding_services.commitment_create(
        actor=users.donor, case=case, donor=orgs.donor, amount="40000", currency="USD",
        status="committed",
    )  # fmt: skip
    funding_services.commitment_create(
        actor=users.other_donor, case=case, donor=orgs.other_donor, amount="20000",
        currency="USD", status="committed",
    )  # fmt: skip
    funding_services.disbursement_record(actor=users.donor, commitment=japan, amount="15000")
    html = page(client, users.unoda, case)
    bar = html[html.index('class="funding-bar"') : html.index("</figure>")]
    rects = re.findall(r'<rect class="part (\w+)" x="([\d.]+)" y="0" width="([\d.]+)"', bar)
    assert rects == [
        ("committed", "0", "40.0"),
        ("committed", "40.0", "20.0"),
        ("gap", "60.0", "40.0"),
    ]
    assert "$60,000.00 committed of $100,000.00 requested." in bar
    assert "$15,000.00 disbursed (25% of what is committed)." in bar
    assert f"<bdi>{orgs.donor}</bdi>" in bar
    assert f"<bdi>{orgs.other_donor}</bdi>" in bar


def test_the_bar_counts_tranches_the_reader_does_not_see_as_other_donors(make_case, orgs, users):
    case = make_case("implementation", budget_amount=Decimal("100000"), budget_currency="USD")
    for user, donor in ((users.donor, orgs.donor), (users.other_donor, orgs.other_donor)):
        funding_services.commitment_create(
            actor=user, case=case, donor=donor, amount="30000", currency="USD",
            status="committed",
        )  # fmt: skip
    seen = Commitment.objects.filter(request=case, donor=orgs.donor).select_related("donor")
    bar = funding_selectors.funding_bar(
        funding=funding_selectors.request_funding(case=case), commitments=seen
    )
    assert [(p.kind, p.amount, p.percent) for p in bar.parts] == [
        ("committed", Decimal("30000.00"), Decimal("30.0")),
        ("others", Decimal("30000.00"), Decimal("30.0")),
        ("gap", Decimal("40000.00"), Decimal("40.0")),
    ]


def test_no_bar_without_a_budget(client, make_case, users):
    html = page(client, users.unoda, make_case("published", budget_amount=None))
    assert 'class="funding-bar"' not in html
