from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "apps.cases"
    verbose_name = _("Assistance requests")

    def ready(self):
        from django.db.models.signals import post_migrate

        from .selectors import forget_permission_ids

        post_migrate.connect(forget_permission_ids, dispatch_uid="cases.forget_permission_ids")
