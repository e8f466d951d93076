"""The results framework (logical framework) of a request: its outcomes, the outputs that serve
them and the indicators of each, written by whoever may edit the proposal (the requesting State
while the request is theirs to edit, UNODA until the case ends: ``can_edit_request``).

Every function here locks the case row first, checks the actor, checks the input (a
``ValidationError`` keyed by field), writes, keeps the record's history (django-simple-history,
the actor named with ``by``) and writes one audit row on the case. Nobody is notified: the
framework is part of the proposal, whose submission is told.

Removal rules:
- an indicator for which a progress report gave a value (``followup.IndicatorActual``) cannot be
  removed (the reported values would lose what they measure); it may be reworded;
- a result whose indicators have such values cannot be removed either;
- removing an outcome keeps the outputs that served it: they serve no outcome until they are
  linked again (they are the State's work, often with their own indicators and activities);
- removing an output leaves the activity lines that served it serving no output.

These functions are re-exported by ``apps.cases.services``: call them from there.
"""

import datetime
from decimal import Decimal, InvalidOperation

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

from apps.core.exceptions import ApplicationError
from apps.core.forms import decimal_parse
from apps.core.history import by
from apps.core.translated import translated
from apps.security.models import AuditKind
from apps.security.services import audit_record

from .models import AssistanceRequest, Indicator, IndicatorTemplate, Result, ResultLevel
from .permissions import access_of, can_edit_request, can_view_request, require

RESULT_FIELDS = ("statement", "outcome")
INDICATOR_FIELDS = (
    "name",
    "unit",
    "measure",
    "ascending",
    "baseline_value",
    "baseline_date",
    "target_value",
    "target_date",
    "means_of_verification",
    "by_sex",
)
# The fields an indicator made from a template takes from it (in the editor's language).
TEMPLATE_FIELDS = ("name", "unit", "measure", "ascending", "by_sex", "means_of_verification")
_DECIMALS = ("baseline_value", "target_value")
_DATES = ("baseline_date", "target_date")
_TEXTS = ("statement", "name", "unit", "means_of_verification")

# The field a model constraint's refusal is shown next to.
CONSTRAINT_FIELDS = {
    "result_level_valid": "level",
    "result_outcome_only_on_outputs": "outcome",
    "result_statement_not_empty": "statement",
    "indicator_measure_valid": "measure",
    "indicator_name_not_empty": "name",
    "indicator_values_not_negative": "target_value",
    "indicator_percentage_0_100": "target_value",
    "indicator_target_after_baseline": "target_date",
}


def _lock(case_pk: int, actor) -> AssistanceRequest:
    """The case, locked, once ``actor`` may edit its proposal."""
    locked = (
        AssistanceRequest.objects.select_for_update()
        .select_related("requesting_organization")
        .get(pk=case_pk)
    )
    access = access_of(actor, locked)
    require(
        can_view_request(access) and can_edit_request(access),
        _("This request cannot be edited by you in its current status."),
    )
    return locked


def _audit(actor, case: AssistanceRequest, action: str, **detail) -> None:
    audit_record(
        kind=AuditKind.CHANGE,
        actor=actor,
        obj=case,
        organization=case.requesting_organization,
        detail={"action": action, **detail},
    )


def _unknown(fields: dict, allowed: tuple[str, ...]) -> None:
    unknown = set(fields) - set(allowed)
    if unknown:
        raise ValidationError(
            {
                NON_FIELD_ERRORS: _("These fields cannot be set here: %(fields)s.")
                % {"fields": ", ".join(sorted(unknown))}
            }
        )


def _decimal(value, field: str) -> Decimal | None:
    """A baseline or a target as given: a Decimal, a number, or text as people type it."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        number = decimal_parse(value) if isinstance(value, str) else Decimal(str(value))
    except (ValidationError, ArithmeticError, ValueError, InvalidOperation):
        raise ValidationError({field: _("Enter a number, such as 0.92 or 1234.5.")}) from None
    if not number.is_finite():
        raise ValidationError({field: _("Enter a number, such as 0.92 or 1234.5.")})
    return number


def _date(value, field: str) -> datetime.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    try:
        parsed = parse_date(str(value))
    except ValueError:
        parsed = None
    if parsed is None:
        raise ValidationError({field: _("Enter a valid date.")})
    return parsed


def _normalised(fields: dict) -> dict:
    """The values as the model stores them: texts stripped, numbers and dates parsed."""
    out = dict(fields)
    for name in _TEXTS:
        if name in out:
            out[name] = str(out[name] or "").strip()
    for name in _DECIMALS:
        if name in out:
            out[name] = _decimal(out[name], name)
    for name in _DATES:
        if name in out:
            out[name] = _date(out[name], name)
    return out


def _constraint_field(name: str, instance) -> str:
    if name == "indicator_percentage_0_100" and (instance.baseline_value or 0) > 100:
        return "baseline_value"
    if name == "indicator_values_not_negative" and (instance.baseline_value or 0) < 0:
        return "baseline_value"
    return CONSTRAINT_FIELDS.get(name, NON_FIELD_ERRORS)


def _check(instance) -> None:
    """The model's field checks and constraints, each refusal under the field it concerns."""
    errors: dict[str, list] = {}
    # An empty statement or name is refused by its constraint, with its own message.
    blank = [name for name in ("statement", "name") if getattr(instance, name, None) == ""]
    try:
        instance.clean_fields(exclude=[*blank, "request", "result", "outcome", "template"])
    except ValidationError as error:
        errors = error.update_error_dict(errors)
    for constraint in instance._meta.constraints:
        try:
            constraint.validate(type(instance), instance, exclude=set(errors))
        except ValidationError as error:
            key = _constraint_field(constraint.name, instance)
            errors.setdefault(key, []).extend(error.messages)
    if errors:
        raise ValidationError(errors)


