"""A form or an API call sent twice, in a row or at the same instant, writes once."""

import datetime
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from types import SimpleNamespace
from urllib.parse import urlsplit

import lxml.html
import pytest
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.utils import timezone
from rest_framework.authtoken.models import Token

from apps.cases.models import (
    AssistanceRequest,
    Attachment,
    CaseLink,
    Category,
    Comment,
    StatusChange,
)
from apps.core.idempotency import submitted_keys_purge
from apps.core.models import SubmittedKey
from apps.core.selectors import COORDINATORS_GROUP
from apps.followup.models import (
    Agreement,
    AgreementDocument,
    Feedback,
    FeedbackStatus,
    FeedbackWaiver,
    Lesson,
    Milestone,
    ProgressReport,
)
from apps.followup.services import feedback_submit
from apps.funding.models import (
    Commitment,
    Disbursement,
    ExchangeRate,
    ExpressionOfInterest,
    MatchmakingMeeting,
    MeetingItem,
    Offer,
    OfferReferral,
)
from apps.funding.services import (
    commitment_create,
    meeting_create,
    offer_create,
    offer_referral_ask,
)
from apps.organizations.models import Region
from apps.portal.models import SavedView
from tests.conftest import RATINGS, agreement_terms, fire_step


def twice_at_once(send) -> list:
    """``send(client)`` from two threads released at the same instant, each with its own
    client and database connection; their answers."""
    barrier = threading.Barrier(2)
    answers = []

    def run():
        client = Client()
        try:
            barrier.wait()
            answers.append(send(client))
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


def comment(client, case, token, body="Thank you."):
    return client.post(f"/cases/{case.reference}/comment/", {"body": body, "form_token": token})


@pytest.mark.django_db
def test_a_form_sent_twice_writes_once_and_says_so(client, users, make_case):
    case = make_case("published")
    client.force_login(users.recipient)
    token = uuid.uuid4().hex
    first = comment(client, case, token)
    second = comment(client, case, token)
    assert first.status_code == second.status_code == 302
    assert second["Location"] == first["Location"]
    assert Comment.objects.filter(request=case).count() == 1
    page = client.get(second["Location"])
    assert "already sent: nothing was saved twice" in page.content.decode()
    # Another form (a new token) is a new comment.
    comment(client, case, uuid.uuid4().hex, body="And another thing.")
    assert Comment.objects.filter(request=case).count() == 2


@pytest.mark.django_db
def test_the_case_page_gives_each_form_a_token(client, users, make_case):
    case = make_case("published")
    client.force_login(users.recipient)
    html = client.get(f"/cases/{case.reference}/").content.decode()
    assert html.count('name="form_token"') == html.count('name="csrfmiddlewaretoken"') > 0


@pytest.mark.django_db
def test_a_refused_first_try_keeps_no_key(client, users, make_case):
    case = make_case("published")
    client.force_login(users.recipient)
    token = uuid.uuid4().hex
    comment(client, case, token, body="")  # refused: empty
    assert Comment.objects.filter(request=case).count() == 0
    assert comment(client, case, token).status_code == 302
    assert Comment.objects.filter(request=case).count() == 1


@pytest.fixture
def commitment(users, orgs, make_case):
    case = make_case("implementation")
    return commitment_create(
        actor=users.unoda,
        case=case,
        donor=orgs.donor,
        amount=Decimal("5000"),
        currency="USD",
        status="committed",
    )


def disburse(client, commitment, key, auth):
    return client.post(
        f"/api/v1/commitments/{commitment.pk}/disbursements/",
        {"amount": "1000.00"},
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY=key,
        **auth,
    )


def api_auth(user) -> dict:
    return {"HTTP_AUTHORIZATION": f"Token {Token.objects.create(user=user).key}"}


@pytest.mark.django_db
def test_an_api_post_sent_twice_writes_once_and_answers_the_same(users, commitment):
    client, auth = Client(), api_auth(users.donor)
    first = disburse(client, commitment, "pay-1", auth)
    second = disburse(client, commitment, "pay-1", auth)
    assert first.status_code == second.status_code == 201
    assert second.json() == first.json()
    assert second["Idempotent-Replayed"] == "true"
    assert Disbursement.objects.filter(commitment=commitment).count() == 1
    commitment.refresh_from_db()
    assert commitment.disbursed_amount == Decimal("1000.00")
    # Another user's same key is theirs.
    assert disburse(client, commitment, "pay-1", api_auth(users.unoda)).status_code == 201
    assert Disbursement.objects.filter(commitment=commitment).count() == 2


