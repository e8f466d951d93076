"""Donors see who else is in (issue 21, Must have 5): what each interest and commitment covers
among the case's activity lines, whether the donor discloses it, and the "Donors on this need"
section of the case page."""

import re
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.cases import services as case_services
from apps.cases.history import history_html, history_sentences
from apps.cases.models import Activity, AssistanceRequest, StatusChange
from apps.cases.selectors import case_access
from apps.core.exceptions import ApplicationError
from apps.funding import services
from apps.funding.models import Commitment, CommitmentChange, ExpressionOfInterest
from apps.funding.selectors import case_commitments, case_coordination, case_interests
from apps.organizations.models import OrganizationKind
from tests.factories import make_member, make_organization

from .conftest import funding_snapshot

LINES = [
    {"description": "Assessment of the depots", "estimated_cost": Decimal("10000")},
    {"description": "Doors, locks and alarms", "estimated_cost": Decimal("50000")},
    {"description": "Training of 40 officers", "estimated_cost": Decimal("30000")},
    {"description": "Evaluation", "estimated_cost": None},
]

FOUNDATION = OrganizationKind.FOUNDATION  # several donors, none a State


def lines_of(case):
    return list(Activity.objects.filter(request=case).order_by("position"))


@pytest.fixture
def need(make_case, users):
    """A published need of four activity lines."""
    case = make_case("published", budget_amount=Decimal("100000"), budget_currency="USD")
    case_services.request_update(actor=users.unoda, case=case, activity_lines=LINES)
    return AssistanceRequest.objects.get(pk=case.pk)


@pytest.fixture
def co_funded(need, orgs, users, rates):
    """Japan (orgs.donor) pledges 40,000 USD for lines 1-2, disclosed; Norway
    (orgs.other_donor) pledges 25,000 EUR for line 3 and does not disclose it; line 4 is open."""
    one, two, three, _four = lines_of(need)
    services.commitment_create(
        actor=users.donor,
        case=need,
        donor=orgs.donor,
        amount=Decimal("40000"),
        currency="USD",
        covers=[one, two],
    )
    services.commitment_create(
        actor=users.other_donor,
        case=need,
        donor=orgs.other_donor,
        amount=Decimal("25000"),
        currency="EUR",
        covers=[three.pk],
        disclosed=False,
    )
    return need


@pytest.fixture
def third(db):
    """A third donor, with a member (for interests beside the two pledges)."""
    organization = make_organization("Switzerland", donor=True, country="CH")
    return organization, make_member(organization, username="swiss")


def coordination_html(page: str) -> str:
    """The "Donors on this need" section of a case page."""
    match = re.search(r'<section aria-labelledby="h-coordination".*?</section>', page, re.S)
    assert match, "no 'Donors on this need' section"
    return match.group(0)


# --- Services: coverage and disclosure ---------------------------------------------------------


def test_interest_records_the_lines_it_covers_and_its_disclosure(need, orgs, users):
    one, _two, three, _four = lines_of(need)
    interest = services.interest_express(
        actor=users.donor, case=need, donor=orgs.donor, covers=[one, three.pk], disclosed=False
    )
    interest.refresh_from_db()
    assert set(interest.covers.all()) == {one, three}
    assert interest.disclosed is False
    # Disclosure defaults to yes, and no line ticked means "not specified".
    other = services.interest_express(actor=users.other_donor, case=need, donor=orgs.other_donor)
    assert other.disclosed is True
    assert not other.covers.exists()


def test_lines_of_another_case_are_refused_and_nothing_is_written(need, make_case, orgs, users):
    other_case = make_case("published")
    case_services.request_update(
        actor=users.unoda, case=other_case, activity_lines=[{"description": "Not this one"}]
    )
    foreign = lines_of(other_case)[0]
    mine = lines_of(need)[0]
    before = (funding_snapshot(), list(StatusChange.objects.values_list("pk", flat=True)))
    with pytest.raises(ValidationError) as refused:
        services.interest_express(
            actor=users.donor, case=need, donor=orgs.donor, covers=[mine, foreign]
        )
    assert "covers" in refused.value.error_dict
    assert need.reference in str(refused.value)
    assert "another request" in str(refused.value)
    with pytest.raises(ValidationError, match="another request"):
        services.commitment_create(
            actor=users.donor,
            case=need,
            donor=orgs.donor,
            amount=Decimal("1000"),
            currency="USD",
            covers=[foreign.pk],
        )
    with pytest.raises(ValidationError, match="another request"):
        services.interest_express(
            actor=users.donor, case=need, donor=orgs.donor, covers=[999_999_999]
        )
    assert (funding_snapshot(), list(StatusChange.objects.values_list("pk", flat=True))) == before
    assert AssistanceRequest.objects.get(pk=need.pk).status == "published"


