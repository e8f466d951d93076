from modeltranslation.translator import TranslationOptions, register

from .models import AssistanceKind, AssistanceRequest, Category, IndicatorTemplate


@register(Category)
class CategoryTranslationOptions(TranslationOptions):
    fields = ("name", "description")


@register(AssistanceKind)
class AssistanceKindTranslationOptions(TranslationOptions):
    fields = ("name",)


@register(AssistanceRequest)
class AssistanceRequestTranslationOptions(TranslationOptions):
    fields = ("title", "summary")


@register(IndicatorTemplate)
class IndicatorTemplateTranslationOptions(TranslationOptions):
    fields = ("name", "unit", "means_of_verification")
