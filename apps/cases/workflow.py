"""The case lifecycle as data: every transition, who may fire it, its guard, its comment rule.

Nothing here writes; ``services.request_transition`` is the one place that fires a transition.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum

from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .models import Status, Visibility
from .quality import completeness


class Role(StrEnum):
    RECIPIENT = "recipient"  # a member of the requesting organization
    DONOR = "donor"  # a member of a donor organization that may see the case
    UNODA = "unoda"  # a UNODA officer (or an admin)
    PARTNER = "partner"  # a member of the implementing partner named in the agreement


# A guard takes the locked case and returns None when the transition may go ahead, or a
# translatable message saying why not. An effect records what the transition brings with it
# (e.g. opening feedback requests); it is called as ``effect(case, actor=..., change=...)``
# inside the transition's transaction, after the status and history are written. Both may be
# given as callables or as dotted paths (for functions of apps that build on this one).
# A confirmation is like a guard, but what it says does not forbid the transition: the actor
# may go ahead once they have read it, confirmed and given a reason (required then, and kept in
# the status history with what was confirmed).
Guard = Callable[..., str | None] | str


@dataclass(frozen=True)
class Confirmation:
    """What a confirmation has to say: ``message`` for the actor before going ahead (in the
    active language), and ``values`` that the history keeps, worded by ``CONFIRMATION_NOTES``
    in each reader's language when read."""

    message: str
    values: dict


Effect = Callable[..., None] | str


def resolve(ref):
    return import_string(ref) if isinstance(ref, str) else ref


def guard_publishable(case) -> str | None:
    if case.visibility == Visibility.UNODA_ONLY:
        return _("Choose a visibility that lets donors see the request before publishing it.")
    if case.visibility == Visibility.SELECTED_DONORS and not case.selected_donors.exists():
        return _("Select at least one donor before publishing to selected donors.")
    from apps.core.selectors import portal_settings

    threshold = portal_settings().publish_min_completeness
    score = completeness(case).score
    if score < threshold:
        return _("The request is %(score)s%% complete; at least %(threshold)s%% is required.") % {
            "score": score,
            "threshold": threshold,
        }
    return None


def guard_has_title(case) -> str | None:
    if not case.title.strip():
        return _("The request needs a title before it can be submitted.")
    return None


def guard_submittable(case) -> str | None:
    """Complete enough to submit (the coordinators' threshold), saying what is missing."""
    from apps.core.selectors import portal_settings

    threshold = portal_settings().submit_min_completeness
    checklist = completeness(case)
    if checklist.score >= threshold:
        return None
    return _(
        "The request is %(score)s%% complete; at least %(threshold)s%% is needed to submit it. "
        "Missing: %(missing)s"
    ) % {
        "score": checklist.score,
        "threshold": threshold,
        "missing": " ".join(str(item.advice) for item in checklist.missing),
    }


@dataclass(frozen=True)
class Transition:
    name: str
    label: str
    source: frozenset[Status]
    target: Status
    roles: frozenset[Role]
    comment_required: bool = False
    guards: tuple[Guard, ...] = field(default_factory=tuple)
    effects: tuple[Effect, ...] = field(default_factory=tuple)
    confirmations: tuple[Guard, ...] = field(default_factory=tuple)
    # Fired only by the service that writes its record (an interest, an agreement), never
    # offered as a bare button.
    by_record: bool = False
    # Ends the case for good (withdraw, decline): the page asks to confirm it with its reason.
    destructive: bool = False


def _t(name, label, source, target, roles, *, comment_required=False, guards=(), effects=(),
       confirmations=(), by_record=False, destructive=False):  # fmt: skip
    return Transition(
        name=name,
        label=label,
        source=frozenset(source),
        target=target,
        roles=frozenset(roles),
        comment_required=comment_required,
        guards=tuple(guards),
        effects=tuple(effects),
        confirmations=tuple(confirmations),
        by_record=by_record,
        destructive=destructive,
    )


