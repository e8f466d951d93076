"""One case through its whole life, and who hears of each event (issue 22).

A State with two members (one reads Arabic), two donors (one member of the first reads
Russian; the second donor keeps its records undisclosed), an implementing partner, two UNODA
officers and no assigned case officer. For every event the test says exactly who got an in-app
notification and who an e-mail at once, checks the language of the Arabic and Russian
subjects, and follows every link as its reader.
"""

import datetime
import re
from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse

from apps.cases import services as case_services
from apps.cases.events import Event
from apps.cases.models import CommentVisibility
from apps.followup import services as followup_services
from apps.funding.services import commitment_create, disbursement_record, interest_express
from apps.notifications.models import Notification
from apps.organizations.models import OrganizationKind

from ..conftest import RATINGS, agreement_terms
from ..factories import UserFactory, make_member, make_organization

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(orgs, users):
    partner = make_organization("UNRCPD", kind=OrganizationKind.UN_ENTITY, country="NP")
    return {
        "state": users.recipient,
        "state_ar": make_member(orgs.recipient, username="state_ar", language="ar"),
        "donor": users.donor,
        "donor_ru": make_member(orgs.donor, username="donor_ru", language="ru"),
        "other_donor": users.other_donor,
        "partner": make_member(partner, username="partner"),
        "unoda": users.unoda,
        "unoda2": UserFactory(username="unoda2", is_unoda_officer=True),
        "outsider": users.outsider,
        "other_state": users.other_recipient,
        "_partner_org": partner,
    }


class Life:
    """Runs each step with its commit callbacks and reports what it notified."""

    def __init__(self, client, capture, people):
        self.client, self.capture, self.people = client, capture, people
        self.last = Notification.objects.order_by("-pk").values_list("pk", flat=True).first() or 0

    def step(self, action):
        mail.outbox.clear()
        with self.capture(execute=True):
            result = action()
        new = list(Notification.objects.filter(pk__gt=self.last).select_related("user"))
        self.last = max([self.last, *(n.pk for n in new)])
        return result, new

    def who(self, user) -> str:
        return next(key for key, person in self.people.items() if person == user)

    def check(self, event, notifications, *, in_app, emailed):
        assert {n.kind for n in notifications} <= {event}, event
        assert sorted(self.who(n.user) for n in notifications) == sorted(in_app), event
        by_address = {n.user.email: n.user for n in notifications}
        assert sorted(self.who(by_address[m.to[0]]) for m in mail.outbox) == sorted(emailed), event
        english = {n.subject for n in notifications if n.user.language == "en"}
        for notification in notifications:
            self._subject_in_language(event, notification, english)
            self._link_works(notification)

    def _subject_in_language(self, event, notification, english):
        """The reader's language: an Arabic or Russian reader's subject is not the English
        one, and the message is written in the reader's script."""
        language = notification.user.language
        assert notification.request.reference in notification.subject
        if language in ("ar", "ru"):
            assert notification.subject not in english, (event, language)
            script = "\u0600-\u06ff" if language == "ar" else "\u0400-\u04ff"
            assert re.search(f"[{script}]", notification.body), (event, notification.body)
        for message in mail.outbox:
            if message.to == [notification.user.email]:
                assert message.subject == notification.subject

    def _link_works(self, notification):
        self.client.force_login(notification.user)
        opened = self.client.get(f"/notifications/{notification.pk}/")
        assert opened.status_code == 302
        assert opened.url == notification.url
        notification.refresh_from_db()
        assert notification.read_at is not None
        path, _sep, anchor = notification.url.partition("#")
        page = self.client.get(path)
        assert page.status_code == 200, (notification.kind, notification.user, path)
        if anchor:
            assert f'id="{anchor}"' in page.content.decode(), (notification.kind, anchor)


