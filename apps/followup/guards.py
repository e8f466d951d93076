"""Guards of the case lifecycle that depend on follow-up records (see apps/cases/workflow.py)."""

from django.utils.translation import gettext as _

from .models import Agreement


def agreement_recorded(case) -> str | None:
    if not Agreement.objects.filter(request_id=case.pk).exists():
        return _(
            "Record the agreement (signed date, donors, amount, dates) first: recording it "
            "moves the case to “agreement”."
        )
    return None


def feedback_complete_or_waived(case) -> str | None:
    from .selectors import feedback_missing_parties

    missing = feedback_missing_parties(case=case)
    if missing:
        return _(
            "The case cannot be closed: feedback is missing from %(parties)s. Wait for it or "
            "record a waiver with a reason."
        ) % {"parties": ", ".join(org.name for org in missing)}
    return None