def test_the_donor_changes_coverage_and_disclosure_afterwards(co_funded, orgs, users, third):
    one, _two, three, four = lines_of(co_funded)
    japan = Commitment.objects.get(request=co_funded, donor=orgs.donor)
    services.commitment_coverage_update(
        actor=users.donor, commitment=japan, covers=[four], disclosed=False
    )
    japan.refresh_from_db()
    assert list(japan.covers.all()) == [four]
    assert japan.disclosed is False
    change = CommitmentChange.objects.filter(commitment=japan, action="coverage").get()
    assert change.changes["covers"] == [[one.pk, lines_of(co_funded)[1].pk], [four.pk]]
    assert change.changes["disclosed"] == [True, False]
    # Saving the same again records nothing.
    services.commitment_coverage_update(
        actor=users.donor, commitment=japan, covers=[four], disclosed=False
    )
    assert CommitmentChange.objects.filter(commitment=japan, action="coverage").count() == 1
    # An interest too.
    swiss, member = third
    interest = services.interest_express(actor=member, case=co_funded, donor=swiss)
    services.interest_coverage_update(
        actor=member, interest=interest, covers=[three.pk], disclosed=False
    )
    interest.refresh_from_db()
    assert (list(interest.covers.all()), interest.disclosed) == ([three], False)


def test_changing_coverage_is_refused_for_another_case_or_donor_and_changes_nothing(
    co_funded, make_case, orgs, users, third
):
    japan = Commitment.objects.get(request=co_funded, donor=orgs.donor)
    other_case = make_case("published")
    case_services.request_update(
        actor=users.unoda, case=other_case, activity_lines=[{"description": "Elsewhere"}]
    )
    foreign = lines_of(other_case)[0]
    before = (sorted(japan.covers.values_list("pk", flat=True)), CommitmentChange.objects.count())
    with pytest.raises(ValidationError, match="another request"):
        services.commitment_coverage_update(
            actor=users.donor, commitment=japan, covers=[foreign], disclosed=False
        )
    with pytest.raises(PermissionDenied):
        services.commitment_coverage_update(
            actor=users.other_donor, commitment=japan, covers=[], disclosed=False
        )
    japan.refresh_from_db()
    assert japan.disclosed is True
    after = (sorted(japan.covers.values_list("pk", flat=True)), CommitmentChange.objects.count())
    assert after == before
    swiss, member = third
    interest = services.interest_express(actor=member, case=co_funded, donor=swiss)
    with pytest.raises(PermissionDenied):
        services.interest_coverage_update(actor=users.donor, interest=interest, disclosed=False)
    services.interest_withdraw(actor=member, interest=interest)
    with pytest.raises(ApplicationError, match="Only an active interest"):
        services.interest_coverage_update(actor=member, interest=interest, disclosed=False)
    assert ExpressionOfInterest.objects.get(pk=interest.pk).disclosed is True


def test_an_undisclosed_donor_is_not_named_in_the_case_history(need, orgs, users):
    services.interest_express(actor=users.other_donor, case=need, donor=orgs.other_donor,
                              disclosed=False)  # fmt: skip
    change = StatusChange.objects.filter(request=need).latest("pk")
    assert history_sentences(change) == ["Interest expressed by an undisclosed donor."]
    assert "Norway" not in str(history_html(change))


