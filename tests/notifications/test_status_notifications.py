"""Status-change notifications: written with the transition, e-mailed only after it commits."""

import pytest
from django.core import mail
from django.db import transaction

from apps.cases import services
from apps.cases.events import Event
from apps.notifications.models import EmailState, Notification

from ..factories import make_member


def test_email_only_after_commit(make_case, users, django_capture_on_commit_callbacks):
    case = make_case("submitted")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.request_transition(actor=users.unoda, case=case, transition="start_review")
        notification = Notification.objects.get(
            user=users.recipient,
            request=case,
            kind=Event.REVIEW_STARTED,
            status_change__to_status="under_review",
        )
        assert notification.email_state == EmailState.PENDING
        assert mail.outbox == []
    # One callback queues the e-mails.
    queues = [c for c in callbacks if "notification_enqueue_emails" in c.__qualname__]
    assert len(queues) == 1
    assert case.reference in notification.subject
    assert "is under review" in notification.subject
    assert [m.to for m in mail.outbox] == [[users.recipient.email]]
    notification.refresh_from_db()
    assert notification.email_state == EmailState.SENT


def test_nothing_when_the_transaction_rolls_back(make_case, users):
    case = make_case("submitted")
    before = Notification.objects.count()
    mail.outbox.clear()

    class Abort(Exception):
        pass

    def transition_then_fail():
        with transaction.atomic():
            services.request_transition(actor=users.unoda, case=case, transition="start_review")
            raise Abort

    with pytest.raises(Abort):
        transition_then_fail()
    assert Notification.objects.count() == before
    assert mail.outbox == []


def test_the_actor_is_not_notified_of_their_own_action(make_case, users):
    case = make_case("draft")
    services.request_transition(actor=users.recipient, case=case, transition="submit")
    assert not Notification.objects.filter(
        user=users.recipient, status_change__isnull=False, request=case
    ).exists()


def test_text_in_the_recipients_language(
    make_case, users, orgs, django_capture_on_commit_callbacks
):
    french = make_member(orgs.recipient, language="fr")
    case = make_case("submitted")
    with django_capture_on_commit_callbacks(execute=True):
        services.request_transition(actor=users.unoda, case=case, transition="start_review")
    message = next(m for m in mail.outbox if m.to == [french.email])
    assert case.reference in message.subject
    html = message.alternatives[0][0]
    assert '<html lang="fr"' in html
    assert (
        Notification.objects.filter(user=french, status_change__to_status="under_review").count()
        == 1
    )
