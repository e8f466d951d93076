"""The only code that writes agreements, milestones, progress reports, feedback and waivers.

Status changes still go through ``apps.cases.services.request_transition`` only.
"""

import datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from guardian.shortcuts import remove_perm

from apps.cases.events import Event
from apps.cases.models import (
    ATTACHMENT_EXTENSIONS,
    AssistanceRequest,
    AttachmentKind,
    Indicator,
    IndicatorMeasure,
    Status,
)
from apps.cases.permissions import VIEW_PERM, require
from apps.cases.services import attachment_store, request_sync_permissions, request_transition
from apps.cases.workflow import IMPLEMENTATION_OPEN
from apps.core.exceptions import ApplicationError
from apps.core.forms import decimal_parse
from apps.core.history import by
from apps.funding.models import CooperationType
from apps.notifications.services import notify
from apps.organizations.models import Organization
from apps.organizations.selectors import user_is_unoda
from apps.security.models import AuditKind
from apps.security.services import audit_record
from apps.security.uploads import validate_upload

from .models import (
    RATING_FIELDS,
    Agreement,
    AgreementChange,
    AgreementChangeKind,
    AgreementDocument,
    Feedback,
    FeedbackStatus,
    FeedbackWaiver,
    IndicatorActual,
    Lesson,
    Milestone,
    ProgressReport,
    ProgressReportAttachment,
    actual_field,
)
from .permissions import (
    can_edit_feedback,
    can_manage_milestones,
    can_record_agreement,
    can_report_progress,
    member_organization_ids,
    party_organization_ids,
    reporting_organization_ids,
)
from .selectors import first_unreported_period_end

AGREEMENT_FIELDS = (
    "signed_on",
    "implementing_partner",
    "amount",
    "currency",
    "start_date",
    "end_date",
    "cooperation_type",
    "reporting_interval_months",
    "notes",
)
FEEDBACK_FIELDS = (
    *RATING_FIELDS,
    "what_worked",
    "what_did_not_work",
    "lessons_learned",
    "share_lessons",
    "would_work_together_again",
)


def _lock_case(case: AssistanceRequest) -> AssistanceRequest:
    return (
        AssistanceRequest.objects.select_for_update()
        .select_related("requesting_organization")
        .get(pk=case.pk)
    )


def _check_parties(case, donors, implementing_partner) -> None:
    errors = {}
    if not donors:
        errors["donors"] = _("An agreement needs at least one donor.")
    elif any(not org.is_donor for org in donors):
        errors["donors"] = _("Every donor of an agreement must be a donor organization.")
    elif any(org.pk == case.requesting_organization_id for org in donors):
        errors["donors"] = _("The requesting State cannot be a donor of its own agreement.")
    if implementing_partner is not None and (
        implementing_partner.pk == case.requesting_organization_id
    ):
        errors["implementing_partner"] = _(
            "The implementing partner is an organization other than the requesting State."
        )
    if errors:
        raise ValidationError(errors)


def _check_cooperation_type(value) -> None:
    if value not in CooperationType.values:
        raise ValidationError(
            {
                "cooperation_type": _(
                    "Choose the type of cooperation: North-South, South-South, triangular, "
                    "regional or multilateral."
                )
            }
        )


def _check_agreement_dates(case, *, signed_on=None, start_date=None, end_date=None) -> None:
    """The dates of an agreement make sense: signed neither in the future nor before the
    request existed, ending on or after its start. Only the dates given are checked (a
    correction of the amount does not re-judge a signature recorded before these rules)."""
    errors = {}
    if signed_on is not None:
        today = timezone.localdate()
        filed = timezone.localdate(case.created_at)
        if signed_on > today:
            errors["signed_on"] = _(
                "An agreement cannot be signed in the future: %(date)s is after today."
            ) % {"date": date_format(signed_on)}
        elif signed_on < filed:
            errors["signed_on"] = _(
                "An agreement cannot be signed before the request existed: the request was "
                "made on %(filed)s."
            ) % {"filed": date_format(filed)}
    if start_date is not None and end_date is not None and end_date < start_date:
        errors["end_date"] = _(
            "The agreement cannot end (%(end)s) before it starts (%(start)s)."
        ) % {"end": date_format(end_date), "start": date_format(start_date)}
    if errors:
        raise ValidationError(errors)


def _period_text(start: datetime.date, end: datetime.date | None) -> str:
    if end is None:
        return _("from %(start)s") % {"start": date_format(start)}
    return _("%(start)s to %(end)s") % {"start": date_format(start), "end": date_format(end)}


def _outside_period(day: datetime.date, start: datetime.date, end: datetime.date | None) -> bool:
    return day < start or (end is not None and day > end)


