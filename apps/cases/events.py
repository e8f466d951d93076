"""Who hears of what: every event of a case, the parties told of it, its words and its link.

This table sits beside the transition table (``workflow.py``): each transition has its event
(``TRANSITION_EVENTS``), and each recording service (an interest, a commitment, a disbursement,
an agreement, a milestone, a progress report, feedback, a comment, a meeting's outcome, a
referral) names its event when it calls ``apps.notifications.services.notify``, the one way a
notification is made. Reminders and escalations are chased by the reminder rules, which say
whom they chase (``Party.RULE``).

Nothing here reads or writes; ``notify`` finds the people of each party, leaves out the one
who acted and everyone who may not see the case or the record, and writes each notification
in its reader's language with the delivery the reader chose for the event's topic.
"""

from dataclasses import dataclass
from enum import StrEnum

from django.db import models
from django.utils.translation import gettext_lazy as _


class Party(StrEnum):
    STATE = "state"  # the members of the requesting organization
    OFFICER = "officer"  # the case officer, or every UNODA officer while none is assigned
    DONORS = "donors"  # the donors with an interest or a live commitment on the case
    AGREEMENT_DONORS = "agreement_donors"  # the donors named in the agreement
    PARTNER = "partner"  # the implementing partner named in the agreement
    RECORD_DONOR = "record_donor"  # the donor of the record itself (its offer, its commitment)
    RECORD_ORGANIZATION = "record_organization"  # the organization whose feedback was waived
    RULE = "rule"  # whom the reminder rule chases (apps.reminders: its notify_* switches)


class Topic(models.TextChoices):
    """What a reader chooses a delivery for (the preferences page has one choice per topic)."""

    CASES = "cases", _("The case moves on (submission, review, publication, closure)")
    FUNDING = "funding", _("Interest, commitments and disbursements")
    IMPLEMENTATION = "implementation", _("Agreement, milestones and progress reports")
    FEEDBACK = "feedback", _("Effectiveness feedback")
    COMMENTS = "comments", _("Comments")
    MEETINGS = "meetings", _("Matchmaking meetings and offers brought to a need")
    REMINDERS = "reminders", _("Reminders and escalations")


class Delivery(models.TextChoices):
    IMMEDIATE = "immediate", _("E-mail at once")
    DIGEST = "digest", _("In the daily digest")
    IN_APP = "in_app", _("In the portal only")


class Event(models.TextChoices):
    SUBMITTED = "submitted", _("Request submitted")
    REVIEW_STARTED = "review_started", _("Review started")
    RETURNED = "returned", _("Returned for revision")
    RESUBMITTED = "resubmitted", _("Request resubmitted")
    ASSIGNED = "assigned", _("Case officer assigned")
    PUBLISHED = "published", _("Published to donors")
    INTEREST_EXPRESSED = "interest_expressed", _("Interest expressed")
    INTEREST_WITHDRAWN = "interest_withdrawn", _("Interest withdrawn")
    COMMITMENT_MADE = "commitment_made", _("Funding pledged or committed")
    COMMITMENT_CHANGED = "commitment_changed", _("Funding changed")
    DISBURSEMENT = "disbursement", _("Disbursement")
    AGREEMENT_RECORDED = "agreement_recorded", _("Agreement recorded")
    AGREEMENT_AMENDED = "agreement_amended", _("Agreement amended")
    IMPLEMENTATION_STARTED = "implementation_started", _("Implementation started")
    MILESTONE_DUE = "milestone_due", _("Milestone due")
    MILESTONE_LATE = "milestone_late", _("Milestone late")
    MILESTONE_DONE = "milestone_done", _("Milestone done")
    PROGRESS_REPORT = "progress_report", _("Progress report")
    FEEDBACK_REQUESTED = "feedback_requested", _("Feedback requested")
    FEEDBACK_SUBMITTED = "feedback_submitted", _("Feedback submitted")
    FEEDBACK_WAIVED = "feedback_waived", _("Feedback waived")
    COMMENT = "comment", _("Comment")
    MEETING_OUTCOME = "meeting_outcome", _("Meeting outcome")
    REFERRAL_ASKED = "referral_asked", _("Offer asked for")
    REFERRAL_BROUGHT = "referral_brought", _("Offer brought to the need")
    REFERRAL_DECLINED = "referral_declined", _("Offer request declined")
    CLOSED = "closed", _("Case closed")
    WITHDRAWN = "withdrawn", _("Request withdrawn")
    DECLINED = "declined", _("Request declined")
    REMINDER = "reminder", _("Reminder")
    ESCALATION = "escalation", _("Escalation")


