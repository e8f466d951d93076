"""The only code that writes cases. Every status change goes through ``request_transition``."""

import logging
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, transaction
from django.db.models import Exists, OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _
from guardian.shortcuts import assign_perm, get_groups_with_perms, remove_perm
from modeltranslation.utils import build_localized_fieldname

from apps.core.exceptions import ApplicationError, ConflictError
from apps.core.forms import decimal_parse
from apps.core.history import by
from apps.core.translated import active_language
from apps.notifications.services import notify
from apps.organizations.models import Organization
from apps.organizations.selectors import user_is_unoda
from apps.organizations.services import all_donors_group
from apps.security.models import AuditKind
from apps.security.services import audit_record
from apps.security.uploads import validate_upload

from .events import TRANSITION_EVENTS, Event
from .framework import (  # noqa: F401  (the results framework's services, called from here)
    indicator_create,
    indicator_remove,
    indicator_update,
    result_create,
    result_remove,
    result_update,
)
from .models import (
    ATTACHMENT_EXTENSIONS,
    DUPLICATE_DECISIONS,
    LINKS_BY_HAND,
    Activity,
    AssistanceRequest,
    Attachment,
    CaseLink,
    Comment,
    CommentVisibility,
    HistoryEvent,
    LinkKind,
    ReferenceCounter,
    ResultLevel,
    Status,
    StatusChange,
)
from .permissions import (
    CHANGE_PERM,
    VIEW_PERM,
    access_of,
    can_comment,
    can_comment_internally,
    can_create_request,
    can_edit_request,
    can_view_request,
    is_member,
    require,
)
from .selectors import visible_cases
from .workflow import (
    ALL_DONORS,
    DONOR_VISIBLE,
    ENDING_EFFECTS,
    RECIPIENT_EDITABLE,
    TERMINAL,
    TRANSITIONS,
    admitted_donors,
    resolve,
)

logger = logging.getLogger(__name__)

# Fields of the proposal that the requesting State (and UNODA) edit.
PROPOSAL_FIELDS = (
    "title",
    "summary",
    "background",
    "objectives",
    "activities",
    "expected_results",
    "beneficiaries",
    "national_ownership",
    "sustainability",
    "risks",
    "budget_amount",
    "budget_currency",
    "duration_months",
    "priority",
    "national_document",
    "national_document_title",
    "national_document_year",
    "poa_cycle",
    "national_report_url",
    "visibility",
    "due_date",
)
M2M_FIELDS = ("categories", "kinds", "selected_donors")
# Registered with modeltranslation (translation.py): written in the case's original language,
# translated by UNODA with ``request_translate``.
TRANSLATED_FIELDS = ("title", "summary")


def _store_texts(case: AssistanceRequest, language: str, texts: dict) -> list[str]:
    """Put ``texts`` ({"title": ..., "summary": ...}) into the ``language`` columns explicitly
    (assigning ``case.title`` would write the active language's column)."""
    names = []
    for field, value in texts.items():
        name = build_localized_fieldname(field, language)
        setattr(case, name, value or None)
        names.append(name)
    return names


def _original_language(actor, language: str | None) -> str:
    if language:
        if language not in dict(settings.LANGUAGES):
            raise ValidationError({"original_language": _("Unknown language.")})
        return language
    if get_language():
        return active_language()
    return getattr(actor, "language", "") or settings.LANGUAGE_CODE


def _next_reference(year: int) -> str:
    ReferenceCounter.objects.get_or_create(year=year)
    counter = ReferenceCounter.objects.select_for_update().get(year=year)
    counter.last_number += 1
    counter.save(update_fields=["last_number"])
    return f"REQ-{year}-{counter.last_number:04d}"


def _split_fields(fields: dict) -> tuple[dict, dict]:
    unknown = set(fields) - set(PROPOSAL_FIELDS) - set(M2M_FIELDS)
    if unknown:
        raise ValidationError(
            _("These fields cannot be set here: %(fields)s.")
            % {"fields": ", ".join(sorted(unknown))}
        )
    plain = {k: v for k, v in fields.items() if k in PROPOSAL_FIELDS}
    m2m = {k: v for k, v in fields.items() if k in M2M_FIELDS}
    return plain, m2m


