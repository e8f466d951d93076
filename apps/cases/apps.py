from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "apps.cases"
    verbose_name = _("Assistance requests")

    def ready(self):
        from django.contrib.auth import get_user_model
        from django.db.models.signals import post_migrate

        from apps.core.reference import watch

        from .models import AssistanceKind, Category
        from .selectors import CATEGORIES, KINDS, OFFICERS, forget_permission_ids

        post_migrate.connect(forget_permission_ids, dispatch_uid="cases.forget_permission_ids")
        # The rows kept between requests (apps/core/reference.py) are read again after a
        # change.
        watch(Category, CATEGORIES)
        watch(AssistanceKind, KINDS)
        watch(get_user_model(), OFFICERS, unless_only=frozenset({"last_login"}))
