"""Lessons shared (issue 23): the feedback form asks each party whether its lessons may be
shared; UNODA publishes lessons from closed cases only with that consent; every signed-in
State and donor reads and searches them; effectiveness by category and kind of help; the
public page gives closed public cases' outcome in one line."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from apps.cases import services as case_services
from apps.cases.models import AssistanceKind, Category, Visibility
from apps.core.exceptions import ApplicationError
from apps.followup import selectors, services
from apps.followup.models import Feedback, FeedbackStatus, Lesson
from tests.conftest import RATINGS, build_case

LESSON = "Train the storekeepers before the new racks arrive, not after."


def close_with_feedback(orgs, users, *, consent=True, **fields):
    """A case walked to feedback; the State shares its lessons (``consent``), the donor does
    not; closed by UNODA."""
    case = build_case(orgs=orgs, users=users, status="feedback", **fields)
    services.feedback_submit(
        actor=users.recipient,
        case=case,
        what_worked="Joint planning.",
        lessons_learned=LESSON,
        share_lessons=consent,
        **RATINGS,
    )
    services.feedback_submit(
        actor=users.donor,
        case=case,
        lessons_learned="Our own procurement rules slowed the delivery.",
        **{**RATINGS, "overall": 2},
    )
    case_services.request_transition(actor=users.unoda, case=case, transition="close")
    case.refresh_from_db()
    return case


def test_the_feedback_form_asks_for_consent_and_keeps_it(make_case, users, client):
    case = make_case("feedback")
    client.force_login(users.recipient)
    url = reverse("followup:feedback-detail", args=[case.reference])
    page = client.get(url).content.decode()
    assert 'name="share_lessons"' in page
    assert "UNODA may share our lessons learned" in page
    client.post(url, {"save_draft": "1", "lessons_learned": LESSON, "share_lessons": "on"})
    feedback = Feedback.objects.get(request=case, organization__name="Sierra Leone")
    assert feedback.share_lessons
    assert feedback.status == FeedbackStatus.PENDING


def test_unoda_publishes_a_lesson_only_from_a_closed_case_with_consent(orgs, users, make_case):
    open_case = make_case("feedback")
    with pytest.raises(ApplicationError, match="closed cases only"):
        services.lesson_publish(actor=users.unoda, case=open_case, title="T", body="B")
    without = close_with_feedback(orgs, users, consent=False, title="Depots without consent")
    with pytest.raises(ApplicationError, match="agreed to share"):
        services.lesson_publish(actor=users.unoda, case=without, title="T", body="B")
    case = close_with_feedback(orgs, users, title="Depots with consent")
    with pytest.raises(PermissionDenied):
        services.lesson_publish(actor=users.recipient, case=case, title="T", body="B")
    with pytest.raises(ValidationError) as empty:
        services.lesson_publish(actor=users.unoda, case=case, title=" ", body="")
    assert set(empty.value.message_dict) == {"title", "body"}
    lesson = services.lesson_publish(actor=users.unoda, case=case, title="Train first", body=LESSON)
    assert lesson.request == case
    with pytest.raises(ValidationError, match="already published"):  # a double click
        services.lesson_publish(actor=users.unoda, case=case, title="Train first", body=LESSON)
    assert Lesson.objects.count() == 1


def test_the_publish_form_holds_only_the_consenting_parties_lessons(orgs, users, client):
    case = close_with_feedback(orgs, users)
    client.force_login(users.unoda)
    url = reverse("followup:feedback-detail", args=[case.reference])
    page = client.get(url).content.decode()
    form = page[page.index('name="form" value="publish-lesson"') :]
    assert LESSON in form
    assert "procurement rules" not in form  # the donor did not agree
    response = client.post(url, {"form": "publish-lesson", "title": "Train first", "body": LESSON})
    assert response.status_code == 302
    assert Lesson.objects.get().title == "Train first"
    # The State sees no publishing form.
    client.force_login(users.recipient)
    assert 'value="publish-lesson"' not in client.get(url).content.decode()
    refused = client.post(url, {"form": "publish-lesson", "title": "X", "body": "Y"})
    assert refused.status_code in (302, 403)
    assert Lesson.objects.count() == 1


@pytest.fixture
def lessons(orgs, users):
    stockpile = Category.objects.filter(code="stockpile")
    marking = Category.objects.filter(code="marking")
    first = close_with_feedback(orgs, users, title="Depots", categories=stockpile)
    second = close_with_feedback(orgs, users, title="Marking", categories=marking)
    return {
        "racks": services.lesson_publish(
            actor=users.unoda, case=first, title="Train first", body=LESSON
        ),
        "machines": services.lesson_publish(
            actor=users.unoda,
            case=second,
            title="Marking machines need spare parts",
            body="Budget two years of spare parts and a local technician.",
        ),
    }


@pytest.mark.parametrize("who", ["recipient", "other_recipient", "donor", "other_donor", "unoda"])
def test_every_signed_in_state_and_donor_reads_the_lessons(lessons, users, client, who):
    client.force_login(getattr(users, who))
    page = client.get(reverse("followup:lesson-list")).content.decode()
    assert "Train first" in page
    assert "Marking machines need spare parts" in page
    assert "Sierra Leone" not in page  # the parties are not named
    assert lessons["racks"].request.reference not in page


def test_the_lessons_are_searchable_and_filtered(lessons, users, client):
    client.force_login(users.donor)
    url = reverse("followup:lesson-list")

    def titles(**params):
        page = client.get(url, params).content.decode()
        return {t for t in ("Train first", "Marking machines need spare parts") if t in page}

    assert titles(q="SPARE parts") == {"Marking machines need spare parts"}
    assert titles(q="storekeepers") == {"Train first"}
    assert titles(category="stockpile") == {"Train first"}
    assert titles(region="africa") == {"Train first", "Marking machines need spare parts"}
    assert titles(region="europe") == set()
    assert "No lesson matches your search." in client.get(url, {"q": "nothing"}).content.decode()


def test_a_signed_out_visitor_is_sent_to_sign_in(client):
    response = client.get(reverse("followup:lesson-list"))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_unoda_withdraws_a_lesson_once_and_nobody_else_can(lessons, users, client):
    url = reverse("followup:lesson-list")
    client.force_login(users.donor)
    assert client.post(url, {"lesson": lessons["racks"].pk}).status_code == 403
    client.force_login(users.unoda)
    client.post(url, {"lesson": lessons["racks"].pk})
    again = client.post(url, {"lesson": lessons["racks"].pk}, follow=True)
    assert "This lesson has already been withdrawn." in again.content.decode()
    assert list(Lesson.objects.values_list("title", flat=True)) == [
        "Marking machines need spare parts"
    ]


def test_effectiveness_by_category_and_kind_of_help(orgs, users):
    training = AssistanceKind.objects.get(code="training")
    close_with_feedback(
        orgs, users, categories=Category.objects.filter(code="stockpile"), kinds=[training]
    )
    [stockpile] = selectors.effectiveness_by_category()
    assert stockpile["label"] == "Stockpile management and security"
    assert stockpile["n"] == 2
    assert stockpile["recipient"] == RATINGS["overall"]
    assert stockpile["donor"] == 2
    [kind] = selectors.effectiveness_by_kind()
    assert kind["label"] == str(training)
    assert kind["average"] == (RATINGS["overall"] + 2) / 2


def test_the_public_page_gives_a_closed_public_cases_outcome_in_one_line(orgs, users, client):
    close_with_feedback(
        orgs,
        users,
        visibility=Visibility.PUBLIC_SUMMARY,
        summary="Safer police depots in the east.",
    )
    close_with_feedback(orgs, users, summary="A case not made public.")
    page = client.get(reverse("public-needs")).content.decode()
    assert "Safer police depots in the east." in page
    assert "A case not made public." not in page
    average = (RATINGS["overall"] + 2) / 2
    assert f"the parties rated it {average:.1f} out of 5." in page