@transaction.atomic
def request_create(
    *,
    actor,
    organization: Organization,
    original_language: str | None = None,
    activity_lines: list[dict] | None = None,
    **fields,
) -> AssistanceRequest:
    """Create a draft request for ``organization`` (by one of its members, or UNODA for it).

    Title and summary are taken as written in ``original_language``: by default the language
    the actor is using (the active language), else their preferred language.
    """
    require(
        can_create_request(actor, organization),
        _("You may only create requests for your own requesting organization."),
    )
    plain, m2m = _split_fields(fields)
    texts = {name: plain.pop(name) for name in TRANSLATED_FIELDS if name in plain}
    language = _original_language(actor, original_language)
    now = timezone.now()
    case = AssistanceRequest(
        requesting_organization=organization,
        created_by=actor,
        # UNODA writing for a State it does not belong to: recorded and shown on the case.
        filled_by_unoda=user_is_unoda(actor) and not is_member(actor, organization.pk),
        status=Status.DRAFT,
        status_changed_at=now,
        original_language=language,
        **plain,
    )
    _store_texts(case, language, texts)
    case.full_clean(exclude=["reference"])
    case.reference = _next_reference(now.year)
    by(case, actor)
    case.save()
    for name, values in m2m.items():
        getattr(case, name).set(values)
    if activity_lines:
        _activity_lines_store(case=case, lines=activity_lines)
    request_sync_permissions(case=case)
    audit_record(
        kind=AuditKind.CHANGE,
        actor=actor,
        obj=case,
        organization=organization,
        detail={"action": "create"},
    )
    return case


@transaction.atomic
def request_update(
    *, actor, case: AssistanceRequest, activity_lines: list[dict] | None = None, **fields
) -> AssistanceRequest:
    """Change proposal fields: recipients while draft or needs revision, UNODA until the end.

    ``activity_lines``, when given, is the whole list of the request's activity lines in order
    (see ``_activity_lines_store``); a refused line leaves every field as it was."""
    plain, m2m = _split_fields(fields)
    locked = AssistanceRequest.objects.select_for_update().get(pk=case.pk)
    access = access_of(actor, locked)
    require(
        can_view_request(access) and can_edit_request(access),
        _("This request cannot be edited by you in its current status."),
    )
    if not user_is_unoda(actor) and ("visibility" in plain or "selected_donors" in m2m):
        # The State chooses visibility while writing; UNODA may change it later.
        require(locked.status in RECIPIENT_EDITABLE)
    texts = {name: plain.pop(name) for name in TRANSLATED_FIELDS if name in plain}
    for name, value in plain.items():
        setattr(locked, name, value)
    text_columns = _store_texts(locked, locked.original_language, texts)
    locked.full_clean()
    if plain or texts:
        by(locked, actor)
        locked.save(update_fields=[*plain.keys(), *texts.keys(), *text_columns, "updated_at"])
    for name, values in m2m.items():
        getattr(locked, name).set(values)
    lines_changed = {}
    if activity_lines is not None:
        lines_changed = _activity_lines_store(case=locked, lines=activity_lines)
    request_sync_permissions(case=locked)
    detail = {"action": "update", "fields": sorted([*plain, *m2m])}
    if lines_changed:
        detail["activity_lines"] = lines_changed
    audit_record(
        kind=AuditKind.CHANGE,
        actor=actor,
        obj=locked,
        organization=locked.requesting_organization,
        detail=detail,
    )
    return locked


# --- Activity lines ----------------------------------------------------------------------------

ACTIVITY_LINE_KEYS = ("id", "description", "estimated_cost", "output")
_KEEP = object()  # a line given without "output": it keeps the output it serves
_COST_LIMIT = Decimal(10) ** 12  # the column holds 14 digits, 2 of them decimals
_CENT = Decimal("0.01")