class Link(StrEnum):
    """Where a notification leads: a section of the case page, or a page of the case."""

    CASE = "case"
    FUNDING = "funding"
    MEETINGS = "meetings"
    AGREEMENT = "agreement"
    PLAN = "plan"
    FEEDBACK = "feedback"
    TIMELINE = "timeline"


@dataclass(frozen=True)
class EventSpec:
    event: Event
    topic: Topic
    parties: frozenset[Party]
    # The subject and the sentence of the message, with named values (reference, title,
    # status, actor, donor, amount, date, record...) filled in the reader's language; empty
    # for the reminders, whose words are their rule's (reminders/reminder_*.txt).
    subject: str
    body: str
    link: Link = Link.CASE


P = Party
LIFE = frozenset({P.STATE, P.OFFICER, P.DONORS, P.AGREEMENT_DONORS, P.PARTNER})
FUNDED = frozenset({P.STATE, P.OFFICER, P.AGREEMENT_DONORS, P.PARTNER})


def _e(event, topic, parties, subject, body, link=Link.CASE):
    return EventSpec(event, topic, frozenset(parties), subject, body, link)


E, T = Event, Topic
EVENTS: dict[Event, EventSpec] = {
    spec.event: spec
    for spec in [
        _e(E.SUBMITTED, T.CASES, {P.STATE, P.OFFICER},
           _("%(reference)s submitted"),
           _("The assistance request %(reference)s “%(title)s” was submitted by %(actor)s.")),
        _e(E.REVIEW_STARTED, T.CASES, {P.STATE, P.OFFICER},
           _("%(reference)s is under review"),
           _("UNODA started reviewing the assistance request %(reference)s “%(title)s”.")),
        _e(E.RETURNED, T.CASES, {P.STATE, P.OFFICER},
           _("%(reference)s returned for revision"),
           _("UNODA returned the assistance request %(reference)s “%(title)s” for revision.")),
        _e(E.RESUBMITTED, T.CASES, {P.STATE, P.OFFICER},
           _("%(reference)s resubmitted"),
           _("The assistance request %(reference)s “%(title)s” was revised and submitted "
             "again by %(actor)s.")),
        _e(E.ASSIGNED, T.CASES, {P.OFFICER},
           _("%(reference)s: you are its case officer"),
           _("You are now the case officer of the assistance request %(reference)s "
             "“%(title)s”.")),
        _e(E.PUBLISHED, T.CASES, {P.STATE, P.OFFICER},
           _("%(reference)s published to donors"),
           _("The assistance request %(reference)s “%(title)s” is now open to donors.")),
        _e(E.INTEREST_EXPRESSED, T.FUNDING, {P.STATE, P.OFFICER},
           _("%(reference)s: interest from %(donor)s"),
           _("%(donor)s expressed interest in the assistance request %(reference)s "
             "“%(title)s”."), Link.FUNDING),
        _e(E.INTEREST_WITHDRAWN, T.FUNDING, {P.STATE, P.OFFICER},
           _("%(reference)s: %(donor)s withdrew its interest"),
           _("%(donor)s withdrew its interest in the assistance request %(reference)s "
             "“%(title)s”."), Link.FUNDING),
        _e(E.COMMITMENT_MADE, T.FUNDING, {P.STATE, P.OFFICER, P.DONORS, P.AGREEMENT_DONORS},
           _("%(reference)s: %(amount)s from %(donor)s"),
           _("%(donor)s recorded funding of %(amount)s (%(record)s) for the assistance "
             "request %(reference)s “%(title)s”."), Link.FUNDING),
        _e(E.COMMITMENT_CHANGED, T.FUNDING,
           {P.STATE, P.OFFICER, P.RECORD_DONOR, P.AGREEMENT_DONORS},
           _("%(reference)s: funding from %(donor)s changed"),
           _("The funding of %(donor)s for the assistance request %(reference)s “%(title)s” "
             "is now %(amount)s (%(record)s)."), Link.FUNDING),
        _e(E.DISBURSEMENT, T.FUNDING, {P.STATE, P.OFFICER, P.RECORD_DONOR, P.PARTNER},
           _("%(reference)s: %(amount)s disbursed by %(donor)s"),
           _("%(donor)s disbursed %(amount)s on %(date)s for the assistance request "
             "%(reference)s “%(title)s”."), Link.FUNDING),
        _e(E.AGREEMENT_RECORDED, T.IMPLEMENTATION, FUNDED | {P.DONORS},
           _("%(reference)s: agreement recorded"),
           _("The agreement for the assistance request %(reference)s “%(title)s” was "
             "recorded; it runs from %(start)s to %(end)s."), Link.AGREEMENT),
        _e(E.AGREEMENT_AMENDED, T.IMPLEMENTATION, FUNDED,
           _("%(reference)s: agreement amended"),
           _("The agreement for the assistance request %(reference)s “%(title)s” was "
             "amended by %(actor)s."), Link.AGREEMENT),
        _e(E.IMPLEMENTATION_STARTED, T.IMPLEMENTATION, FUNDED,
           _("%(reference)s: implementation started"),
           _("Implementation of the assistance request %(reference)s “%(title)s” has "
             "started."), Link.PLAN),
        # Chased by the reminder rules that watch milestones: their words are the rule's.
        _e(E.MILESTONE_DUE, T.REMINDERS, {P.RULE}, "", "", Link.PLAN),
        _e(E.MILESTONE_LATE, T.REMINDERS, {P.RULE}, "", "", Link.PLAN),
        _e(E.MILESTONE_DONE, T.IMPLEMENTATION, FUNDED,
           _("%(reference)s: milestone “%(record)s” done"),
           _("The milestone “%(record)s” of the assistance request %(reference)s “%(title)s” "
             "was marked done on %(date)s."), Link.PLAN),
        _e(E.PROGRESS_REPORT, T.IMPLEMENTATION, FUNDED,
           _("%(reference)s: progress report"),
           _("A progress report for %(start)s to %(end)s was filed on the assistance request "
             "%(reference)s “%(title)s”: %(record)s."), Link.PLAN),
        _e(E.FEEDBACK_REQUESTED, T.FEEDBACK, {P.STATE, P.AGREEMENT_DONORS},
           _("%(reference)s: your effectiveness feedback is due"),
           _("Implementation of the assistance request %(reference)s “%(title)s” is "
             "complete. Please give your feedback on its effectiveness."), Link.FEEDBACK),
        _e(E.FEEDBACK_SUBMITTED, T.FEEDBACK, {P.OFFICER},
           _("%(reference)s: feedback from %(organization)s"),
           _("%(organization)s submitted its effectiveness feedback on the assistance request "
             "%(reference)s “%(title)s”."), Link.FEEDBACK),
        _e(E.FEEDBACK_WAIVED, T.FEEDBACK, {P.OFFICER, P.RECORD_ORGANIZATION},
           _("%(reference)s: feedback of %(organization)s waived"),
           _("UNODA waived the effectiveness feedback of %(organization)s on the assistance "
             "request %(reference)s “%(title)s”."), Link.FEEDBACK),
        _e(E.COMMENT, T.COMMENTS, LIFE,
           _("%(reference)s: comment by %(actor)s"),
           _("%(actor)s commented on the assistance request %(reference)s “%(title)s”."),
           Link.TIMELINE),
        _e(E.MEETING_OUTCOME, T.MEETINGS, {P.STATE, P.OFFICER, P.RECORD_DONOR},
           _("%(reference)s: outcome of the meeting “%(record)s”"),
           _("The matchmaking meeting “%(record)s” recorded an outcome for the assistance "
             "request %(reference)s “%(title)s”: %(status)s."), Link.MEETINGS),
        _e(E.REFERRAL_ASKED, T.MEETINGS, {P.OFFICER},
           _("%(reference)s: the State asks for an offer"),
           _("%(actor)s asks UNODA to bring the offer “%(record)s” to the assistance request "
             "%(reference)s “%(title)s”."), Link.FUNDING),
        _e(E.REFERRAL_BROUGHT, T.MEETINGS, {P.STATE, P.RECORD_DONOR},
           _("%(reference)s: an offer was brought to this need"),
           _("UNODA brought the offer “%(record)s” to the assistance request %(reference)s "
             "“%(title)s”."), Link.FUNDING),
        _e(E.REFERRAL_DECLINED, T.MEETINGS, {P.STATE},
           _("%(reference)s: UNODA will not bring the offer"),
           _("UNODA will not bring the offer “%(record)s” to the assistance request "
             "%(reference)s “%(title)s”."), Link.FUNDING),
        _e(E.CLOSED, T.CASES, LIFE,
           _("%(reference)s closed"),
           _("The assistance request %(reference)s “%(title)s” is closed.")),
        _e(E.WITHDRAWN, T.CASES, LIFE,
           _("%(reference)s withdrawn"),
           _("The assistance request %(reference)s “%(title)s” was withdrawn by %(actor)s.")),
        _e(E.DECLINED, T.CASES, LIFE,
           _("%(reference)s declined"),
           _("UNODA declined the assistance request %(reference)s “%(title)s”.")),
        _e(E.REMINDER, T.REMINDERS, {P.RULE}, "", ""),
        _e(E.ESCALATION, T.REMINDERS, {P.RULE}, "", ""),
    ]
}  # fmt: skip

