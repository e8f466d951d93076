from modeltranslation.translator import TranslationOptions, register

from .models import ReminderRule


@register(ReminderRule)
class ReminderRuleTranslationOptions(TranslationOptions):
    fields = ("name", "message")