def test_a_whole_life_notifies_exactly_the_parties(
    client, make_case, orgs, people, django_capture_on_commit_callbacks
):
    p = people
    life = Life(client, django_capture_on_commit_callbacks, p)
    case = make_case("draft")
    fire = case_services.request_transition

    _, new = life.step(lambda: fire(actor=p["state"], case=case, transition="submit"))
    # No assigned officer: every UNODA officer hears of the submission.
    life.check(
        Event.SUBMITTED,
        new,
        in_app=["state_ar", "unoda", "unoda2"],
        emailed=["state_ar", "unoda", "unoda2"],
    )
    _, new = life.step(lambda: fire(actor=p["unoda"], case=case, transition="start_review"))
    life.check(Event.REVIEW_STARTED, new, in_app=["state", "state_ar", "unoda2"],
               emailed=["state", "state_ar", "unoda2"])  # fmt: skip
    _, new = life.step(
        lambda: fire(
            actor=p["unoda"], case=case, transition="return_for_revision", comment="Add costs."
        )
    )
    life.check(Event.RETURNED, new, in_app=["state", "state_ar", "unoda2"],
               emailed=["state", "state_ar", "unoda2"])  # fmt: skip
    assert all("Add costs." in n.body for n in new)
    _, new = life.step(lambda: fire(actor=p["state"], case=case, transition="resubmit"))
    life.check(Event.RESUBMITTED, new, in_app=["state_ar", "unoda", "unoda2"],
               emailed=["state_ar", "unoda", "unoda2"])  # fmt: skip
    _, new = life.step(lambda: fire(actor=p["unoda"], case=case, transition="publish"))
    life.check(Event.PUBLISHED, new, in_app=["state", "state_ar", "unoda2"],
               emailed=["state", "state_ar", "unoda2"])  # fmt: skip

    # Funding: UNODA reads it in the digest (its default), the State at once.
    _, new = life.step(
        lambda: interest_express(actor=p["donor"], case=case, donor=orgs.donor, message="We can.")
    )
    life.check(Event.INTEREST_EXPRESSED, new, in_app=["state", "state_ar", "unoda", "unoda2"],
               emailed=["state", "state_ar"])  # fmt: skip
    # The donor is named in each reader's language: Japan, اليابان.
    assert all(("اليابان" if n.user == p["state_ar"] else "Japan") in n.subject for n in new)
    # In Arabic plain text the reference stays left to right and the name isolated.
    arabic = next(n for n in new if n.user == p["state_ar"])
    assert f"\u2066{case.reference}\u2069" in arabic.subject
    assert "\u2068اليابان\u2069" in arabic.subject + arabic.body  # noqa: RUF001 - Arabic on purpose
    assert all("\u2066" not in n.subject for n in new if n.user != p["state_ar"])
    _, new = life.step(
        lambda: interest_express(
            actor=p["other_donor"], case=case, donor=orgs.other_donor, disclosed=False
        )
    )
    life.check(Event.INTEREST_EXPRESSED, new, in_app=["state", "state_ar", "unoda", "unoda2"],
               emailed=["state", "state_ar"])  # fmt: skip
    # The State does not learn the name of a donor that keeps it undisclosed; UNODA does.
    named = {life.who(n.user): "Norway" in n.subject for n in new}
    assert named == {"state": False, "state_ar": False, "unoda": True, "unoda2": True}
    assert "an undisclosed donor" in next(n for n in new if n.user == p["state"]).subject

    commitment, new = life.step(
        lambda: commitment_create(
            actor=p["donor"], case=case, donor=orgs.donor, amount=Decimal("50000"),
            currency="USD", status="committed", note="Paid through the embassy.",
        )
    )  # fmt: skip
    # The other donor, which has an interest on the case, hears of a disclosed commitment.
    life.check(Event.COMMITMENT_MADE, new,
               in_app=["donor_ru", "other_donor", "state", "state_ar", "unoda", "unoda2"],
               emailed=["donor_ru", "other_donor", "state", "state_ar"])  # fmt: skip
    # The donor's own note is for UNODA and the donor's colleagues only.
    noted = {life.who(n.user) for n in new if "Paid through the embassy." in n.body}
    assert noted == {"donor_ru", "unoda", "unoda2"}
    assert all("50,000" in n.subject or "50 000" in n.subject or "50\xa0000" in n.subject
               for n in new if n.user.language == "en")  # fmt: skip
    _, new = life.step(
        lambda: commitment_create(
            actor=p["other_donor"], case=case, donor=orgs.other_donor, amount=Decimal("70000"),
            currency="USD", status="committed", disclosed=False,
        )
    )  # fmt: skip
    # Japan is not told of Norway's undisclosed commitment.
    life.check(Event.COMMITMENT_MADE, new, in_app=["state", "state_ar", "unoda", "unoda2"],
               emailed=["state", "state_ar"])  # fmt: skip

    # Comments: a shared one reaches every party that may read the case; an internal one only
    # UNODA. Donors read comments in their digest by default.
    _, new = life.step(
        lambda: case_services.comment_add(actor=p["state"], case=case, body="Site ready.")
    )
    life.check(Event.COMMENT, new,
               in_app=["donor", "donor_ru", "other_donor", "state_ar", "unoda", "unoda2"],
               emailed=["state_ar", "unoda", "unoda2"])  # fmt: skip
    _, new = life.step(
        lambda: case_services.comment_add(
            actor=p["unoda"], case=case, body="Check the budget.",
            visibility=CommentVisibility.INTERNAL,
        )
    )  # fmt: skip
    life.check(Event.COMMENT, new, in_app=["unoda2"], emailed=["unoda2"])
    assert "Check the budget." in new[0].body

    agreement, new = life.step(
        lambda: followup_services.agreement_record(
            actor=p["unoda"], case=case, donors=[orgs.donor, orgs.other_donor],
            implementing_partner=p["_partner_org"], **agreement_terms(),
        )
    )  # fmt: skip
    everyone_but_unoda = ["donor", "donor_ru", "other_donor", "partner", "state", "state_ar"]
    life.check(Event.AGREEMENT_RECORDED, new, in_app=[*everyone_but_unoda, "unoda2"],
               emailed=everyone_but_unoda)  # fmt: skip
    _, new = life.step(lambda: fire(actor=p["unoda"], case=case, transition="start_implementation"))
    life.check(Event.IMPLEMENTATION_STARTED, new, in_app=[*everyone_but_unoda, "unoda2"],
               emailed=everyone_but_unoda)  # fmt: skip

    _, new = life.step(
        lambda: disbursement_record(actor=p["donor"], commitment=commitment, amount="20000")
    )
    # The other donor is not told of Japan's money; the partner, who receives it, is.
    life.check(Event.DISBURSEMENT, new,
               in_app=["donor_ru", "partner", "state", "state_ar", "unoda", "unoda2"],
               emailed=["donor_ru", "partner", "state", "state_ar"])  # fmt: skip

    milestone = followup_services.milestone_create(
        actor=p["unoda"], agreement=agreement, title="Armoury doors fitted",
        due_date=agreement.end_date - datetime.timedelta(days=30),
    )  # fmt: skip
    _, new = life.step(
        lambda: followup_services.milestone_complete(actor=p["state"], milestone=milestone)
    )
    life.check(Event.MILESTONE_DONE, new,
               in_app=["donor", "donor_ru", "other_donor", "partner", "state_ar", "unoda",
                       "unoda2"],
               emailed=["donor", "donor_ru", "other_donor", "partner", "state_ar"])  # fmt: skip
    assert all(n.url.endswith(f"#milestone-{milestone.pk}") for n in new)

    _, new = life.step(
        lambda: followup_services.progress_report_submit(
            actor=p["partner"], agreement=agreement, period_start=agreement.start_date,
            period_end=agreement.start_date + datetime.timedelta(days=89), status="on_track",
            percent_done=30, narrative="Doors ordered.",
        )
    )  # fmt: skip
    life.check(Event.PROGRESS_REPORT, new,
               in_app=["donor", "donor_ru", "other_donor", "state", "state_ar", "unoda",
                       "unoda2"],
               emailed=["donor", "donor_ru", "other_donor", "state", "state_ar"])  # fmt: skip

    # Completion asks the State and both donors of the agreement for their feedback.
    _, new = life.step(lambda: fire(actor=p["unoda"], case=case, transition="complete"))
    life.check(Event.FEEDBACK_REQUESTED, new,
               in_app=["donor", "donor_ru", "other_donor", "state", "state_ar"],
               emailed=["donor", "donor_ru", "other_donor", "state", "state_ar"])  # fmt: skip
    assert all(n.url == reverse("followup:feedback-detail", args=[case.reference]) for n in new)

    _, new = life.step(
        lambda: followup_services.feedback_submit(actor=p["state"], case=case, **RATINGS)
    )
    life.check(Event.FEEDBACK_SUBMITTED, new, in_app=["unoda", "unoda2"], emailed=[])
    _, new = life.step(
        lambda: followup_services.feedback_waive(
            actor=p["unoda"], case=case, organization=orgs.other_donor, reason="No answer."
        )
    )
    life.check(Event.FEEDBACK_WAIVED, new, in_app=["other_donor", "unoda2"],
               emailed=["other_donor"])  # fmt: skip
    followup_services.feedback_submit(actor=p["donor"], case=case, **RATINGS)
    life.last = Notification.objects.order_by("-pk").values_list("pk", flat=True).first()

    _, new = life.step(
        lambda: fire(
            actor=p["unoda"], case=case, transition="close", comment="Paid later.", confirmed=True
        )
    )
    # Donors read the case's news in their digest by default.
    life.check(Event.CLOSED, new, in_app=[*everyone_but_unoda, "unoda2"],
               emailed=["partner", "state", "state_ar", "unoda2"])  # fmt: skip
    # The officer's reason is told; what closing confirmed (every donor's undisbursed money,
    # Norway's undisclosed tranche among it) stays in the history.
    assert all("Paid later." in n.body and "Norway" not in n.body for n in new)

    # Nobody outside the case heard of anything.
    assert not Notification.objects.filter(
        user__in=[p["outsider"], p["other_state"]], request=case
    ).exists()


def test_the_officer_assigned_hears_of_it_and_no_one_else(make_case, users):
    officer = UserFactory(username="unoda2", is_unoda_officer=True)
    case = make_case("submitted")
    before = Notification.objects.count()
    case_services.request_assign_officer(actor=users.unoda, case=case, officer=officer)
    (notification,) = Notification.objects.all()[: Notification.objects.count() - before]
    assert (notification.user, notification.kind) == (officer, Event.ASSIGNED)
    assert notification.url == reverse("cases:request-detail", args=[case.reference])