def test_a_line_that_a_donor_covers_cannot_be_removed(co_funded, users):
    lines = lines_of(co_funded)
    kept = [
        {"id": line.pk, "description": line.description, "estimated_cost": line.estimated_cost}
        for line in lines
    ]
    with pytest.raises(ValidationError, match="Training of 40 officers"):
        case_services.request_update(
            actor=users.unoda, case=co_funded, activity_lines=[kept[0], kept[1], kept[3]]
        )
    assert lines_of(co_funded) == lines
    # The open line may go, and a covered one may be reworded.
    kept[2]["description"] = "Training of 40 police officers"
    case_services.request_update(
        actor=users.unoda, case=co_funded, activity_lines=[kept[0], kept[1], kept[2]]
    )
    assert [line.description for line in lines_of(co_funded)][2] == (
        "Training of 40 police officers"
    )


# --- What each reader sees ---------------------------------------------------------------------


def test_coverage_of_each_line_and_what_is_still_open(co_funded, users):
    coordination = case_coordination(
        access=case_access(user=users.unoda, reference=co_funded.reference)
    )
    marks = [
        ([str(donor) for donor, _funded in item.named], item.undisclosed, item.is_open)
        for item in coordination.lines
    ]
    assert marks == [
        (["Japan"], 0, False),
        (["Japan"], 0, False),
        (["Norway"], 0, False),  # UNODA sees every name
        ([], 0, True),
    ]
    assert (coordination.covered_count, coordination.open_count) == (3, 1)
    as_japan = case_coordination(
        access=case_access(user=users.donor, reference=co_funded.reference)
    )
    assert [(len(i.named), i.undisclosed) for i in as_japan.lines] == [
        (1, 0),
        (1, 0),
        (0, 1),
        (0, 0),
    ]


def test_a_donor_sees_the_other_donor_or_an_undisclosed_donor_with_the_amount(
    client, co_funded, users
):
    url = f"/cases/{co_funded.reference}/"
    client.force_login(users.donor)  # Japan: Norway did not disclose its pledge
    page = client.get(url).content.decode()
    section = coordination_html(page)
    assert "An undisclosed donor" in section
    assert "€25,000.00" in section
    assert "Training of 40 officers" in section
    assert "Norway" not in page  # nowhere on the page, the history included
    assert "Your organization" in section
    assert "$40,000.00" in section
    assert "still open" in section

    client.force_login(users.other_donor)  # Norway sees Japan, which disclosed
    section = coordination_html(client.get(url).content.decode())
    assert "Japan" in section
    assert "$40,000.00" in section
    assert "An undisclosed donor" not in section


@pytest.mark.parametrize("reader", ["unoda", "recipient"])
def test_unoda_and_the_requesting_state_see_every_name(client, co_funded, users, reader):
    client.force_login(getattr(users, reader))
    section = coordination_html(client.get(f"/cases/{co_funded.reference}/").content.decode())
    assert "Japan" in section
    assert "Norway" in section
    assert "not disclosed to other donors" in section
    assert "An undisclosed donor" not in section
    assert "€25,000.00" in section


def test_only_who_may_see_the_case_sees_its_donors(client, co_funded, orgs, users):
    """A donor the visibility does not admit gets the same 404 as for a case that does not
    exist, for the page and for the coverage form."""
    AssistanceRequest.objects.filter(pk=co_funded.pk).update(visibility="selected_donors")
    co_funded.refresh_from_db()
    co_funded.selected_donors.set([orgs.donor])
    case_services.request_sync_permissions(case=co_funded)
    stranger_org = make_organization("Canada", donor=True, country="CA")
    stranger = make_member(stranger_org, username="stranger")
    client.force_login(stranger)
    assert client.get(f"/cases/{co_funded.reference}/").status_code == 404
    japan = Commitment.objects.get(request=co_funded, donor=orgs.donor)
    response = client.post(
        f"/funding/{co_funded.reference}/coverage/",
        {"kind": "commitment", "record": japan.pk, "undisclosed": "on"},
    )
    assert response.status_code == 404
    assert Commitment.objects.get(pk=japan.pk).disclosed is True