S = Status
R = Role
# Submitting a request that looks like one of the State's own: confirm it is another need.
CONFIRM_NOT_DUPLICATE = "apps.cases.duplicates.confirm_not_duplicate"
# Closing a case whose firm commitments are not fully disbursed: confirm it all the same.
CONFIRM_UNDISBURSED = "apps.funding.guards.undisbursed_commitments"
# What the history says of each confirmation the actor went past, with its values
# (``apps.cases.history`` words them).
CONFIRMATION_NOTES = {
    CONFIRM_NOT_DUPLICATE: _(
        "Confirmed as another need than the State's similar requests: %(references)s."
    ),
    CONFIRM_UNDISBURSED: _(
        "Confirmed although firm commitments were not fully disbursed: %(lines)s."
    ),
}
BEFORE_AGREEMENT = {
    S.DRAFT,
    S.SUBMITTED,
    S.UNDER_REVIEW,
    S.NEEDS_REVISION,
    S.PUBLISHED,
    S.DONOR_INTEREST,
}

TRANSITIONS: dict[str, Transition] = {
    t.name: t
    for t in [
        _t("submit", pgettext_lazy("workflow step: send a request to UNODA", "Submit"),
           {S.DRAFT}, S.SUBMITTED, {R.RECIPIENT, R.UNODA},
           guards=[guard_has_title, guard_submittable], confirmations=[CONFIRM_NOT_DUPLICATE]),
        _t("start_review", _("Start review"), {S.SUBMITTED}, S.UNDER_REVIEW, {R.UNODA}),
        _t("return_for_revision", _("Return for revision"), {S.UNDER_REVIEW}, S.NEEDS_REVISION,
           {R.UNODA}, comment_required=True),
        _t("resubmit", _("Resubmit"), {S.NEEDS_REVISION}, S.UNDER_REVIEW,
           {R.RECIPIENT, R.UNODA}, guards=[guard_has_title, guard_submittable],
           confirmations=[CONFIRM_NOT_DUPLICATE]),
        _t("publish", _("Publish to donors"), {S.UNDER_REVIEW}, S.PUBLISHED, {R.UNODA},
           guards=[guard_publishable]),
        _t("register_interest", _("Register donor interest"), {S.PUBLISHED}, S.DONOR_INTEREST,
           {R.DONOR, R.UNODA}, guards=["apps.funding.guards.has_active_interest"],
           by_record=True),
        _t("interest_withdrawn", _("All interest withdrawn"), {S.DONOR_INTEREST}, S.PUBLISHED,
           {R.DONOR, R.UNODA}, guards=["apps.funding.guards.has_no_active_interest"],
           by_record=True),
        _t("record_agreement", _("Record agreement"), {S.DONOR_INTEREST}, S.AGREEMENT,
           {R.UNODA}, guards=["apps.followup.guards.agreement_recorded"], by_record=True),
        _t("start_implementation", _("Start implementation"), {S.AGREEMENT}, S.IMPLEMENTATION,
           {R.UNODA}),
        _t("complete", _("Complete implementation"), {S.IMPLEMENTATION}, S.FEEDBACK, {R.UNODA},
           effects=["apps.followup.effects.open_feedback_requests"]),
        _t("close", _("Close the case"), {S.FEEDBACK}, S.CLOSED, {R.UNODA},
           guards=["apps.followup.guards.feedback_complete_or_waived"],
           confirmations=[CONFIRM_UNDISBURSED]),
        _t("withdraw", _("Withdraw the request"), BEFORE_AGREEMENT, S.WITHDRAWN,
           {R.RECIPIENT, R.UNODA}, comment_required=True, destructive=True),
        _t("decline", _("Decline the request"),
           {S.SUBMITTED, S.UNDER_REVIEW, S.NEEDS_REVISION, S.PUBLISHED}, S.DECLINED, {R.UNODA},
           comment_required=True, destructive=True),
    ]
}  # fmt: skip

# --- Named groups of statuses: every module imports these, none redefines them ---------------

