"""Notifications: in-app rows created with the event, e-mail sent after commit from an outbox.

The Notification row is the outbox: it is written in the same transaction as the event that
causes it, so it exists exactly when the event does. After commit a task is queued per e-mail;
if the broker is down the row simply stays pending and the periodic sweep queues it later. The
sending task locks the row and sends only while it is pending, so a retried or duplicated task
never sends twice.
"""

import datetime
import logging
from collections import defaultdict
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from kombu.exceptions import OperationalError

from apps.cases.events import EVENTS, ROLE_DEFAULTS, Delivery, Event, Link, Party, Topic
from apps.cases.history import undisclosed_donor
from apps.cases.permissions import access_of
from apps.core.templatetags.portal import isolate, ltr, money
from apps.organizations.models import Membership
from apps.organizations.selectors import user_memberships

from .models import EmailState, Notification, NotificationPreference
from .parties import (
    agreement_parties,
    case_donor_organization_ids,
    case_officers,
    members_by_organization,
)

logger = logging.getLogger(__name__)


# --- Who hears of an event, and how ----------------------------------------------------------


class Amount:
    """An amount of money, written in the reader's language when the message is."""

    def __init__(self, amount, currency: str):
        self.amount, self.currency = amount, currency

    def __str__(self) -> str:
        return money(self.amount, self.currency)


def _written(value) -> str:
    """A value of a message in the active language: dates and times in its format, lazy
    texts translated, amounts with their currency."""
    if isinstance(value, datetime.datetime):
        return date_format(timezone.localtime(value), "DATETIME_FORMAT")
    if isinstance(value, datetime.date):
        return date_format(value)
    if callable(value):  # a text written when the reader's language is active
        return str(value())
    return str(value)


def user_role(user, donor_member: bool, recipient_member: bool) -> str:
    """What ``user`` is in the portal, for the defaults of its preferences."""
    if user.is_unoda_officer:
        return "unoda"
    if donor_member:
        return "donor"
    if recipient_member:
        return "state"
    return "partner"


def deliveries(users, topic) -> dict[int, str]:
    """How each of ``users`` hears of ``topic``: the chosen delivery, else the role's default
    (two queries however many users)."""
    return deliveries_by_topic(users, [topic])[topic]


def deliveries_by_topic(users, topics) -> dict:
    """``deliveries`` of each of ``topics``: {topic: {user id: delivery}}, in two queries."""
    ids = [user.pk for user in users]
    chosen = {
        (user_id, topic): delivery
        for user_id, topic, delivery in NotificationPreference.objects.filter(
            user_id__in=ids, topic__in=list(topics)
        ).values_list("user_id", "topic", "delivery")
    }
    kinds: dict[int, tuple[bool, bool]] = {}
    for user_id, is_donor, is_recipient in Membership.objects.filter(user_id__in=ids).values_list(
        "user_id", "organization__is_donor", "organization__is_recipient"
    ):
        donor, recipient = kinds.get(user_id, (False, False))
        kinds[user_id] = (donor or is_donor, recipient or is_recipient)
    result: dict = {topic: {} for topic in topics}
    for user in users:
        role = user_role(user, *kinds.get(user.pk, (False, False)))
        for topic in topics:
            result[topic][user.pk] = chosen.get(
                (user.pk, topic), ROLE_DEFAULTS[role].get(topic, Delivery.IMMEDIATE)
            )
    return result


def notification_deliveries(*, user) -> dict:
    """How ``user`` hears of each topic (chosen, or the role's default)."""
    return {topic: how[user.pk] for topic, how in deliveries_by_topic([user], Topic).items()}


@transaction.atomic
def notification_preferences_set(*, user, deliveries: dict) -> None:
    """Keep ``user``'s delivery of each topic in ``deliveries`` (topic -> delivery)."""
    for topic, delivery in deliveries.items():
        if topic not in Topic.values or delivery not in Delivery.values:
            raise ValidationError(_("Choose one of the deliveries offered for each kind."))
        NotificationPreference.objects.update_or_create(
            user=user, topic=topic, defaults={"delivery": delivery}
        )


def _email_state(user, delivery: str) -> str:
    if not user.email or delivery == Delivery.IN_APP:
        return EmailState.NONE
    return EmailState.DIGEST if delivery == Delivery.DIGEST else EmailState.PENDING


