"""The donor desk reads a page of each list: the same queries however many rows there are, every
row reachable page by page, what waits for the donor first, "Add a tranche" on a donor's last
tranche of a case whatever page it falls on, and the row forms bring the user back to the page
they were on."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.funding import selectors, services
from apps.funding.models import CommitmentStatus

from .test_tranche_pages import commit


def desk(client, query="") -> str:
    response = client.get(f"/funding/desk/{query}")
    assert response.status_code == 200
    return response.content.decode()


def desk_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        desk(client)
    return len(queries.captured_queries)


def row(body, commitment) -> str:
    return body.split(f'id="commitment-{commitment.pk}"', 1)[1].split("</tr>", 1)[0]


def offer(donor, actor, title):
    return services.offer_create(
        actor=actor, donor=donor, title=title, currency="USD", cooperation_type="regional"
    )


def add_rows(make_case, orgs, users):
    """A case funded in two tranches (one partly disbursed) by each donor, an interest of each
    donor in another case, and an offer of each donor."""
    case = make_case("implementation")
    for donor, member in ((orgs.donor, users.donor), (orgs.other_donor, users.other_donor)):
        first = commit(case, donor, member, "1000")
        services.disbursement_record(actor=member, commitment=first, amount="10")
        commit(case, donor, member, "500", CommitmentStatus.PLEDGED)
        services.interest_express(actor=member, case=make_case("published"), donor=donor)
        offer(donor, member, f"Help from {donor}")


@pytest.mark.parametrize("role", ["donor", "unoda"])
def test_the_desk_reads_as_many_queries_whatever_the_number_of_rows(
    client, make_case, orgs, users, role
):
    add_rows(make_case, orgs, users)
    client.force_login(getattr(users, role))
    desk(client)  # the offer form's fragment is now kept
    few = desk_queries(client)
    for _index in range(3):
        add_rows(make_case, orgs, users)
    assert desk_queries(client) == few


@pytest.fixture
def per_page(monkeypatch):
    monkeypatch.setattr(selectors, "DESK_PER_PAGE", 2)


def test_page_two_shows_the_tranches_page_one_had_no_room_for_and_adds_on_the_last(
    client, make_case, orgs, users, per_page
):
    case = make_case("implementation")
    tranches = [commit(case, orgs.donor, users.donor, amount) for amount in ("100", "200", "300")]
    client.force_login(users.donor)
    first, second = desk(client), desk(client, "?page=2")
    add = f'/cases/{case.reference}/#pledge-{orgs.donor.pk}"'
    assert f'id="commitment-{tranches[0].pk}"' in first
    assert f'id="commitment-{tranches[1].pk}"' in first
    assert f'id="commitment-{tranches[2].pk}"' not in first
    assert f'id="commitment-{tranches[2].pk}"' in second
    assert add not in first  # the last tranche is on page 2
    assert add in row(second, tranches[2])
    assert 'href="?page=2#commitments"' in first
    assert 'href="?page=1#commitments"' in second


def test_what_waits_for_the_donor_comes_first(client, make_case, orgs, users, per_page):
    done_case, open_case = make_case("implementation"), make_case("implementation")
    done = commit(done_case, orgs.donor, users.donor, "100")
    services.disbursement_record(actor=users.donor, commitment=done, amount="100")
    waiting = commit(open_case, orgs.donor, users.donor, "100", CommitmentStatus.PLEDGED)
    client.force_login(users.donor)
    body = desk(client)
    assert body.index(f'id="commitment-{waiting.pk}"') < body.index(f'id="commitment-{done.pk}"')


def test_a_row_form_brings_the_user_back_to_its_page(client, make_case, orgs, users, per_page):
    case = make_case("implementation")
    tranches = [
        commit(case, orgs.donor, users.donor, amount, CommitmentStatus.PLEDGED)
        for amount in ("100", "200", "300")
    ]
    client.force_login(users.donor)
    body = desk(client, "?page=2&offers_page=1")
    assert 'name="query" value="page=2&amp;offers_page=1"' in row(body, tranches[2])
    response = client.post(
        f"/funding/commitments/{tranches[2].pk}/confirm/", {"query": "page=2&offers_page=1"}
    )
    assert response.status_code == 302
    assert response.url == "/funding/desk/?page=2&offers_page=1"
    tranches[2].refresh_from_db()
    assert tranches[2].status == CommitmentStatus.COMMITTED
    response = client.post(f"/funding/commitments/{tranches[0].pk}/cancel/", {"comment": "x"})
    assert response.url == "/funding/desk/"  # no query: the first page


def test_withdrawing_an_interest_brings_the_user_back_to_its_page(
    client, make_case, orgs, users, per_page
):
    interests = [
        services.interest_express(actor=users.donor, case=make_case("published"), donor=orgs.donor)
        for _index in range(3)
    ]
    client.force_login(users.donor)
    first, second = desk(client), desk(client, "?interests_page=2")
    # Newest first: the oldest is on page 2.
    assert f"/funding/interests/{interests[0].pk}/withdraw/" not in first
    assert f"/funding/interests/{interests[0].pk}/withdraw/" in second
    assert 'href="?interests_page=2#interests"' in first
    response = client.post(
        f"/funding/interests/{interests[0].pk}/withdraw/", {"query": "interests_page=2"}
    )
    assert response.url == "/funding/desk/?interests_page=2"


def test_the_offers_are_paged_keeping_the_other_lists_pages(client, orgs, users, per_page):
    for title in ("First offer", "Second offer", "Third offer"):
        offer(orgs.donor, users.donor, title)
    client.force_login(users.donor)
    first, second = desk(client, "?page=3"), desk(client, "?page=3&offers_page=2")
    titles = ("First offer", "Second offer", "Third offer")
    assert sum(title in first for title in titles) == 2
    assert [title for title in titles if title not in first] == [
        title for title in titles if title in second
    ]
    assert 'href="?page=3&amp;offers_page=2#offers"' in first


def test_a_case_page_links_to_its_commitments_on_the_desk(client, make_case, orgs, users):
    case, other = make_case("implementation"), make_case("implementation")
    tranche = commit(case, orgs.donor, users.donor, "100")
    elsewhere = commit(other, orgs.donor, users.donor, "100")
    client.force_login(users.donor)
    page = client.get(f"/cases/{case.reference}/").content.decode()
    assert f"/funding/desk/?case={case.reference}#commitment-{tranche.pk}" in page
    body = desk(client, f"?case={case.reference}")
    assert f'id="commitment-{tranche.pk}"' in body
    assert f'id="commitment-{elsewhere.pk}"' not in body
    assert "Clear the filters" in body