# The proposal is the State's to write (the requesting organization may edit it).
RECIPIENT_EDITABLE = frozenset({S.DRAFT, S.NEEDS_REVISION})
# The case is over: nothing moves any more, UNODA no longer edits the proposal.
TERMINAL = frozenset({S.CLOSED, S.WITHDRAWN, S.DECLINED})
# What every transition into a terminal status brings with it, whichever it is (see Effect):
# the donors' interests end.
ENDING_EFFECTS: tuple[Effect, ...] = ("apps.funding.effects.conclude_interests",)
# Still moving: every status but the terminal ones.
OPEN = frozenset(Status) - TERMINAL
# Donors admitted by the visibility see the case (from publication on, history included).
DONOR_VISIBLE = frozenset(
    {S.PUBLISHED, S.DONOR_INTEREST, S.AGREEMENT, S.IMPLEMENTATION, S.FEEDBACK, S.CLOSED}
)
# Open to donors before any agreement: published, or with an interest standing.
OPEN_TO_DONORS = frozenset({S.PUBLISHED, S.DONOR_INTEREST})
# Past agreement, listed for donors while a funding gap remains (co-funding).
SEEKING_COFUNDING = frozenset({S.AGREEMENT, S.IMPLEMENTATION})
# Needs shown to donors and matched with offers (and, where the State allows, to the public).
OPEN_NEEDS = OPEN_TO_DONORS | SEEKING_COFUNDING
# Donors keep their commitments up to date (confirm, disburse) until feedback ends.
FUNDING_UPDATABLE = OPEN_NEEDS | {S.FEEDBACK}
# Implementation is followed: milestones and progress reports are written.
IMPLEMENTATION_OPEN = frozenset({S.AGREEMENT, S.IMPLEMENTATION})
# An agreement is signed: the case is funded and goes into the IATI activity file.
AGREED = frozenset({S.AGREEMENT, S.IMPLEMENTATION, S.FEEDBACK, S.CLOSED})

# Other requests that a request may duplicate or relate to: submitted and not yet over.
DUPLICATE_CANDIDATES = OPEN - {S.DRAFT}
# UNODA is shown a request's likely duplicates and related needs while it reviews it: from
# submission until it publishes (or declines) the request.
DUPLICATE_CHECKED = frozenset({S.SUBMITTED, S.UNDER_REVIEW, S.NEEDS_REVISION})

ALL_DONORS = "all"  # admitted_donors: every donor organization


def admitted_donors(case) -> str | set[int]:
    """Which donor organizations the visibility of ``case`` admits now: ``ALL_DONORS``, the
    ids of the selected donors, or none. The one rule for donors: object permissions are
    synced from it and a user's donor role on a case follows it."""
    if case.status not in DONOR_VISIBLE:
        return set()
    if case.visibility in (Visibility.ALL_DONORS, Visibility.PUBLIC_SUMMARY):
        return ALL_DONORS
    if case.visibility == Visibility.SELECTED_DONORS:
        return set(case.selected_donors.values_list("pk", flat=True))
    return set()


def transitions_from(status: str) -> list[Transition]:
    return [t for t in TRANSITIONS.values() if status in t.source]


def path_to(status: str) -> list[str]:
    """The shortest list of transition names that leads from draft to ``status``."""
    paths: dict[str, list[str]] = {Status.DRAFT: []}
    frontier = [Status.DRAFT]
    while frontier:
        current = frontier.pop(0)
        for t in TRANSITIONS.values():
            if current in t.source and t.target not in paths:
                paths[t.target] = [*paths[current], t.name]
                frontier.append(t.target)
    return paths[status]


# --- The lifecycle as the case page draws it -------------------------------------------------

# The stages a case goes through when all goes well, in order (the status track).
LIFECYCLE = (
    S.DRAFT,
    S.SUBMITTED,
    S.UNDER_REVIEW,
    S.PUBLISHED,
    S.DONOR_INTEREST,
    S.AGREEMENT,
    S.IMPLEMENTATION,
    S.FEEDBACK,
    S.CLOSED,
)
# A status off that path is drawn at the stage it belongs to (a request returned for revision
# is still in review); the terminal ones where the case stopped.
STAGE_OF = {S.NEEDS_REVISION: S.UNDER_REVIEW}

