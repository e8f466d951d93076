"""Notifications: in-app rows and e-mail in each recipient's own language."""

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _
from kombu.exceptions import OperationalError

from .models import Notification

logger = logging.getLogger(__name__)


def notification_enqueue_status_change(*, status_change_id: int) -> None:
    """Called after commit; never lets a broker outage break the user's request."""
    from .tasks import notify_status_change

    try:
        notify_status_change.delay(status_change_id)
    except OperationalError:
        logger.exception("Broker unavailable; status change %s not notified", status_change_id)


def _status_change_recipients(change):
    case = change.request
    users = {
        membership.user
        for membership in case.requesting_organization.memberships.select_related("user")
        if membership.user.is_active
    }
    if case.case_officer and case.case_officer.is_active:
        users.add(case.case_officer)
    users.discard(change.actor)
    return sorted(users, key=lambda user: user.pk)


@transaction.atomic
def notification_send_status_change(*, status_change_id: int) -> list[Notification]:
    from apps.cases.models import StatusChange

    change = StatusChange.objects.select_related(
        "request__requesting_organization", "request__case_officer", "actor"
    ).get(pk=status_change_id)
    created = []
    for user in _status_change_recipients(change):
        with translation.override(user.language):
            context = {
                "change": change,
                "case": change.request,
                "user": user,
                "site_url": settings.PORTAL_SITE_URL,
            }
            subject = _("%(reference)s is now “%(status)s”") % {
                "reference": change.request.reference,
                "status": change.get_to_status_display(),
            }
            body = render_to_string("notifications/email/status_change.txt", context)
        created.append(
            Notification.objects.create(
                user=user, request=change.request, subject=subject, body=body
            )
        )
        if user.email:
            send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email])
    return created