@pytest.mark.django_db
def test_an_api_key_used_again_for_another_operation_is_refused(users, commitment):
    """The first answer is replayed only to the same operation: the same key sent to another
    path (a client that reuses its keys) is a 409 and does nothing, never another's answer."""
    client, auth = Client(), api_auth(users.donor)
    assert disburse(client, commitment, "key-1", auth).status_code == 201
    other = client.post("/api/v1/notifications/read-all/", HTTP_IDEMPOTENCY_KEY="key-1", **auth)
    assert other.status_code == 409
    assert other.json()["error"]["code"] == "idempotency_key_reused"
    assert "Idempotent-Replayed" not in other
    assert Disbursement.objects.filter(commitment=commitment).count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("key", ["", " " * 101, "\t", "pay\u00e9", "x" * 101])
def test_a_key_outside_the_schema_is_refused_and_nothing_is_done(users, commitment, key):
    """What the schema refuses is refused (an empty key, blanks beyond its length, a tab, a
    letter outside printable ASCII), with nothing written: not taken for a request without a
    key."""
    response = disburse(Client(), commitment, key, api_auth(users.donor))
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid"
    assert not Disbursement.objects.filter(commitment=commitment).exists()
    assert not SubmittedKey.objects.exists()


@pytest.mark.django_db
def test_keys_are_forgotten_after_a_day(users, commitment, settings):
    client, auth = Client(), api_auth(users.donor)
    disburse(client, commitment, "pay-1", auth)
    SubmittedKey.objects.update(created_at=SubmittedKey.objects.get().created_at.replace(year=2020))
    assert submitted_keys_purge() == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_same_api_post_at_the_same_instant_writes_once(users, orgs, make_case):
    case = make_case("implementation")
    commitment = commitment_create(
        actor=users.unoda,
        case=case,
        donor=orgs.donor,
        amount=Decimal("5000"),
        currency="USD",
        status="committed",
    )
    auth = api_auth(users.donor)
    answers = twice_at_once(
        lambda client: disburse(client, commitment, "same-instant", auth).status_code
    )
    assert sorted(answers) in ([201, 201], [201, 409])
    assert Disbursement.objects.filter(commitment=commitment).count() == 1
    commitment.refresh_from_db()
    assert commitment.disbursed_amount == Decimal("1000.00")


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_same_form_at_the_same_instant_writes_once(users, make_case):
    case = make_case("published")
    token = uuid.uuid4().hex

    def send(client):
        client.force_login(users.recipient)
        return comment(client, case, token).status_code

    twice_at_once(send)
    assert Comment.objects.filter(request=case).count() == 1


# ---------------------------------------------------------------------------------------------
# Every form that creates a record, and every API POST that does: sent twice in a row with the
# same token, and twice at the same instant, each leaves exactly one row. The token is taken
# from the page the way a browser does (the form's hidden ``form_token``), which also proves
# that the page's form carries one.


@dataclass
class PageForm:
    """A form of a page: who sends it, the page that shows it, where it posts (None: to the
    page itself), the hidden values that pick it among the forms posting there, what is typed,
    the files attached, and the rows it creates (counted)."""

    actor: object
    page: str
    action: str | None
    typed: dict
    rows: Callable[[], int]
    which: dict = field(default_factory=dict)
    files: Callable[[], dict] = dict


