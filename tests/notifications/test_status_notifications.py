"""Notifications are sent only after the transition commits, in each user's language."""

from django.core import mail

from apps.cases import services
from apps.notifications.models import Notification

from ..factories import make_member


def test_notification_only_after_commit(make_case, users, django_capture_on_commit_callbacks):
    case = make_case("submitted")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.request_transition(actor=users.unoda, case=case, transition="start_review")
        assert not Notification.objects.exists()
        assert mail.outbox == []
    assert len(callbacks) == 1
    notification = Notification.objects.get(user=users.recipient)
    assert case.reference in notification.subject
    assert "Under review" in notification.subject
    assert [m.to for m in mail.outbox] == [[users.recipient.email]]


def test_no_notification_when_the_transaction_rolls_back(
    make_case, users, django_capture_on_commit_callbacks
):
    case = make_case("submitted")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.request_transition(actor=users.unoda, case=case, transition="start_review")
    # Not executed = the transaction never committed: nothing was sent.
    assert len(callbacks) == 1
    assert not Notification.objects.exists()
    assert mail.outbox == []


def test_email_in_the_recipients_language(
    make_case, users, orgs, django_capture_on_commit_callbacks
):
    french = make_member(orgs.recipient, language="fr")
    case = make_case("submitted")
    with django_capture_on_commit_callbacks(execute=True):
        services.request_transition(actor=users.unoda, case=case, transition="start_review")
    message = next(m for m in mail.outbox if m.to == [french.email])
    assert case.reference in message.subject
    assert Notification.objects.filter(user=french).count() == 1