def _check_milestone_due(agreement: Agreement, due_date: datetime.date) -> None:
    """A milestone falls due within its agreement's period (not before its start when the
    agreement has no end)."""
    if _outside_period(due_date, agreement.start_date, agreement.end_date):
        raise ValidationError(
            {
                "due_date": _(
                    "A milestone falls due within the agreement's period (%(period)s): "
                    "%(date)s is outside it."
                )
                % {
                    "period": _period_text(agreement.start_date, agreement.end_date),
                    "date": date_format(due_date),
                }
            }
        )


def _check_milestones_within(agreement: Agreement, start, end) -> None:
    """A change of the agreement's period is refused while milestones would fall outside the
    new period: the message names them, to move (or correct) first."""
    outside = [
        milestone
        for milestone in agreement.milestones.order_by("due_date", "pk")
        if _outside_period(milestone.due_date, start, end)
    ]
    if outside:
        listed = "; ".join(
            f"“{milestone.title}” ({date_format(milestone.due_date)})" for milestone in outside
        )
        message = _(
            "These milestones would fall outside the new period (%(period)s): %(milestones)s. "
            "Move them into the new period on the implementation plan first, then change the "
            "agreement's dates."
        ) % {"period": _period_text(start, end), "milestones": listed}
        field = "start_date" if any(m.due_date < start for m in outside) else "end_date"
        raise ValidationError({field: message})


def _all_errors(*checks) -> None:
    """Run every check and raise their errors together, so a form shows them all at once."""
    errors: dict = {}
    for check in checks:
        try:
            check()
        except ValidationError as error:
            errors = error.update_error_dict(errors)
    if errors:
        raise ValidationError(errors)


def _unknown(fields: dict, allowed) -> None:
    unknown = set(fields) - set(allowed)
    if unknown:
        raise ValidationError(
            _("These fields cannot be set here: %(fields)s.")
            % {"fields": ", ".join(sorted(unknown))}
        )


@transaction.atomic
def agreement_record(
    *,
    actor,
    case: AssistanceRequest,
    donors: list[Organization],
    signed_on: datetime.date,
    amount: Decimal,
    start_date: datetime.date,
    end_date: datetime.date,
    cooperation_type: str = "",
    currency: str = "USD",
    implementing_partner: Organization | None = None,
    reporting_interval_months: int = 3,
    notes: str = "",
    documents: tuple = (),
    comment: str = "",
) -> Agreement:
    """Record the signed agreement of ``case`` and move the case to "agreement" (UNODA), with
    its type of cooperation (required) and dates that make sense."""
    require(can_record_agreement(actor), _("Only UNODA officers record agreements."))
    locked = _lock_case(case)
    if locked.status != Status.DONOR_INTEREST:
        raise ApplicationError(
            _("An agreement can only be recorded while the case is “%(status)s”.")
            % {"status": Status.DONOR_INTEREST.label},
            code="invalid_state",
        )
    if Agreement.objects.filter(request=locked).exists():
        raise ApplicationError(_("This case already has an agreement."), code="duplicate")
    donors = list(donors)
    _all_errors(
        lambda: _check_parties(locked, donors, implementing_partner),
        lambda: _check_cooperation_type(cooperation_type),
        lambda: _check_agreement_dates(
            locked, signed_on=signed_on, start_date=start_date, end_date=end_date
        ),
    )
    agreement = Agreement(
        request=locked,
        signed_on=signed_on,
        implementing_partner=implementing_partner,
        amount=amount,
        currency=currency,
        start_date=start_date,
        end_date=end_date,
        cooperation_type=cooperation_type,
        reporting_interval_months=reporting_interval_months,
        notes=notes,
        recorded_by=actor,
    )
    agreement.full_clean()
    by(agreement, actor)
    agreement.save()
    agreement_refresh_report_schedule(agreement=agreement)
    agreement.donors.set(donors)
    for title, file in documents:
        _document_store(actor=actor, case=locked, agreement=agreement, title=title, file=file)
    request_transition(actor=actor, case=locked, transition="record_agreement", comment=comment)
    case.status = locked.status
    case.status_changed_at = locked.status_changed_at
    audit_record(
        kind=AuditKind.CHANGE,
        actor=actor,
        obj=locked,
        organization=locked.requesting_organization,
        detail={"action": "agreement_record", "agreement": agreement.pk},
    )
    notify(
        Event.AGREEMENT_RECORDED,
        case=locked,
        actor=actor,
        values={"start": start_date, "end": end_date, "comment": comment},
    )
    return agreement


def _history_value(value):
    """A field's value as the history keeps it: readable on its own, whatever changes later."""
    if isinstance(value, Organization):
        return value.name
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


