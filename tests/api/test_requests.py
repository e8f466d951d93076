import pytest

from apps.cases.models import AssistanceRequest, Status, StatusChange, Visibility
from apps.cases.selectors import request_list

pytestmark = pytest.mark.django_db

ERROR_KEYS = {"code", "message", "fields"}


def assert_error(response, status_code):
    assert response.status_code == status_code, response.content
    assert set(response.json()["error"]) == ERROR_KEYS
    return response.json()["error"]


def all_refs(client, **params):
    refs, url = [], "/api/v1/requests/"
    response = client.get(url, {"page_size": 100, **params})
    while True:
        assert response.status_code == 200, response.content
        body = response.json()
        refs += [row["reference"] for row in body["results"]]
        if not body["next"]:
            return refs
        response = client.get(body["next"])


@pytest.fixture
def cases(make_case, orgs):
    return {
        "draft": make_case("draft"),
        "under_review": make_case("under_review"),
        "published": make_case("published"),
        "selected_other": make_case(
            "published",
            visibility=Visibility.SELECTED_DONORS,
            selected_donors=[orgs.other_donor],
        ),
        "implementation": make_case("implementation"),
    }


@pytest.mark.parametrize(
    "who", ["recipient", "other_recipient", "donor", "other_donor", "unoda", "outsider"]
)
def test_list_matches_the_web_scope_for_every_role(api, users, cases, who):
    user = getattr(users, who)
    expected = set(request_list(user=user).values_list("reference", flat=True))
    assert set(all_refs(api(user))) == expected
    for reference in expected:
        assert api(user).get(f"/api/v1/requests/{reference}/").status_code == 200
    hidden = set(AssistanceRequest.objects.values_list("reference", flat=True)) - expected
    for reference in hidden:
        assert_error(api(user).get(f"/api/v1/requests/{reference}/"), 404)


def test_donor_sees_published_but_not_drafts_nor_other_donors_selection(api, users, cases):
    refs = set(all_refs(api(users.donor)))
    assert cases["published"].reference in refs
    assert cases["implementation"].reference in refs
    assert cases["draft"].reference not in refs
    assert cases["selected_other"].reference not in refs


def test_anonymous_gets_401_in_the_error_format(api, cases):
    error = assert_error(api().get("/api/v1/requests/"), 401)
    assert error["code"] == "not_authenticated"


def test_filters(api, users, cases):
    client = api(users.unoda)
    assert set(all_refs(client, status="published")) == {
        cases["published"].reference,
        cases["selected_other"].reference,
    }
    assert set(all_refs(client, region="europe")) == set()
    assert_error(client.get("/api/v1/requests/", {"status": "nonsense"}), 400)
    assert_error(client.get("/api/v1/requests/", {"year": "abc"}), 400)


@pytest.mark.parametrize("size", ["101", "0", "-1", "many", "99999999999999999999"])
def test_page_size_out_of_range_is_a_400(api, users, cases, size):
    error = assert_error(api(users.unoda).get("/api/v1/requests/", {"page_size": size}), 400)
    assert "page_size" in error["fields"]


