"""Likely duplicates and related needs (issue 23): the portal finds them on submission and on
review, UNODA sees them on the case page and in the API with their reasons and decides (not a
duplicate, related, duplicate of: withdrawn), and the State is warned before it submits a
likely duplicate of its own."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.authtoken.models import Token

from apps.cases import services
from apps.cases.duplicates import likenesses, similarity, trigrams
from apps.cases.history import history_sentences
from apps.cases.models import CaseLink, Category, LinkKind, Status, StatusChange
from apps.cases.workflow import CONFIRM_NOT_DUPLICATE
from apps.core.exceptions import ApplicationError
from tests.conftest import COMMENT, PROPOSAL
from tests.factories import make_member, make_organization

TITLE = "Marking machines and training for the national police"
OBJECTIVES = (
    "Mark every police small arm at import and in stock, and record the marks in the national "
    "register, so that weapons found at crime scenes can be traced."
)


@pytest.fixture
def marking():
    return Category.objects.get(code="marking")


@pytest.fixture
def first(make_case, marking):
    """A submitted marking request of Sierra Leone."""
    return make_case("submitted", title=TITLE, objectives=OBJECTIVES, categories=[marking])


def draft(orgs, users, *, title=TITLE, objectives=OBJECTIVES, categories, organization=None):
    fields = {**PROPOSAL, "objectives": objectives}
    organization = organization or orgs.recipient
    actor = users.recipient if organization == orgs.recipient else users.other_recipient
    return services.request_create(
        actor=actor,
        organization=organization,
        title=title,
        categories=categories,
        **{k: v for k, v in fields.items() if k != "categories"},
    )


def submit(case, actor, **kwargs):
    return services.request_transition(actor=actor, case=case, transition="submit", **kwargs)


def test_texts_are_compared_by_trigrams_in_any_script():
    assert similarity(trigrams("Marking of weapons"), trigrams("marking of WEAPONS!")) == 1.0
    assert similarity(trigrams("Marking of weapons"), trigrams("Stockpile fences")) < 0.2
    assert (
        similarity(trigrams("وسم الأسلحة الصغيرة"), trigrams("وسم الأسلحة الصغيرة والخفيفة")) > 0.5
    )
    assert similarity(trigrams(""), trigrams("anything")) == 0.0


def test_a_near_identical_request_of_the_same_state_is_a_likely_duplicate(
    first, orgs, users, marking
):
    second = draft(
        orgs, users, title=TITLE + " (phase 1)", objectives=OBJECTIVES, categories=[marking]
    )
    [match] = likenesses(second)
    assert match.other == first
    assert match.duplicate
    assert match.reasons[0] == "Same State"
    assert "Shared category: Marking and marking machines" in match.reasons
    assert any(r.startswith("Similar title (") for r in match.reasons)
    assert "Similar objectives (100% alike)" in match.reasons
    assert "Overlapping period" in match.reasons
    assert match.score > 80


def test_a_request_on_another_subject_or_category_is_not_a_duplicate(first, orgs, users, marking):
    other_subject = draft(
        orgs,
        users,
        title="Fences and lighting for the army depots",
        objectives="Build fences, lights and alarms around three army ammunition depots.",
        categories=[marking],
    )
    other_category = draft(
        orgs, users, categories=[Category.objects.exclude(code="marking").first()]
    )
    no_category = draft(orgs, users, categories=[])
    assert likenesses(other_subject) == []
    assert likenesses(other_category) == []
    assert likenesses(no_category) == []


def test_a_withdrawn_request_or_a_draft_is_not_a_candidate(first, orgs, users, marking):
    services.request_transition(
        actor=users.recipient, case=first, transition="withdraw", comment=COMMENT
    )
    other_draft = draft(orgs, users, categories=[marking])
    second = draft(orgs, users, categories=[marking])
    assert other_draft not in [m.other for m in likenesses(second)]
    assert likenesses(second) == []


def test_a_similar_need_of_another_state_of_the_region_is_related_not_duplicate(
    first, orgs, users, marking
):
    mali = draft(orgs, users, organization=orgs.other_recipient, categories=[marking])
    [match] = likenesses(mali)
    assert match.other == first
    assert not match.duplicate
    assert match.reasons[0] == "Same region: Sierra Leone"
    # Another region's State is not looked at.
    far = make_organization("Fiji", recipient=True, country="FJ", region="oceania")
    fiji = services.request_create(
        actor=make_member(far, username="fiji"),
        organization=far,
        title=TITLE,
        categories=[marking],
        **{**PROPOSAL, "objectives": OBJECTIVES},
    )
    assert likenesses(fiji) == []


def test_the_state_is_warned_before_it_submits_a_likely_duplicate_of_its_own(
    first, orgs, users, marking, client
):
    second = draft(orgs, users, categories=[marking])
    client.force_login(users.recipient)
    page = client.get(reverse("cases:request-detail", args=[second.reference])).content.decode()
    assert "This request looks like your request" in page
    assert first.reference in page
    with pytest.raises(ApplicationError) as refused:
        submit(second, users.recipient)
    assert refused.value.code == "confirmation_required"
    assert first.reference in str(refused.value)
    second.refresh_from_db()
    assert second.status == Status.DRAFT
    change = submit(second, users.recipient, confirmed=True, comment="This one is for the customs.")
    assert change.to_status == Status.SUBMITTED
    assert change.comment == "This one is for the customs."
    # What was confirmed stays in the history, as values worded when read.
    assert change.values["confirmed"] == {CONFIRM_NOT_DUPLICATE: {"references": [first.reference]}}
    [note] = history_sentences(change)
    assert first.reference in note


def test_the_warning_refused_in_the_browser_keeps_the_draft_and_says_why(
    first, orgs, users, marking, client
):
    second = draft(orgs, users, categories=[marking])
    client.force_login(users.recipient)
    response = client.post(
        reverse("cases:request-transition", args=[second.reference]),
        {"transition": "submit", "expected_status": "draft"},
        follow=True,
    )
    assert first.reference in response.content.decode()
    second.refresh_from_db()
    assert second.status == Status.DRAFT


def _unoda_page(client, users, case):
    client.force_login(users.unoda)
    response = client.get(reverse("cases:request-detail", args=[case.reference]))
    assert response.status_code == 200
    return response.content.decode()


def _second(orgs, users, marking):
    second = draft(orgs, users, categories=[marking])
    submit(second, users.recipient, confirmed=True, comment="Another need, we think.")
    return second


def test_unoda_sees_the_likely_duplicate_with_its_reasons_on_the_case_page(
    first, orgs, users, marking, client
):
    second = _second(orgs, users, marking)
    page = _unoda_page(client, users, second)
    assert "Likely duplicates and related needs" in page
    assert "Likely duplicate</span>" in page
    assert first.reference in page
    assert "Similar objectives (100% alike)" in page
    # The State does not see UNODA's section (it was warned when submitting).
    client.force_login(users.recipient)
    own = client.get(reverse("cases:request-detail", args=[second.reference])).content.decode()
    assert "Likely duplicates and related needs" not in own


def test_the_api_gives_unoda_the_likely_duplicates_and_nobody_else(
    first, orgs, users, marking, client
):
    second = _second(orgs, users, marking)
    url = reverse("api:request-duplicates", args=[second.reference])
    token = Token.objects.create(user=users.unoda)
    answer = client.get(url, HTTP_AUTHORIZATION=f"Token {token.key}")
    assert answer.status_code == 200
    [row] = answer.json()
    assert row["reference"] == first.reference
    assert row["duplicate"] is True
    assert "Same State" in row["reasons"]
    recipient = Token.objects.create(user=users.recipient)
    assert client.get(url, HTTP_AUTHORIZATION=f"Token {recipient.key}").status_code == 403


def test_not_a_duplicate_makes_the_flag_go_away_and_stay_away(first, orgs, users, marking, client):
    second = _second(orgs, users, marking)
    client.force_login(users.unoda)
    response = client.post(
        reverse("cases:case-duplicate-decide", args=[second.reference]),
        {"reference": first.reference, "decision": "distinct"},
        follow=True,
    )
    assert "is not a duplicate of" in response.content.decode()
    assert likenesses(second) == []
    assert likenesses(first) == []  # decided for the pair, from either end
    # Still away after the case moves on, and for the State's next submission.
    services.request_transition(actor=users.unoda, case=second, transition="start_review")
    page = _unoda_page(client, users, second)
    assert "No likely duplicate or related need found." in page
    assert CaseLink.objects.get().kind == LinkKind.DISTINCT


def test_duplicate_of_withdraws_the_case_with_a_history_entry(first, orgs, users, marking, client):
    second = _second(orgs, users, marking)
    client.force_login(users.unoda)
    url = reverse("cases:case-duplicate-decide", args=[second.reference])
    data = {"reference": first.reference, "decision": "duplicates", "note": "Same project."}
    client.post(url, data)
    client.post(url, data)  # a double click
    second.refresh_from_db()
    assert second.status == Status.WITHDRAWN
    [change] = StatusChange.objects.filter(request=second, transition="withdraw")
    assert history_sentences(change) == [f"Withdrawn as a duplicate of {first.reference}."]
    assert change.comment == "Same project."
    link = CaseLink.objects.get()
    assert (link.from_case, link.to_case, link.kind) == (second, first, LinkKind.DUPLICATES)
    page = _unoda_page(client, users, first)
    assert "is duplicated by" in page


def test_related_is_recorded_through_the_api(first, orgs, users, marking, client):
    mali = draft(orgs, users, organization=orgs.other_recipient, categories=[marking])
    submit(mali, users.other_recipient)  # another State's: no warning
    token = Token.objects.create(user=users.unoda)
    answer = client.post(
        reverse("api:request-duplicates", args=[mali.reference]),
        {"reference": first.reference, "decision": "related"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Token {token.key}",
    )
    assert answer.status_code == 200
    assert answer.json() == []
    assert CaseLink.objects.get().kind == LinkKind.RELATED


def test_only_unoda_decides_and_a_case_past_agreement_is_not_withdrawn(
    first, orgs, users, marking, make_case, client
):
    second = _second(orgs, users, marking)
    with pytest.raises(PermissionDenied):
        services.case_duplicate_decide(
            actor=users.recipient,
            case=second,
            other_reference=first.reference,
            decision="distinct",
        )
    client.force_login(users.donor)
    url = reverse("cases:case-duplicate-decide", args=[second.reference])
    assert (
        client.post(url, {"reference": first.reference, "decision": "distinct"}).status_code == 403
    )
    with pytest.raises(ValidationError):
        services.case_duplicate_decide(
            actor=users.unoda, case=second, other_reference=first.reference, decision="repeats"
        )
    funded = make_case("implementation", title="Something else entirely")
    with pytest.raises(ApplicationError):
        services.case_duplicate_decide(
            actor=users.unoda, case=funded, other_reference=first.reference, decision="duplicates"
        )
    assert not CaseLink.objects.exists()


def test_finding_likenesses_reads_the_same_queries_whatever_the_candidates(
    first, orgs, users, marking
):
    second = draft(orgs, users, categories=[marking])
    neighbour = draft(orgs, users, organization=orgs.other_recipient, categories=[marking])
    submit(neighbour, users.other_recipient, confirmed=True, comment=COMMENT)
    with CaptureQueriesContext(connection) as one:
        assert len(likenesses(second)) == 2
    for _ in range(3):
        neighbour = draft(orgs, users, organization=orgs.other_recipient, categories=[marking])
        submit(neighbour, users.other_recipient, confirmed=True, comment=COMMENT)
        _second(orgs, users, marking)
    with CaptureQueriesContext(connection) as many:
        assert len(likenesses(second)) == 8
    assert len(many) == len(one)
