"""Demo links between cases (the "multiplier effect") and a translated request, made by the
demo UNODA officer through the services, as in the portal (called by ``seed_demo``)."""

from . import services
from .models import AssistanceRequest, LinkKind

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