def _outcome_of(case: AssistanceRequest, outcome) -> Result | None:
    """The outcome an output serves: one of the case's outcomes (by row or by id), or None."""
    if outcome in (None, ""):
        return None
    pk = outcome.pk if isinstance(outcome, Result) else outcome
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        pk = None
    found = Result.objects.filter(pk=pk, request=case, level=ResultLevel.OUTCOME).first()
    if found is None:
        raise ValidationError({"outcome": _("Choose one of the outcomes of this request.")})
    return found


def _has_actuals(indicators) -> bool:
    return Indicator.objects.filter(pk__in=indicators, actuals__isnull=False).exists()


def _refuse_if_reported(indicators, message: str) -> None:
    if _has_actuals(indicators):
        raise ApplicationError(message, code="has_actuals")


# --- Outcomes and outputs -----------------------------------------------------------------------


@transaction.atomic
def result_create(
    *, actor, case: AssistanceRequest, level: str, statement: str, outcome=None
) -> Result:
    """Add an outcome or an output (``level``: "outcome" or "output") to the case's results
    framework, last of its level; an output may serve one of the case's outcomes
    (``outcome``: the Result or its id)."""
    locked = _lock(case.pk, actor)
    if level not in ResultLevel.values:
        raise ValidationError({"level": _("Choose an outcome or an output.")})
    if level == ResultLevel.OUTCOME and outcome not in (None, ""):
        raise ValidationError({"outcome": _("Only an output serves an outcome.")})
    values = _normalised({"statement": statement})
    served = _outcome_of(locked, outcome) if level == ResultLevel.OUTPUT else None
    last = Result.objects.filter(request=locked, level=level).aggregate(last=Max("position"))
    result = Result(
        request=locked,
        level=level,
        statement=values["statement"],
        outcome=served,
        position=(last["last"] or 0) + 1,
    )
    _check(result)
    by(result, actor)
    result.save()
    _audit(actor, locked, "result_create", result=result.pk, level=level)
    return result


def _lock_result(actor, result) -> tuple[AssistanceRequest, Result]:
    """The case locked (once the actor may edit it), then the result, locked."""
    pk = result.pk if isinstance(result, Result) else result
    gone = ApplicationError(_("This result has already been removed."), code="gone")
    request_id = Result.objects.filter(pk=pk).values_list("request_id", flat=True).first()
    if request_id is None:
        raise gone
    locked = _lock(request_id, actor)
    row = Result.objects.select_for_update().filter(pk=pk, request=locked).first()
    if row is None:
        raise gone
    row.request = locked
    return locked, row


@transaction.atomic
def result_update(*, actor, result: Result, **fields) -> Result:
    """Reword a result (``statement``) or, for an output, change the outcome it serves
    (``outcome``: one of the case's outcomes, or None). Its level does not change."""
    _unknown(fields, RESULT_FIELDS)
    locked, row = _lock_result(actor, result)
    values = _normalised(fields)
    if "outcome" in values:
        if row.level != ResultLevel.OUTPUT and values["outcome"] not in (None, ""):
            raise ValidationError({"outcome": _("Only an output serves an outcome.")})
        row.outcome = _outcome_of(locked, values["outcome"])
    if "statement" in values:
        row.statement = values["statement"]
    _check(row)
    by(row, actor)
    row.save()
    _audit(actor, locked, "result_update", result=row.pk, fields=sorted(fields))
    return row


@transaction.atomic
def result_remove(*, actor, result: Result) -> None:
    """Remove a result with its indicators, refused while a progress report gave a value for
    one of them. An outcome's outputs stay, serving no outcome; an output's activity lines
    stay, serving no output."""
    locked, row = _lock_result(actor, result)
    _refuse_if_reported(
        row.indicators.values("pk"),
        _(
            "Progress reports gave values for the indicators of this result: it cannot be "
            "removed (it may be reworded)."
        ),
    )
    unlinked = []
    if row.level == ResultLevel.OUTCOME:
        for output in Result.objects.filter(outcome=row).order_by("pk"):
            output.outcome = None
            by(output, actor)
            output.save(update_fields=["outcome"])
            unlinked.append(output.pk)
    lines = list(row.activity_lines.values_list("pk", flat=True))
    for indicator in row.indicators.all():
        by(indicator, actor)
        indicator.delete()
    pk, level = row.pk, row.level
    by(row, actor)
    row.delete()
    detail = {"result": pk, "level": level}
    if unlinked:
        detail["outputs_unlinked"] = unlinked
    if lines:
        detail["activity_lines_unlinked"] = lines
    _audit(actor, locked, "result_remove", **detail)