def values_from_page(client, form: PageForm) -> dict:
    """The values a browser would send from the form (its hidden inputs, selected options and
    checked boxes), with what the test types over them."""
    response = client.get(form.page)
    assert response.status_code == 200, form.page
    document = lxml.html.fromstring(response.content)
    target = urlsplit(form.action or form.page).path
    for candidate in document.forms:
        if (candidate.method or "GET").upper() != "POST":
            continue
        if urlsplit(candidate.get("action") or form.page).path != target:
            continue
        values: dict = {}
        for name, value in candidate.form_values():
            values.setdefault(name, []).append(value)
        if any(values.get(k) != [str(v)] for k, v in form.which.items()):
            continue
        fields = {element.get("name") for element in candidate.xpath(".//*[@name]")}
        if not set(form.typed) <= fields:
            continue  # another form posting to the same place (it has not what is typed)
        assert values.get("form_token"), f"the form posting to {target} carries no form_token"
        values = {k: v[0] if len(v) == 1 else v for k, v in values.items()}
        return {**values, **form.typed}
    raise AssertionError(f"no form posting to {target} {form.which} on {form.page}")


def what_the_page_says(response) -> str:
    """The errors and messages of a page shown again (a failing row's explanation)."""
    if not response.content.strip():
        return str(response.status_code)
    document = lxml.html.fromstring(response.content)
    found = document.xpath('//*[contains(@class, "errorlist") or contains(@class, "messages")]')
    return f"{response.status_code}: " + " | ".join(e.text_content().strip() for e in found)


def send_form(client, form: PageForm, data: dict):
    return client.post(form.action or form.page, {**data, **form.files()})


def upload(name="report.pdf"):
    return SimpleUploadedFile(name, b"%PDF-1.4\n%%EOF\n", content_type="application/pdf")


def _count(model, **lookups):
    return lambda: model.objects.filter(**lookups).count()


def form_comment(w):
    case = w.make_case("published")
    return PageForm(
        w.users.recipient,
        f"/cases/{case.reference}/",
        f"/cases/{case.reference}/comment/",
        {"body": "Thank you."},
        _count(Comment, request=case),
    )


def form_interest(w):
    case = w.make_case("published")
    return PageForm(
        w.users.donor,
        f"/cases/{case.reference}/",
        f"/funding/{case.reference}/interest/",
        {"donor": w.orgs.donor.pk, "message": "We can help."},
        _count(ExpressionOfInterest, request=case),
    )


def form_commitment(w):
    case = w.make_case("implementation")
    return PageForm(
        w.users.donor,
        f"/cases/{case.reference}/",
        f"/funding/{case.reference}/commitment/",
        {"donor": w.orgs.donor.pk, "amount": "2500.00", "currency": "USD", "status": "pledged"},
        _count(Commitment, request=case),
    )


def form_disbursement(w):
    commitment = commitment_create(
        actor=w.users.unoda,
        case=w.make_case("implementation"),
        donor=w.orgs.donor,
        amount=Decimal("5000"),
        currency="USD",
        status="committed",
    )
    return PageForm(
        w.users.donor,
        "/funding/desk/",
        f"/funding/commitments/{commitment.pk}/disburse/",
        {
            f"c{commitment.pk}-amount": "1000.00",
            f"c{commitment.pk}-date": timezone.localdate().isoformat(),
        },
        _count(Disbursement, commitment=commitment),
    )


def form_case_link(w):
    case, other = w.make_case("published"), w.make_case("published", title="Mark the rifles")
    return PageForm(
        w.users.unoda,
        f"/cases/{case.reference}/",
        f"/cases/{case.reference}/links/",
        {"reference": other.reference, "kind": "builds_on", "note": "Same posts"},
        _count(CaseLink),
    )


def form_transition(w):
    case = w.make_case("submitted")
    return PageForm(
        w.users.unoda,
        f"/cases/{case.reference}/",
        f"/cases/{case.reference}/transition/",
        {"transition": "start_review", "comment": "Looking."},
        _count(StatusChange, request=case),
    )


def form_request_wizard(w):
    return PageForm(
        w.users.recipient,
        "/cases/new/",
        None,
        {"title": "Mark the rifles"},
        _count(AssistanceRequest, requesting_organization=w.orgs.recipient),
    )


def form_attachment(w):
    case = w.make_case("draft")
    return PageForm(
        w.users.recipient,
        f"/cases/{case.reference}/edit/visibility/",
        f"/cases/{case.reference}/attachments/",
        {"title": "Inventory", "kind": "other"},
        _count(Attachment, request=case),
        files=lambda: {"file": upload()},
    )