@transaction.atomic
def agreement_update(
    *,
    actor,
    agreement: Agreement,
    kind: str,
    reason: str,
    donors: list[Organization] | None = None,
    document=None,
    document_title: str = "",
    **fields,
) -> Agreement:
    """Correct (a mistake in the record) or amend (a change the parties agreed) an agreement
    (UNODA), while the case is in agreement or implementation, saying why; the signed amendment
    may come with it. Each change is kept in the agreement's history with each field's old and
    new value; a change that changes nothing is refused. The dates follow the same rules as
    when it was recorded, and a new period must still hold every milestone (the refusal names
    the milestones to move first)."""
    _unknown(fields, AGREEMENT_FIELDS)
    require(can_record_agreement(actor), _("Only UNODA officers change agreements."))
    case = _lock_case(agreement.request)
    if case.status not in IMPLEMENTATION_OPEN:
        raise ApplicationError(
            _("The agreement can no longer be changed: the case is “%(status)s”.")
            % {"status": case.get_status_display()},
            code="invalid_state",
        )
    errors = {}
    if kind not in AgreementChangeKind.values:
        errors["kind"] = _("Say whether this is a correction or an amendment.")
    reason = (reason or "").strip()
    if not reason:
        errors["reason"] = _("Please say why the agreement changes.")
    if errors:
        raise ValidationError(errors)
    locked = (
        Agreement.objects.select_for_update(of=("self",))
        .select_related("implementing_partner")
        .get(pk=agreement.pk)
    )
    previous_partner = locked.implementing_partner
    old_donors = list(locked.donors.order_by("name"))
    changes = {}
    for name, value in fields.items():
        old = getattr(locked, name)
        if old != value:
            changes[name] = [_history_value(old), _history_value(value)]
            setattr(locked, name, value)
    donors = list(donors) if donors is not None else old_donors
    if {org.pk for org in donors} != {org.pk for org in old_donors}:
        changes["donors"] = [
            [org.name for org in old_donors],
            sorted(org.name for org in donors),
        ]
    if not changes:
        raise ValidationError(
            _(
                "Nothing has changed: change at least one term of the agreement, or add a signed "
                "document on its own page."
            )
        )
    period_moved = "start_date" in changes or "end_date" in changes
    _all_errors(
        lambda: _check_parties(case, donors, locked.implementing_partner),
        lambda: (
            _check_cooperation_type(locked.cooperation_type)
            if "cooperation_type" in changes
            else None
        ),
        lambda: _check_agreement_dates(
            case,
            signed_on=locked.signed_on if "signed_on" in changes else None,
            start_date=locked.start_date,
            end_date=locked.end_date,
        ),
    )
    if period_moved:  # once the new period itself is sound
        _check_milestones_within(locked, locked.start_date, locked.end_date)
    locked.full_clean()
    field_names = [name for name in changes if name != "donors"]
    if field_names:
        by(locked, actor)
        locked.save(update_fields=[*field_names, "updated_at"])
    else:
        by(locked, actor)
        locked.save(update_fields=["updated_at"])
    agreement_refresh_report_schedule(agreement=locked)
    if "donors" in changes:
        locked.donors.set(donors)
    stored = None
    if document is not None:
        stored = _document_store(
            actor=actor,
            case=case,
            agreement=locked,
            title=document_title
            or _("Signed amendment of %(date)s") % {"date": date_format(timezone.localdate())},
            file=document,
            field="document",
        )
    change = AgreementChange.objects.create(
        agreement=locked, kind=kind, changes=changes, reason=reason, document=stored, actor=actor
    )
    audit_record(
        kind=AuditKind.CHANGE,
        actor=actor,
        obj=case,
        organization=case.requesting_organization,
        detail={
            "action": f"agreement_{kind}",
            "agreement": locked.pk,
            "change": change.pk,
            "fields": sorted(changes),
        },
    )
    if previous_partner is not None and previous_partner != locked.implementing_partner:
        # A former partner loses sight of the case (unless another right gives it back below).
        remove_perm(VIEW_PERM, previous_partner.group, case)
        audit_record(
            kind=AuditKind.PERMISSION_REVOKE,
            actor=actor,
            obj=case,
            organization=case.requesting_organization,
            detail={"permission": VIEW_PERM, "group": previous_partner.group.name},
        )
    request_sync_permissions(case=case)
    notify(Event.AGREEMENT_AMENDED, case=case, actor=actor, values={"comment": reason})
    return locked


def agreement_refresh_report_schedule(*, agreement: Agreement) -> None:
    """Store the end of the agreement's first unreported period (read by the reminders)."""
    reports = list(agreement.reports.values_list("period_start", "period_end"))
    end = first_unreported_period_end(agreement, reports=reports)
    if end != agreement.first_unreported_period_end:
        agreement.first_unreported_period_end = end
        Agreement.objects.filter(pk=agreement.pk).update(first_unreported_period_end=end)


def _document_store(
    *, actor, case: AssistanceRequest, agreement: Agreement, title: str, file, field: str = "file"
) -> AgreementDocument:
    """Keep a signed document of the agreement, for a service that has checked the actor (in
    its transaction): checked by its content and size like every upload, stored under a
    sanitised name, audited."""
    try:
        file.name = validate_upload(file, allowed_extensions=ATTACHMENT_EXTENSIONS)
    except ValidationError as error:
        raise ValidationError({field: error.messages}) from None
    document = AgreementDocument(
        agreement=agreement,
        title=((title or "").strip() or file.name)[:200],
        file=file,
        uploaded_by=actor,
    )
    document.full_clean()
    document.save()
    audit_record(
        kind=AuditKind.CHANGE,
        actor=actor,
        obj=case,
        organization=case.requesting_organization,
        detail={
            "action": "agreement_document_add",
            "agreement": agreement.pk,
            "document": document.pk,
            "name": file.name,
        },
    )
    return document