# What comes next in each status, and who has to act for it (the status track says it).
NEXT_STEPS: dict[Status, tuple[str, frozenset[Role]]] = {
    S.DRAFT: (
        _("The State completes the request and submits it to UNODA."),
        frozenset({R.RECIPIENT}),
    ),
    S.SUBMITTED: (_("UNODA starts reviewing the request."), frozenset({R.UNODA})),
    S.UNDER_REVIEW: (
        _("UNODA publishes the request to donors, or returns it to the State for revision."),
        frozenset({R.UNODA}),
    ),
    S.NEEDS_REVISION: (
        _("The State revises the request and resubmits it."),
        frozenset({R.RECIPIENT}),
    ),
    S.PUBLISHED: (_("Donors express their interest in funding the request."), frozenset({R.DONOR})),
    S.DONOR_INTEREST: (
        _("Donors pledge or commit funding, and UNODA records the agreement."),
        frozenset({R.DONOR, R.UNODA}),
    ),
    S.AGREEMENT: (_("UNODA starts the implementation."), frozenset({R.UNODA})),
    S.IMPLEMENTATION: (
        _("The implementing partner reports progress; UNODA completes the implementation."),
        frozenset({R.PARTNER, R.UNODA}),
    ),
    S.FEEDBACK: (
        _("The State and the donors give their effectiveness feedback; UNODA closes the case."),
        frozenset({R.RECIPIENT, R.DONOR, R.UNODA}),
    ),
}


# Whose turn it is, from the table above: the statuses in which the next step is one side's
# alone (the queue's "needs my action" lists them for that side; a status where several sides
# act, such as donor interest, waits on none of them alone).
def _awaiting(role: Role) -> frozenset[Status]:
    return frozenset(status for status, (_step, actors) in NEXT_STEPS.items() if actors == {role})


# UNODA has to act: triage a submission, review a request, start an agreed implementation.
AWAITING_UNODA = _awaiting(R.UNODA)
# The State has to act: complete a draft, answer UNODA's questions.
AWAITING_RECIPIENT = _awaiting(R.RECIPIENT)
# Donors have to act: express interest in a published need.
AWAITING_DONORS = _awaiting(R.DONOR)


# Who acts, as the status track names them.
ACTOR_LABELS = {
    R.RECIPIENT: pgettext_lazy("who has to act on a case", "The requesting State"),
    R.DONOR: pgettext_lazy("who has to act on a case", "Donors"),
    R.UNODA: pgettext_lazy("who has to act on a case", "UNODA"),
    R.PARTNER: pgettext_lazy("who has to act on a case", "The implementing partner"),
}


@dataclass(frozen=True)
class Stage:
    status: Status
    state: str  # "done", "current" or "ahead"


@dataclass(frozen=True)
class Track:
    stages: tuple[Stage, ...]
    ended: Status | None  # withdrawn or declined: where the track stops
    next_step: str | None  # what comes next (None: the case is over)
    actors: frozenset[Role]  # who has to act for it

    @property
    def actor_labels(self) -> list[str]:
        return [str(label) for role, label in ACTOR_LABELS.items() if role in self.actors]


def status_track(status: str, *, stopped_at: str | None = None) -> Track:
    """Where a case in ``status`` is in its lifecycle, what comes next and who acts.
    ``stopped_at``: for a withdrawn or declined case, the status it was in when it ended."""
    status = Status(status)
    ended = status if status in TERMINAL and status != S.CLOSED else None
    reached = STAGE_OF.get(stopped_at, stopped_at) if ended else STAGE_OF.get(status, status)
    position = LIFECYCLE.index(reached) if reached in LIFECYCLE else -1

    def state(index: int) -> str:
        if index < position or status == S.CLOSED or (index == position and ended):
            return "done"
        return "current" if index == position else "ahead"

    stages = tuple(Stage(stage, state(index)) for index, stage in enumerate(LIFECYCLE))
    next_step, actors = NEXT_STEPS.get(status, (None, frozenset()))
    return Track(stages, ended, next_step, actors)