def form_milestone(w):
    case = w.make_case("implementation")
    return PageForm(
        w.users.unoda,
        f"/followup/{case.reference}/plan/",
        None,
        {"title": "Fence built", "due_date": "2027-01-15"},
        _count(Milestone, agreement__request=case),
        which={"form": "milestone"},
    )


def form_progress_report(w):
    case = w.make_case("implementation")
    today = timezone.localdate()
    return PageForm(
        w.users.recipient,
        f"/followup/{case.reference}/plan/",
        None,
        {
            "period_start": today.isoformat(),
            "period_end": today.isoformat(),
            "status": "on_track",
            "percent_done": "20",
            "narrative": "Fence begun.",
        },
        _count(ProgressReport, agreement__request=case),
        which={"form": "report"},
        files=lambda: {"attachments": upload()},
    )


def form_feedback(w):
    case = w.make_case("feedback")
    return PageForm(
        w.users.recipient,
        f"/followup/{case.reference}/feedback/",
        None,
        {**{k: str(v) for k, v in RATINGS.items()}, "what_worked": "Training.", "seal": ""},
        _count(Feedback, request=case, status=FeedbackStatus.SUBMITTED),
    )


def form_waiver(w):
    case = w.make_case("feedback")
    return PageForm(
        w.users.unoda,
        f"/followup/{case.reference}/feedback/",
        None,
        {"organization": w.orgs.donor.pk, "reason": "No answer."},
        _count(FeedbackWaiver, request=case),
        which={"form": "waive"},
    )


def closed_case_sharing_lessons(w):
    """A closed case whose parties all agreed to share their lessons (for the lesson rows)."""
    case = w.make_case("feedback")
    members = [w.users.recipient, w.users.donor, w.users.other_donor]
    for feedback in Feedback.objects.filter(request=case, status=FeedbackStatus.PENDING):
        member = next(
            u for u in members if u.memberships.filter(organization=feedback.organization).exists()
        )
        feedback_submit(
            actor=member, case=case, lessons_learned="Fences first.", share_lessons=True, **RATINGS
        )
    fire_step(orgs=w.orgs, users=w.users, case=case, transition="close", comment="Done.")
    return case


def form_lesson(w):
    case = closed_case_sharing_lessons(w)
    return PageForm(
        w.users.unoda,
        f"/followup/{case.reference}/feedback/",
        None,
        {"title": "Fences first", "body": "Secure the depot before training."},
        _count(Lesson),
        which={"form": "publish-lesson"},
    )


def form_agreement(w):
    case = w.make_case("donor_interest")
    terms = agreement_terms()
    return PageForm(
        w.users.unoda,
        f"/followup/{case.reference}/agreement/",
        None,
        {**{k: str(v) for k, v in terms.items()}, "donors": [w.orgs.donor.pk]},
        _count(Agreement, request=case),
    )


def form_agreement_document(w):
    case = w.make_case("implementation")
    return PageForm(
        w.users.unoda,
        f"/followup/{case.reference}/agreement/documents/new/",
        None,
        {"title": "Signed agreement"},
        _count(AgreementDocument),
        files=lambda: {"file": upload()},
    )


def form_offer(w):
    return PageForm(
        w.users.donor,
        "/funding/desk/",
        "/funding/offers/new/",
        {
            "title": "Fences and locks",
            "currency": "USD",
            "amount_min": "1000",
            "amount_max": "50000",
            "cooperation_type": "north_south",
        },
        _count(Offer, donor=w.orgs.donor),
    )


def form_meeting(w):
    return PageForm(
        w.users.unoda,
        "/funding/meetings/new/",
        None,
        {
            "title": "Geneva matchmaking",
            "date": timezone.localdate().isoformat(),
            "place": "Geneva",
            "invited": [w.orgs.donor.pk],
        },
        _count(MatchmakingMeeting),
    )


def geneva_meeting(w):
    """A meeting UNODA prepared today, Japan invited (for the agenda item rows)."""
    return meeting_create(
        actor=w.users.unoda,
        title="Geneva matchmaking",
        date=timezone.localdate(),
        invited=[w.orgs.donor],
    )