@transaction.atomic
def agreement_document_add(*, actor, agreement: Agreement, title: str, file) -> AgreementDocument:
    """A further signed document of the agreement (UNODA), while the agreement can change."""
    require(can_record_agreement(actor), _("Only UNODA officers add agreement documents."))
    case = _lock_case(agreement.request)
    if case.status not in IMPLEMENTATION_OPEN:
        raise ApplicationError(
            _("Documents can no longer be added to the agreement: the case is “%(status)s”.")
            % {"status": case.get_status_display()},
            code="invalid_state",
        )
    title = (title or "").strip()
    if not title:
        raise ValidationError({"title": _("Please give the document a title.")})
    return _document_store(actor=actor, case=case, agreement=agreement, title=title, file=file)


@transaction.atomic
def milestone_create(
    *, actor, agreement: Agreement, title: str, due_date: datetime.date, description: str = ""
) -> Milestone:
    _lock_case(agreement.request)
    require(
        can_manage_milestones(actor, agreement),
        _("Only UNODA or the requesting State set milestones, while the agreement runs."),
    )
    milestone = Milestone(
        agreement=agreement, title=title, due_date=due_date, description=description
    )
    milestone.full_clean()
    _check_milestone_due(Agreement.objects.get(pk=agreement.pk), milestone.due_date)
    by(milestone, actor)
    milestone.save()
    _audit_milestone(actor, milestone, "milestone_create")
    return milestone


def _lock_milestone(actor, milestone: Milestone) -> Milestone:
    """The milestone, locked, once the actor may change it."""
    locked = (
        Milestone.objects.select_for_update()
        .select_related("agreement__request__requesting_organization")
        .get(pk=milestone.pk)
    )
    require(
        can_manage_milestones(actor, locked.agreement),
        _("Only UNODA or the requesting State change milestones, while the agreement runs."),
    )
    return locked


def _audit_milestone(actor, milestone: Milestone, action: str, **detail) -> None:
    case = milestone.agreement.request
    audit_record(
        kind=AuditKind.CHANGE,
        actor=actor,
        obj=case,
        organization=case.requesting_organization,
        detail={"action": action, "milestone": milestone.pk, **detail},
    )


@transaction.atomic
def milestone_update(*, actor, milestone: Milestone, **fields) -> Milestone:
    _unknown(fields, ("title", "description", "due_date", "completed_on", "completion_note"))
    # The case first, as a change of the agreement's period does: the period read below is the
    # one that holds when this commits.
    _lock_case(AssistanceRequest(pk=milestone.agreement.request_id))
    locked = _lock_milestone(actor, milestone)
    for name, value in fields.items():
        setattr(locked, name, value)
    locked.full_clean()
    if "due_date" in fields:
        _check_milestone_due(locked.agreement, locked.due_date)
    by(locked, actor)
    locked.save(update_fields=[*fields.keys(), "updated_at"])
    _audit_milestone(actor, locked, "milestone_update", fields=sorted(fields))
    return locked


@transaction.atomic
def milestone_complete(
    *, actor, milestone: Milestone, completed_on=None, note: str = "", evidence=None
) -> Milestone:
    """Mark a milestone done on a day (today by default, never in the future), with a note
    and a document as evidence (kept among the case's documents, checked like every upload).
    Marking it done twice (a double click) is refused, not recorded twice."""
    locked = _lock_milestone(actor, milestone)
    if locked.completed_on is not None:
        raise ApplicationError(
            _("This milestone was already marked done on %(date)s.")
            % {"date": date_format(locked.completed_on)},
            code="duplicate",
        )
    today = timezone.localdate()
    completed_on = completed_on or today
    if completed_on > today:
        raise ValidationError({"completed_on": _("A milestone cannot be done in the future.")})
    case = locked.agreement.request
    if evidence is not None:
        try:
            locked.evidence = attachment_store(
                actor=actor,
                case=case,
                kind=AttachmentKind.EVIDENCE,
                title=(_("Evidence: %(milestone)s") % {"milestone": locked.title})[:200],
                file=evidence,
            )
        except ValidationError as error:
            raise ValidationError({"evidence": error.messages}) from None
    locked.completed_on = completed_on
    locked.completion_note = (note or "").strip()
    locked.completed_by = actor
    locked.full_clean()
    by(locked, actor)
    locked.save()
    _audit_milestone(actor, locked, "milestone_complete")
    notify(
        Event.MILESTONE_DONE,
        case=case,
        actor=actor,
        values={"record": locked.title, "date": completed_on, "comment": locked.completion_note},
        anchor=f"milestone-{locked.pk}",
    )
    return locked