def test_recipient_creates_and_updates_a_draft_through_the_services(api, users, orgs):
    client = api(users.recipient)
    response = client.post(
        "/api/v1/requests/",
        {
            "organization": orgs.recipient.pk,
            "title": "Mark the police weapons",
            "categories": ["marking"],
            "budget_amount": "50000.00",
            "budget_currency": "EUR",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "draft"
    assert body["budget_amount"] == "50000.00"
    assert body["categories"] == ["marking"]
    case = AssistanceRequest.objects.get(reference=body["reference"])
    assert case.created_by == users.recipient
    assert users.recipient.has_perm("cases.view_assistancerequest", case)

    response = client.patch(
        f"/api/v1/requests/{case.reference}/", {"summary": "All of them."}, format="json"
    )
    assert response.status_code == 200, response.content
    case.refresh_from_db()
    assert case.summary == "All of them."


def test_create_for_another_organization_is_403_and_creates_nothing(api, users, orgs):
    before = AssistanceRequest.objects.count()
    response = api(users.recipient).post(
        "/api/v1/requests/",
        {"organization": orgs.other_recipient.pk, "title": "Not mine"},
        format="json",
    )
    assert_error(response, 403)
    assert AssistanceRequest.objects.count() == before


@pytest.mark.parametrize(
    "body",
    [
        {"title": "x", "hacked": True},
        {"title": "x", "status": "published"},
        {"title": "x", "budget_amount": "lots"},
        {"title": "x", "budget_amount": "-5"},
        {"title": "x", "categories": "marking"},
        {"title": ["not", "a", "string"]},
        {"title": "x", "visibility": "everyone"},
        [],
    ],
)
def test_bad_bodies_are_400_and_change_nothing(api, users, orgs, body):
    before = AssistanceRequest.objects.count()
    if isinstance(body, dict):
        body = {"organization": orgs.recipient.pk, **body}
    response = api(users.recipient).post("/api/v1/requests/", body, format="json")
    assert_error(response, 400)
    assert AssistanceRequest.objects.count() == before


def test_a_body_naming_a_category_that_does_not_exist_is_404_and_changes_nothing(api, users, orgs):
    before = AssistanceRequest.objects.count()
    body = {"organization": orgs.recipient.pk, "title": "x", "categories": ["no-such-category"]}
    response = api(users.recipient).post("/api/v1/requests/", body, format="json")
    assert list(assert_error(response, 404)["fields"]) == ["categories"]
    assert AssistanceRequest.objects.count() == before


def test_update_after_submission_is_403_and_changes_nothing(api, users, make_case):
    case = make_case("submitted", summary="Before")
    response = api(users.recipient).patch(
        f"/api/v1/requests/{case.reference}/", {"summary": "After"}, format="json"
    )
    assert_error(response, 403)
    case.refresh_from_db()
    assert case.summary == "Before"


def test_fire_a_transition(api, users, make_case):
    case = make_case("submitted")
    response = api(users.unoda).post(
        f"/api/v1/requests/{case.reference}/transitions/",
        {"transition": "start_review", "expected_status": "submitted"},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "under_review"
    case.refresh_from_db()
    assert case.status == Status.UNDER_REVIEW
    change = StatusChange.objects.filter(request=case).last()
    assert (change.actor, change.to_status) == (users.unoda, Status.UNDER_REVIEW)


@pytest.mark.parametrize(
    ("who", "body", "status_code"),
    [
        ("unoda", {"transition": "close"}, 409),  # not possible in "submitted"
        ("unoda", {"transition": "fly"}, 400),  # no such transition
        ("unoda", {"transition": "decline"}, 409),  # comment required: a rule
        ("unoda", {"transition": "start_review", "expected_status": "draft"}, 409),  # stale
        ("recipient", {"transition": "start_review"}, 403),  # not the recipient's to fire
        ("donor", {"transition": "start_review"}, 404),  # cannot even see it
    ],
)
def test_refused_transitions_change_nothing(api, users, make_case, who, body, status_code):
    case = make_case("submitted")
    history = StatusChange.objects.filter(request=case).count()
    response = api(getattr(users, who)).post(
        f"/api/v1/requests/{case.reference}/transitions/", body, format="json"
    )
    assert_error(response, status_code)
    case.refresh_from_db()
    assert case.status == Status.SUBMITTED
    assert StatusChange.objects.filter(request=case).count() == history


def test_history(api, users, make_case):
    case = make_case("under_review")
    response = api(users.recipient).get(f"/api/v1/requests/{case.reference}/history/")
    assert response.status_code == 200
    assert [row["to_status"] for row in response.json()] == ["submitted", "under_review"]


def test_unknown_api_path_is_a_json_404(api, users):
    assert_error(api(users.unoda).get("/api/v1/nothing-here/"), 404)
    assert_error(api(users.unoda).get("/api/v1/commitments/abc/"), 404)


def test_token_endpoint(client, users):
    response = client.post(
        "/api/v1/auth/token/",
        {"username": "donor", "password": "a-long-test-password"},
        content_type="application/json",
    )
    assert response.status_code == 200
    assert response.json()["token"]
    bad = client.post(
        "/api/v1/auth/token/",
        {"username": "donor", "password": "wrong"},
        content_type="application/json",
    )
    assert_error(bad, 401)


def test_counts_are_capped_and_page_last_is_the_true_last_page(api, users, cases, monkeypatch):
    from apps.api import pagination

    monkeypatch.setattr(pagination.Pagination, "count_cap", 2)
    client = api(users.unoda)
    first = client.get("/api/v1/requests/", {"page_size": 1}).json()
    assert (first["count"], first["count_capped"]) == (3, True)
    assert first["next"]
    last = client.get("/api/v1/requests/", {"page_size": 1, "page": "last"}).json()
    assert (last["count"], last["count_capped"]) == (len(cases), False)
    assert last["next"] is None
    assert last["previous"]
    # Following next one row at a time reaches every case, past the cap.
    refs, body = [], first
    while True:
        refs += [row["reference"] for row in body["results"]]
        if not body["next"]:
            break
        body = client.get(body["next"]).json()
    assert sorted(refs) == sorted(case.reference for case in cases.values())


def test_list_gives_the_same_codes_as_the_detail(api, users, make_case):
    """The list reads the codes of a page's categories and kinds in one query each; they are
    those the detail gives, in the same order (position, then code)."""
    from apps.cases.models import AssistanceKind, Category

    categories = list(Category.objects.order_by("-position")[:3])  # added out of order
    kinds = list(AssistanceKind.objects.order_by("-position")[:2])
    case = make_case("published", categories=categories, kinds=kinds)
    bare = make_case("published", categories=[], kinds=[])
    client = api(users.unoda)
    rows = {row["reference"]: row for row in client.get("/api/v1/requests/").json()["results"]}
    for one in (case, bare):
        detail = client.get(f"/api/v1/requests/{one.reference}/").json()
        assert rows[one.reference]["categories"] == detail["categories"]
        assert rows[one.reference]["kinds"] == detail["kinds"]
    expected = [c.code for c in sorted(categories, key=lambda c: (c.position, c.code))]
    assert rows[case.reference]["categories"] == expected
    assert len(rows[case.reference]["kinds"]) == 2
    assert rows[bare.reference]["categories"] == []


def test_list_queries_do_not_grow_with_the_page(api, users, make_case):
    """The codes of a page's categories and kinds come with its rows, whatever its size."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from apps.cases.models import AssistanceKind, Category

    for _index in range(6):
        make_case(
            "published",
            categories=list(Category.objects.all()[:2]),
            kinds=list(AssistanceKind.objects.all()[:2]),
        )
    client = api(users.unoda)
    counts = []
    for size in (2, 6):
        with CaptureQueriesContext(connection) as captured:
            body = client.get("/api/v1/requests/", {"page_size": size}).json()
        assert len(body["results"]) == size
        assert all(len(row["categories"]) == 2 for row in body["results"])
        counts.append(len(captured.captured_queries))
    assert counts[0] == counts[1]


def test_a_page_reads_a_fixed_number_of_queries_and_odd_pages_are_refused(
    api, users, make_case, django_assert_num_queries
):
    from apps.cases.models import AssistanceKind, Category

    categories = list(Category.objects.order_by("-position")[:3])
    kinds = list(AssistanceKind.objects.all()[:2])
    made = [make_case("published", categories=categories, kinds=kinds) for _n in range(3)]
    client = api(users.unoda)
    client.get("/api/v1/requests/")  # the categories and kinds are read and kept here
    newest_first = [case.reference for case in reversed(made)]
    # The token and its user; the capped count, the rows, their categories and their kinds.
    with django_assert_num_queries(5):
        second = client.get("/api/v1/requests/", {"page_size": 2, "page": 2}).json()
    assert (second["count"], second["count_capped"]) == (3, False)
    assert [row["reference"] for row in second["results"]] == newest_first[2:]
    assert second["previous"]
    assert second["next"] is None
    (row,) = second["results"]
    in_order = sorted(categories, key=lambda category: (category.position, category.code))
    assert row["categories"] == [category.code for category in in_order]
    assert row["kinds"] == [
        kind.code for kind in sorted(kinds, key=lambda kind: (kind.position, kind.code))
    ]
    assert_error(client.get("/api/v1/requests/", {"page_size": 2, "page": "3"}), 404)  # past it
    for page in ("0", "-1", "abc", "2.0", " 2"):  # not a page number, as the schema says
        assert_error(client.get("/api/v1/requests/", {"page_size": 2, "page": page}), 400)
