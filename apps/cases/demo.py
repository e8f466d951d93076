"""Demo links between cases (the "multiplier effect") and a translated request, made by the
demo UNODA officer through the services, as in the portal (called by ``seed_demo``); and the
results frameworks that the follow-up's demo gives the cases it reports on."""

import datetime
from decimal import Decimal

from . import services
from .models import (
    AssistanceRequest,
    Category,
    Indicator,
    IndicatorMeasure,
    IndicatorTemplate,
    LinkKind,
    Result,
    ResultLevel,
)

# (category of the case, category of the case it relates to, how, UNODA's note)
LINKS = [
    (
        "crime-links",
        "border",
        LinkKind.BUILDS_ON,
        "The investigations unit works from the seizures of the trained border officers.",
    ),
    (
        "law-enforcement",
        "border",
        LinkKind.COMPLEMENTS,
        "Border control also serves the counter-trafficking cooperation.",
    ),
    ("marking", "tracing", LinkKind.COMPLEMENTS, "Marked weapons are recorded in the new system."),
]
TRANSLATION = {
    "fr": (
        "Modernisation de la sécurité des armureries des dépôts régionaux de police",
        "Renforcer la sécurité des dépôts d'armes de la police.",
    ),
    "es": (
        "Mejora de la seguridad de los arsenales en los depósitos regionales de la policía",
        "Reforzar la seguridad de los depósitos de armas de la policía.",
    ),
}


def load_demo(*, rng, orgs, users):
    officer = users["officer"]
    cases = AssistanceRequest.objects.order_by("pk")
    for source, target, kind, note in LINKS:
        case = cases.filter(categories__code=source).first()
        other = cases.filter(categories__code=target).first()
        if case is not None and other is not None:
            services.case_link_add(
                actor=officer, case=case, other_reference=other.reference, kind=kind, note=note
            )
    case = cases.filter(categories__code="stockpile", requesting_organization__name="Sierra Leone")
    case = case.first() or cases.filter(categories__code="stockpile").first()
    if case is not None:
        for language, (title, summary) in TRANSLATION.items():
            if language != case.original_language:
                services.request_translate(
                    actor=officer, case=case, language=language, title=title, summary=summary
                )


# --- Results frameworks (issue 29) ------------------------------------------------------------

# The categories whose demo cases get a framework when they are implemented and closed (the
# follow-up's demo); cases in implementation get one whatever their category.
FRAMEWORK_CATEGORIES = ("stockpile", "marking", "destruction")
OUTCOMES = {
    "stockpile": "State-held weapons and ammunition are stored to ISACS/MOSAIC standards",
    "marking": "State-held weapons are marked and can be traced",
    "destruction": "Surplus weapons and ammunition are destroyed for good",
}
OUTPUTS = {
    "stockpile": "Storage sites refurbished and their managers trained",
    "marking": "Marking machines installed and weapons marked",
    "destruction": "Destruction events held and certified",
}
# The demo's targets by unit; a percentage goes from 20 to 90.
TARGETS = {"people": 120, "weapons": 3000, "sites": 6, "machines": 4, "tonnes": 40}


def framework_create(
    case: AssistanceRequest, *, start: datetime.date, end: datetime.date
) -> list[Indicator]:
    """The results framework of a demo case from the indicator templates of its category (of
    stockpile management where its category has none): an outcome measured by the first
    template, an output by the others, which the case's activity lines serve; from baselines on
    ``start`` to targets on ``end``. Written with the ORM, in this one function, until the
    framework's services exist."""
    templates = []
    for category in [*case.categories.order_by("position"), Category.objects.get(code="stockpile")]:
        templates = list(IndicatorTemplate.objects.filter(category=category, is_active=True))
        if templates:
            break
    code = category.code
    outcome = Result.objects.create(
        request=case,
        level=ResultLevel.OUTCOME,
        statement=OUTCOMES.get(code, f"{category.name}: the request's objectives are met"),
    )
    output = None
    if templates[1:]:
        output = Result.objects.create(
            request=case,
            level=ResultLevel.OUTPUT,
            outcome=outcome,
            statement=OUTPUTS.get(code, f"{category.name}: the proposal's activities delivered"),
        )
        case.activity_lines.update(output=output)
    indicators = []
    for position, template in enumerate(templates):
        percentage = template.measure == IndicatorMeasure.PERCENTAGE
        indicators.append(
            Indicator.objects.create(
                result=outcome if position == 0 else output,
                position=position,
                name=template.name,
                unit=template.unit,
                measure=template.measure,
                ascending=template.ascending,
                by_sex=template.by_sex,
                means_of_verification=template.means_of_verification,
                template=template,
                baseline_value=Decimal(20 if percentage else 0),
                baseline_date=start,
                target_value=Decimal(90 if percentage else TARGETS.get(template.unit, 10)),
                target_date=end,
            )
        )
    return indicators