@transaction.atomic
def milestone_reopen(*, actor, milestone: Milestone) -> Milestone:
    """Undo "done": the milestone is open again (its evidence stays among the case's
    documents)."""
    locked = _lock_milestone(actor, milestone)
    if locked.completed_on is None:
        raise ApplicationError(_("This milestone is not marked done."), code="invalid_state")
    locked.completed_on = None
    locked.completion_note = ""
    locked.completed_by = None
    locked.evidence = None
    by(locked, actor)
    locked.save()
    _audit_milestone(actor, locked, "milestone_reopen")
    return locked


# --- Actuals of the results framework, given with a progress report -------------------------

ACTUAL_KEYS = ("indicator", "value", "women", "note", "evidence", "evidence_attachment")
_VALUE_LIMIT = Decimal(10) ** 12  # the column holds 14 digits, 2 of them decimals
_CENT = Decimal("0.01")


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _actual_number(value, indicator, what: str) -> Decimal:
    """A value reached (or of whom women) as given: a Decimal, a number, or text as people type
    it ("1,234.5", as the money fields take it); never negative, at most two decimals."""
    name = indicator.name
    try:
        number = decimal_parse(value) if isinstance(value, str) else Decimal(str(value))
    except ValidationError as error:  # says why, e.g. "1,234" could be read two ways
        raise ValidationError(
            _("“%(indicator)s”: %(what)s: %(reason)s")
            % {"indicator": name, "what": what, "reason": error.messages[0]},
            code="invalid",
        ) from None
    except (ArithmeticError, ValueError, TypeError):
        raise ValidationError(
            _("“%(indicator)s”: %(what)s “%(value)s” is not a number.")
            % {"indicator": name, "what": what, "value": value},
            code="invalid",
        ) from None
    if not number.is_finite():
        raise ValidationError(
            _("“%(indicator)s”: %(what)s “%(value)s” is not a number.")
            % {"indicator": name, "what": what, "value": value},
            code="invalid",
        )
    if number < 0:
        raise ValidationError(
            _("“%(indicator)s”: %(what)s cannot be negative.") % {"indicator": name, "what": what},
            code="negative",
        )
    if number >= _VALUE_LIMIT or number != number.quantize(_CENT):
        raise ValidationError(
            _(
                "“%(indicator)s”: %(what)s has too many digits (at most 12 before the decimal "
                "point and 2 after it)."
            )
            % {"indicator": name, "what": what},
            code="too_many_digits",
        )
    return number


def _check_actuals(case, actuals, attachments) -> tuple[list[dict], dict]:
    """The actuals of a progress report checked against the case's framework: the rows to store
    (empty rows left out) and every error, keyed by ``actual_field`` (an indicator that is not
    one of the case's under ``actuals``). One query for the case's indicators."""
    rows, errors = [], {}
    actuals = list(actuals or ())
    if not actuals:
        return rows, errors
    indicators = {
        indicator.pk: indicator
        for indicator in Indicator.objects.filter(result__request_id=case.pk)
    }
    seen = set()

    def add(key, message):
        errors.setdefault(key, []).append(message)

    for row in actuals:
        row = dict(row)
        unknown = set(row) - set(ACTUAL_KEYS)
        if unknown:
            add(
                "actuals",
                _("These fields cannot be set on an actual: %(fields)s.")
                % {"fields": ", ".join(sorted(unknown))},
            )
            continue
        given = row.get("indicator")
        key = getattr(given, "pk", given)
        try:
            indicator = indicators.get(int(key)) if key is not None else None
        except (TypeError, ValueError):
            indicator = None
        if indicator is None:
            add(
                "actuals",
                _("“%(indicator)s” is not an indicator of this case's results framework.")
                % {"indicator": given},
            )
            continue
        if indicator.pk in seen:
            add(
                "actuals",
                _("“%(indicator)s” is given twice: give one value per indicator.")
                % {"indicator": indicator.name},
            )
            continue
        seen.add(indicator.pk)
        value, women = row.get("value"), row.get("women")
        note = (row.get("note") or "").strip()
        evidence, index = row.get("evidence"), row.get("evidence_attachment")
        if _blank(value):
            if not _blank(women) or note or evidence is not None or index is not None:
                add(
                    actual_field(indicator.pk, "value"),
                    _("“%(indicator)s”: give the value reached, or leave the whole row empty.")
                    % {"indicator": indicator.name},
                )
            continue  # an empty row: allowed (the reminders ask for it later)
        actual = {"indicator": indicator, "note": note, "women": None}
        try:
            actual["value"] = _actual_number(value, indicator, _("the value reached"))
        except ValidationError as error:
            add(actual_field(indicator.pk, "value"), error.messages[0])
        else:
            if indicator.measure == IndicatorMeasure.PERCENTAGE and actual["value"] > 100:
                add(
                    actual_field(indicator.pk, "value"),
                    _("“%(indicator)s” is a percentage: the value reached is at most 100.")
                    % {"indicator": indicator.name},
                )
        if not _blank(women):
            if not indicator.by_sex:
                add(
                    actual_field(indicator.pk, "women"),
                    _("“%(indicator)s” is not counted by sex: leave “of whom women” empty.")
                    % {"indicator": indicator.name},
                )
            else:
                try:
                    actual["women"] = _actual_number(women, indicator, _("the number of women"))
                except ValidationError as error:
                    add(actual_field(indicator.pk, "women"), error.messages[0])
                else:
                    if "value" in actual and actual["women"] > actual["value"]:
                        add(
                            actual_field(indicator.pk, "women"),
                            _(
                                "“%(indicator)s”: the number of women cannot exceed the value "
                                "reached."
                            )
                            % {"indicator": indicator.name},
                        )
        if evidence is not None:
            original = getattr(evidence, "name", "") or ""
            try:
                evidence.name = validate_upload(evidence, allowed_extensions=ATTACHMENT_EXTENSIONS)
            except ValidationError as error:
                for message in error.messages:
                    add(actual_field(indicator.pk, "evidence"), f"{original}: {message}")
            actual["evidence"] = evidence
        elif index is not None:
            if (
                not isinstance(index, int)
                or isinstance(index, bool)
                or not (0 <= index < len(attachments))
            ):
                add(
                    actual_field(indicator.pk, "evidence"),
                    ngettext(
                        "“%(indicator)s”: the evidence names attachment %(index)s, but the "
                        "report has %(count)s attachment.",
                        "“%(indicator)s”: the evidence names attachment %(index)s, but the "
                        "report has %(count)s attachments.",
                        len(attachments),
                    )
                    % {"indicator": indicator.name, "index": index, "count": len(attachments)},
                )
            else:
                actual["evidence_attachment"] = index
        rows.append(actual)
    return rows, errors