def _line_cost(value, number: int) -> Decimal | None:
    """An estimated cost as given (a Decimal, a number, or text as people type it)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        cost = decimal_parse(value) if isinstance(value, str) else Decimal(str(value))
    except (ValidationError, ArithmeticError, ValueError):
        raise ValidationError(
            _("Activity line %(number)s: the estimated cost “%(value)s” is not a number.")
            % {"number": number, "value": value},
            code="cost_invalid",
        ) from None
    if not cost.is_finite():
        raise ValidationError(
            _("Activity line %(number)s: the estimated cost “%(value)s” is not a number.")
            % {"number": number, "value": value},
            code="cost_invalid",
        )
    if cost < 0:
        raise ValidationError(
            _("Activity line %(number)s: an estimated cost cannot be negative.")
            % {"number": number},
            code="cost_negative",
        )
    if cost >= _COST_LIMIT or cost != cost.quantize(_CENT):
        raise ValidationError(
            _(
                "Activity line %(number)s: the estimated cost has too many digits (at most "
                "12 before the decimal point and 2 after it)."
            )
            % {"number": number},
            code="cost_digits",
        )
    return cost


def _lines_covered_by_donors(ids) -> list[Activity]:
    """The lines among ``ids`` that a donor's active interest or live (not cancelled)
    commitment says it covers (read through the relations: this app does not import the
    funding app; the statuses are ``funding.models.InterestStatus.ACTIVE`` and
    ``CommitmentStatus.CANCELLED``)."""
    Interest = Activity.covering_interests.through
    Funding = Activity.covering_commitments.through
    return list(
        Activity.objects.filter(pk__in=ids)
        .filter(
            Exists(
                Interest.objects.filter(
                    activity_id=OuterRef("pk"), expressionofinterest__status="active"
                )
            )
            | Exists(
                Funding.objects.filter(activity_id=OuterRef("pk")).exclude(
                    commitment__status="cancelled"
                )
            )
        )
        .order_by("position", "pk")
    )


def _activity_lines_store(*, case: AssistanceRequest, lines: list[dict]) -> dict:
    """Make the activity lines of ``case`` (locked by the caller) the ``lines`` given, in that
    order: each a dict with ``description``, an optional ``estimated_cost`` (in the budget
    currency, not negative), an optional ``output`` (the id of one of the case's outputs that
    the line serves, or None; left out, a kept line keeps its own) and, for a line kept, its
    ``id``. Lines of the case left out are
    removed, unless a donor's active interest or live commitment covers them (it must first
    say it no longer does). Everything is checked before anything is written."""
    existing = {line.pk: line for line in case.activity_lines.all()}
    outputs = None  # the case's outputs, read when a line names one
    errors, wanted, seen = [], [], set()
    for number, line in enumerate(lines, start=1):
        unknown = set(line) - set(ACTIVITY_LINE_KEYS)
        if unknown:
            errors.append(
                _("These fields cannot be set on an activity line: %(fields)s.")
                % {"fields": ", ".join(sorted(unknown))}
            )
            continue
        description = str(line.get("description") or "").strip()
        try:
            cost = _line_cost(line.get("estimated_cost"), number)
        except ValidationError as error:
            errors.extend(error.messages)
            continue
        pk = line.get("id")
        if pk in ("", None):
            pk = None
        else:
            try:
                pk = int(pk)
            except (TypeError, ValueError):
                pk = -1
            if pk not in existing or pk in seen:
                errors.append(
                    _("Activity line %(number)s is not an activity of this request.")
                    % {"number": number}
                )
                continue
            seen.add(pk)
        if not description:
            if cost is None and pk is None:
                continue  # an empty row of the form
            errors.append(
                _("Activity line %(number)s: describe the activity.") % {"number": number}
            )
            continue
        output = line.get("output", _KEEP)
        if output is _KEEP:
            output = existing[pk].output_id if pk is not None else None
        elif output not in ("", None):
            if outputs is None:
                outputs = set(
                    case.results.filter(level=ResultLevel.OUTPUT).values_list("pk", flat=True)
                )
            try:
                output = int(output)
            except (TypeError, ValueError):
                output = -1
            if output not in outputs:
                errors.append(
                    _("Activity line %(number)s: choose one of the outputs of this request.")
                    % {"number": number}
                )
                continue
        else:
            output = None
        wanted.append((pk, description, cost, output))
    removed = [pk for pk in existing if pk not in seen]
    if removed and not errors:
        for line in _lines_covered_by_donors(removed):
            errors.append(
                _(
                    "The activity “%(activity)s” is covered by a donor's interest or "
                    "commitment: it cannot be removed (it may be reworded)."
                )
                % {"activity": line.description[:80]}
            )
    if errors:
        raise ValidationError({"activity_lines": errors})
    changed, created = [], []
    for position, (pk, description, cost, output) in enumerate(wanted, start=1):
        if pk is None:
            created.append(
                Activity(
                    request=case,
                    position=position,
                    description=description,
                    estimated_cost=cost,
                    output_id=output,
                )
            )
            continue
        line = existing[pk]
        now = (position, description, cost, output)
        if (line.position, line.description, line.estimated_cost, line.output_id) != now:
            line.position, line.description, line.estimated_cost, line.output_id = now
            changed.append(line)
    if removed:
        Activity.objects.filter(pk__in=removed).delete()
    if changed:
        Activity.objects.bulk_update(
            changed, ["position", "description", "estimated_cost", "output"]
        )
    if created:
        Activity.objects.bulk_create(created)
    summary = {"added": len(created), "changed": len(changed), "removed": len(removed)}
    return {key: value for key, value in summary.items() if value}


@transaction.atomic
def request_translate(
    *, actor, case: AssistanceRequest, language: str, title: str, summary: str = ""
) -> AssistanceRequest:
    """UNODA adds (or corrects, or with an empty title and summary removes) the title and
    summary of a case in one language. The original language's title cannot be removed, and a
    summary needs its title. Saving the same texts again (a double click) changes nothing."""
    require(user_is_unoda(actor), _("Only UNODA officers translate requests."))
    if language not in dict(settings.LANGUAGES):
        raise ValidationError({"language": _("Unknown language.")})
    locked = AssistanceRequest.objects.select_for_update().get(pk=case.pk)
    title, summary = (title or "").strip(), (summary or "").strip()
    if not title and language == locked.original_language:
        raise ValidationError({"title": _("The title in the original language is required.")})
    if summary and not title:
        raise ValidationError({"title": _("A translated summary needs its translated title.")})
    texts = {"title": title, "summary": summary}
    changed = sorted(
        field
        for field, value in texts.items()
        if (getattr(locked, build_localized_fieldname(field, language)) or "") != value
    )
    if not changed:
        return locked
    columns = _store_texts(locked, language, texts)
    locked.full_clean()
    by(locked, actor)
    locked.save(update_fields=[*columns, "updated_at"])
    audit_record(
        kind=AuditKind.CHANGE,
        actor=actor,
        obj=locked,
        organization=locked.requesting_organization,
        detail={
            "action": "translate" if title else "translation_remove",
            "language": language,
            "fields": changed,
        },
    )
    return locked


@transaction.atomic
def request_assign_officer(*, actor, case: AssistanceRequest, officer) -> AssistanceRequest:
    require(user_is_unoda(actor), _("Only UNODA officers assign case officers."))
    if officer is not None and not officer.is_unoda_officer:
        raise ValidationError({"case_officer": _("The case officer must be a UNODA officer.")})
    locked = AssistanceRequest.objects.select_for_update().get(pk=case.pk)
    locked.case_officer = officer
    by(locked, actor)
    locked.save(update_fields=["case_officer", "updated_at"])
    audit_record(
        kind=AuditKind.CHANGE,
        actor=actor,
        obj=locked,
        detail={"action": "assign_officer", "officer": officer.get_username() if officer else ""},
    )
    if officer is not None:
        notify(Event.ASSIGNED, case=locked, actor=actor)
    return locked


def request_transition(
    *,
    actor,
    case: AssistanceRequest,
    transition: str,
    comment: str = "",
    expected_status: str | None = None,
    confirmed: bool = False,
    event: str = "",
    organization=None,
    values: dict | None = None,
) -> StatusChange:
    """Fire one transition of the lifecycle on ``case``.

    Atomic: locks the case row (a second concurrent caller gets a ConflictError at once), checks
    the actor's role, the source state, the comment rule and the guards, changes the status,
    writes a status-history row, updates object permissions and writes the notifications,
    whose e-mails go out after commit.
    ``expected_status`` is the status the actor saw; if it changed meanwhile, ConflictError.
    When the transition's confirmations have something to say (e.g. closing a case whose
    commitments are not fully disbursed), it is refused with what they say unless the actor
    ``confirmed`` and gave a reason in ``comment``; the history keeps both (the confirmations
    by name, worded when read).
    A service that fires a transition through its record names what happened as a
    ``HistoryEvent`` (``event``, the donor as ``organization``, other ``values``): the history
    words it in each reader's language; ``comment`` stays what a person wrote (an event
    stands for the comment a transition requires).
    Into a terminal status, the ``ENDING_EFFECTS`` follow the transition's own effects.
    """
    definition = TRANSITIONS.get(transition)
    if definition is None:
        raise ApplicationError(
            _("Unknown action “%(name)s”.") % {"name": transition}, code="unknown_transition"
        )
    comment = (comment or "").strip()
    with transaction.atomic():
        try:
            locked = (
                AssistanceRequest.objects.select_for_update(nowait=True)
                .select_related("requesting_organization")
                .get(pk=case.pk)
            )
        except DatabaseError as error:
            raise ConflictError(
                _("Someone else is acting on this case right now. Reload it and try again.")
            ) from error
        access = access_of(actor, locked)
        require(can_view_request(access))
        if expected_status is not None and locked.status != expected_status:
            raise ConflictError(
                _(
                    "This case has just been changed by someone else: it is now “%(status)s”. "
                    "Reload it and check before acting again."
                )
                % {"status": locked.get_status_display()}
            )
        if not access.roles & definition.roles:
            raise PermissionDenied(
                _("You are not allowed to “%(action)s” this case.") % {"action": definition.label}
            )
        if locked.status not in definition.source:
            raise ApplicationError(
                _("“%(action)s” is not possible while the case is “%(status)s”.")
                % {"action": definition.label, "status": locked.get_status_display()},
                code="invalid_transition",
            )
        if definition.comment_required and not comment and not event:
            raise ValidationError(
                {
                    "comment": _("Please say why: a comment is required to “%(action)s”.")
                    % {"action": definition.label}
                }
            )
        for guard in definition.guards:
            if (message := resolve(guard)(locked)) is not None:
                raise ApplicationError(message, code="guard_failed")
        spoke = {
            check: found
            for check in definition.confirmations
            if (found := resolve(check)(locked)) is not None
        }
        warnings = [str(found.message) for found in spoke.values()]
        if warnings and not confirmed:
            raise ApplicationError(
                " ".join(
                    [
                        *warnings,
                        _("Confirm and give your reason to “%(action)s” all the same.")
                        % {"action": definition.label},
                    ]
                ),
                code="confirmation_required",
            )
        if warnings and not comment:
            raise ValidationError(
                {
                    "comment": _("Please give your reason to “%(action)s” all the same.")
                    % {"action": definition.label}
                }
            )
        values = dict(values or {})
        if spoke:
            # Which confirmations the actor went past; not told to the notified parties.
            values["confirmed"] = {
                check: found.values for check, found in spoke.items() if isinstance(check, str)
            }

        from_status = locked.status
        locked.status = definition.target
        locked.status_changed_at = timezone.now()
        by(locked, actor)
        locked.save(update_fields=["status", "status_changed_at", "updated_at"])
        change = StatusChange.objects.create(
            request=locked,
            transition=definition.name,
            from_status=from_status,
            to_status=definition.target,
            actor=actor,
            comment=comment,
            event=event,
            organization=organization,
            values=values,
        )
        ending = ENDING_EFFECTS if definition.target in TERMINAL else ()
        for effect in (*definition.effects, *ending):
            resolve(effect)(locked, actor=actor, change=change)
        request_sync_permissions(case=locked)
        audit_record(
            kind=AuditKind.CHANGE,
            actor=actor,
            obj=locked,
            organization=locked.requesting_organization,
            detail={"action": definition.name, "from": from_status, "to": definition.target},
        )
        event = TRANSITION_EVENTS[definition.name]
        if event is not None:
            notify(
                event,
                case=locked,
                actor=actor,
                values={"comment": comment},
                status_change=change,
            )
    case.status = locked.status
    case.status_changed_at = locked.status_changed_at
    return change


def request_sync_permissions(*, case: AssistanceRequest) -> int:
    """Grant and revoke object permissions so they follow status and visibility; how many
    were granted or revoked (0 when they already followed).

    The requesting organization's group always sees its case and may change it while it is
    theirs to edit; donors see it from publication on as the visibility allows; the donors and
    the implementing partner named in the case's agreement see it too.
    """
    own_group = case.requesting_organization.group
    held = {
        (group.pk, perm)
        for group, perms in get_groups_with_perms(case, attach_perms=True).items()
        for perm in perms
    }

    changed = []

    def grant(perm, group):
        if (group.pk, perm.split(".")[1]) not in held:
            assign_perm(perm, group, case)
            _audit_permission(AuditKind.PERMISSION_GRANT, case, perm, group)
            changed.append(perm)

    def revoke(perm, group):
        if (group.pk, perm.split(".")[1]) in held:
            remove_perm(perm, group, case)
            _audit_permission(AuditKind.PERMISSION_REVOKE, case, perm, group)
            changed.append(perm)

    grant(VIEW_PERM, own_group)
    if case.status in RECIPIENT_EDITABLE:
        grant(CHANGE_PERM, own_group)
    else:
        revoke(CHANGE_PERM, own_group)

    wanted = set()
    admitted = admitted_donors(case)
    if admitted == ALL_DONORS:
        wanted.add(all_donors_group())
    elif admitted:
        wanted.update(
            org.group
            for org in Organization.objects.filter(pk__in=admitted).select_related("group")
        )
    if case.status in DONOR_VISIBLE:
        # The parties of a signed agreement (its donors and its implementing partner) keep
        # seeing the case whatever the visibility says.
        wanted.update(
            org.group
            for org in Organization.objects.filter(
                Q(funded_agreements__request=case) | Q(implemented_agreements__request=case)
            ).select_related("group")
        )
    managed_groups = {all_donors_group()} | {
        org.group
        for org in Organization.objects.filter(
            Q(is_donor=True) | Q(implemented_agreements__isnull=False)
        )
        .distinct()
        .select_related("group")
    }
    current = set(get_groups_with_perms(case)) & managed_groups - {own_group}
    for group in current - wanted:
        revoke(VIEW_PERM, group)
    for group in wanted - current:
        grant(VIEW_PERM, group)
    return len(changed)


def requests_check_consistency(*, batch: int = 500) -> list[dict]:
    """Find the cases changed behind the services' back and repair what can be repaired: a
    status that is not the one their last history row reached (set by ``QuerySet.update`` or
    SQL: no history, audit or notification was written), and object permissions that do not
    follow their status and visibility (repaired, each grant and revoke audited). Each case
    found is in the audit log and in the list returned (reference, problems); the UNODA
    coordinators get the list by e-mail. Run daily by beat and by ``manage.py
    check_consistency``."""
    last_status = (
        StatusChange.objects.filter(request=OuterRef("pk"))
        .order_by("-created_at", "-pk")
        .values("to_status")[:1]
    )
    cases = (
        AssistanceRequest.objects.select_related("requesting_organization__group")
        .annotate(last_status=Subquery(last_status))
        .order_by("pk")
    )
    findings = []
    for case in cases.iterator(chunk_size=batch):
        problems = []
        if case.last_status is not None and case.last_status != case.status:
            problems.append(
                {"problem": "status_without_history", "status": case.status,
                 "history": case.last_status}
            )  # fmt: skip
        with transaction.atomic():
            repaired = request_sync_permissions(case=case)
        if repaired:
            problems.append({"problem": "permissions_repaired", "count": repaired})
        if problems:
            audit_record(
                kind=AuditKind.CONSISTENCY,
                obj=case,
                organization=case.requesting_organization,
                detail={"problems": problems},
            )
            findings.append({"reference": case.reference, "problems": problems})
    if findings:
        transaction.on_commit(lambda: _send_consistency_report(findings))
    return findings


def _send_consistency_report(findings: list[dict]) -> None:
    from apps.core.services import mail_coordinators

    def compose():
        subject = ngettext(
            "Consistency check: %(count)d case changed outside the portal's rules",
            "Consistency check: %(count)d cases changed outside the portal's rules",
            len(findings),
        ) % {"count": len(findings)}
        lines = [
            _("These cases were changed outside the portal's actions; their permissions now "
              "follow their status again. Each one is in the audit log."),
            "",
        ]  # fmt: skip
        for finding in findings:
            described = "; ".join(_describe_problem(p) for p in finding["problems"])
            lines.append(f"{finding['reference']}: {described}")
        return subject, "\n".join(lines)

    mail_coordinators(compose, what=f"The consistency report ({len(findings)} cases)")


def _describe_problem(problem: dict) -> str:
    if problem["problem"] == "status_without_history":
        return _("status %(status)s, but its history ends at %(history)s") % problem
    return (
        ngettext(
            "%(count)d permission repaired", "%(count)d permissions repaired", problem["count"]
        )
        % problem
    )


def _audit_permission(kind, case, perm, group) -> None:
    audit_record(
        kind=kind,
        obj=case,
        organization=case.requesting_organization,
        detail={"permission": perm, "group": group.name, "status": case.status},
    )


@transaction.atomic
def comment_add(
    *, actor, case: AssistanceRequest, body: str, visibility: str = CommentVisibility.SHARED
) -> Comment:
    """A comment in the case thread; only UNODA writes (and reads) internal comments."""
    require(can_comment(access_of(actor, case)), _("You may not comment on this case."))
    if visibility == CommentVisibility.INTERNAL:
        require(can_comment_internally(actor), _("Only UNODA officers write internal comments."))
    comment = Comment(request=case, author=actor, body=(body or "").strip(), visibility=visibility)
    comment.full_clean()
    comment.save()
    audit_record(
        kind=AuditKind.CHANGE,
        actor=actor,
        obj=case,
        organization=case.requesting_organization,
        detail={"action": "comment_add", "comment": comment.pk, "visibility": visibility},
    )
    notify(
        Event.COMMENT,
        case=case,
        actor=actor,
        values={"comment": comment.body},
        internal=visibility == CommentVisibility.INTERNAL,
    )
    return comment


@transaction.atomic
def attachment_add(*, actor, case: AssistanceRequest, kind: str, title: str, file) -> Attachment:
    """Attach a proposal document: by whoever may edit the proposal."""
    locked = AssistanceRequest.objects.select_for_update().get(pk=case.pk)
    access = access_of(actor, locked)
    require(
        can_view_request(access) and can_edit_request(access),
        _("You may not add documents to this request in its current status."),
    )
    return attachment_store(actor=actor, case=locked, kind=kind, title=title, file=file)


def attachment_store(*, actor, case: AssistanceRequest, kind: str, title: str, file) -> Attachment:
    """Keep a document among the case's documents, for a service that has checked the actor
    (in its transaction). The file is checked by its content (not its name) and size, and
    stored under a sanitised name."""
    try:
        file.name = validate_upload(file, allowed_extensions=ATTACHMENT_EXTENSIONS)
    except ValidationError as error:
        raise ValidationError({"file": error.messages}) from None
    attachment = Attachment(
        request=case, kind=kind, title=(title or file.name).strip(), file=file, uploaded_by=actor
    )
    attachment.full_clean()
    attachment.save()
    audit_record(
        kind=AuditKind.CHANGE,
        actor=actor,
        obj=case,
        organization=case.requesting_organization,
        detail={"action": "attachment_add", "attachment": attachment.pk, "name": file.name},
    )
    return attachment


# --- Links between cases -----------------------------------------------------------------------


def _lock_pair(*pks: int) -> dict[int, AssistanceRequest]:
    """Lock the cases in the order of their keys, so that two officers linking the same two
    cases from either end wait for each other instead of deadlocking."""
    return {
        c.pk: c
        for c in AssistanceRequest.objects.select_for_update()
        .select_related("requesting_organization")
        .filter(pk__in=pks)
        .order_by("pk")
    }


def _audit_link(actor, link: CaseLink, action: str, *cases: AssistanceRequest) -> None:
    """One audit row on each of the two cases (each one's history shows the change)."""
    for case in cases:
        audit_record(
            kind=AuditKind.CHANGE,
            actor=actor,
            obj=case,
            organization=case.requesting_organization,
            detail={
                "action": action,
                "from": link.from_case.reference,
                "to": link.to_case.reference,
                "kind": link.kind,
            },
        )


@transaction.atomic
def case_link_add(
    *, actor, case: AssistanceRequest, other_reference: str, kind: str, note: str = ""
) -> CaseLink:
    """UNODA records that ``case`` builds on, complements, repeats or is related to the case
    with ``other_reference`` (the "multiplier effect"). Refused: a link of a case to itself,
    and a second link between the same two cases, in either direction."""
    require(user_is_unoda(actor), _("Only UNODA officers link cases."))
    if kind not in LINKS_BY_HAND:
        raise ValidationError({"kind": _("Choose how the two cases relate.")})
    return _link(actor, case, other_reference, kind, note)


@transaction.atomic
def case_duplicate_decide(
    *, actor, case: AssistanceRequest, other_reference: str, decision: str, note: str = ""
) -> CaseLink:
    """UNODA decides on a likely duplicate or related need of ``case`` (apps/cases/
    duplicates.py): "distinct" (not a duplicate), "related", or "duplicates" (``case`` is a
    duplicate of the other: it is withdrawn, its history saying of which). Each decision is a
    link between the two cases, so the pair is not suggested again."""
    require(user_is_unoda(actor), _("Only UNODA officers decide on duplicates."))
    if decision not in DUPLICATE_DECISIONS:
        raise ValidationError({"decision": _("Choose a decision on the likely duplicate.")})
    withdraw = TRANSITIONS["withdraw"]
    if decision == LinkKind.DUPLICATES and case.status not in withdraw.source:
        raise ApplicationError(
            _("“%(action)s” is not possible while the case is “%(status)s”.")
            % {"action": withdraw.label, "status": case.get_status_display()},
            code="invalid_transition",
        )
    link = _link(actor, case, other_reference, decision, note)
    if decision == LinkKind.DUPLICATES:
        request_transition(
            actor=actor,
            case=case,
            transition=withdraw.name,
            comment=link.note,
            event=HistoryEvent.DUPLICATE_OF,
            values={"reference": link.to_case.reference},
        )
    return link


def _link(actor, case, other_reference, kind, note) -> CaseLink:
    other_reference = (other_reference or "").strip().upper()
    other_pk = (
        visible_cases(actor).filter(reference=other_reference).values_list("pk", flat=True).first()
    )
    if other_pk is None:
        raise ValidationError(
            {
                "reference": ValidationError(
                    _("No case has the reference “%(reference)s”."),
                    code="unknown",
                    params={"reference": other_reference},
                )
            }
        )
    if other_pk == case.pk:
        raise ValidationError(
            {"reference": ValidationError(_("A case cannot be linked to itself."), code="self")}
        )
    locked = _lock_pair(case.pk, other_pk)
    source, target = locked[case.pk], locked[other_pk]
    existing = (
        CaseLink.objects.filter(
            Q(from_case=source, to_case=target) | Q(from_case=target, to_case=source)
        )
        .select_related("from_case", "to_case")
        .first()
    )
    if existing is not None:
        raise ValidationError(
            {
                "reference": ValidationError(
                    _("These cases are already linked: %(link)s."),
                    code="duplicate",
                    params={
                        "link": f"{existing.from_case.reference} "
                        f"{existing.get_kind_display()} {existing.to_case.reference}"
                    },
                )
            }
        )
    link = CaseLink(
        from_case=source, to_case=target, kind=kind, note=(note or "").strip(), created_by=actor
    )
    link.full_clean()
    link.save()
    _audit_link(actor, link, "link_add", source, target)
    return link


@transaction.atomic
def case_link_remove(*, actor, case: AssistanceRequest, link_id) -> None:
    """UNODA removes a link of ``case`` (made from either end). A link already removed (a
    double click, or another officer first) is refused with a clear message."""
    require(user_is_unoda(actor), _("Only UNODA officers link cases."))
    gone = ApplicationError(_("This link has already been removed."), code="gone")
    try:
        link_id = int(link_id)
    except (TypeError, ValueError):
        raise gone from None
    pair = (
        CaseLink.objects.filter(Q(from_case=case) | Q(to_case=case), pk=link_id)
        .values_list("from_case_id", "to_case_id")
        .first()
    )
    if pair is None:
        raise gone
    locked = _lock_pair(*pair)
    link = CaseLink.objects.filter(pk=link_id).first()
    if link is None:
        raise gone
    link.from_case, link.to_case = locked[link.from_case_id], locked[link.to_case_id]
    link.delete()
    _audit_link(actor, link, "link_remove", link.from_case, link.to_case)