# --- Indicators ----------------------------------------------------------------------------------


def _template_of(case: AssistanceRequest, template) -> IndicatorTemplate:
    """An active template of one of the case's categories (by row or by id)."""
    pk = template.pk if isinstance(template, IndicatorTemplate) else template
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        pk = None
    found = IndicatorTemplate.objects.filter(
        pk=pk, is_active=True, category__in=case.categories.all()
    ).first()
    if found is None:
        raise ValidationError(
            {"template": _("Choose one of the common indicators of the request's categories.")}
        )
    return found


def _template_values(template: IndicatorTemplate) -> dict:
    """What an indicator takes from ``template``: its texts in the editor's language (the
    active one; else the template's English)."""
    return {
        "name": translated(template, "name").text,
        "unit": translated(template, "unit").text,
        "means_of_verification": translated(template, "means_of_verification").text,
        "measure": template.measure,
        "ascending": template.ascending,
        "by_sex": template.by_sex,
    }


@transaction.atomic
def indicator_create(*, actor, result: Result, template=None, **fields) -> Indicator:
    """Add an indicator to a result (an outcome or an output), last of its indicators.

    ``fields``: any of ``INDICATOR_FIELDS`` (numbers as Decimals or as people type them, dates
    as dates or ISO text). With ``template`` (an ``IndicatorTemplate`` of one of the case's
    categories, or its id), the indicator starts from the template (its name, unit, measure,
    direction, disaggregation by sex and means of verification, in the editor's language) and
    keeps it as ``template``; ``fields`` given override it."""
    _unknown(fields, INDICATOR_FIELDS)
    locked, row = _lock_result(actor, result)
    values = {}
    chosen = None
    if template not in (None, ""):
        chosen = _template_of(locked, template)
        values.update(_template_values(chosen))
    values.update(_normalised(fields))
    last = Indicator.objects.filter(result=row).aggregate(last=Max("position"))
    indicator = Indicator(result=row, template=chosen, position=(last["last"] or 0) + 1)
    for name, value in values.items():
        setattr(indicator, name, value)
    _check(indicator)
    by(indicator, actor)
    indicator.save()
    detail = {"indicator": indicator.pk, "result": row.pk}
    if chosen is not None:
        detail["template"] = chosen.pk
    _audit(actor, locked, "indicator_create", **detail)
    return indicator


def _lock_indicator(actor, indicator) -> tuple[AssistanceRequest, Indicator]:
    pk = indicator.pk if isinstance(indicator, Indicator) else indicator
    request_id = (
        Indicator.objects.filter(pk=pk).values_list("result__request_id", flat=True).first()
    )
    gone = ApplicationError(_("This indicator has already been removed."), code="gone")
    if request_id is None:
        raise gone
    locked = _lock(request_id, actor)
    row = (
        Indicator.objects.select_for_update(of=("self",))
        .select_related("result")
        .filter(pk=pk, result__request=locked)
        .first()
    )
    if row is None:
        raise gone
    row.result.request = locked
    return locked, row


@transaction.atomic
def indicator_update(*, actor, indicator: Indicator, **fields) -> Indicator:
    """Change an indicator's fields (any of ``INDICATOR_FIELDS``). Once a progress report gave
    a value for it, its measure (units or percentage) no longer changes."""
    _unknown(fields, INDICATOR_FIELDS)
    locked, row = _lock_indicator(actor, indicator)
    values = _normalised(fields)
    if (
        "measure" in values
        and str(values["measure"]) != str(row.measure)
        and _has_actuals([row.pk])
    ):
        raise ValidationError(
            {
                "measure": _(
                    "Progress reports gave values for this indicator: its measure cannot "
                    "change any more."
                )
            }
        )
    for name, value in values.items():
        setattr(row, name, value)
    _check(row)
    by(row, actor)
    row.save()
    _audit(actor, locked, "indicator_update", indicator=row.pk, fields=sorted(fields))
    return row


@transaction.atomic
def indicator_remove(*, actor, indicator: Indicator) -> None:
    """Remove an indicator, refused once a progress report gave a value for it."""
    locked, row = _lock_indicator(actor, indicator)
    _refuse_if_reported(
        [row.pk],
        _(
            "Progress reports gave values for the indicator “%(indicator)s”: it cannot be "
            "removed (it may be reworded)."
        )
        % {"indicator": row.name[:80]},
    )
    pk, result_pk = row.pk, row.result_id
    by(row, actor)
    row.delete()
    _audit(actor, locked, "indicator_remove", indicator=pk, result=result_pk)