def form_meeting_item(w):
    case = w.make_case("published")
    meeting = geneva_meeting(w)
    return PageForm(
        w.users.unoda,
        f"/funding/meetings/{meeting.pk}/",
        None,
        {"request": case.pk},
        _count(MeetingItem, meeting=meeting),
        which={"form": "item"},
    )


def form_saved_view(w):
    return PageForm(
        w.users.unoda,
        "/cases/?view=all&status=published",
        "/cases/saved-views/",
        {"name": "Published"},
        _count(SavedView, owner=w.users.unoda),
    )


def form_referral_ask(w):
    # The seeded category (made again if a flush of an earlier transactional test took it).
    stockpile, _ = Category.objects.get_or_create(
        code="stockpile", defaults={"name": "Stockpile management", "position": 1}
    )
    case = w.make_case("published", categories=[stockpile])
    offer = offer_create(
        actor=w.users.donor,
        donor=w.orgs.donor,
        title="Fences and locks",
        currency="USD",
        amount_min=Decimal("1"),
        amount_max=Decimal("900000"),
        cooperation_type="north_south",
        categories=[stockpile],
        regions=[Region.GLOBAL],
    )
    return PageForm(
        w.users.recipient,
        "/funding/offers/",
        f"/funding/offers/{offer.pk}/ask/",
        {f"offer{offer.pk}-request": case.reference, f"offer{offer.pk}-note": "Before the rains."},
        _count(OfferReferral, offer=offer),
    )


def form_exchange_rate(w):
    group, _ = Group.objects.get_or_create(name=COORDINATORS_GROUP)
    group.user_set.add(w.users.unoda)
    return PageForm(
        w.users.unoda,
        "/settings/exchange-rates/",
        None,
        {
            "currency": "JPY",
            "rate_per_usd": "150",
            "valid_on": timezone.localdate().isoformat(),
            "source": "Treasury",
            "set_rate": "",
        },
        _count(ExchangeRate, currency="JPY"),
    )


def form_referral_bring(w):
    stockpile, _ = Category.objects.get_or_create(
        code="stockpile", defaults={"name": "Stockpile management", "position": 1}
    )
    case = w.make_case("published", categories=[stockpile])
    offer = offer_create(
        actor=w.users.donor,
        donor=w.orgs.donor,
        title="Fences and locks",
        currency="USD",
        amount_min=Decimal("1"),
        amount_max=Decimal("900000"),
        cooperation_type="north_south",
        categories=[stockpile],
        regions=[Region.GLOBAL],
    )
    referral = offer_referral_ask(actor=w.users.recipient, offer=offer, case=case, note="Soon.")
    meeting = meeting_create(
        actor=w.users.unoda,
        title="Matchmaking to come",
        date=timezone.localdate() + datetime.timedelta(days=14),
        invited=[w.orgs.donor],
    )
    return PageForm(
        w.users.unoda,
        "/funding/referrals/",
        None,
        {f"bring{referral.pk}-meeting": meeting.pk, f"bring{referral.pk}-note": "On the agenda."},
        _count(MeetingItem, meeting=meeting),
        which={"form": "bring", "referral": referral.pk},
    )


def alike_cases(w):
    """Two submitted requests of one State, alike enough to be flagged as likely duplicates."""
    marking, _ = Category.objects.get_or_create(
        code="marking", defaults={"name": "Marking", "position": 2}
    )
    return w.make_case("submitted", categories=[marking]), w.make_case(
        "submitted", categories=[marking]
    )


def form_duplicate_decision(w):
    first, second = alike_cases(w)
    return PageForm(
        w.users.unoda,
        f"/cases/{second.reference}/",
        f"/cases/{second.reference}/duplicates/",
        {},
        _count(CaseLink),
        which={"reference": first.reference, "decision": "distinct"},
    )


FORMS = {
    name.removeprefix("form_"): builder
    for name, builder in list(globals().items())
    if name.startswith("form_") and callable(builder)
}