def test_the_section_reads_the_same_number_of_queries_whatever_the_donors_and_lines(
    co_funded, orgs, users, django_assert_num_queries
):
    def count(user):
        access = case_access(user=user, reference=co_funded.reference)
        access.case = AssistanceRequest.objects.get(pk=co_funded.pk)  # lines not yet read
        with CaptureQueriesContext(connection) as captured:
            coordination = case_coordination(access=access)
        return len(captured.captured_queries), len(coordination.lines)

    small = {user: count(user) for user in (users.unoda, users.donor)}
    # Three more donors with interests and pledges, and four more lines, all covered.
    more_lines = [
        {"id": line.pk, "description": line.description, "estimated_cost": line.estimated_cost}
        for line in lines_of(co_funded)
    ] + [{"description": f"Extra activity {n}"} for n in range(4)]
    case_services.request_update(actor=users.unoda, case=co_funded, activity_lines=more_lines)
    lines = lines_of(co_funded)
    for n in range(3):
        donor = make_organization(f"Donor {n}", donor=True, kind=FOUNDATION, country="")
        member = make_member(donor, username=f"co_donor{n}")
        services.commitment_create(
            actor=member, case=co_funded, donor=donor, amount=Decimal(1000 + n),
            currency="USD", covers=lines[n : n + 3], disclosed=n % 2 == 1,
        )  # fmt: skip
        interested = make_organization(f"Interested {n}", donor=True, kind=FOUNDATION, country="")
        services.interest_express(
            actor=make_member(interested, username=f"interested{n}"),
            case=co_funded,
            donor=interested,
            covers=lines[4:],
            disclosed=n % 2 == 0,
        )
    large = {user: count(user) for user in (users.unoda, users.donor)}
    for user in (users.unoda, users.donor):
        assert (small[user][1], large[user][1]) == (4, 8)
        assert small[user][0] == large[user][0]
    # The lines, the interests, the commitments, and what each of them covers.
    assert small[users.unoda][0] == 5
    access = case_access(user=users.unoda, reference=co_funded.reference)
    with django_assert_num_queries(5):
        case_coordination(access=access)


def test_for_unoda_the_section_uses_the_records_the_page_already_read(
    co_funded, third, users, django_assert_num_queries
):
    """UNODA sees every record: the page's interests and tranches are not read again, and the
    section is the same as when it reads them itself (a withdrawn interest left out)."""
    swiss, swiss_member = third
    services.interest_withdraw(
        actor=swiss_member,
        interest=services.interest_express(actor=swiss_member, case=co_funded, donor=swiss),
    )
    access = case_access(user=users.unoda, reference=co_funded.reference)
    interests = list(case_interests(user=users.unoda, case=co_funded))
    commitments = list(case_commitments(user=users.unoda, case=co_funded))
    # The page reads the withdrawn interest and the one converted to a tranche as well.
    assert {i.status for i in interests} == {"withdrawn", "converted"}
    with django_assert_num_queries(3):  # the lines, and what the records cover
        given = case_coordination(access=access, interests=interests, commitments=commitments)
    read = case_coordination(access=case_access(user=users.unoda, reference=co_funded.reference))

    def shown(coordination):
        return [
            (e.kind, e.record.pk, e.donor, [line.pk for line in e.lines])
            for e in coordination.entries
        ]

    assert shown(given) == shown(read)
    assert len(given.entries) == 2  # the two tranches; the withdrawn interest is not there
    assert [c.undisclosed for c in given.lines] == [c.undisclosed for c in read.lines]


def test_the_case_page_reads_the_same_number_of_queries_with_more_donors(client, co_funded, users):
    url = f"/cases/{co_funded.reference}/"

    def page_queries(user):
        client.force_login(user)
        client.get(url)  # what is kept between requests is read here
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured.captured_queries)

    before = {name: page_queries(getattr(users, name)) for name in ("unoda", "donor")}
    lines = lines_of(co_funded)
    for n in range(3):
        donor = make_organization(f"Funder {n}", donor=True, kind=FOUNDATION, country="")
        member = make_member(donor, username=f"funder{n}")
        services.commitment_create(
            actor=member, case=co_funded, donor=donor, amount=Decimal(500 + n), currency="USD",
            covers=lines[: n + 1], disclosed=bool(n % 2),
        )  # fmt: skip
    after = {name: page_queries(getattr(users, name)) for name in ("unoda", "donor")}
    assert after == before