def event_link(case, link: Link, anchor: str = "") -> str:
    """The path a notification of ``case`` leads to (``anchor``: a place on that page)."""
    args = [case.reference]
    if link == Link.PLAN:
        path, default = reverse("followup:plan-detail", args=args), ""
    elif link == Link.FEEDBACK:
        path, default = reverse("followup:feedback-detail", args=args), ""
    else:
        path, default = reverse("cases:request-detail", args=args), LINK_ANCHORS.get(link, "")
    anchor = anchor or default
    return f"{path}#{anchor}" if anchor else path


LINK_ANCHORS = {
    Link.FUNDING: "h-funding",
    Link.MEETINGS: "h-meetings",
    Link.AGREEMENT: "h-agreement",
    Link.TIMELINE: "timeline",
}


def notifications_build(
    *,
    users,
    event,
    subject_template,
    body_template,
    context,
    request=None,
    url=None,
    how=None,
    **links,
) -> list[Notification]:
    """One (unsaved) notification per user, each in the user's own language, written from two
    templates (the reminders'); ``url`` defaults to the case page; ``how``: each user's
    delivery of the event's topic, when the caller has read it (``deliveries``).

    The texts do not depend on the person (only on the language), so each language is
    rendered once however many people are notified.
    """
    if url is None:
        url = reverse("cases:request-detail", args=[request.reference]) if request else ""
    if how is None:
        how = deliveries(users, EVENTS[event].topic) if users else {}
    texts: dict[str, tuple[str, str]] = {}
    notifications = []
    for user in users:
        if user.language not in texts:
            with translation.override(user.language):
                full_context = {"site_url": settings.PORTAL_SITE_URL, **context}
                texts[user.language] = (
                    render_to_string(subject_template, full_context).strip()[:250],
                    render_to_string(body_template, full_context).strip(),
                )
        subject, body = texts[user.language]
        notifications.append(
            Notification(
                user=user,
                kind=event,
                request=request,
                subject=subject,
                body=body,
                url=url,
                email_state=_email_state(user, how[user.pk]),
                **links,
            )
        )
    return notifications


def _party_users(parties, case, *, record_donor_id=None, record_organization_id=None):
    """The people of each of ``parties`` on ``case`` ({user: the parties they are of}), and
    the ids of the people of the record's donor (``record_donor_id``), whatever their party."""
    organizations: dict[int, set] = defaultdict(set)  # organization id -> parties
    if Party.STATE in parties:
        organizations[case.requesting_organization_id].add(Party.STATE)
    if Party.DONORS in parties:
        for donor_id in case_donor_organization_ids([case.pk]).get(case.pk, set()):
            organizations[donor_id].add(Party.DONORS)
    if parties & {Party.AGREEMENT_DONORS, Party.PARTNER}:
        donor_ids, partner_id = agreement_parties(case)
        if Party.AGREEMENT_DONORS in parties:
            for donor_id in donor_ids:
                organizations[donor_id].add(Party.AGREEMENT_DONORS)
        if Party.PARTNER in parties and partner_id:
            organizations[partner_id].add(Party.PARTNER)
    if record_donor_id:
        organizations.setdefault(record_donor_id, set())  # its people: heard of or not
        if Party.RECORD_DONOR in parties:
            organizations[record_donor_id].add(Party.RECORD_DONOR)
    if Party.RECORD_ORGANIZATION in parties and record_organization_id:
        organizations[record_organization_id].add(Party.RECORD_ORGANIZATION)
    users: dict = defaultdict(set)
    own: set[int] = set()
    for organization_id, members in members_by_organization(organizations).items():
        for user in members:
            if organization_id == record_donor_id:
                own.add(user.pk)
            if organizations[organization_id]:
                users[user] |= organizations[organization_id]
    if Party.OFFICER in parties:
        for user in case_officers(case):
            users[user].add(Party.OFFICER)
    return users, own


