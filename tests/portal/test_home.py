"""The home page reads the same queries whatever the number of cases on it."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("who", ["recipient", "donor"])
def test_the_home_page_reads_the_same_queries_whatever_the_number_of_cases(
    client, users, make_case, who
):
    def add_rows():
        return [make_case("needs_revision"), make_case("implementation"), make_case("published")]

    first = add_rows()
    client.force_login(getattr(users, who))
    client.get("/")  # the reference data and the session, read once
    with CaptureQueriesContext(connection) as few:
        assert client.get("/").status_code == 200
    more = [case for _n in range(3) for case in add_rows()]
    with CaptureQueriesContext(connection) as many:
        body = client.get("/").content.decode()
    assert len(many) == len(few)
    if who == "recipient":
        # Each question from UNODA is listed with the comment it was returned with.
        for case in [first[0], *more[::3]]:
            assert case.reference in body
        assert body.count("Because the test says so.") == 4


def test_each_list_of_the_home_page_shows_its_first_rows_and_links_to_the_rest(
    client, users, make_case
):
    from apps.portal.views import HOME_ROWS

    cases = [make_case("submitted", title=f"Request {n:02}") for n in range(HOME_ROWS + 1)]
    client.force_login(users.recipient)
    body = client.get("/").content.decode()
    own = body.split('id="h-own"')[1].split("</section>")[0]
    assert own.count("<li>") == HOME_ROWS
    assert "/cases/?view=all" in own  # the rest, on the queue
    cases[0].delete()
    own = client.get("/").content.decode().split('id="h-own"')[1].split("</section>")[0]
    assert own.count("<li>") == HOME_ROWS
    assert "/cases/?view=all" not in own  # nothing more to see


def test_a_donors_home_ranks_needs_over_all_its_first_offers(client, users, orgs, make_case):
    """A need that only the donor's second offer covers is listed, with that offer's score."""
    from decimal import Decimal

    from apps.cases.models import AssistanceKind, Category
    from apps.funding import services

    cat = {c.code: c for c in Category.objects.all()}
    training = AssistanceKind.objects.get(code="training")
    for title, code in (("Locks", "stockpile"), ("Laws", "legislation")):
        services.offer_create(
            actor=users.donor, donor=orgs.donor, title=title, categories=[cat[code]],
            kinds=[training], regions=[orgs.recipient.region], amount_min=Decimal(1000),
            amount_max=Decimal(500000), currency="USD", cooperation_type="north_south",
        )  # fmt: skip
    laws = make_case(
        "published", title="A firearms law", categories=[cat["legislation"]],
        kinds=[training], budget_amount=Decimal(20000), budget_currency="USD",
    )  # fmt: skip
    client.force_login(users.donor)
    body = client.get("/").content.decode()
    matches = body.split('id="h-matches"')[1].split("</section>")[0]
    assert laws.reference in matches
    assert "100/100" in matches


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_donors_ranking_is_kept_until_a_case_or_an_offer_changes(client, users, orgs, make_case):
    """Outside a transaction the ranking of the needs matching the donor's offers is kept for
    its scope: the next visit reads only the rows; a new need or a changed offer ranks again."""
    from decimal import Decimal

    from apps.cases.models import AssistanceKind, Category
    from apps.funding import services

    cat = {c.code: c for c in Category.objects.all()}
    training = AssistanceKind.objects.get(code="training")
    offer = services.offer_create(
        actor=users.donor, donor=orgs.donor, title="Laws", categories=[cat["legislation"]],
        kinds=[training], regions=[orgs.recipient.region], amount_min=Decimal(1000),
        amount_max=Decimal(500000), currency="USD", cooperation_type="north_south",
    )  # fmt: skip

    def need(title, **fields):
        return make_case(
            "published", title=title, categories=[cat["legislation"]], budget_currency="USD",
            **fields,
        )  # fmt: skip

    def matches():
        with CaptureQueriesContext(connection) as queries:
            body = client.get("/").content.decode()
        shown = body.split('id="h-matches"')[1].split("</section>")[0]
        return shown, len(queries)

    first = need("A firearms law", kinds=[training], budget_amount=Decimal(20000))
    client.force_login(users.donor)
    shown, ranked = matches()
    assert first.reference in shown
    assert "100/100" in shown
    shown, kept = matches()
    assert first.reference in shown
    assert "100/100" in shown  # explained afresh by the scorer, from the kept keys
    assert kept < ranked
    second = need("Regulations", budget_amount=Decimal(20000))  # no kind in common: 85
    shown, _queries = matches()
    assert second.reference in shown
    assert "85/100" in shown
    services.offer_update(actor=users.donor, offer=offer, is_active=False)
    shown, _queries = matches()
    assert first.reference not in shown