# --- The forms on the case page ----------------------------------------------------------------


def test_expressing_interest_on_the_page_with_lines_and_undisclosed(client, need, orgs, users):
    one, two, _three, _four = lines_of(need)
    client.force_login(users.donor)
    page = client.get(f"/cases/{need.reference}/").content.decode()
    assert "Activities this covers" in page
    response = client.post(
        f"/funding/{need.reference}/interest/",
        {"donor": orgs.donor.pk, "message": "We can help.", "covers": [one.pk, two.pk],
         "undisclosed": "on"},
    )  # fmt: skip
    assert response.status_code == 302
    interest = ExpressionOfInterest.objects.get(request=need, donor=orgs.donor)
    assert set(interest.covers.all()) == {one, two}
    assert interest.disclosed is False


def test_a_refused_line_on_the_interest_form_keeps_what_was_typed(
    client, need, make_case, orgs, users
):
    other_case = make_case("published")
    case_services.request_update(
        actor=users.unoda, case=other_case, activity_lines=[{"description": "Elsewhere"}]
    )
    foreign = lines_of(other_case)[0]
    client.force_login(users.donor)
    response = client.post(
        f"/funding/{need.reference}/interest/",
        {"donor": orgs.donor.pk, "message": "Typed words", "covers": [foreign.pk]},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "another request" in page
    assert "Typed words" in page
    assert not ExpressionOfInterest.objects.filter(request=need).exists()


def test_pledging_on_the_page_with_lines(client, need, orgs, users):
    _one, _two, three, four = lines_of(need)
    client.force_login(users.donor)
    response = client.post(
        f"/funding/{need.reference}/commitment/",
        {"donor": orgs.donor.pk, "amount": "12500.00", "currency": "USD", "status": "pledged",
         "covers": [three.pk, four.pk]},
    )  # fmt: skip
    assert response.status_code == 302
    commitment = Commitment.objects.get(request=need, donor=orgs.donor)
    assert set(commitment.covers.all()) == {three, four}
    assert commitment.disclosed is True


def test_changing_coverage_on_the_page(client, co_funded, make_case, orgs, users):
    one, _two, _three, four = lines_of(co_funded)
    japan = Commitment.objects.get(request=co_funded, donor=orgs.donor)
    client.force_login(users.donor)
    url = f"/funding/{co_funded.reference}/coverage/"
    response = client.post(
        url, {"kind": "commitment", "record": japan.pk, "covers": [four.pk], "undisclosed": "on"}
    )
    assert response.status_code == 302
    assert response["Location"].endswith("#coordination")
    japan.refresh_from_db()
    assert (list(japan.covers.all()), japan.disclosed) == ([four], False)

    other_case = make_case("published")
    case_services.request_update(
        actor=users.unoda, case=other_case, activity_lines=[{"description": "Elsewhere"}]
    )
    foreign = lines_of(other_case)[0]
    response = client.post(
        url, {"kind": "commitment", "record": japan.pk, "covers": [one.pk, foreign.pk]}
    )
    assert response.status_code == 400
    assert "another request" in response.content.decode()
    japan.refresh_from_db()
    assert (list(japan.covers.all()), japan.disclosed) == ([four], False)
    # Norway may not change Japan's pledge: it is not among its records at all.
    client.force_login(users.other_donor)
    response = client.post(url, {"kind": "commitment", "record": japan.pk, "covers": []})
    assert response.status_code == 404
    assert list(Commitment.objects.get(pk=japan.pk).covers.all()) == [four]


def test_the_needs_list_says_how_many_activities_are_still_open(
    client, co_funded, make_case, users
):
    """Where a donor sees the needs' funding gaps, it also sees how many of each need's
    activities no donor covers yet (no donor is named there), in one query for the page."""
    bare = make_case("published", title="A need without activity lines")
    client.force_login(users.donor)
    page = client.get("/funding/needs/").content.decode()
    assert "Activities still open" in page
    row = re.search(rf"{co_funded.reference}.*?</tr>", page, re.S).group(0)
    assert "1 of 4" in row
    assert "Norway" not in page
    row = re.search(rf"{bare.reference}.*?</tr>", page, re.S).group(0)
    assert " of " not in row