def notify(
    event: Event,
    *,
    case,
    actor=None,
    values=None,
    donor=None,
    disclosed: bool = True,
    organization=None,
    internal: bool = False,
    note: str = "",
    anchor: str = "",
    **links,
) -> list[Notification]:
    """Tell the parties of ``event`` (``apps.cases.events.EVENTS``) on ``case`` that it
    happened; called by the service that made it happen, inside its transaction (the e-mails
    go out after commit).

    ``donor``: the donor of the record (an interest, a commitment, a disbursement, an offer);
    when the record is not ``disclosed``, other donors do not hear of it and the requesting
    State and the partner read "an undisclosed donor". ``organization``: the organization the
    record is of (feedback). ``internal``: UNODA only (an internal comment). ``note``: the
    donor's own words on its record (a commitment's note, a change's reason), shown to UNODA
    and to that donor only. ``values``: the
    message's named values besides the case's (dates and ``Amount`` written in the reader's
    language). The actor never hears of what they did, and nobody hears of a case they may not
    open.
    """
    spec = EVENTS[event]
    people, own = _party_users(
        spec.parties,
        case,
        record_donor_id=donor.pk if donor else None,
        record_organization_id=organization.pk if organization else None,
    )
    recipients = []
    for user, parties in sorted(people.items(), key=lambda item: item[0].pk):
        if actor is not None and user.pk == actor.pk:
            continue
        if internal and not user.is_unoda_officer:
            continue
        own_donor = user.pk in own
        # Another donor is not told of an undisclosed record at all (the requesting State and
        # the partner are, without the donor's name).
        hidden = not disclosed and not (user.is_unoda_officer or own_donor)
        if hidden and not parties & {Party.STATE, Party.PARTNER}:
            continue
        if not access_of(user, case).may_view:
            continue
        recipients.append((user, user.is_unoda_officer or own_donor))  # (user, is an insider)
    if not recipients:
        return []
    url = event_link(case, spec.link, anchor)
    how = deliveries([user for user, _names in recipients], spec.topic)
    # (language, donor named, note shown) -> (subject, body): each written once.
    texts: dict[tuple[str, bool, bool], tuple[str, str]] = {}
    notifications = []
    for user, insider in recipients:
        key = (user.language, insider or disclosed, insider)
        if key not in texts:
            shown = {**(values or {}), "comment": note} if note and insider else values
            texts[key] = _event_texts(spec, case, actor, shown, donor, organization, key[1], user)
        subject, body = texts[key]
        notifications.append(
            Notification(
                user=user,
                kind=event,
                request=case,
                subject=subject,
                body=body,
                url=url,
                email_state=_email_state(user, how[user.pk]),
                **links,
            )
        )
    created = Notification.objects.bulk_create(notifications)
    notification_enqueue_emails_on_commit(notifications=created)
    return created


def _event_texts(spec, case, actor, values, donor, organization, names: bool, user):
    """The subject and body of ``spec`` in ``user``'s language (``names``: whether the donor
    of the record may be named to them)."""
    with translation.override(user.language):
        named = {
            "reference": case.reference,
            "title": case.title,
            "status": case.get_status_display(),
            "actor": _actor_name(actor),
            "donor": (donor.name if names else undisclosed_donor()) if donor else "",
            "organization": organization.name if organization else "",
        }
        named.update({key: _written(value) for key, value in (values or {}).items()})
        if translation.get_language_bidi():
            # Plain text has no <bdi>: the reference reads left to right, and each value in
            # its own direction, inside an Arabic sentence (U+2066/U+2068 ... U+2069).
            named = {key: isolate(value) if value else value for key, value in named.items()}
            named["reference"] = ltr(case.reference)
        subject = (str(spec.subject) % named)[:250]
        body = render_to_string(
            "notifications/event_body.txt",
            {"sentence": str(spec.body) % named, "comment": named.get("comment", "")},
        ).strip()
    return subject, body


def _actor_name(actor) -> str:
    if actor is None:
        return _("the portal")
    if actor.is_unoda_officer:
        return _("UNODA")
    memberships = user_memberships(actor)
    return memberships[0].organization.name if memberships else str(actor)


def notification_enqueue_emails_on_commit(*, notifications) -> None:
    ids = [n.pk for n in notifications if n.email_state == EmailState.PENDING]
    if ids:
        transaction.on_commit(lambda: notification_enqueue_emails(notification_ids=ids))


def notification_enqueue_emails(*, notification_ids) -> int:
    """Queue one sending task per e-mail; with the broker down, leave them for the sweep."""
    from .tasks import send_notification_email

    queued = []
    for notification_id in notification_ids:
        try:
            send_notification_email.delay(notification_id)
        except OperationalError:
            logger.warning(
                "Broker unavailable: e-mail of notification %s left in the outbox", notification_id
            )
            break
        queued.append(notification_id)
    if queued:
        Notification.objects.filter(pk__in=queued, email_state=EmailState.PENDING).update(
            email_enqueued_at=timezone.now()
        )
    return len(queued)