@pytest.fixture
def world(users, orgs, make_case):
    return SimpleNamespace(users=users, orgs=orgs, make_case=make_case)


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(FORMS))
def test_each_create_form_sent_twice_in_a_row_writes_once(name, client, world):
    form = FORMS[name](world)
    client.force_login(form.actor)
    data = values_from_page(client, form)
    before = form.rows()
    first = send_form(client, form, data)
    assert first.status_code == 302, what_the_page_says(first)
    assert form.rows() == before + 1
    second = send_form(client, form, data)
    assert second.status_code == 302
    assert second["Location"] == first["Location"]
    assert form.rows() == before + 1
    page = client.get(second["Location"])
    assert "already sent: nothing was saved twice" in page.content.decode()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize("name", sorted(FORMS))
def test_each_create_form_sent_twice_at_the_same_instant_writes_once(name, client, world):
    form = FORMS[name](world)
    client.force_login(form.actor)
    data = values_from_page(client, form)
    before = form.rows()

    def send(other):
        other.force_login(form.actor)
        return send_form(other, form, data).status_code

    answers = twice_at_once(send)
    assert answers == [302, 302]
    assert form.rows() == before + 1


@dataclass
class ApiPost:
    """An API call that creates a record: who sends it, where, the JSON body, the answer of
    its success, and the rows it creates (counted)."""

    actor: object
    url: str
    body: dict
    status: int
    rows: Callable[[], int]


def api_request(w):
    return ApiPost(
        w.users.recipient,
        "/api/v1/requests/",
        {"organization": w.orgs.recipient.pk, "title": "Mark the rifles"},
        201,
        _count(AssistanceRequest, requesting_organization=w.orgs.recipient),
    )


def api_transition(w):
    case = w.make_case("submitted")
    return ApiPost(
        w.users.unoda,
        f"/api/v1/requests/{case.reference}/transitions/",
        {"transition": "start_review", "comment": "Looking."},
        200,
        _count(StatusChange, request=case),
    )


def api_offer(w):
    return ApiPost(
        w.users.donor,
        "/api/v1/offers/",
        {
            "donor": w.orgs.donor.pk,
            "title": "Fences and locks",
            "currency": "USD",
            "amount_min": "1000",
            "amount_max": "50000",
            "cooperation_type": "north_south",
        },
        201,
        _count(Offer, donor=w.orgs.donor),
    )


def api_interest(w):
    case = w.make_case("published")
    return ApiPost(
        w.users.donor,
        "/api/v1/interests/",
        {"request": case.reference, "donor": w.orgs.donor.pk, "message": "We can."},
        201,
        _count(ExpressionOfInterest, request=case),
    )


def api_commitment(w):
    case = w.make_case("implementation")
    return ApiPost(
        w.users.donor,
        "/api/v1/commitments/",
        {
            "request": case.reference,
            "donor": w.orgs.donor.pk,
            "amount": "2500.00",
            "currency": "USD",
            "status": "pledged",
        },
        201,
        _count(Commitment, request=case),
    )


def api_disbursement(w):
    commitment = commitment_create(
        actor=w.users.unoda,
        case=w.make_case("implementation"),
        donor=w.orgs.donor,
        amount=Decimal("5000"),
        currency="USD",
        status="committed",
    )
    return ApiPost(
        w.users.donor,
        f"/api/v1/commitments/{commitment.pk}/disbursements/",
        {"amount": "1000.00"},
        201,
        _count(Disbursement, commitment=commitment),
    )


def api_progress_report(w):
    case = w.make_case("implementation")
    today = timezone.localdate().isoformat()
    return ApiPost(
        w.users.recipient,
        f"/api/v1/requests/{case.reference}/progress-reports/",
        {
            "period_start": today,
            "period_end": today,
            "status": "on_track",
            "percent_done": 20,
            "narrative": "Fence begun.",
        },
        201,
        _count(ProgressReport, agreement__request=case),
    )


def api_feedback(w):
    case = w.make_case("feedback")
    return ApiPost(
        w.users.recipient,
        f"/api/v1/requests/{case.reference}/feedback/",
        {**RATINGS, "what_worked": "Training.", "submit": True},
        200,
        _count(Feedback, request=case, status=FeedbackStatus.SUBMITTED),
    )


def api_duplicate_decision(w):
    first, second = alike_cases(w)
    return ApiPost(
        w.users.unoda,
        f"/api/v1/requests/{second.reference}/duplicates/",
        {"reference": first.reference, "decision": "distinct"},
        200,
        _count(CaseLink),
    )


