from modeltranslation.translator import TranslationOptions, register

from .models import Organization


@register(Organization)
class OrganizationTranslationOptions(TranslationOptions):
    """An organisation's name and acronym in the six languages (UNDP is PNUD in French and
    Spanish, ПРООН in Russian); a State's names are its country's UN names (services)."""

    fields = ("name", "acronym")