# The event of each transition (``workflow.TRANSITIONS``): fired by request_transition.
TRANSITION_EVENTS: dict[str, Event | None] = {
    "submit": E.SUBMITTED,
    "start_review": E.REVIEW_STARTED,
    "return_for_revision": E.RETURNED,
    "resubmit": E.RESUBMITTED,
    "publish": E.PUBLISHED,
    # Fired by their record, whose own event (the interest, the agreement) tells of it.
    "register_interest": None,
    "interest_withdrawn": None,
    "record_agreement": None,
    "start_implementation": E.IMPLEMENTATION_STARTED,
    "complete": E.FEEDBACK_REQUESTED,
    "close": E.CLOSED,
    "withdraw": E.WITHDRAWN,
    "decline": E.DECLINED,
}

# The delivery of each topic for a reader who has not chosen one, by what they are in the
# portal; a topic left out is e-mailed at once.
ROLE_DEFAULTS: dict[str, dict[Topic, Delivery]] = {
    # UNODA follows many cases: what needs them at once (submissions, comments, reminders)
    # comes by e-mail, the flow of money and implementation in the digest.
    "unoda": {
        T.FUNDING: Delivery.DIGEST,
        T.IMPLEMENTATION: Delivery.DIGEST,
        T.FEEDBACK: Delivery.DIGEST,
        T.MEETINGS: Delivery.DIGEST,
    },
    # A donor acts on money and feedback; the case's other news can wait for the digest.
    "donor": {T.CASES: Delivery.DIGEST, T.COMMENTS: Delivery.DIGEST},
    # The requesting State and the implementing partner have few cases: everything at once.
    "state": {},
    "partner": {},
}