def api_comment(w):
    case = w.make_case("published")
    return ApiPost(
        w.users.recipient,
        f"/api/v1/requests/{case.reference}/comments/",
        {"body": "When is the visit?"},
        201,
        _count(Comment, request=case),
    )


def api_milestone(w):
    case = w.make_case("implementation")
    return ApiPost(
        w.users.unoda,
        f"/api/v1/requests/{case.reference}/milestones/",
        {"title": "Fence built", "due_date": "2027-01-15"},
        201,
        _count(Milestone, agreement__request=case),
    )


def api_meeting(w):
    return ApiPost(
        w.users.unoda,
        "/api/v1/meetings/",
        {
            "title": "Donor round",
            "date": timezone.localdate().isoformat(),
            "invited": [w.orgs.donor.pk],
        },
        201,
        _count(MatchmakingMeeting),
    )


def api_meeting_item(w):
    case = w.make_case("published")
    meeting = geneva_meeting(w)
    return ApiPost(
        w.users.unoda,
        f"/api/v1/meetings/{meeting.pk}/items/",
        {"request": case.reference},
        201,
        _count(MeetingItem, meeting=meeting),
    )


def api_exchange_rate(w):
    group, _ = Group.objects.get_or_create(name=COORDINATORS_GROUP)
    group.user_set.add(w.users.unoda)
    return ApiPost(
        w.users.unoda,
        "/api/v1/exchange-rates/",
        {"currency": "JPY", "rate_per_usd": "150", "valid_on": timezone.localdate().isoformat()},
        201,
        _count(ExchangeRate, currency="JPY"),
    )


def api_waiver(w):
    case = w.make_case("feedback")
    return ApiPost(
        w.users.unoda,
        f"/api/v1/requests/{case.reference}/feedback-waivers/",
        {"organization": w.orgs.donor.pk, "reason": "No answer."},
        201,
        _count(FeedbackWaiver, request=case),
    )


def api_lesson(w):
    case = closed_case_sharing_lessons(w)
    return ApiPost(
        w.users.unoda,
        "/api/v1/lessons/",
        {"request": case.reference, "title": "Fences first", "body": "Secure the depot first."},
        201,
        _count(Lesson),
    )


API_POSTS = {
    name.removeprefix("api_"): builder
    for name, builder in list(globals().items())
    if name.startswith("api_") and name != "api_auth" and callable(builder)
}


def send_api(client, call: ApiPost, key: str, auth: dict):
    return client.post(
        call.url, call.body, content_type="application/json", HTTP_IDEMPOTENCY_KEY=key, **auth
    )


def money_of(call: ApiPost):
    """The disbursed total of the commitment a disbursement goes to (None for other calls)."""
    if "/disbursements/" not in call.url:
        return None
    pk = call.url.split("/")[-3]
    return Commitment.objects.get(pk=pk).disbursed_amount


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(API_POSTS))
def test_each_api_post_sent_twice_in_a_row_writes_once(name, world):
    call = API_POSTS[name](world)
    client, auth = Client(), api_auth(call.actor)
    before = call.rows()
    first = send_api(client, call, f"{name}-1", auth)
    assert first.status_code == call.status, first.content.decode()[:2000]
    second = send_api(client, call, f"{name}-1", auth)
    assert second.status_code == call.status
    assert second["Idempotent-Replayed"] == "true"
    assert second.json() == first.json()
    assert call.rows() == before + 1
    if name == "disbursement":
        assert money_of(call) == Decimal("1000.00")


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize("name", sorted(API_POSTS))
def test_each_api_post_sent_twice_at_the_same_instant_writes_once(name, world):
    call = API_POSTS[name](world)
    auth = api_auth(call.actor)
    before = call.rows()
    answers = twice_at_once(lambda client: send_api(client, call, f"{name}-at-once", auth))
    assert sorted(a.status_code for a in answers) in ([call.status] * 2, sorted([call.status, 409]))
    assert call.rows() == before + 1
    if name == "disbursement":
        assert money_of(call) == Decimal("1000.00")