def _store_actuals(report, rows, stored_attachments) -> list[IndicatorActual]:
    """The checked ``rows`` as the report's actuals, each evidence file kept as an attachment of
    the report."""
    actuals = []
    for row in rows:
        evidence = None
        if row.get("evidence") is not None:
            file = row["evidence"]
            evidence = ProgressReportAttachment(
                report=report,
                title=(_("Evidence: %(indicator)s") % {"indicator": row["indicator"].name})[:200],
                file=file,
            )
            evidence.full_clean()
            evidence.save()
        elif row.get("evidence_attachment") is not None:
            evidence = stored_attachments[row["evidence_attachment"]]
        actuals.append(
            IndicatorActual(
                report=report,
                indicator=row["indicator"],
                value=row["value"],
                women=row["women"],
                evidence=evidence,
                note=row["note"],
            )
        )
    return IndicatorActual.objects.bulk_create(actuals)


@transaction.atomic
def progress_report_submit(
    *,
    actor,
    agreement: Agreement,
    period_start: datetime.date,
    period_end: datetime.date,
    status: str,
    percent_done: int,
    narrative: str,
    organization: Organization | None = None,
    attachments: tuple = (),
    actuals: tuple = (),
) -> ProgressReport:
    """A progress report by the recipient or the implementing partner (UNODA may file one on
    their behalf); only while the case is in implementation.

    ``actuals``: the values its indicators (those of the case's results framework) reached by
    the end of the period, each a mapping of ``indicator`` (an Indicator or its id), ``value``,
    ``women`` (indicators counted by sex only), ``note``, and its evidence: ``evidence`` (a
    file, kept as an attachment of the report) or ``evidence_attachment`` (the index of one of
    ``attachments``). A row without a value is left out (the reminders ask for it). Every row
    is checked with the report itself, and nothing is stored unless all are right."""
    _lock_case(agreement.request)
    agreement.refresh_from_db()
    require(
        can_report_progress(actor, agreement),
        _(
            "Only the requesting State or the implementing partner report progress, during "
            "implementation."
        ),
    )
    allowed = reporting_organization_ids(actor, agreement)
    if organization is None:
        if len(allowed) != 1:
            raise ValidationError(
                {"organization": _("Say on behalf of which organization you report.")}
            )
        organization = Organization.objects.get(pk=next(iter(allowed)))
    elif organization.pk not in allowed:
        raise PermissionDenied(_("You may not report on behalf of this organization."))
    report = ProgressReport(
        agreement=agreement,
        organization=organization,
        period_start=period_start,
        period_end=period_end,
        status=status,
        percent_done=percent_done,
        narrative=narrative,
        submitted_by=actor,
    )
    # Every error at once: the report's own, each attachment's and each actual's, before
    # anything is stored.
    errors = {}
    try:
        report.full_clean()
    except ValidationError as error:
        errors = error.update_error_dict(errors)
    attachments = list(attachments)
    for _title, file in attachments:
        original = getattr(file, "name", "") or ""
        try:
            file.name = validate_upload(file, allowed_extensions=ATTACHMENT_EXTENSIONS)
        except ValidationError as error:
            errors.setdefault("attachments", []).extend(
                f"{original}: {message}" for message in error.messages
            )
    rows, actual_errors = _check_actuals(agreement.request, actuals, attachments)
    for key, messages in actual_errors.items():
        errors.setdefault(key, []).extend(messages)
    if errors:
        raise ValidationError(errors)
    report.save()
    agreement_refresh_report_schedule(agreement=agreement)
    names, stored = [], []
    for title, file in attachments:
        attachment = ProgressReportAttachment(
            report=report, title=((title or "").strip() or file.name)[:200], file=file
        )
        attachment.full_clean()
        attachment.save()
        stored.append(attachment)
        names.append(file.name)
    saved_actuals = _store_actuals(report, rows, stored)
    audit_record(
        kind=AuditKind.CHANGE,
        actor=actor,
        obj=agreement.request,
        organization=organization,
        detail={
            "action": "progress_report_submit",
            "report": report.pk,
            "attachments": names,
            "actuals": {str(a.indicator_id): str(a.value) for a in saved_actuals},
        },
    )
    notify(
        Event.PROGRESS_REPORT,
        case=agreement.request,
        actor=actor,
        values={
            "start": period_start,
            "end": period_end,
            "record": lambda: (
                _("%(status)s, %(percent)s%% done")
                % {"status": report.get_status_display(), "percent": report.percent_done}
            ),
        },
    )
    return report


