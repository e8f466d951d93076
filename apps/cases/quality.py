"""Request quality: a completeness checklist shown to the State and to UNODA."""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Completeness:
    score: int  # 0-100
    items: list[tuple[str, bool]]  # (label, met)


def completeness(case) -> Completeness:
    items = [
        (_("Objectives stated"), bool(case.objectives.strip())),
        (
            _("Activities and budget lines"),
            bool(case.activities.strip()) and case.budget_amount is not None,
        ),
        (_("Beneficiaries"), bool(case.beneficiaries.strip())),
        (_("National ownership"), bool(case.national_ownership.strip())),
        (_("Link to the national report"), bool(case.national_report_url)),
        (_("Sustainability"), bool(case.sustainability.strip())),
    ]
    met = sum(1 for _label, ok in items if ok)
    return Completeness(score=round(100 * met / len(items)), items=items)