def notifications_drain_outbox(*, now=None, limit: int = 500) -> int:
    """Queue e-mails that were never queued (broker down) or whose task was lost."""
    now = now or timezone.now()
    grace = now - timedelta(seconds=settings.PORTAL_OUTBOX_GRACE_SECONDS)
    stale = now - timedelta(seconds=settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"])
    ids = list(
        Notification.objects.filter(email_state=EmailState.PENDING, created_at__lte=grace)
        .filter(Q(email_enqueued_at__isnull=True) | Q(email_enqueued_at__lte=stale))
        .order_by("created_at")
        .values_list("pk", flat=True)[:limit]
    )
    return notification_enqueue_emails(notification_ids=ids)


def _send(*, user, subject, text_template, html_template, context, message_id=None) -> None:
    with translation.override(user.language):
        context = {"user": user, "site_url": settings.PORTAL_SITE_URL, **context}
        text = render_to_string(text_template, context)
        html = render_to_string(html_template, context)
    headers = {"Message-ID": message_id} if message_id else None
    message = EmailMultiAlternatives(
        subject, text, settings.DEFAULT_FROM_EMAIL, [user.email], headers=headers
    )
    message.attach_alternative(html, "text/html")
    message.send()


def notification_send_email(*, notification_id: int) -> bool:
    """Send the e-mail of one notification if it is still pending. True if this call sent it.

    The row is locked while sending: a second task for the same notification either waits and
    then finds it sent, or (skip_locked) finds nothing to do. An SMTP error rolls back and
    propagates, leaving the e-mail pending for the retry.
    """
    with transaction.atomic():
        # of=("self",): lock only this row, not the joined user row that other e-mails to the
        # same person share (skip_locked would otherwise skip them).
        notification = (
            Notification.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("user")
            .filter(pk=notification_id, email_state=EmailState.PENDING)
            .first()
        )
        if notification is None:
            return False
        _send(
            user=notification.user,
            subject=notification.subject,
            text_template="notifications/email/notification.txt",
            html_template="notifications/email/notification.html",
            context={"notification": notification},
            # The same Message-ID on a resend lets mail systems drop the duplicate.
            message_id=f"<notification-{notification.pk}@{settings.PORTAL_MAIL_DOMAIN}>",
        )
        notification.email_state = EmailState.SENT
        notification.emailed_at = timezone.now()
        notification.email_attempts += 1
        notification.save(update_fields=["email_state", "emailed_at", "email_attempts"])
    return True


def notification_record_email_failure(*, notification_id: int, error: str, final: bool) -> None:
    fields = {"email_error": error[:2000]}
    if final:
        fields["email_state"] = EmailState.FAILED
    with transaction.atomic():
        notification = Notification.objects.select_for_update().get(pk=notification_id)
        if notification.email_state != EmailState.PENDING:
            return
        for name, value in fields.items():
            setattr(notification, name, value)
        notification.email_attempts += 1
        notification.save(update_fields=[*fields, "email_attempts"])


def notifications_send_digests(*, now=None) -> int:
    """One e-mail per user who chose the daily digest, with everything not yet e-mailed about
    cases they may still open."""
    now = now or timezone.now()
    user_ids = (
        Notification.objects.filter(email_state=EmailState.DIGEST)
        .order_by()  # else the model's ordering makes every notification distinct
        .values_list("user_id", flat=True)
        .distinct()
    )
    sent = 0
    for user_id in list(user_ids):
        with transaction.atomic():
            waiting = list(
                Notification.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("user", "request")
                .filter(user_id=user_id, email_state=EmailState.DIGEST)
                .order_by("created_at")
            )
            if not waiting:
                continue
            user = waiting[0].user
            # A case the person may no longer open (a partner replaced, a donor no longer
            # admitted) is left out of the e-mail; it stays in the portal's list as it was.
            visible = {
                case.pk: access_of(user, case).may_view
                for case in {n.request for n in waiting if n.request is not None}
            }
            items = [n for n in waiting if n.request_id is None or visible[n.request_id]]
            Notification.objects.filter(pk__in=[n.pk for n in waiting if n not in items]).update(
                email_state=EmailState.NONE
            )
            if not items:
                continue
            with translation.override(user.language):
                subject = ngettext(
                    "Assistance portal: %(count)s new notification",
                    "Assistance portal: %(count)s new notifications",
                    len(items),
                ) % {"count": len(items)}
            _send(
                user=user,
                subject=subject,
                text_template="notifications/email/digest.txt",
                html_template="notifications/email/digest.html",
                context={"notifications": items},
            )
            Notification.objects.filter(pk__in=[n.pk for n in items]).update(
                email_state=EmailState.SENT, emailed_at=now
            )
            sent += 1
    return sent


def notification_mark_read(*, user, notification_id: int) -> bool:
    marked = Notification.objects.filter(
        pk=notification_id, user=user, read_at__isnull=True
    ).update(read_at=timezone.now())
    return bool(marked)


def notification_mark_all_read(*, user) -> int:
    marked = Notification.objects.filter(user=user, read_at__isnull=True).update(
        read_at=timezone.now()
    )
    return marked