def _party_feedback_for_update(*, actor, case: AssistanceRequest, organization) -> Feedback:
    """Lock and return the actor's own feedback on ``case`` (or ``organization``'s)."""
    if not (actor.is_authenticated and actor.is_active):
        raise PermissionDenied(_("Please sign in."))
    mine = member_organization_ids(actor) & party_organization_ids(case)
    if organization is not None:
        mine &= {organization.pk}
    if not mine:
        raise PermissionDenied(_("Only the parties of this case give feedback on it."))
    if len(mine) > 1:
        raise ValidationError(
            {"organization": _("Say on behalf of which organization you give feedback.")}
        )
    feedback = (
        Feedback.objects.select_for_update()
        .select_related("request")
        .filter(request_id=case.pk, organization_id=next(iter(mine)))
        .first()
    )
    if feedback is None:
        raise ApplicationError(
            _("Feedback is asked for only once implementation is complete."),
            code="feedback_not_open",
        )
    if feedback.status == FeedbackStatus.SUBMITTED:
        raise ApplicationError(
            _("This feedback has already been submitted; it can no longer be changed."),
            code="already_submitted",
        )
    require(
        can_edit_feedback(actor, feedback),
        _("Feedback can only be given while the case is waiting for it."),
    )
    return feedback


def _apply_feedback(feedback: Feedback, fields: dict) -> None:
    _unknown(fields, FEEDBACK_FIELDS)
    for name, value in fields.items():
        setattr(feedback, name, value)


@transaction.atomic
def feedback_save(
    *, actor, case: AssistanceRequest, organization: Organization | None = None, **fields
) -> Feedback:
    """Save the actor's own pending feedback as a draft (nothing is shown to others)."""
    _lock_case(case)
    feedback = _party_feedback_for_update(actor=actor, case=case, organization=organization)
    _apply_feedback(feedback, fields)
    feedback.full_clean()
    feedback.save(update_fields=[*fields.keys(), "updated_at"])
    return feedback


@transaction.atomic
def feedback_submit(
    *, actor, case: AssistanceRequest, organization: Organization | None = None, **fields
) -> Feedback:
    """Submit the actor's own feedback: every rating is required; after this it is read-only."""
    _lock_case(case)
    feedback = _party_feedback_for_update(actor=actor, case=case, organization=organization)
    _apply_feedback(feedback, fields)
    feedback.full_clean()
    missing = {
        name: _("Please give a rating from 1 to 5.")
        for name in RATING_FIELDS
        if getattr(feedback, name) is None
    }
    if missing:
        raise ValidationError(missing)
    feedback.status = FeedbackStatus.SUBMITTED
    feedback.submitted_at = timezone.now()
    feedback.submitted_by = actor
    feedback.save(
        update_fields=[*fields.keys(), "status", "submitted_at", "submitted_by", "updated_at"]
    )
    audit_record(
        kind=AuditKind.CHANGE,
        actor=actor,
        obj=case,
        organization=feedback.organization,
        detail={"action": "feedback_submit", "feedback": feedback.pk},
    )
    notify(Event.FEEDBACK_SUBMITTED, case=case, actor=actor, organization=feedback.organization)
    return feedback


@transaction.atomic
def feedback_waive(
    *, actor, case: AssistanceRequest, organization: Organization, reason: str
) -> FeedbackWaiver:
    """UNODA lets the case close without ``organization``'s feedback, with a reason."""
    require(user_is_unoda(actor), _("Only UNODA officers waive feedback."))
    locked = _lock_case(case)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Please say why the feedback is waived.")})
    if locked.status != Status.FEEDBACK:
        raise ApplicationError(
            _("Feedback can only be waived while the case is waiting for it."),
            code="invalid_state",
        )
    feedback = Feedback.objects.filter(request=locked, organization=organization).first()
    if feedback is None:
        raise ValidationError({"organization": _("This organization is not a party of the case.")})
    if feedback.is_submitted:
        raise ApplicationError(
            _("%(party)s has already submitted its feedback.") % {"party": organization.name},
            code="already_submitted",
        )
    if FeedbackWaiver.objects.filter(request=locked, organization=organization).exists():
        raise ApplicationError(
            _("%(party)s's feedback is already waived.") % {"party": organization.name},
            code="duplicate",
        )
    waiver = FeedbackWaiver(
        request=locked, organization=organization, reason=reason, recorded_by=actor
    )
    waiver.full_clean()
    waiver.save()
    audit_record(
        kind=AuditKind.CHANGE,
        actor=actor,
        obj=locked,
        organization=organization,
        detail={"action": "feedback_waive", "waiver": waiver.pk, "reason": reason},
    )
    notify(
        Event.FEEDBACK_WAIVED,
        case=locked,
        actor=actor,
        organization=organization,
        values={"comment": reason},
    )
    return waiver


@transaction.atomic
def feedback_waiver_withdraw(*, actor, case: AssistanceRequest, waiver_id) -> None:
    """UNODA takes a waiver back (the party's feedback is awaited again), while the case is
    still waiting for feedback."""
    require(user_is_unoda(actor), _("Only UNODA officers withdraw feedback waivers."))
    locked = _lock_case(case)
    if locked.status != Status.FEEDBACK:
        raise ApplicationError(
            _("A waiver can only be withdrawn while the case is waiting for feedback."),
            code="invalid_state",
        )
    waiver = (
        FeedbackWaiver.objects.filter(request=locked, pk=waiver_id)
        .select_related("organization")
        .first()
    )
    if waiver is None:
        raise ApplicationError(_("This waiver no longer exists."), code="not_found")
    audit_record(
        kind=AuditKind.CHANGE,
        actor=actor,
        obj=locked,
        organization=waiver.organization,
        detail={"action": "feedback_waiver_withdraw", "reason": waiver.reason},
    )
    waiver.delete()


# --- Lessons shared ----------------------------------------------------------------------------


@transaction.atomic
def lesson_publish(*, actor, case: AssistanceRequest, title: str, body: str) -> Lesson:
    """UNODA publishes a lesson learned of a closed case, for every State and donor to read:
    only where a party of the case agreed, in its submitted feedback, to share its lessons
    (``Feedback.share_lessons``). UNODA writes the lesson from what those parties wrote, without
    naming them."""
    require(user_is_unoda(actor), _("Only UNODA officers publish lessons learned."))
    locked = _lock_case(case)
    if locked.status != Status.CLOSED:
        raise ApplicationError(
            _("Lessons are published from closed cases only."), code="invalid_state"
        )
    if not Feedback.objects.filter(
        request=locked, status=FeedbackStatus.SUBMITTED, share_lessons=True
    ).exists():
        raise ApplicationError(
            _("No party of this case agreed to share its lessons learned."), code="no_consent"
        )
    lesson = Lesson(
        request=locked,
        title=(title or "").strip(),
        body=(body or "").strip(),
        published_by=actor,
    )
    errors = {}
    if not lesson.title:
        errors["title"] = _("Give the lesson a title.")
    if not lesson.body:
        errors["body"] = _("Write the lesson.")
    if errors:
        raise ValidationError(errors)
    lesson.full_clean()
    lesson.save()
    audit_record(
        kind=AuditKind.CHANGE,
        actor=actor,
        obj=locked,
        organization=locked.requesting_organization,
        detail={"action": "lesson_publish", "lesson": lesson.pk, "title": lesson.title},
    )
    return lesson


@transaction.atomic
def lesson_withdraw(*, actor, lesson_id) -> None:
    """UNODA takes a published lesson off the lessons-learned page (a lesson already taken
    off, by a double click or another officer, is refused with a clear message)."""
    require(user_is_unoda(actor), _("Only UNODA officers publish lessons learned."))
    gone = ApplicationError(_("This lesson has already been withdrawn."), code="gone")
    try:
        lesson_id = int(lesson_id)
    except (TypeError, ValueError):
        raise gone from None
    lesson = (
        Lesson.objects.select_for_update()
        .select_related("request__requesting_organization")
        .filter(pk=lesson_id)
        .first()
    )
    if lesson is None:
        raise gone
    case = lesson.request
    lesson.delete()
    audit_record(
        kind=AuditKind.CHANGE,
        actor=actor,
        obj=case,
        organization=case.requesting_organization,
        detail={"action": "lesson_withdraw", "lesson": lesson_id, "title": lesson.title},
    )
